/*
 * list.h -- the lab's profiles, one line each, in the order `lab check`
 * lists them. Adding a profile: its file src/lab/profiles/NAME.c defines
 * `const struct lab_profile lab_profile_NAME` (see lab/profile.h), and one
 * LAB_PROFILE(NAME) line goes here. No include guard: profile.h and
 * table.c include it with their own LAB_PROFILE.
 */
LAB_PROFILE(bittorrent_tracker)
LAB_PROFILE(bittorrent_seed)
LAB_PROFILE(bittorrent_leech)
LAB_PROFILE(bittorrent_query)
LAB_PROFILE(http_server)
LAB_PROFILE(http_client)
LAB_PROFILE(ftp_server)
LAB_PROFILE(ftp_client)
LAB_PROFILE(ssh_server)
LAB_PROFILE(ssh_client)
LAB_PROFILE(web_server)
LAB_PROFILE(web_client)
LAB_PROFILE(dns_server)
LAB_PROFILE(dns_client)
LAB_PROFILE(ntp_server)
LAB_PROFILE(ntp_client)
LAB_PROFILE(mqtt_broker)
LAB_PROFILE(mqtt_client)
LAB_PROFILE(edonkey)
LAB_PROFILE(gnunet)
LAB_PROFILE(command)
LAB_PROFILE(idle)
LAB_PROFILE(qemu)
