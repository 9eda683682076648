#!/bin/sh
# bench_analyze.sh -- `make bench`: how fast `p2ptrace analyze` turns a
# large trace into flows, next to nfpcapd (nfdump), softflowd, ndpiReader,
# tshark and cat, all pinned to one core (and p2ptrace -j 2 on two), on
# two inputs: the bench trace below (few flows at once) and a generated
# one with FLOWS_N (500,000) flows all active (bench/genflows.c); then the
# issue 15 targets, and the bytes one active flow costs, from a run that
# holds 10^6 flows at once (bench/flowmem.c).
#
# Input: one pcap of >= 100 MB and >= 700,000 packets under $BENCH_DIR
# (default /tmp/p2ptrace-bench), built once and kept between runs: COPIES
# copies of the shared trace bittorrent_transmission.pcapng, copy k moved
# k*150 s later (editcap -t; the trace lasts 148.3 s) and its addresses
# rewritten by `tcprewrite --seed=k` so that no two copies share a flow,
# appended in order (mergecap -a). It is rebuilt when missing or when the
# recipe below changes.
#
# Each tool runs RUNS times (default 5), the tools taking turns, after one
# untimed warm-up read of the file; wall time is measured around the
# command, peak RSS by GNU time (%M). Printed per tool: median wall time,
# packets/s, MB/s, peak RSS and wall time relative to p2ptrace. A
# benchmark, not a test: exits 0 whether or not the target is met, 1 only
# when it cannot run. Method and figures: docs/benchmarks.md.
#
# Environment: BUILD (build dir, default build), P2PTRACE (binary),
# BENCH_DIR, RUNS, BENCH_CPU (core to pin to, default 1), COPIES (92),
# FLOWMEM_FLOWS (10^6), BENCH_TOOLS (subset, e.g. "p2ptrace ndpiReader cat").
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
P2PTRACE=${P2PTRACE:-$ROOT/$BUILD/p2ptrace}
LIBA=$ROOT/$BUILD/libp2ptrace.a
SHARED=${SHARED:-$ROOT/../shared/data/pcap}
BENCH_DIR=${BENCH_DIR:-/tmp/p2ptrace-bench}
RUNS=${RUNS:-3}
CPU=${BENCH_CPU:-1}
COPIES=${COPIES:-92}
SHIFT=150
FLOWMEM_FLOWS=${FLOWMEM_FLOWS:-1000000}
BENCH_TOOLS=${BENCH_TOOLS:-"p2ptrace p2p-j2 p2p+feat nfpcapd softflowd ndpiReader tshark cat"}
SRC=$SHARED/bittorrent_transmission.pcapng
INPUT=$BENCH_DIR/bench-input.pcap
STAMP=$BENCH_DIR/bench-input.recipe
MIN_BYTES=100000000
MIN_PKTS=700000
TIME=/usr/bin/time

die() {
	echo "bench: $*" >&2
	exit 1
}

for t in editcap mergecap capinfos tcprewrite taskset; do
	command -v $t >/dev/null 2>&1 || die "$t not found (run 'make deps')"
done
[ -x "$TIME" ] || die "$TIME not found (Debian package 'time'; run 'make deps')"
[ -x "$P2PTRACE" ] || die "$P2PTRACE not found (run 'make')"
[ -f "$SRC" ] || die "$SRC not found (the shared traces)"
nproc_all=$(nproc --all)
[ "$CPU" -lt "$nproc_all" ] || CPU=0
mkdir -p "$BENCH_DIR"

# ---- the input file ------------------------------------------------------

recipe="src=$(sha256sum "$SRC" | cut -c1-64) copies=$COPIES shift=$SHIFT v=1"
if [ ! -s "$INPUT" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$recipe" ]; then
	echo "bench: building $INPUT ($COPIES rewritten copies of $(basename "$SRC"))"
	tmp=$(mktemp -d "$BENCH_DIR/build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
	editcap -F pcap "$SRC" "$tmp/base.pcap"
	k=1
	list=""
	while [ "$k" -le "$COPIES" ]; do
		editcap -F pcap -t $((k * SHIFT)) "$tmp/base.pcap" "$tmp/shift.pcap"
		tcprewrite --seed="$k" -i "$tmp/shift.pcap" -o "$tmp/c$k.pcap"
		list="$list $tmp/c$k.pcap"
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	mergecap -F pcap -a -w "$tmp/all.pcap" $list
	capinfos -M -c -T -r "$tmp/all.pcap" | awk -F'\t' 'NR==1{print $2}' >"$tmp/pkts"
	mv "$tmp/all.pcap" "$INPUT"
	mv "$tmp/pkts" "$BENCH_DIR/bench-input.pkts"
	echo "$recipe" >"$STAMP"
	rm -rf "$tmp"
	trap - EXIT INT TERM
fi
PKTS=$(cat "$BENCH_DIR/bench-input.pkts")
BYTES=$(stat -c %s "$INPUT")
[ "$BYTES" -ge "$MIN_BYTES" ] || die "$INPUT: $BYTES bytes < $MIN_BYTES"
[ "$PKTS" -ge "$MIN_PKTS" ] || die "$INPUT: $PKTS packets < $MIN_PKTS"

# ---- the second input: N flows all active at once (bench/genflows.c) --------

FLOWS_N=${FLOWS_N:-500000}
FLOWS_PER=${FLOWS_PER:-4}
FINPUT=$BENCH_DIR/flows-input.pcap
frecipe="genflows $(sha256sum bench/genflows.c | cut -c1-16) n=$FLOWS_N per=$FLOWS_PER"
if [ ! -s "$FINPUT" ] || [ "$(cat "$FINPUT.recipe" 2>/dev/null)" != "$frecipe" ]; then
	echo "bench: building $FINPUT ($FLOWS_N flows all active, $FLOWS_PER packets each)"
	cc -std=c11 -O2 -o "$BENCH_DIR/genflows" bench/genflows.c || die "bench/genflows.c does not build"
	"$BENCH_DIR/genflows" "$FLOWS_N" "$FLOWS_PER" "$FINPUT.tmp" 2>/dev/null || die "genflows failed"
	mv "$FINPUT.tmp" "$FINPUT"
	echo "$frecipe" >"$FINPUT.recipe"
fi
FPKTS=$((FLOWS_N * FLOWS_PER))

# ---- the tools -------------------------------------------------------------

OUT=$BENCH_DIR/out
rm -rf "$OUT"
mkdir -p "$OUT" "$OUT/nf"

# Command line of a tool (the file is $INPUT), empty if not installed.
# p2ptrace runs with -j 1 pinned to one core, p2p-j2 with -j 2 on two.
tool_cmd() {
	case $1 in
	p2ptrace) echo "$P2PTRACE analyze -q -j 1 --flows /dev/null $INPUT" ;;
	p2p-j2) echo "$P2PTRACE analyze -q -j 2 --flows /dev/null $INPUT" ;;
	# the same with the statistical and first-packet flow columns
	p2p+feat) echo "$P2PTRACE analyze -q -j 1 --features --flows /dev/null $INPUT" ;;
	nfpcapd)
		# nfdump's pcap collector; -B: a node cache that holds every
		# flow of both inputs (the issue's "same cache setting")
		command -v nfpcapd >/dev/null 2>&1 &&
			echo "nfpcapd -r $INPUT -w $OUT/nf -B 2097152" ;;
	ndpiReader)
		command -v ndpiReader >/dev/null 2>&1 &&
			echo "ndpiReader -q -i $INPUT" ;;
	tshark)
		command -v tshark >/dev/null 2>&1 &&
			echo "tshark -q -z conv,tcp -r $INPUT" ;;
	softflowd)
		# -r: read a file, statistics only (no -n: nothing is sent),
		# -6: IPv6 flows too; -m: a cache for every flow
		command -v softflowd >/dev/null 2>&1 &&
			echo "softflowd -6 -m 2000000 -r $INPUT" ;;
	argus)
		command -v argus >/dev/null 2>&1 &&
			echo "argus -r $INPUT -w /dev/null" ;;
	cat) echo "cat $INPUT" ;;
	esac
	return 0
}
# the cores a tool may use
tool_cpus() { case $1 in p2p-j2) echo "0-$((nproc_all - 1))" ;; *) echo "$CPU" ;; esac; }

TRACE=$INPUT
INPUT=$FINPUT
TOOLS=""
for t in $BENCH_TOOLS; do
	if [ -n "$(tool_cmd "$t")" ]; then
		TOOLS="$TOOLS $t"
	else
		echo "bench: $t not installed: skipped" >&2
	fi
done
case " $TOOLS " in *" p2ptrace "*) ;; *) die "p2ptrace must be among BENCH_TOOLS" ;; esac

now_ns() { date +%s%N; }

# One timed run: appends "wall_us rss_kib rc cpu_us" to $OUT/$tag.runs
# (cpu = user + system time of the tool, GNU time, 10 ms resolution)
run_one() {
	t=$1
	cmd=$(tool_cmd "$t")
	rm -f "$OUT"/nf/nfcapd.* 2>/dev/null || true
	t0=$(now_ns)
	set +e
	# shellcheck disable=SC2086
	$TIME -f '%M %x %U %S' -o "$OUT/$TAG.$t.time" taskset -c "$(tool_cpus "$t")" $cmd \
		>"$OUT/$TAG.$t.stdout" 2>"$OUT/$TAG.$t.stderr"
	rc=$?
	set -e
	t1=$(now_ns)
	tail -1 "$OUT/$TAG.$t.time" | awk -v w=$(((t1 - t0) / 1000)) -v rc=$rc \
		'{ printf "%d %d %d %d\n", w, $1, rc, ($3 + $4) * 1e6 }' >>"$OUT/$TAG.$t.runs"
}

# "median_wall_us best_wall_us max_rss_kib failed_runs median_cpu_us"
summ() {
	awk '{ print $4 }' "$OUT/$TAG.$1.runs" | sort -n >"$OUT/$TAG.$1.cpu"
	sort -n "$OUT/$TAG.$1.runs" | awk -v cpuf="$OUT/$TAG.$1.cpu" '
		function med(a, n) {
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		{ w[NR] = $1; if ($2 > m) m = $2; if ($3 != 0) bad++ }
		END {
			while ((getline x < cpuf) > 0)
				c[++k] = x
			printf "%d %d %d %d %d\n", med(w, NR), w[1], m, bad + 0, med(c, k)
		}'
}

# bench_input TAG FILE PACKETS LIVE_FLOWS: every tool RUNS times, taking
# turns; a table; figures into $OUT/$TAG.summary
bench_input() {
	TAG=$1
	INPUT=$2
	PK=$3
	cat "$INPUT" >/dev/null # into the page cache
	echo
	echo "bench: $INPUT: $(stat -c %s "$INPUT") bytes, $PK packets; core $CPU; $RUNS runs each"
	r=1
	while [ "$r" -le "$RUNS" ]; do
		printf 'bench: run %d/%d:' "$r" "$RUNS"
		for t in $TOOLS; do
			run_one "$t"
			printf ' %s %ss' "$t" "$(tail -1 "$OUT/$TAG.$t.runs" | awk '{printf "%.2f", $1/1e6}')"
		done
		echo
		r=$((r + 1))
	done
	set -- $(summ p2ptrace)
	P2P_US=$1
	P2P_CPU=$5
	echo
	echo "analysis of $(basename "$INPUT"): $PK packets, $LIVE live flows at most; p2ptrace -j 1 and the peers on one core (taskset -c $CPU), p2p-j2 on all; $RUNS runs"
	printf '%-10s %7s %7s %7s %10s %10s %8s %9s %6s %6s  %s\n' tool "wall s" "best s" "cpu s" "pkts/s" "pkts/cpu-s" \
		"peak MiB" "B/flow" "wall/p" "cpu/p" "command"
	for t in $TOOLS; do
		set -- $(summ "$t")
		note=""
		[ "$4" -eq 0 ] || note=" (exit status != 0 in $4 runs: see $OUT/$TAG.$t.stderr)"
		awk -v t="$t" -v us="$1" -v best="$2" -v kib="$3" -v cpu="$5" -v p="$PK" \
			-v ref="$P2P_US" -v refc="$P2P_CPU" -v note="$note" -v lf="$LIVE" \
			-v cmd="$(tool_cmd "$t" | sed "s|$INPUT|FILE|g; s|$ROOT/||g; s|$OUT/||g")" 'BEGIN {
			c = cpu > 0 ? cpu : 1e4
			printf "%-10s %7.3f %7.3f %7.2f %10.0f %10.0f %8.1f %9.0f %5.1fx %5.1fx  %s%s\n",
				t, us / 1e6, best / 1e6, cpu / 1e6, p / (us / 1e6), p / (c / 1e6),
				kib / 1024, kib * 1024 / lf, us / ref, cpu / refc, cmd, note
		}'
		echo "$t $1 $3 $5" >>"$OUT/$TAG.summary"
	done
	cat <<EOF2
(wall s: median wall time; best s: fastest run; cpu s: median user+system
 time; pkts/s: packets / median wall; pkts/cpu-s: packets / median cpu;
 peak MiB: largest max RSS; B/flow: peak RSS / live flows at most (the
 process, input buffers included); wall/p, cpu/p: the tool's median over
 p2ptrace's, > 1 means p2ptrace is faster)
EOF2
}

echo "bench: check: p2ptrace reads every packet of both inputs"
col() { awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 2 { print $k }'; }
for pair in "$TRACE:$PKTS" "$FINPUT:$FPKTS"; do
	f=${pair%:*}
	"$P2PTRACE" analyze -q --nodes "$OUT/nodes.csv" --flows "$OUT/flows.csv" "$f" ||
		die "p2ptrace analyze failed on $f"
	got=$(col pkts <"$OUT/nodes.csv")
	[ "$got" = "${pair##*:}" ] || die "p2ptrace read $got packets of $f, want ${pair##*:}"
	echo "bench: check: $(basename "$f"): $got packets, $(($(wc -l <"$OUT/flows.csv") - 1)) flows"
done

# the bench trace's most flows at once (flowtab peak, idle 64 s)
LIVE=$("$P2PTRACE" analyze -j 1 "$TRACE" | awk '/ peak / { print $5 }')
bench_input trace "$TRACE" "$PKTS"
LIVE=$FLOWS_N
bench_input flows "$FINPUT" "$FPKTS"

# ---- targets (issue 15) --------------------------------------------------------

target() { # TAG TOOL: "p2p_wall p2p_cpu tool_wall tool_cpu" from the summaries
	awk -v t="$2" '$1 == "p2ptrace" { pw = $2; pc = $4 } $1 == t { tw = $2; tc = $4 }
		END { print pw, pc, tw, tc }' "$OUT/$1.summary"
}
echo
echo "targets (issue 15):"
if grep -q '^nfpcapd ' "$OUT/flows.summary"; then
	set -- $(target flows nfpcapd)
	awk -v pc="$2" -v nc="$4" -v n="$FLOWS_N" 'BEGIN { x = nc / pc; printf "  one core, %s live flows: %.2fx nfpcapd packets per cpu-s (>= 3x): %s\n", n, x, (x >= 3) ? "MET" : "NOT MET" }'
	set -- $(target trace nfpcapd)
	awk -v pc="$2" -v nc="$4" 'BEGIN { x = nc / pc; printf "  one core, the bench trace: %.2fx nfpcapd packets per cpu-s (>= 5x): %s\n", x, (x >= 5) ? "MET" : "NOT MET" }'
fi
if grep -q '^cat ' "$OUT/trace.summary"; then
	set -- $(target trace cat)
	awk -v pw="$1" -v pc="$2" -v cw="$3" -v cc="$4" 'BEGIN { x = pw / cw; y = pc / (cc > 0 ? cc : 1e4); printf "  one core, the bench trace: %.2fx the wall time of cat, %.2fx its cpu time (<= 4x): %s\n", x, y, (x <= 4) ? "MET" : "NOT MET" }'
fi
for tag in trace flows; do
	grep -q '^p2p-j2 ' "$OUT/$tag.summary" || continue
	set -- $(target $tag p2p-j2)
	awk -v pw="$1" -v jw="$3" -v tag=$tag 'BEGIN { x = pw / jw; printf "  -j 2 on %s: %.2fx the packets/s (wall) of -j 1 (>= 1.7x): %s\n", tag, x, (x >= 1.7) ? "MET" : "NOT MET" }'
done

# ---- memory per active flow, 10^6 flows at once -------------------------------

echo
if [ -f "$LIBA" ]; then
	pkgl=$(pkg-config --libs libpcap libndpi libfixbuf 2>/dev/null || true)
	# shellcheck disable=SC2086
	rm -f "$BENCH_DIR/flowmem"
	cc -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -Wformat=2 -Wvla -Iinclude -D_DEFAULT_SOURCE \
		-o "$BENCH_DIR/flowmem" bench/flowmem.c "$LIBA" $pkgl \
		-lxgboost -lm -lpthread || echo "bench: bench/flowmem.c does not build" >&2
	if [ -x "$BENCH_DIR/flowmem" ] &&
		"$BENCH_DIR/flowmem" "$FLOWMEM_FLOWS" >"$OUT/flowmem.txt"; then
		awk '{ v[$1] = $2 } END {
			printf "memory per active flow, %d flows held at once (bench/flowmem.c):\n", v["flows_active"]
			printf "  peak RSS: %.1f bytes/flow (%.1f MiB for the table)\n",
				v["rss_bytes_per_flow"], (v["hwm_after_kib"] - v["rss_before_kib"]) / 1024
			printf "  flowtab_stats: %.1f bytes/flow allocated; flowtab_bytes_per_flow(): %d (target <= 256)\n",
				v["table_bytes_per_flow"], v["flowtab_bytes_per_flow"]
			printf "  --features adds %d bytes/flow (statistics, first packets), --fine-bins %d more\n",
				v["extras_bytes_per_flow"], v["fine_bytes_per_flow"]
			printf "  flowtab_add while filling to %d flows: %.0f packets/s\n", v["flows_active"], v["add_pkts_per_s"]
		}' "$OUT/flowmem.txt"
	else
		echo "memory per active flow: flowmem failed (see above)"
	fi
else
	echo "memory per active flow: $LIBA not built: skipped"
fi
echo "(raw results: $OUT)"
