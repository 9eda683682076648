#!/usr/bin/env python3
# reportcheck.py -- reads a p2ptrace report page back (standard library
# only) for tests/report/test_report.sh. Each command prints what it found
# and exits 1 on a mismatch.
#   table HTML                       node/column/value of every table cell
#   vs-analyze HTML NODES.csv [INPUT] every cell equals analyze's CSV (only
#                                    the rows of INPUT when given)
#   figs HTML|DOM                    fig2..fig5-fine: one <svg>, axis labels,
#                                    a caption
#   means HTML NODES.csv X SERIES GROUP sd|ci95
#                                    every point's mean/err/n recomputed
#                                    from analyze's CSV
#   svgfiles DIR                     DIR/fig*.svg are SVG documents
#   png FILE                         a screenshot that is not blank
import csv
import math
import os
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser

FIGS = ["fig2", "fig3", "fig4", "fig5", "fig5-fine"]


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells = {}  # (node, col) -> text
        self.by_input = {}  # input column (None: no column) -> cells
        self.row = None
        self.cell = None
        self.figs = {}
        self.fig = None
        self.depth = 0
        self.text_target = None
        self.points = []  # (fig, attrs)
        self.obs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and a.get("id") in FIGS:
            self.fig = a["id"]
            self.figs[self.fig] = {"svg": 0, "xlabel": "", "ylabel": "",
                                   "caption": "", "note": ""}
        if tag == "tr":
            self.row = {}
        if tag == "td" and self.row is not None:
            self.cell = [a.get("data-col"), ""]
        if self.fig:
            f = self.figs[self.fig]
            if tag == "svg":
                f["svg"] += 1
            cls = a.get("class", "") or ""
            if tag == "text" and "xlabel" in cls.split():
                self.text_target = (f, "xlabel")
            elif tag == "text" and "ylabel" in cls.split():
                self.text_target = (f, "ylabel")
            elif tag == "figcaption":
                self.text_target = (f, "caption")
            elif tag == "p" and "note" in cls.split():
                self.text_target = (f, "note")
            if tag == "g" and "pt" in cls.split():
                self.points.append((self.fig, a))

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            if self.cell[0]:
                self.row[self.cell[0]] = self.cell[1]
            self.cell = None
        if tag == "tr" and self.row is not None:
            node = self.row.get("node")
            if node is not None:
                inp = self.row.get("input")
                for k, v in self.row.items():
                    self.cells[(node, k)] = v
                    self.by_input.setdefault(inp, {})[(node, k)] = v
            self.row = None
        if tag in ("text", "figcaption", "p"):
            self.text_target = None
        if tag == "figure":
            self.fig = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data
        if self.text_target:
            f, k = self.text_target
            f[k] += data


def load(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def nodes_csv(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r.get("kind", "node") == "node"]


def labels_of(s):
    d = {}
    for kv in s.split(";"):
        if "=" in kv:
            k, v = kv.split("=", 1)
            d[k] = v
    return d


def same(a, b):
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def cmd_table(html):
    p = load(html)
    for (n, c), v in sorted(p.cells.items()):
        print("%s\t%s\t%s" % (n, c, v))
    return 0


def cmd_vs_analyze(html, nodes, inp=None):
    """With inp: only the page's rows whose input column is inp."""
    p = load(html)
    rows = nodes_csv(nodes)
    bad = 0
    cells = 0
    if inp is not None:
        p.cells = p.by_input.get(inp, {})
    page_nodes = {n for (n, _c) in p.cells}
    if page_nodes != {r["node"] for r in rows}:
        print("nodes differ: page %s, csv %s" % (sorted(page_nodes),
                                                  sorted(r["node"] for r in rows)))
        bad += 1
    for r in rows:
        for col, want in r.items():
            if col in ("labels", "kind"):
                continue
            got = p.cells.get((r["node"], col))
            cells += 1
            if got is None or not same(got, want):
                bad += 1
                if bad < 20:
                    print("%s %s: page %r, analyze %r" % (r["node"], col, got, want))
        for k, v in labels_of(r["labels"]).items():
            cells += 1
            got = p.cells.get((r["node"], "label:" + k))
            if got != v:
                bad += 1
                print("%s label %s: page %r, analyze %r" % (r["node"], k, got, v))
    print("%d cells compared, %d differ, %d nodes" % (cells, bad, len(rows)))
    return 1 if bad or cells == 0 else 0


def cmd_figs(path):
    p = load(path)
    bad = 0
    for fid in FIGS:
        f = p.figs.get(fid)
        if not f:
            print("%s: missing" % fid)
            bad += 1
            continue
        ok = f["svg"] == 1 and f["xlabel"].strip() and f["ylabel"].strip() \
            and f["caption"].strip()
        print("%s: svg=%d x=%r y=%r caption=%d chars note=%r" % (
            fid, f["svg"], f["xlabel"], f["ylabel"], len(f["caption"]),
            f["note"]))
        bad += not ok
    return 1 if bad else 0


# Student's t, two-sided 95%, df 1..30 (any statistics table).
T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
       2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
       2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def stat(vals, kind):
    n = len(vals)
    m = sum(vals) / n
    if n < 2:
        return m, 0.0, n
    sd = math.sqrt(sum((v - m) ** 2 for v in vals) / (n - 1))
    if kind == "ci95":
        return m, (T95[n - 2] if n - 1 <= 30 else 1.96) * sd / math.sqrt(n), n
    return m, sd, n


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def cmd_means(html, nodes, x, series, group, kind):
    p = load(html)
    rows = nodes_csv(nodes)
    metric = {"fig2": "conv_per_s", "fig3": "pkts_per_s", "fig4": "avg_pkt_size"}
    bins = ["0_19", "20_39", "40_79", "80_159", "160_319", "320_639",
            "640_1279", "1280_2559", "2560_5119", "5120_up"]
    bad = 0
    seen = {f: 0 for f in FIGS}
    for fid, a in p.points:
        seen[fid] += 1
        want = []
        for r in rows:
            lab = labels_of(r["labels"])
            if fid in metric:
                if lab.get(x) is None or not same(lab[x], a["data-x"]) or \
                        lab.get(series) != a["data-series"]:
                    continue
                # From the raw counts, not the rounded derived columns.
                dur = (int(r["last_ns"]) - int(r["first_ns"])) / 1e9
                num = {"conv_per_s": int(r["flows"]), "pkts_per_s": int(r["pkts"]),
                       "avg_pkt_size": int(r["bytes"])}[metric[fid]]
                den = int(r["pkts"]) if fid == "fig4" else dur
                want.append(num / den if den > 0 else 0.0)
            else:
                g = "/".join(lab[k] for k in group.split(",") if k in lab)
                if g != a["data-series"] or int(r["pkts"]) == 0:
                    continue
                if fid == "fig5":
                    b = a["data-x"].replace("-", "_").replace("5120+", "5120_up")
                    want.append(100.0 * int(r["plen_" + b]) / int(r["pkts"]))
                else:
                    lo = int(float(a["data-x"])) - 16
                    col = "fine_%d_up" % lo if lo == 47 * 32 else "fine_%d_%d" % (lo, lo + 31)
                    want.append(100.0 * int(r[col]) / int(r["pkts"]))
        if not want:
            print("%s %s: no nodes for this point" % (fid, a))
            bad += 1
            continue
        m, e, n = stat(want, kind)
        if not (close(m, float(a["data-mean"])) and close(e, float(a["data-err"]))
                and n == int(a["data-n"])):
            bad += 1
            print("%s %s x=%s: page mean %s err %s n %s; from CSV %g %g %d" % (
                fid, a["data-series"], a["data-x"], a["data-mean"],
                a["data-err"], a["data-n"], m, e, n))
    print("points per figure: %s; %d differ" % (seen, bad))
    return 1 if bad or not all(seen.values()) else 0


def cmd_svgfiles(d):
    bad = 0
    for fid in FIGS:
        path = os.path.join(d, fid + ".svg")
        try:
            root = ET.parse(path).getroot()
            ok = root.tag == "{http://www.w3.org/2000/svg}svg"
        except (OSError, ET.ParseError) as e:
            print("%s: %s" % (path, e))
            ok = False
        print("%s: %s" % (path, "svg" if ok else "NOT an svg document"))
        bad += not ok
    return 1 if bad else 0


def png_pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        raise ValueError("PNG depth %d color type %d not handled" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    i = 0
    for _y in range(h):
        ft = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def cmd_png(path):
    w, h, bpp, rows = png_pixels(path)
    colors = set()
    nonwhite = 0
    for r in rows[::2]:
        for x in range(0, len(r), bpp * 2):
            px = r[x:x + 3]
            colors.add(px)
            nonwhite += px != b"\xff\xff\xff"
    total = len(rows[::2]) * ((w + 1) // 2)
    frac = nonwhite / total
    print("%dx%d, %d colors, %.1f%% not white" % (w, h, len(colors), 100 * frac))
    return 0 if len(colors) >= 16 and frac > 0.01 else 1


def main():
    c, args = sys.argv[1], sys.argv[2:]
    fn = {"table": cmd_table, "vs-analyze": cmd_vs_analyze, "figs": cmd_figs,
          "means": cmd_means, "svgfiles": cmd_svgfiles, "png": cmd_png}[c]
    sys.exit(fn(*args))


main()
