#!/bin/sh
# tests/fuzz/run_fuzz.sh SECONDS [TARGET...] -- `make fuzz`: builds the
# libFuzzer targets tests/fuzz/fuzz_*.c (fuzz_file.c: pcap/pcapng readers +
# decoder + flow table over a file in memory; fuzz_flowtab.c: the flow
# table over synthetic packets; fuzz_model.c: the model loader, lib/model/,
# and XGBoost on what it accepts; fuzz_labstate.c: the lab's undo log
# reader; ...: each file says what it covers) with clang
# -fsanitize=fuzzer,address,undefined into build/fuzz/, linked to lib/ and
# src/ (without main.c), and runs each for SECONDS (default 60; FUZZ_RUNS=N
# runs N executions instead). Seeds: tests/fuzz/corpus/TARGET and, for
# fuzz_file, tests/fixtures. A crash or failed check is copied into
# tests/fuzz/crashes/TARGET/ (replayed in make check by test_replay.sh)
# and the script exits 1.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
SECS=${1:-60}
B=build/fuzz
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null 2>&1 || { echo "run_fuzz: $CC not found (apt-get install clang)"; exit 2; }
PKGS="libpcap libndpi libfixbuf"
CPPF="-Iinclude -Isrc -D_DEFAULT_SOURCE -D_GNU_SOURCE $(pkg-config --cflags $PKGS 2>/dev/null)"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null || echo -lpcap) -lxgboost -lm -lpthread"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFL="-std=c11 -g -O1 $SAN"
mkdir -p "$B/obj"

# lib/ and src/ (but main.c) as two archives: a target pulls what it uses
for part in lib src; do
	objs=""
	for c in $(find $part -name '*.c' ! -name main.c | sort); do
		o=$B/obj/$(echo "$c" | tr '/' '_' | sed 's/\.c$/.o/')
		if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ -n "$(find include lib src -name '*.h' -newer "$o" 2>/dev/null | head -1)" ]; then
			$CC $CPPF $CFL -fsanitize=fuzzer-no-link -c "$c" -o "$o" || exit 2
		fi
		objs="$objs $o"
	done
	rm -f "$B/lib$part.a"
	# shellcheck disable=SC2086
	ar rcs "$B/lib$part.a" $objs || exit 2
done
[ $# -gt 0 ] && shift
TARGETS="$*"
[ -n "$TARGETS" ] || TARGETS=$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')

rc=0
for t in $TARGETS; do
	bin=$B/fuzz_$t
	# shellcheck disable=SC2086
	$CC $CPPF $CFL -fsanitize=fuzzer -o "$bin" "tests/fuzz/fuzz_$t.c" \
		"$B/libsrc.a" "$B/liblib.a" $LIBS || exit 2
	mkdir -p "$B/corpus_$t" "$B/art_$t" "tests/fuzz/corpus/$t"
	seeds="tests/fuzz/corpus/$t"
	[ "$t" = file ] && seeds="$seeds tests/fixtures"
	echo "run_fuzz: fuzz_$t for ${FUZZ_RUNS:+$FUZZ_RUNS runs}${FUZZ_RUNS:-${SECS}s}"
	lim="-max_total_time=$SECS"
	[ -n "${FUZZ_RUNS:-}" ] && lim="-runs=$FUZZ_RUNS"
	# shellcheck disable=SC2086
	if ! ASAN_OPTIONS=detect_leaks=1 "$bin" $lim -timeout=10 \
		-rss_limit_mb=2048 -max_len=300000 -print_final_stats=1 \
		-artifact_prefix="$B/art_$t/" "$B/corpus_$t" $seeds \
		>"$B/fuzz_$t.log" 2>&1; then
		rc=1
		mkdir -p "tests/fuzz/crashes/$t"
		for a in "$B/art_$t"/*; do
			[ -f "$a" ] && cp "$a" "tests/fuzz/crashes/$t/" &&
				echo "run_fuzz: fuzz_$t: saved tests/fuzz/crashes/$t/$(basename "$a")"
		done
		grep -E 'ERROR|check failed|SUMMARY' "$B/fuzz_$t.log" | head -5
	fi
	tail -12 "$B/fuzz_$t.log" | grep -E 'stat::number_of_executed_units|stat::peak_rss|cov:|Done' | tail -3
done
[ $rc = 0 ] && echo "run_fuzz: no crash in ${SECS}s per target"
exit $rc
