#!/usr/bin/env python3
# mksynth.py -- a synthetic lab folder for the classify tests: N nodes,
# one pcap each, and a catalog.tsv with one "app=" label per node.
#   usage: mksynth.py OUTDIR NODES SEED [shuffle]
# Traffic: even nodes run "bulk" (TCP, 100-byte requests, 1400-byte
# replies), odd nodes "chat" (UDP, 60-200-byte packets both ways). The
# rule is separable by packet sizes and protocol. With "shuffle" the
# labels are a*,b*,a*,b* over bulk nodes and over chat nodes alike, so
# the label says nothing about the traffic: a classifier must fall to
# chance (0.5).
import os, random, struct, sys

out, nodes, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shuffle = len(sys.argv) > 4 and sys.argv[4] == "shuffle"
rnd = random.Random(seed)
os.makedirs(out, exist_ok=True)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, dst, proto, sport, dport, size, flags=0x18):
    size = max(size, 60)
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 0x50, flags, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 0, 0)
    pay = size - 14 - 20 - len(l4)
    if proto == 17:
        l4 = struct.pack("!HHHH", sport, dport, 8 + pay, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4) + pay, 0, 0, 64,
                     proto, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"
    return eth + ip + l4 + b"\0" * pay

rows = ["node\taddr\tlabels\ttrace"]
for n in range(nodes):
    kind = "bulk" if n % 2 == 0 else "chat"
    if shuffle:
        label = "a" if (n // 2) % 2 == 0 else "b"
    else:
        label = "a" if kind == "bulk" else "b"
    me = [198, 18, n // 200, 1 + n % 200]
    t = 1700000000.0 + n
    recs = []
    for f in range(30):
        peer = [198, 19, rnd.randrange(256), 1 + rnd.randrange(250)]
        sport = 30000 + rnd.randrange(20000)
        dport = 1024 + rnd.randrange(60000)
        if kind == "bulk":
            pk = [(0, 100 + rnd.randrange(10), 0x02), (1, 64, 0x12)]
            for i in range(8 + rnd.randrange(8)):
                pk.append((0, 100 + rnd.randrange(20), 0x18))
                pk.append((1, 1400 + rnd.randrange(100), 0x18))
            proto = 6
        else:
            pk = [(rnd.randrange(2), 60 + rnd.randrange(140), 0)
                  for i in range(4 + rnd.randrange(6))]
            proto = 17
        for d, size, fl in pk:
            t += 0.001 + rnd.random() * 0.01
            a, b, sp, dp = (me, peer, sport, dport) if d == 0 else (peer, me, dport, sport)
            recs.append((t, frame(a, b, proto, sp, dp, size, fl)))
        t += 0.5
    path = os.path.join(out, "n%02d.pcap" % n)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, fr in recs:
            sec = int(ts)
            fh.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(fr), len(fr)))
            fh.write(fr)
    rows.append("n%02d\t%s\tapp=%s;kind=%s\tn%02d.pcap" % (n, ".".join(map(str, me)), label, kind, n))
with open(os.path.join(out, "catalog.tsv"), "w") as fh:
    fh.write("\n".join(rows) + "\n")
