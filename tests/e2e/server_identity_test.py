#!/usr/bin/env python3
"""tests/e2e/server_identity_test.py - what bin/server says about a file
is true of the bytes it sends, even when the file changes in ways a
modification time cannot see:

- an edit that keeps the size and the mtime (cp -p, touch -r, rsync -t)
  changes the ETag and drops or corrects Repr-Digest at once, a rescan
  puts the new hash in the catalog, and neither a restart nor a hash cache
  of the old format brings the old hash back;
- If-Range with a date matches only a strong validator (RFC 9110 13.1.5,
  8.8.2.2): a second version written within the second of the first is
  sent whole (200), not as a range of the new bytes.
"""

import base64
import hashlib
import os
import re
import signal
import sys
import time
from email.utils import parsedate_to_datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import SLOW, Server, Tap, get, make_root, remove, sha, temp_dir  # noqa: E402

tap = Tap()
tmp = temp_dir()
SIZE = 256 << 10
V1 = os.urandom(SIZE)
V2 = os.urandom(SIZE)
V3 = os.urandom(SIZE)
OLD = os.urandom(4096)
root = make_root(tmp, {"same.bin": V1, "old.bin": OLD})
path = os.path.join(root, "same.bin")


def b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def rewrite_keeping_mtime(p, data):
    """Write DATA over P in place (same size), then put the old times back."""
    st = os.stat(p)
    with open(p, "r+b") as f:
        f.write(data)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(p)
    return (after.st_size == st.st_size and after.st_mtime_ns == st.st_mtime_ns
            and after.st_ino == st.st_ino)


def catalog_line(port, name):
    body = get(port, "/text.txt").body.decode()
    m = re.search(rf"^{re.escape(name)}\t(\d+)\t([0-9a-f]{{64}})$", body, re.M)
    return (int(m.group(1)), m.group(2)) if m else None


def wait_catalog(port, name, want_sha):
    deadline = time.monotonic() + 10 * SLOW
    while time.monotonic() < deadline:
        got = catalog_line(port, name)
        if got and got[1] == want_sha:
            return True
        time.sleep(0.1)
    return False


# The old file's mtime lies far in the past: its Last-Modified is a strong validator.
os.utime(os.path.join(root, "old.bin"), (time.time() - 3600, time.time() - 3600))

srv = Server(root, tmp=tmp)
port = srv.port

# --- an edit that keeps size and mtime -------------------------------------------------------
r1 = get(port, "/same.bin")
tap.ok("the first version is served with its Repr-Digest",
       r1.status == 200 and sha(r1.body) == sha(V1)
       and r1.header("repr-digest") == f"sha-256=:{b64(V1)}:", r1.headers)
etag1 = r1.header("etag")
tap.ok("the size and mtime really are kept by the edit", rewrite_keeping_mtime(path, V2))

r2 = get(port, "/same.bin")
tap.eq("the new bytes are served", sha(V2), sha(r2.body))
tap.ok("the ETag changed with them", r2.header("etag") not in (None, etag1),
       f"before {etag1}, after {r2.header('etag')}")
tap.ok("Repr-Digest does not describe the old bytes (absent or the new hash)",
       r2.header("repr-digest") in (None, f"sha-256=:{b64(V2)}:"), r2.header("repr-digest"))
h = get(port, "/same.bin", method="HEAD")
tap.ok("nor does HEAD's Digest", h.header("digest") in (None, f"SHA-256={b64(V2)}"),
       h.header("digest"))
r = get(port, "/same.bin", ["Range: bytes=100-199"])
tap.ok("a range of the new bytes carries no old digest",
       r.status == 206 and r.body == V2[100:200]
       and r.header("repr-digest") in (None, f"sha-256=:{b64(V2)}:"), r.headers)
r = get(port, "/same.bin", [f"If-None-Match: {etag1}"])
tap.ok("If-None-Match with the old ETag gets the new file, not 304",
       r.status == 200 and sha(r.body) == sha(V2), r.status)
r = get(port, "/same.bin", [f"If-Range: {etag1}", "Range: bytes=0-99"])
tap.ok("If-Range with the old ETag gets the whole new file, not a range of it",
       r.status == 200 and sha(r.body) == sha(V2), r.status)

srv.signal(signal.SIGHUP)
tap.ok("after SIGHUP the catalog has the new hash", wait_catalog(port, "same.bin", sha(V2)),
       catalog_line(port, "same.bin"))
r = get(port, "/same.bin")
tap.eq("... and Repr-Digest is the new hash", f"sha-256=:{b64(V2)}:", r.header("repr-digest"))
srv.stop(tap)

# --- the hash cache: keyed by ctime too, and the old format ignored ---------------------------
tap.ok("(edit again while the server is stopped)", rewrite_keeping_mtime(path, V3))
srv = Server(root, tmp=tmp)
tap.eq("a restart does not take the stale hash from the cache", sha(V3),
       (catalog_line(srv.port, "same.bin") or (0, ""))[1])
tap.ok("... it hashed the edited file again, and only it",
       re.search(r"catalog: 2 files, .* \(1 hashed", srv.stdout()), srv.stdout())
srv.stop(tap, "the restarted server")

cache = os.path.join(tmp, ".text.txt.cache")
st = os.stat(path)
with open(cache, "w") as f:  # the format before ctime was part of the key, with a wrong hash
    f.write("# pdm hash cache v1\n")
    f.write(f"{st.st_ino}\t{st.st_size}\t{st.st_mtime_ns // 10**9}\t{st.st_mtime_ns % 10**9}\t"
            f"{'ab' * 32}\tsame.bin\n")
srv = Server(root, tmp=tmp)
port = srv.port
tap.eq("a hash cache of the old format is ignored", sha(V3),
       (catalog_line(port, "same.bin") or (0, ""))[1])

# --- If-Range with a date --------------------------------------------------------------------
r = get(port, "/old.bin")
lm = r.header("last-modified")
r = get(port, "/old.bin", [f"If-Range: {lm}", "Range: bytes=10-19"])
tap.ok("If-Range with the Last-Modified of an old file honours the range",
       r.status == 206 and r.body == OLD[10:20], r.status)

quick = os.path.join(root, "quick.bin")
A = os.urandom(SIZE)
B = os.urandom(SIZE)
same_second = False
for attempt in range(5):
    # Start early in a second, so both versions fall within it.
    while time.time() % 1 > 0.3:
        time.sleep(0.01)
    with open(quick, "wb") as f:
        f.write(A)
    ra = get(port, "/quick.bin")
    with open(quick, "r+b") as f:
        f.write(B)
    rb = get(port, "/quick.bin", [f"If-Range: {ra.header('last-modified')}",
                                  "Range: bytes=0-99"])
    same_second = (int(os.stat(quick).st_mtime)
                   == int(parsedate_to_datetime(ra.header("last-modified")).timestamp()))
    if same_second and sha(ra.body) == sha(A):
        break
tap.ok("(two versions were written within one second)", same_second)
tap.ok("If-Range with the first version's date gets the second version whole (200)",
       rb.status == 200 and sha(rb.body) == sha(B), f"status {rb.status}")
tap.ok("... never a range of the second version under the first one's date",
       not (rb.status == 206 and rb.body == B[:100]))

srv.stop(tap, "the last server")
remove(tmp)
tap.done()
