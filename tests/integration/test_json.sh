#!/bin/sh
# tests/integration/test_json.sh -- `analyze --json` writes JSON lines that
# jq parses, one object per CSV row, with the same keys as the CSV header
# and the same values (numbers compared as numbers: jq holds them as
# doubles; the ns times are also compared digit for digit in the raw text).
# Over the good fixtures and the P2P traces of ../shared/data/pcap; flows
# (with --features: every column),
# nodes (with --by-host) and windows.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/integration/csv.sh"
FX=$ROOT/tests/fixtures
if ! have_analyze; then
	skip "json" "p2ptrace analyze not available"
	exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
	skip "json" "jq not installed"
	exit 0
fi
files=""
for f in "$FX"/*.pcap "$FX"/*.pcapng; do
	case $(basename "$f") in bad_* | trunc_*) ;; *) files="$files $f" ;; esac
done
if [ -n "$SHARED" ]; then
	for n in $(awk -F'\t' 'NR > 1 && $8 ~ /^(bittorrent|gnutella|edonkey|p2p-other)$/ { print $1 }' "$SHARED/MANIFEST.tsv"); do
		files="$files $SHARED/$n"
	done
fi

# csv_tsv CSV: every data row as tab-separated fields (quotes removed)
csv_tsv() {
	sel "$1" "$(head -1 "$1" | tr -d '\r')" | awk -F, -v OFS='\t' '{ $1 = $1; print }'
}

# same CSV JSON: compare; prints what differs (nothing when equal)
same() {
	rows=$(($(wc -l <"$1") - 1))
	if ! jq -e 'type == "object"' "$2" >"$TMPD/jq.out" 2>"$TMPD/jq.err"; then
		echo "jq: $(head -2 "$TMPD/jq.err" | tr '\n' ' ') $(grep -vc true "$TMPD/jq.out") non-objects"
		return
	fi
	lines=$(grep -c . "$2")
	[ "$lines" = "$rows" ] || { echo "$lines JSON lines, $rows CSV rows"; return; }
	keys=$(head -1 "$1" | tr -d '\r' | tr ',' '\n' | jq -R . | jq -s -c .)
	jq -r --argjson k "$keys" \
		'[ $k[] as $x | if has($x) then (.[$x] | if type == "string" then . else tojson end) else "MISSING:" + $x end ] | join("\t")' \
		"$2" >"$TMPD/j.tsv"
	csv_tsv "$1" >"$TMPD/c.tsv"
	awk -F'\t' -v hdr="$(head -1 "$1" | tr -d '\r')" '
		BEGIN { split(hdr, H, ",") }
		NR == FNR { c[FNR] = $0; next }
		{
			n = split(c[FNR], a, "\t"); m = split($0, b, "\t")
			for (i = 1; i <= (n > m ? n : m); i++) {
				x = a[i]; y = b[i]
				if (x == y) continue
				num = "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$"
				if (x ~ num && y ~ num) {
					d = x - y; if (d < 0) d = -d
					s = x < 0 ? -x : x
					if (d <= 1e-9 * s || d < 1e-12) continue
				}
				if (!bad++) printf "row %d %s: csv %s json %s", FNR, H[i], x, y
			}
		}
		END { if (bad) print " (" bad " fields differ)" }' "$TMPD/c.tsv" "$TMPD/j.tsv"
	# the ns times digit for digit
	for k in first_ns last_ns; do
		if head -1 "$1" | tr ',' '\n' | grep -qx "$k"; then
			sel "$1" "$k" >"$TMPD/c.ns"
			sed -n "s/.*\"$k\":\([0-9]*\).*/\1/p" "$2" >"$TMPD/j.ns"
			cmp -s "$TMPD/c.ns" "$TMPD/j.ns" || echo "$k differs in the raw text"
		fi
	done
}

nfiles=0
nrows=0
bad=0
for f in $files; do
	b=$(basename "$f")
	"$P2PTRACE" analyze -q --features --by-host --window 10 --flows "$TMPD/f.csv" --nodes "$TMPD/n.csv" \
		--windows "$TMPD/w.csv" "$f" 2>/dev/null
	"$P2PTRACE" analyze -q --json --features --by-host --window 10 --flows "$TMPD/f.json" --nodes "$TMPD/n.json" \
		--windows "$TMPD/w.json" "$f" 2>/dev/null
	for out in f n w; do
		d=$(same "$TMPD/$out.csv" "$TMPD/$out.json")
		if [ -n "$d" ]; then
			bad=$((bad + 1))
			not_ok "json = csv: $b ($out)" "$d"
		fi
		nrows=$((nrows + $(wc -l <"$TMPD/$out.csv") - 1))
	done
	nfiles=$((nfiles + 1))
done
if [ $bad = 0 ] && [ $nrows -gt 0 ]; then
	ok "json lines parse and equal the CSV rows ($nfiles files, $nrows rows of flows, nodes, windows)"
fi
exit 0
