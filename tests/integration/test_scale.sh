#!/bin/sh
# test_scale.sh -- analysis at scale (issues 13 and 15):
#  1. --windows writes no rows for a long run of empty windows: 10 packets
#     6,000,000 s apart give 10 rows (not 900,000); a gap of 49 empty
#     windows (<= 100) keeps its zeros: 51 rows;
#  2. input that is not a regular file is streamed: /dev/zero is refused
#     at once, a 3 M-flow flood through a pipe is analysed;
#  3. memory stays under the budget (--memory 256M) on that flood: peak RSS
#     (GNU time) printed and compared, with -j 1 and -j 2;
#  4. -j 2 gives the rows of -j 1 (sorted: row order is documented as
#     unspecified with -j N) on the fixtures and on the shared traces.
. "$(dirname "$0")/../lib.sh"

# ---- 1. windows ----------------------------------------------------------
# pcap of UDP packets 10.0.0.1 -> 10.0.0.2 at the given seconds
mkpcap() {
	python3 - "$@" <<'PY'
import struct, sys
out = sys.argv[1]
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t in sys.argv[2:]:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + struct.pack("!HHHH", 1000, 2000, 8, 0)
        f.write(struct.pack("<IIII", int(t), 0, len(frame), len(frame)) + frame)
PY
}
if command -v python3 >/dev/null; then
	ts=""
	for k in 0 1 2 3 4 5 6 7 8 9; do ts="$ts $((1000000000 + k * 6000000))"; done
	# shellcheck disable=SC2086
	mkpcap "$TMPD/far.pcap" $ts
	"$P2PTRACE" analyze -q --windows "$TMPD/far.csv" "$TMPD/far.pcap"
	expect_eq "10 packets 6e6 s apart: window rows" "$(($(wc -l <"$TMPD/far.csv") - 1))" 10
	mkpcap "$TMPD/near.pcap" 1000000000 1000003000
	"$P2PTRACE" analyze -q --windows "$TMPD/near.csv" "$TMPD/near.pcap"
	expect_eq "2 packets 50 windows apart: rows (49 empty kept)" \
		"$(($(wc -l <"$TMPD/near.csv") - 1))" 51
else
	skip windows "python3 not installed"
fi

# ---- 2. streaming ----------------------------------------------------------
if timeout 10 "$P2PTRACE" analyze -q /dev/zero 2>"$TMPD/zero.err"; then
	not_ok "/dev/zero refused" "exit 0"
else
	expect_eq "/dev/zero refused at once, with the reason" \
		"$(grep -c 'not a pcap' "$TMPD/zero.err")" 1
fi

# ---- 3. memory under the budget ----------------------------------------------
GEN=$(dirname "$P2PTRACE")/genflows
if [ ! -x "$GEN" ]; then
	GEN=$TMPD/genflows
	${CC:-cc} -std=c11 -O2 -o "$GEN" "$ROOT/bench/genflows.c" 2>/dev/null || GEN=
fi
SAN=0
case $P2PTRACE in */san/*) SAN=1 ;; esac
if [ -z "$GEN" ] || [ ! -x /usr/bin/time ]; then
	skip memory "no genflows or no GNU time (/usr/bin/time)"
elif [ "$SAN" = 1 ]; then
	skip memory "sanitizer build: ASan's shadow memory is not the program's"
else
	budget_kib=$((256 * 1024))
	for j in 1 2; do
		/usr/bin/time -f '%M' -o "$TMPD/rss$j" sh -c \
			"'$GEN' 3000000 1 - 0 2>/dev/null | '$P2PTRACE' analyze -q -j $j --memory 256M --nodes '$TMPD/m$j.csv' /dev/stdin 2>'$TMPD/m$j.err'"
		rss=$(tail -1 "$TMPD/rss$j")
		pk=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "pkts") k = i } NR == 2 { print $k }' "$TMPD/m$j.csv")
		echo "  3 M-flow flood through a pipe, -j $j, --memory 256M: peak RSS $rss KiB ($((rss / 1024)) MiB), $pk packets"
		expect_eq "flood -j $j: every packet read" "$pk" 3000000
		if [ "$rss" -lt "$budget_kib" ]; then
			ok "flood -j $j: peak RSS $rss KiB < budget $budget_kib KiB"
		else
			not_ok "flood -j $j: peak RSS under budget" "$rss KiB >= $budget_kib KiB"
		fi
		expect_eq "flood -j $j: the address bound is reported" \
			"$(grep -c 'address limit reached' "$TMPD/m$j.err")" 1
	done
fi

# ---- 4. -j 2 = -j 1 ------------------------------------------------------------
# Sorted rows; summary without its "peak active" line (documented: the
# sum of the workers' peaks). The nodes rows are compared unless the
# node's address is a tie (two addresses with the most flows and packets:
# then which one is the node's depends on the order hosts are met).
same_rows() { # FILE: -j 1 and -j 2 outputs of FILE agree
	f=$1
	for j in 1 2; do
		"$P2PTRACE" analyze -q -j $j --features --by-host --flows "$TMPD/f$j" \
			--nodes "$TMPD/n$j" --windows "$TMPD/w$j" "$f" 2>/dev/null || true
	done
	for t in f w; do
		sort "$TMPD/${t}1" >"$TMPD/${t}1.s"
		sort "$TMPD/${t}2" >"$TMPD/${t}2.s"
		cmp -s "$TMPD/${t}1.s" "$TMPD/${t}2.s" || return 1
	done
	tie=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "flows") fl = i; if ($i == "pkts") pk = i } next }
		$0 !~ /^[^,]*,[^,]*,(0\.0\.0\.0|::|2[2-5][0-9]\.|ff)/ && NR > 2 { c[$fl "," $pk]++; if ($fl > mf || ($fl == mf && $pk > mp)) { mf = $fl; mp = $pk } }
		END { print (c[mf "," mp] > 1) ? 1 : 0 }' "$TMPD/n1")
	[ "$tie" = 1 ] && return 0
	sort "$TMPD/n1" >"$TMPD/n1.s"
	sort "$TMPD/n2" >"$TMPD/n2.s"
	cmp -s "$TMPD/n1.s" "$TMPD/n2.s"
}
files=$(ls "$ROOT"/tests/fixtures/*.pcap "$ROOT"/tests/fixtures/*.pcapng 2>/dev/null)
# the shared traces with the normal build (the sanitizer build: fixtures)
[ -n "$SHARED" ] && [ "$SAN" = 0 ] &&
	files="$files $(ls "$SHARED"/*.pcap "$SHARED"/*.pcapng 2>/dev/null)"
n=0
bad=""
for f in $files; do
	n=$((n + 1))
	same_rows "$f" || bad="$bad $(basename "$f")"
done
expect_eq "-j 2 rows = -j 1 rows on $n traces" "$bad" ""
[ -n "$SHARED" ] || skip "-j 2 = -j 1 on the shared traces" "../shared/data/pcap not found"
