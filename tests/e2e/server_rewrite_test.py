#!/usr/bin/env python3
"""tests/e2e/server_rewrite_test.py - a file rewritten in place while it is
being sent (truncated to 0 and written again with the same size, as cp
over an existing file does) never yields a complete response that mixes
the two versions: the body is either all one version or cut short.

Cases: a 200 of a whole file and a 206 of "bytes=104857600-" from a file
past 100 MiB, each from a server with --limit-rate (so the rewrite lands
mid-transfer) read over a raw socket, and the whole big file fetched by
"curl --limit-rate" from a server without a limit. Each time the server
must log the change, and a new request must then get the new version
whole, with a new ETag.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import (SLOW, Server, Tap, connect, get, make_root, remove, sha,  # noqa: E402
                     temp_dir)

tap = Tap()
tmp = temp_dir()
MIB = 1 << 20
BIG = 100 * MIB + 4 * MIB  # "bytes=104857600-" selects its last 4 MiB
MID = 4 * MIB


def pattern(n, seed):
    """N bytes that differ from those of another SEED at every 4 KiB block."""
    block = bytes((i * 131 + seed * 17) & 0xFF for i in range(4096))
    out = bytearray()
    k = 0
    while len(out) < n:
        out += bytes([seed, k & 0xFF, (k >> 8) & 0xFF, (k >> 16) & 0xFF]) + block[4:]
        k += 1
    return bytes(out[:n])


V1 = {"big.bin": pattern(BIG, 1), "mid.bin": pattern(MID, 1)}
V2 = {"big.bin": pattern(BIG, 2), "mid.bin": pattern(MID, 2)}
root = make_root(tmp, V1)


def rewrite_in_place(name, data):
    """What cp does to an existing file: O_TRUNC, then write, same inode."""
    with open(os.path.join(root, name), "wb") as f:
        f.write(data)


def restore(name):
    rewrite_in_place(name, V1[name])
    time.sleep(0.02)  # a later mtime than the rewrite, so the ETags differ


def fetch_with_rewrite(port, name, first, slow_reader, after=1 * MIB):
    """GET NAME (from byte FIRST) over a raw socket; rewrite it in place after
    AFTER body bytes. A SLOW_READER reads at most 8 MiB/s through a small
    receive buffer and stops reading while the file is rewritten, so the
    server is left waiting on a full socket. Returns (status,
    Content-Length, body, etag)."""
    hdr = f"Range: bytes={first}-\r\n" if first else ""
    s = socket.socket()
    if slow_reader:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)
    s.settimeout(10 * SLOW)
    s.connect(("127.0.0.1", port))
    with s:
        s.sendall(f"GET /{name} HTTP/1.1\r\nHost: x\r\n{hdr}Connection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            b = s.recv(65536)
            if not b:
                break
            data += b
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else None
        m = re.search(rb"\r\nContent-Length: (\d+)", head)
        length = int(m.group(1)) if m else None
        m = re.search(rb'\r\nETag: ("[^"]*")', head)
        etag = m.group(1).decode() if m else None
        body = bytearray(body)
        rewritten = False
        s.settimeout(30 * SLOW)
        t0 = time.monotonic()
        try:
            while True:
                if not rewritten and len(body) >= after:
                    rewrite_in_place(name, V2[name])
                    rewritten = True
                b = s.recv(64 * 1024 if slow_reader else 1 << 20)
                if not b:
                    break
                body += b
                if slow_reader:  # like curl --limit-rate 8M
                    ahead = len(body) / (8 * MIB) - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
        except (socket.timeout, ConnectionResetError):
            pass
    return status, length, bytes(body), etag


def judge(what, want_status, first, got):
    status, length, body, etag = got
    name = what.split()[0]
    v1, v2 = V1[name][first:], V2[name][first:]
    tap.eq(f"{what}: the response starts as {want_status}", want_status, status)
    tap.eq(f"{what}: ... announcing the whole length", len(v1), length)
    complete = length is not None and len(body) >= length
    mixed = complete and body[:length] != v1 and body[:length] != v2
    tap.ok(f"{what}: ... is never completed with mixed bytes", not mixed,
           f"got {len(body)} of {length} bytes, v1 {sha(body) == sha(v1)}, v2 {sha(body) == sha(v2)}")
    tap.ok(f"{what}: ... it ends short (the rewrite came mid-transfer)", not complete,
           f"got {len(body)} of {length} bytes")
    return etag


# --- raw sockets: the server limits the rate, or the client reads slowly ------------------------
for limit, slow_reader, how in [(["--limit-rate", "4M"], False, "server --limit-rate 4M"),
                                ([], True, "a client reading at 8 MiB/s")]:
    srv = Server(root, *limit, tmp=tmp)
    for name, first, status in [("mid.bin", 0, 200), ("big.bin", 100 * MIB, 206)]:
        what = f"{name} {'whole' if not first else 'bytes=104857600-'}, {how}"
        etag = judge(what, status, first, fetch_with_rewrite(srv.port, name, first, slow_reader))
        hdrs = [f"Range: bytes={first}-"] if first else []
        r = get(srv.port, f"/{name}", hdrs)
        tap.ok(f"{what}: a new request gets the new version whole, with a new ETag",
               r is not None and r.status == status and r.body == V2[name][first:]
               and r.header("etag") != etag, r.headers if r else None)
        restore(name)
    err = srv.stderr()
    tap.ok(f"{how}: the server logs each change",
           len(re.findall(r"changed while being sent", err)) >= 2, err[-2000:])
    srv.stop(tap, f"the server ({how})")

# --- curl --limit-rate against a server without a limit --------------------------------------
# The whole file: 4 MiB would already sit in the socket buffers when the
# rewrite comes, and a complete old copy is right, not a failure.
curl = shutil.which("curl")
if curl is None:
    tap.skip("curl --limit-rate: curl is not installed")
else:
    srv = Server(root, tmp=tmp)
    out = os.path.join(tmp, "curl.out")
    p = subprocess.Popen([curl, "-sS", "--limit-rate", "4M", "-o", out,
                          f"http://127.0.0.1:{srv.port}/big.bin"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20 * SLOW
    while time.monotonic() < deadline and (not os.path.exists(out)
                                           or os.path.getsize(out) < 512 * 1024):
        time.sleep(0.02)
    rewrite_in_place("big.bin", V2["big.bin"])
    rc = p.wait(timeout=60 * SLOW)
    stderr = p.stderr.read().decode(errors="replace")
    with open(out, "rb") as f:
        got = f.read()
    want1, want2 = V1["big.bin"], V2["big.bin"]
    tap.ok("curl --limit-rate: curl reports a short transfer (exit 18)", rc == 18,
           f"exit {rc}: {stderr}")
    tap.ok("... and never holds a complete mixed body",
           not (len(got) == len(want1) and got != want1 and got != want2), f"{len(got)} bytes")
    srv.stop(tap, "the unlimited server")

remove(tmp)
tap.done()
