# tests/integration/csv.sh -- helpers the integration suites share (sourced
# after tests/lib.sh; not a suite itself: its name does not start "test_").
#   sel FILE COL,COL,...    the named columns of each data row of a CSV file
#                           (header line first; double quotes understood),
#                           joined by commas
#   tshark_bins FILE        the 10 counts of `tshark -q -z plen,tree`,
#                           comma-joined ("" when tshark cannot read FILE)
#   have_analyze            0 when $P2PTRACE analyze works on a fixture
#   PLEN_COLS               the nodes/flows bin column names, in order

PLEN_COLS=plen_0_19,plen_20_39,plen_40_79,plen_80_159,plen_160_319,plen_320_639,plen_640_1279,plen_1280_2559,plen_2560_5119,plen_5120_up

sel() {
	awk -v want="$2" '
	function csv(line, f,   n, i, c, q, cur, L) {
		if (index(line, "\"") == 0)
			return split(line, f, ",")
		n = 0; cur = ""; q = 0; L = length(line)
		for (i = 1; i <= L; i++) {
			c = substr(line, i, 1)
			if (q) {
				if (c == "\"") {
					if (substr(line, i + 1, 1) == "\"") { cur = cur c; i++ }
					else q = 0
				} else cur = cur c
			} else if (c == "\"") q = 1
			else if (c == ",") { f[++n] = cur; cur = "" }
			else cur = cur c
		}
		f[++n] = cur
		return n
	}
	NR == 1 {
		sub(/\r$/, "")
		n = csv($0, h)
		for (i = 1; i <= n; i++) idx[h[i]] = i
		m = split(want, w, ",")
		for (j = 1; j <= m; j++)
			if (!(w[j] in idx)) { print "NO-COLUMN-" w[j]; bad = 1; exit 1 }
		next
	}
	{
		sub(/\r$/, "")
		csv($0, f)
		s = ""
		for (j = 1; j <= m; j++) s = s (j > 1 ? "," : "") f[idx[w[j]]]
		print s
	}' "$1"
}

tshark_bins() {
	tshark -n -q -z plen,tree -r "$1" 2>/dev/null | awk '
		/^ +[0-9]+-[0-9]+ / { s = s (n++ ? "," : "") $2 }
		/^ +5120 and greater/ { s = s (n++ ? "," : "") $4 }
		END { if (n == 10) print s }'
}

have_analyze() {
	[ -x "$P2PTRACE" ] || return 1
	"$P2PTRACE" analyze -q --flows /dev/null --nodes /dev/null \
		"$ROOT/tests/fixtures/tcp_end.pcap" >"$TMPD/probe.out" 2>&1 || return 1
	! grep -qi 'not built yet' "$TMPD/probe.out"
}
