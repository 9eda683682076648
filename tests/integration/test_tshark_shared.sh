#!/bin/sh
# tests/integration/test_tshark_shared.sh -- every trace of ../shared/data/pcap
# (MANIFEST.tsv) through `p2ptrace analyze --idle 0`, checked against tshark
# run once per file at test time:
#  1. flows: summed per (addresses, ports, protocol) and per direction (by
#     address), the packets and frame bytes equal tshark's, with tshark's
#     packets keyed by the decoder's documented rules (tshark_flows.awk says
#     which, and which packets are left out and why: the counts are printed);
#  2. the nodes row's plen bins equal `tshark -q -z plen,tree` exactly;
#  3. with the default options (idle 64 s, TCP end) the flows, split more
#     finely, add up to the same sums, and every row is sane (an end reason,
#     the originator sent >= 1 packet unless the other side's SYN/ACK made
#     it the originator, first_ns <= last_ns).
# tshark runs with IP/TCP reassembly off (the decoder does not reassemble).
# Two files at a time (xargs -P); P2PT_SHARED_ONLY=GLOB limits the files.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/integration/csv.sh"

# ---- one file (run by xargs): writes $TMPD/r/NAME.res --------------------
if [ "${1:-}" = --one ]; then
	f=$2
	n=$(basename "$f")
	o=$TMPD/r/$n
	c=""
	if [ -n "$TSH_CACHE" ]; then
		c=$TSH_CACHE/$n.$(cksum <"$f" | tr ' ' '-').$TSH_KEY
	fi
	if [ -n "$c" ] && [ -s "$c" ]; then
		cp "$c" "$o.t"
	else
		tshark_t "$f" "$o.t"
		[ -n "$c" ] && grep -q '^B [0-9]' "$o.t" && cp "$o.t" "$c.$$" && mv "$c.$$" "$c"
	fi
	"$P2PTRACE" analyze -q --idle 0 --flows "$o.flows" --nodes "$o.nodes" "$f" \
		>/dev/null 2>"$o.err"
	rc=$?
	if [ $rc != 0 ]; then
		if [ $rc = 2 ] && grep -qi 'link' "$o.err"; then
			echo "EXCLFILE $n link type refused: $(head -1 "$o.err")" >"$o.res"
		else
			echo "FAILRUN $n exit $rc: $(head -2 "$o.err" | tr '\n' ' ')" >"$o.res"
		fi
		exit 0
	fi
	eng_flines "$o.flows" "$o.t" >"$o.eflows"
	# default options (idle 64 s, TCP end): the split flows must add up
	# to the same sums; every row sane
	"$P2PTRACE" analyze -q --flows "$o.dflows" "$f" >/dev/null 2>&1
	eng_flines "$o.dflows" "$o.t" >"$o.edflows"
	# (pkts_fwd may be 0 only when a SYN/ACK was seen from the other
	# side: its receiver is taken as the originator)
	insane=$(sel "$o.dflows" pkts_fwd,pkts_rev,first_ns,last_ns,end_reason,proto,tcp_flags_rev | awk -F, '
		{ synack = $6 == 6 && int($7 / 2) % 2 && int($7 / 16) % 2 }
		!($5 ~ /^(idle|active|eof|forced|lack)$/) || ($1 < 1 && !synack) || $3 > $4 || $1 + $2 < 1 { n++; if (!r) r = $0 }
		END { if (n) print n " rows like " r }')
	grep '^F ' "$o.t" | sort >"$o.tflows"
	nf=$(wc -l <"$o.tflows")
	nx=$(grep -c '^X ' "$o.t")
	tb=$(sed -n 's/^B //p' "$o.t")
	eb=$(sel "$o.nodes" "$PLEN_COLS" | head -1)
	res=OK
	why=""
	if ! cmp -s "$o.tflows" "$o.eflows"; then
		res=FAIL
		why="flows differ (< tshark, > p2ptrace): $(diff "$o.tflows" "$o.eflows" | grep '^[<>]' | head -6 | tr '\n' ';')"
	fi
	if ! cmp -s "$o.tflows" "$o.edflows"; then
		res=FAIL
		why="$why default-option flows do not add up: $(diff "$o.tflows" "$o.edflows" | grep '^[<>]' | head -4 | tr '\n' ';')"
	fi
	if [ -n "$insane" ]; then
		res=FAIL
		why="$why bad rows (reason, pkts_fwd >= 1, first <= last): $insane"
	fi
	if [ -z "$tb" ] || [ "$tb" != "$eb" ]; then
		res=FAIL
		why="$why bins: p2ptrace '$eb' tshark '$tb'"
	fi
	echo "$res $n $nf $nx $why" >"$o.res"
	grep '^E ' "$o.t" | sed "s/^E /$n /" >"$o.excl"
	rm -f "$o.t"
	exit 0
fi

# ---- the suite ---------------------------------------------------------
if [ -z "$SHARED" ] || [ ! -f "$SHARED/MANIFEST.tsv" ]; then
	skip "shared traces against tshark" "../shared/data/pcap not found"
	exit 0
fi
if ! command -v tshark >/dev/null 2>&1; then
	skip "shared traces against tshark" "tshark not installed"
	exit 0
fi
if ! have_analyze; then
	skip "shared traces against tshark" "p2ptrace analyze not available"
	exit 0
fi
mkdir -p "$TMPD/r"
# tshark's view of a file is kept in build/tshark-cache (keyed by the file's
# checksum, this suite's awk rules and tshark's version), so the second run
# in make check (sanitizer binary) does not run tshark again.
# P2PT_TSHARK_CACHE= (empty) turns it off.
TSH_CACHE=${P2PT_TSHARK_CACHE-$ROOT/build/tshark-cache}
TSH_KEY=$( (cat "$ROOT/tests/integration/tshark_flows.awk"; echo "$TSHARK_FIELDS";
	tshark --version 2>/dev/null | head -1) | cksum | cut -d' ' -f1)
[ -n "$TSH_CACHE" ] && { mkdir -p "$TSH_CACHE" 2>/dev/null || TSH_CACHE=""; }
export TMPD P2PTRACE ROOT SHARED TSH_CACHE TSH_KEY
start=$(date +%s)
awk -F'\t' 'NR > 1 && $1 != "" { print $1 }' "$SHARED/MANIFEST.tsv" |
	while read -r n; do
		case $n in ${P2PT_SHARED_ONLY:-*}) printf '%s\n' "$SHARED/$n" ;; esac
	done >"$TMPD/files"
xargs -P 2 -I '{}' sh "$0" --one '{}' <"$TMPD/files"
secs=$(($(date +%s) - start))
total=$(wc -l <"$TMPD/files")
cat "$TMPD"/r/*.res >"$TMPD/all.res" 2>/dev/null
nres=$(wc -l <"$TMPD/all.res")
nok=$(grep -c '^OK ' "$TMPD/all.res")
nfail=$(grep -c '^FAIL' "$TMPD/all.res")
nexf=$(grep -c '^EXCLFILE ' "$TMPD/all.res")
flows=$(awk '$1 == "OK" || $1 == "FAIL" { s += $3 } END { print s + 0 }' "$TMPD/all.res")
xflows=$(awk '$1 == "OK" || $1 == "FAIL" { s += $4 } END { print s + 0 }' "$TMPD/all.res")
echo "   shared: $nres of $total files in ${secs}s; $nok agree with tshark, $nfail differ, $nexf files left out"
echo "   shared: $flows flow keys compared, $xflows keys left out; packets left out by reason:"
cat "$TMPD"/r/*.excl 2>/dev/null | awk '{ n = $2; f = $1; $1 = ""; $2 = ""; sub(/^  /, ""); c[$0] += n; nf[$0]++ }
	END { for (r in c) printf "     %7d packets in %3d files: %s\n", c[r], nf[r], r }' | sort -rn
grep '^EXCLFILE ' "$TMPD/all.res" | sed 's/^EXCLFILE /   left out: /'
grep '^FAIL' "$TMPD/all.res" | while read -r st n rest; do
	not_ok "shared $n agrees with tshark" "$st $rest"
done
if [ "$nres" != "$total" ]; then
	not_ok "shared: every trace checked" "only $nres of $total"
fi
if [ "$nfail" = 0 ] && [ "$nok" -gt 0 ]; then
	ok "shared: flows and bins of $nok files equal tshark's ($flows flow keys; $xflows keys and $nexf files left out, see above)"
fi
# the time is information, not a test: speed is shown by make bench
echo "   (all traces checked in ${secs}s; load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null))"
exit 0
