#!/bin/sh
# tests/fuzz/test_replay.sh -- make check: builds each fuzz target
# (tests/fuzz/fuzz_*.c) with replay.c as its main (no libFuzzer), linked to
# the libp2ptool.a and libp2ptrace.a beside $P2PTRACE (with the sanitizers
# when that library has them), and replays the saved
# inputs: tests/fuzz/corpus/TARGET, tests/fuzz/crashes/TARGET and, for
# fuzz_file, every fixture. Any crash or failed check fails the case.
. "$(dirname "$0")/../lib.sh"
BD=$(dirname "$P2PTRACE")
LIB=$BD/libp2ptrace.a
if [ ! -f "$LIB" ]; then
	skip "fuzz replay" "$LIB not built"
	exit 0
fi
PKGS="libpcap libndpi libfixbuf"
CPPF="-I$ROOT/include -I$ROOT/src -D_DEFAULT_SOURCE -D_GNU_SOURCE $(pkg-config --cflags $PKGS 2>/dev/null)"
FL="-std=c11 -g -O1"
# the sanitizer tree's library needs the sanitizer runtimes (and the replay
# is then checked by them too)
if nm "$LIB" 2>/dev/null | grep -q '__asan_'; then
	FL="$FL -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
fi
TOOL=$BD/libp2ptool.a
for f in "$ROOT"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	t=${t#fuzz_}
	bin=$TMPD/replay_$t
	# shellcheck disable=SC2086
	if ! ${CC:-cc} $CPPF $FL -o "$bin" "$ROOT/tests/fuzz/replay.c" "$f" \
		"$TOOL" "$LIB" $(pkg-config --libs $PKGS 2>/dev/null) -lxgboost -lm -lpthread \
		>"$TMPD/cc_$t.log" 2>&1; then
		not_ok "fuzz replay $t: build" "$(head -3 "$TMPD/cc_$t.log" | tr '\n' ' ')"
		continue
	fi
	set -- "$ROOT/tests/fuzz/corpus/$t"
	[ -d "$ROOT/tests/fuzz/crashes/$t" ] && set -- "$@" "$ROOT/tests/fuzz/crashes/$t"
	[ "$t" = file ] && set -- "$@" "$ROOT"/tests/fixtures/*.pcap "$ROOT"/tests/fixtures/*.pcapng
	if out=$("$bin" "$@" 2>&1); then
		n=$(printf '%s\n' "$out" | sed -n 's/^replayed \([0-9]*\) inputs/\1/p')
		if [ "${n:-0}" -gt 0 ]; then
			ok "fuzz replay $t: $n saved inputs, no crash"
		else
			not_ok "fuzz replay $t" "no inputs replayed"
		fi
	else
		not_ok "fuzz replay $t" "$(printf '%s\n' "$out" | grep -E 'ERROR|check failed|runtime error|SUMMARY' | head -3 | tr '\n' ' ')"
	fi
done
exit 0
