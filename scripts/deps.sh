#!/bin/sh
# Installs every Debian package p2ptrace builds, tests, benchmarks and runs
# its lab with. Called by `make deps` (and so by `make check` / `make demo`).
# Skips apt entirely when everything is already present.
set -e
PKGS="build-essential pkg-config libpcap-dev libcmocka-dev libndpi-dev libndpi-bin
libfixbuf-dev libfixbuf-tools libxgboost-dev clang llvm libclang-rt-14-dev
tshark wireshark-common tcpdump tcpreplay softflowd argus-client argus-server
iproute2 ethtool iputils-ping iperf3 psmisc procps
opentracker aria2 mktorrent transmission-cli
nginx-light vsftpd openssh-server openssh-client curl wget ftp
amule-daemon amule-utils qemu-system-x86 qemu-utils busybox-static linux-image-amd64 dnsmasq-base
chromium jq bc time cppcheck clang-format
gnunet transmission-daemon qbittorrent-nox deluged deluge-console rtorrent lftp
chrony unbound bind9-dnsutils rsync openssl nfdump mosquitto mosquitto-clients"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Daemons installed here must not start in the root namespace: the lab
# starts its own, inside namespaces it owns.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends $missing >/dev/null
