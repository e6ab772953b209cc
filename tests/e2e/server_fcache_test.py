#!/usr/bin/env python3
"""tests/e2e/server_fcache_test.py - the server's open-file cache
(server/fcache.c) never serves a file that is not the one on disk now.

Every file is asked for more than once, so the second request finds it
cached, and every body is compared by SHA-256 with the file's bytes on
disk at that moment (and with Repr-Digest whenever the server sends one).
Cases, each for a file young enough to be read afresh and for one old
enough that the cache keeps its bytes in memory: ranges (one part, a
suffix, an open end, two parts) of a cached file, a rewrite in place with
the same size and the old mtime put back (only the ctime moved), a file
replaced by rename, a chmod (a new ETag), a delete (404), a directory on
the path swapped for a symbolic link to the same directory (404). Then,
from a server whose descriptor limit leaves it a cache of 6 files, many
more distinct files than that, rewritten between rounds, all served
right; and a slow download whose file is evicted meanwhile still
completes whole (its response holds the file open).
"""

import base64
import hashlib
import os
import re
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdmtest  # noqa: E402
from pdmtest import SLOW, Server, Tap, get, make_root, remove, sha, temp_dir  # noqa: E402

tap = Tap()
tmp = temp_dir()
SETTLE = 2.2  # past FCACHE_SETTLE_NS: the cache then keeps small files' bytes


def content(name, version, size=4096):
    seed = hashlib.sha256(f"{name} {version}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


files = {}
for kind in ("young", "old"):
    for case in ("rewrite", "rename", "chmod", "delete"):
        files[f"{kind}-{case}.bin"] = content(f"{kind}-{case}", 1)
    files[f"{kind}-dir/f.bin"] = content(f"{kind}-dir", 1)
root = make_root(tmp, {})
for name, data in files.items():
    os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
    with open(os.path.join(root, name), "wb") as f:
        f.write(data)


def disk(name):
    with open(os.path.join(root, name), "rb") as f:
        return f.read()


def served_right(port, name, what):
    """GET NAME; it must be 200 with the bytes on disk, and any Repr-Digest
    must be theirs. Returns the response (or None)."""
    r = get(port, "/" + name)
    want = disk(name)
    ok = r is not None and r.status == 200 and sha(r.body) == sha(want)
    tap.ok(f"{what}: served whole, SHA-256 as on disk", ok,
           f"status {r and r.status}, {len(r.body) if r else 0} bytes, "
           f"sha {sha(r.body) if r else None} want {sha(want)}")
    digest = r.header("repr-digest") if r else None
    if digest is not None:
        m = re.match(r"sha-256=:([^:]*):", digest)
        tap.ok(f"{what}: ... and its Repr-Digest describes those bytes",
               m is not None and base64.b64decode(m.group(1)) == hashlib.sha256(r.body).digest(),
               digest)
    return r


def rewrite_same_size_old_mtime(name, data):
    """cp -p / rsync -t: the same inode and size, the old mtime put back."""
    path = os.path.join(root, name)
    st = os.stat(path)
    time.sleep(0.03)  # let the file system's clock tick: the ctime moves
    with open(path, "r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(path)
    return (after.st_size == st.st_size and after.st_mtime_ns == st.st_mtime_ns
            and after.st_ino == st.st_ino)


srv = Server(root, tmp=tmp)
port = srv.port
for kind in ("young", "old"):
    if kind == "old":
        time.sleep(SETTLE)  # the "old" files are now settled
    what = f"{kind} file"
    for name in (f"{kind}-rewrite.bin", f"{kind}-rename.bin", f"{kind}-chmod.bin",
                 f"{kind}-delete.bin", f"{kind}-dir/f.bin"):
        served_right(port, name, f"{what} {name}, first request")
        served_right(port, name, f"{what} {name}, again (from the cache)")

    name = f"{kind}-rewrite.bin"
    want = disk(name)
    for rng, part in [("bytes=0-99", want[:100]), ("bytes=-100", want[-100:]),
                      ("bytes=4000-", want[4000:])]:
        r = get(port, "/" + name, [f"Range: {rng}"])
        tap.ok(f"{what} {name}: Range {rng} is 206 with those bytes",
               r is not None and r.status == 206 and r.body == part,
               r and r.status, r and len(r.body))
    r = get(port, "/" + name, ["Range: bytes=100-199,300-399"])
    tap.ok(f"{what} {name}: a two-part Range carries both parts",
           r is not None and r.status == 206 and want[100:200] in r.body
           and want[300:400] in r.body, r and r.status)
    before = get(port, "/" + name)
    tap.ok(f"{what}: rewritten in place with its size and old mtime",
           rewrite_same_size_old_mtime(name, content(name, 2)))
    r = served_right(port, name, f"{what} rewritten in place, old mtime put back")
    tap.ok(f"{what} rewritten in place: ... with a new ETag",
           r is not None and before is not None and r.header("etag") != before.header("etag"),
           before and before.header("etag"), r and r.header("etag"))
    tap.ok(f"{what} rewritten in place: ... the new version, not the old",
           r is not None and r.body == content(name, 2) and r.body != content(name, 1))

    name = f"{kind}-rename.bin"
    new = os.path.join(root, f"{kind}-rename.tmp")
    with open(new, "wb") as f:
        f.write(content(name, 2))
    os.rename(new, os.path.join(root, name))
    r = served_right(port, name, f"{what} replaced by rename")
    tap.ok(f"{what} replaced by rename: ... the new bytes",
           r is not None and r.body == content(name, 2))

    name = f"{kind}-chmod.bin"
    before = get(port, "/" + name)
    time.sleep(0.03)
    os.chmod(os.path.join(root, name), stat.S_IRUSR | stat.S_IWUSR)
    r = served_right(port, name, f"{what} chmodded")
    tap.ok(f"{what} chmodded: ... the cache looked again (the ETag has the new ctime)",
           r is not None and before is not None and r.header("etag") != before.header("etag"),
           before and before.header("etag"), r and r.header("etag"))

    name = f"{kind}-delete.bin"
    os.unlink(os.path.join(root, name))
    r = get(port, "/" + name)
    tap.eq(f"{what} deleted: 404", 404, r and r.status)

    d = os.path.join(root, f"{kind}-dir")
    os.rename(d, d + "-real")
    os.symlink(f"{kind}-dir-real", d)
    r = get(port, f"/{kind}-dir/f.bin")
    tap.eq(f"{what}: its directory swapped for a symbolic link to the same directory: 404",
           404, r and r.status)
    served_right(port, f"{kind}-dir-real/f.bin", f"{what} through the real directory")
srv.stop(tap, "the server")

# --- a cache of 6 files: eviction -------------------------------------------------------------
# A descriptor limit of 256 leaves 24 for files, a quarter of them for the
# cache of the one worker: 6 (capacity_file_cache()).
wrapper = os.path.join(tmp, "server-256-fds")
with open(wrapper, "w") as f:
    f.write(f'#!/bin/sh\nulimit -n 256 && exec "{pdmtest.SERVER}" "$@"\n')
os.chmod(wrapper, 0o755)
pdmtest.SERVER = wrapper

N = 40
many = {f"many/{i:02d}.bin": content(f"many {i}", 1, 1000 + 37 * i) for i in range(N)}
for name, data in many.items():
    os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
    with open(os.path.join(root, name), "wb") as f:
        f.write(data)
BIG = 32 << 20
with open(os.path.join(root, "big.bin"), "wb") as f:
    f.write(content("big", 1, BIG))
time.sleep(SETTLE)

srv = Server(root, "--threads", "1", tmp=tmp)
port = srv.port
out = srv.stdout().splitlines()
m = re.search(r"; (\d+) open files cached per worker", out[1] if len(out) > 1 else "")
tap.ok("a descriptor limit of 256 leaves a cache of a few files, said on the second line",
       m is not None and 0 < int(m.group(1)) < 10, out[:2])

# A slow download of big.bin starts, and its file is then evicted.
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
s.settimeout(10 * SLOW)
s.connect(("127.0.0.1", port))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
first = s.recv(65536)

for rnd in range(3):
    bad = []
    for i in range(rnd, N, 1):
        name = f"many/{i:02d}.bin"
        r = get(port, "/" + name)
        want = disk(name)
        if r is None or r.status != 200 or sha(r.body) != sha(want):
            bad.append(name)
    tap.ok(f"{N} distinct files through a cache of 6, round {rnd + 1}: each served as on disk",
           not bad, bad)
    # Between rounds, rewrite some in place with their old size and mtime.
    for i in range(rnd, N, 5):
        name = f"many/{i:02d}.bin"
        rewrite_same_size_old_mtime(name, content(f"many {i}", rnd + 2, 1000 + 37 * i))

data = first
s.settimeout(30 * SLOW)
try:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        data += b
except (socket.timeout, ConnectionResetError):
    pass
s.close()
head, _, body = data.partition(b"\r\n\r\n")
tap.ok("a download whose file was evicted meanwhile completes whole (its response holds it)",
       head.startswith(b"HTTP/1.1 200") and len(body) == BIG and sha(body) == sha(disk("big.bin")),
       f"{len(body)} of {BIG} bytes", head[:200])
srv.stop(tap, "the server with a cache of 6")

remove(tmp)
tap.done()
