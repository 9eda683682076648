/*
 * netns.c -- network namespaces and links of the lab. Bulk creation goes
 * through one `ip -batch` (namespaces, veth pairs born in their
 * namespaces, the bridge) and `tc -n NS -batch` (shaping); the per-node
 * details (IPv6 off, offloads off, address, link up, bridge port) are done
 * here directly after setns(), with sysctl files, the ethtool ioctl and
 * rtnetlink, which keeps a 250-node lab to a handful of child processes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "lab/lab.h"

int lab_batch(const char *tool, const char *netns, const char *text,
	      struct pt_err *err)
{
	int fds[2], st;
	pid_t pid;
	size_t len = strlen(text), off = 0;
	char errpath[] = "/tmp/p2ptrace-batch.XXXXXX";
	int efd = mkstemp(errpath);

	if (efd < 0)
		return pt_fail(err, PT_EIO, "/tmp", "mkstemp: %s",
			       strerror(errno));
	unlink(errpath);
	if (pipe(fds)) {
		close(efd);
		return pt_fail(err, PT_EIO, tool, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(efd);
		close(fds[0]);
		close(fds[1]);
		return pt_fail(err, PT_EIO, tool, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		dup2(efd, 1);
		dup2(efd, 2);
		close(fds[0]);
		close(fds[1]);
		if (netns)
			execlp(tool, tool, "-n", netns, "-batch", "-",
			       (char *)NULL);
		else
			execlp(tool, tool, "-batch", "-", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t w = write(fds[1], text + off, len - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fds[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char msg[200] = "";
		ssize_t n = pread(efd, msg, sizeof(msg) - 1, 0);

		msg[n > 0 ? n : 0] = 0;
		msg[strcspn(msg, "\n")] = 0;
		close(efd);
		return pt_fail(err, PT_EIO, tool, "%s%s-batch failed: %s",
			       netns ? netns : "", netns ? ": " : "",
			       msg[0] ? msg : "exit status non-zero");
	}
	close(efd);
	return 0;
}

static int home_fd = -1;

int lab_ns_enter(const char *netns)
{
	char path[PATH_MAX];
	int fd, rc;

	if (home_fd < 0) {
		home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home_fd < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

int lab_ns_home(void)
{
	if (home_fd < 0)
		return 0;
	return setns(home_fd, CLONE_NEWNET);
}

int lab_ns_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

int lab_ns_offloads_off(const char *ifname)
{
	static const unsigned cmds[] = { ETHTOOL_STSO, ETHTOOL_SGSO,
					 ETHTOOL_SGRO };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -1;
	for (unsigned i = 0; i < 3; i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr))
			rc = -1;
	}
	close(fd);
	return rc;
}

/* One rtnetlink request, waiting for its ACK. */
static int nl_talk(struct nlmsghdr *h)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n;
	int rc = -1;

	if (fd < 0)
		return -1;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 1;
	if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) <
	    0)
		goto out;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n >= (ssize_t)sizeof(struct nlmsghdr)) {
		struct nlmsghdr *r = (struct nlmsghdr *)buf;

		if (r->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(r);

			rc = e->error ? -1 : 0;
			if (e->error)
				errno = -e->error;
		}
	}
out:
	close(fd);
	return rc;
}

static void nl_attr(struct nlmsghdr *h, unsigned short type, const void *data,
		    unsigned short len)
{
	struct rtattr *a =
		(struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int lab_ns_link_up(const char *ifname, const char *master)
{
	union {
		struct nlmsghdr h;
		char b[256];
	} m;
	struct ifinfomsg *ifi;
	unsigned idx = if_nametoindex(ifname);

	if (!idx)
		return -1;
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	m.h.nlmsg_type = RTM_NEWLINK;
	ifi = NLMSG_DATA(&m.h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)idx;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (master) {
		unsigned mi = if_nametoindex(master);

		if (!mi)
			return -1;
		nl_attr(&m.h, IFLA_MASTER, &mi, sizeof(mi));
	}
	return nl_talk(&m.h);
}

int lab_ns_addr_add(const char *ifname, uint32_t addr, unsigned prefix)
{
	union {
		struct nlmsghdr h;
		char b[256];
	} m;
	struct ifaddrmsg *ifa;
	unsigned idx = if_nametoindex(ifname);
	uint32_t a = htonl(addr),
		 bc = htonl(addr | ~(0xffffffffu << (32 - prefix)));

	if (!idx)
		return -1;
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	m.h.nlmsg_type = RTM_NEWADDR;
	m.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = NLMSG_DATA(&m.h);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	nl_attr(&m.h, IFA_LOCAL, &a, 4);
	nl_attr(&m.h, IFA_ADDRESS, &a, 4);
	nl_attr(&m.h, IFA_BROADCAST, &bc, 4);
	return nl_talk(&m.h);
}

int lab_ns_dev_bytes(const char *ifname, uint64_t *rx, uint64_t *tx)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];
	size_t l = strlen(ifname);

	*rx = *tx = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		unsigned long long v[16];

		while (*p == ' ')
			p++;
		if (strncmp(p, ifname, l) || p[l] != ':')
			continue;
		if (sscanf(p + l + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8]) == 9) {
			*rx = v[0];
			*tx = v[8];
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

int lab_ns_exists(const char *netns)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	return stat(path, &st) == 0;
}

int lab_ns_delete(const char *netns)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	if (access(path, F_OK))
		return 0;
	umount2(path, MNT_DETACH);
	if (unlink(path) && errno != ENOENT)
		return -1;
	return 0;
}

unsigned long lab_ns_inode(const char *netns)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	if (stat(path, &st) || st.st_ino < 2)
		return 0;
	/* An unmounted placeholder file is not a namespace. */
	{
		struct stat self;

		if (stat("/run/netns", &self) == 0 && st.st_dev == self.st_dev)
			return 0;
	}
	return (unsigned long)st.st_ino;
}

unsigned lab_ns_pids(const unsigned long *inodes, unsigned n, pid_t *pids,
		     unsigned max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned cnt = 0;
	pid_t self = getpid();

	if (!d)
		return 0;
	while ((de = readdir(d)) && cnt < max) {
		char path[64];
		struct stat st;
		long pid = strtol(de->d_name, NULL, 10);

		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st))
			continue;
		for (unsigned i = 0; i < n; i++)
			if (inodes[i] &&
			    (unsigned long)st.st_ino == inodes[i]) {
				pids[cnt++] = (pid_t)pid;
				break;
			}
	}
	closedir(d);
	return cnt;
}

int lab_ns_listening(unsigned port, int udp)
{
	FILE *f = fopen(udp ? "/proc/net/udp" : "/proc/net/tcp", "r");
	char line[256];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned lport, st;

		/* "  0: 0100A8C0:1B39 00000000:0000 0A ...": TCP_LISTEN (0A),
		 * or for UDP a bound unconnected socket (TCP_CLOSE, 07) */
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &lport, &st) == 2 &&
		    lport == port && st == (udp ? 0x07u : 0x0Au))
			found = 1;
	}
	fclose(f);
	return found;
}

int lab_batch_many(const char *tool, const char *const *netns,
		   const char *const *texts, unsigned n, unsigned maxpar,
		   struct pt_err *err)
{
	pid_t *pids = calloc(n ? n : 1, sizeof(pid_t));
	char errpath[] = "/tmp/p2ptrace-batch.XXXXXX";
	int efd = mkstemp(errpath), rc = 0;
	unsigned next = 0, running = 0, failed = n;

	if (!pids || efd < 0) {
		free(pids);
		if (efd >= 0)
			close(efd);
		return pt_fail(err, PT_EIO, tool, "out of memory or no /tmp");
	}
	unlink(errpath);
	signal(SIGPIPE, SIG_IGN);
	while (next < n || running) {
		int st;
		pid_t w;

		if (next < n && running < maxpar) {
			int fds[2];
			size_t len = strlen(texts[next]);

			if (!len) {
				next++;
				continue;
			}
			if (pipe(fds)) {
				rc = pt_fail(err, PT_EIO, tool, "pipe: %s",
					     strerror(errno));
				break;
			}
			pids[next] = fork();
			if (pids[next] == 0) {
				dup2(fds[0], 0);
				dup2(efd, 1);
				dup2(efd, 2);
				close(fds[0]);
				close(fds[1]);
				execlp(tool, tool, "-n", netns[next], "-batch",
				       "-", (char *)NULL);
				_exit(127);
			}
			close(fds[0]);
			if (pids[next] > 0) {
				/* a node's few lines fit in the pipe buffer */
				if (write(fds[1], texts[next], len) !=
				    (ssize_t)len)
					rc = -1;
				running++;
			}
			close(fds[1]);
			next++;
			continue;
		}
		/* only our own children: capture may be running beside us */
		w = 0;
		for (unsigned i = 0; i < next && !w; i++)
			if (pids[i] > 0 &&
			    waitpid(pids[i], &st, WNOHANG) == pids[i]) {
				w = pids[i];
				pids[i] = 0;
				running--;
				if ((!WIFEXITED(st) || WEXITSTATUS(st)) &&
				    failed == n)
					failed = i;
			}
		if (!w)
			usleep(1000);
	}
	if (!rc && failed < n) {
		char msg[200] = "";
		ssize_t k = pread(efd, msg, sizeof(msg) - 1, 0);

		msg[k > 0 ? k : 0] = 0;
		msg[strcspn(msg, "\n")] = 0;
		rc = pt_fail(err, PT_EIO, tool, "%s: -batch failed: %s",
			     netns[failed],
			     msg[0] ? msg : "exit status non-zero");
	} else if (rc && rc != PT_EIO) {
		rc = pt_fail(err, PT_EIO, tool, "cannot feed the batches");
	}
	close(efd);
	free(pids);
	return rc;
}
