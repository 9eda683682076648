#!/bin/sh
# test_cli.sh -- one command-line convention for every subcommand
# (docs/ARCHITECTURE.md): options before or after the inputs where no
# filter follows (report, lab, classify) -- the page written with -o after
# the inputs is byte-identical to the one with -o before; where a BPF filter
# follows the inputs (analyze, capture), an option-like word after them is
# refused with a message that options go before the inputs, while a filter
# with a lone '-' still works (its result checked against tcpdump's count);
# `p2ptrace --version` prints tool.h's P2PTRACE_VERSION; every --help exits
# 0 and ends with a newline.
. "$(dirname "$0")/../lib.sh"
F=$ROOT/tests/fixtures/report
T=$ROOT/tests/fixtures

# report: -o before and after the inputs give the same page
"$P2PTRACE" report -q -o "$TMPD/before.html" "$F" >/dev/null 2>&1
"$P2PTRACE" report -q "$F" -o "$TMPD/after.html" >"$TMPD/r.out" 2>&1; rc=$?
expect_eq "report: -o after the inputs: exit 0" "$rc" 0
check "report: same page with -o before or after the inputs" \
	cmp "$TMPD/before.html" "$TMPD/after.html"
"$P2PTRACE" report "$F" -q -o "$TMPD/mid.html" >/dev/null 2>&1
check "report: options between the inputs" cmp "$TMPD/before.html" "$TMPD/mid.html"

# analyze: an option after the inputs is refused with one clear line
"$P2PTRACE" analyze "$T/tcp_end.pcap" --json >"$TMPD/a.out" 2>"$TMPD/a.err"; rc=$?
expect_eq "analyze: option after the inputs: exit 2, one line" \
	"$rc $(wc -l <"$TMPD/a.err")" "2 1"
expect_eq "analyze: message says options go before the inputs" \
	"$(cat "$TMPD/a.err")" \
	"p2ptrace: analyze: '--json' after the inputs: options go before the inputs (the words after them are the filter)"
"$P2PTRACE" analyze "$T/tcp_end.pcap" tcp -q >/dev/null 2>"$TMPD/a2.err"; rc=$?
expect_eq "analyze: option after the filter: exit 2" "$rc" 2
grep -q "'-q' after the inputs" "$TMPD/a2.err" && ok "analyze: names the word" ||
	not_ok "analyze: names the word" "$(cat "$TMPD/a2.err")"
# a filter may hold a lone '-': 'len - 14 > 100' (frames over 114 bytes)
if command -v tcpdump >/dev/null; then
	want=$(tcpdump -nr "$T/bins.pcap" 'len - 14 > 100' 2>/dev/null | wc -l)
	got=$("$P2PTRACE" analyze --nodes - "$T/bins.pcap" len - 14 '>' 100 2>/dev/null |
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "pkts") c = i } NR == 2 { print $c }')
	expect_eq "analyze: a filter with a lone '-' (tcpdump's count)" "$got" "$want"
else
	skip "analyze: filter with '-'" "tcpdump missing (make deps)"
fi

# capture: the same rule (checked before it needs root or an interface)
"$P2PTRACE" capture -i lo -w "$TMPD/cap" tcp port 80 -s 64 >/dev/null 2>"$TMPD/c.err"; rc=$?
expect_eq "capture: option after the filter: exit 2" "$rc" 2
grep -q "capture: '-s' after the inputs: options go before the inputs" "$TMPD/c.err" &&
	ok "capture: message" || not_ok "capture: message" "$(cat "$TMPD/c.err")"

# lab check: options after the file
cat >"$TMPD/x.lab" <<EOT
group a idle count=2
EOT
"$P2PTRACE" lab check "$TMPD/x.lab" --name cli-x >"$TMPD/l.out" 2>&1; rc=$?
expect_eq "lab check FILE --name: exit 0" "$rc" 0
grep -q "^lab cli-x: 2 nodes" "$TMPD/l.out" && ok "lab check: --name after the file applies" ||
	not_ok "lab check: --name after the file applies" "$(head -2 "$TMPD/l.out")"

# --version: the version tool.h defines
want=$(sed -n 's/^#define P2PTRACE_VERSION "\(.*\)"/\1/p' "$ROOT/src/tool.h")
expect_eq "--version" "$("$P2PTRACE" --version)" "p2ptrace $want"

# every --help: exit 0, ends with a newline
for c in "" analyze capture lab report classify; do
	# shellcheck disable=SC2086
	"$P2PTRACE" $c --help >"$TMPD/h.out" 2>&1; rc=$?
	last=$(tail -c 1 "$TMPD/h.out" | od -An -c | tr -d ' ')
	expect_eq "help ${c:-p2ptrace}: exit 0, ends with a newline" "$rc $last" '0 \n'
done
