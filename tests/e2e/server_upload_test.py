#!/usr/bin/env python3
"""tests/e2e/server_upload_test.py - PUT and DELETE on bin/server started
with --token-file: round trips of 0 bytes, 1 byte, 64 MiB (16 MiB under
sanitizers), a name with a space and a path in new subdirectories
(downloaded back with curl and compared by SHA-256, and found in
text.txt and /text.txt at once with that hash); curl -T and curl -X
DELETE; 8 uploads at once; two to one name at once (one wins whole);
overwrite with a shorter body; chunked bodies with a Content-Digest
trailer; digest mismatches (header and trailer) refused with nothing
kept; no token, a wrong token, a prefix and an extension of the token,
and a read-only server change nothing; Expect: 100-continue answered,
and refused without the body being read; traversal through every
encoding, hidden names, text.txt and symbolic links at every depth
refused; --max-upload-size; a dropped connection and a timed-out trickle
leave nothing; a full disk is 507 (a small tmpfs when the test may mount
one, and a file-size limit); stale temporaries are removed at start.
"""

import atexit
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import MODE, SLOW, Server, Tap, get, remove, sha, temp_dir  # noqa: E402
from uploadtest import (TOKEN, auth, catalog, catalog_file, delete, digest_field,  # noqa: E402
                        fsize_limit, head_bytes, put, read_response, request, temporaries, tree,
                        wait_for)

tap = Tap()
tmp = temp_dir()
servers = []  # every server started here: killed at exit, should a check crash the script


def server(*args, **kw):
    """Server(...), remembered for the exit."""
    srv = Server(*args, **kw)
    servers.append(srv)
    return srv


atexit.register(lambda: [s.kill() for s in servers])
root = os.path.join(tmp, "root")
outside = os.path.join(tmp, "outside")
os.makedirs(root)
os.makedirs(outside)
with open(os.path.join(outside, "victim.txt"), "wb") as f:
    f.write(b"outside the root\n")
token_file = os.path.join(tmp, "token")
with open(token_file, "w") as f:
    f.write(TOKEN + "\n")
MIB = 1 << 20
BIG = 64 * MIB if MODE == "release" else 16 * MIB
curl = shutil.which("curl")

# A stale temporary of a killed server, and a file next to it that stays.
os.makedirs(os.path.join(root, "old"))
with open(os.path.join(root, "old", ".pdm-upload.0123456789abcdef"), "wb") as f:
    f.write(b"half an upload")
with open(os.path.join(root, "old", "kept.txt"), "wb") as f:
    f.write(b"kept\n")

srv = server(root, "--token-file", token_file, tmp=tmp)
port = srv.port
tap.eq("a stale upload temporary is removed at start", [], temporaries(root))
# Log lines go out through a thread of their own: give it a moment.
tap.ok("... and the start says so",
       wait_for(lambda: "uploads an earlier run left unfinished" in srv.stdout(), 5), srv.stdout())


def download(path):
    """PATH's bytes, fetched with curl when there is one."""
    if curl is None:
        r = get(port, path)
        return r.body if r and r.status == 200 else None
    p = subprocess.run([curl, "-sS", "-f", f"http://127.0.0.1:{port}{path}"], capture_output=True,
                       timeout=60 * SLOW)
    return p.stdout if p.returncode == 0 else None


def stored(rel, data, what):
    """REL holds DATA on disk, over HTTP, in /text.txt and in text.txt, with its hash."""
    url = "/" + "/".join(urllib.parse.quote(c, safe="") for c in rel.split("/"))
    got = download(url)
    tap.ok(f"{what}: downloaded back, same SHA-256", got is not None and sha(got) == sha(data),
           f"got {None if got is None else len(got)} bytes")
    tap.eq(f"{what}: /text.txt lists it with its hash at once", (len(data), sha(data)),
           catalog(port).get(rel))
    tap.eq(f"{what}: text.txt on disk too", (len(data), sha(data)),
           catalog_file(srv.catalog).get(rel))


# --- round trips -------------------------------------------------------------------------------
CASES = [
    ("0 bytes", "empty.bin", b""),
    ("1 byte", "one.bin", b"x"),
    ("a name with a space", "notes on it.txt", b"spaced name\n" * 100),
    ("a path in new subdirectories", "new/deeper/still/file.dat", os.urandom(300000)),
]
for what, rel, data in CASES:
    url = "/" + "/".join(urllib.parse.quote(c, safe="") for c in rel.split("/"))
    r = put(port, url, data, [f"Repr-Digest: {digest_field(data)}"])
    tap.ok(f"{what}: PUT is 201 with the stored digest",
           r is not None and r.status == 201 and r.header("repr-digest") == digest_field(data),
           r.headers if r else None)
    stored(rel, data, what)

big = os.urandom(BIG)
if curl is not None:
    path = os.path.join(tmp, "big.bin")
    with open(path, "wb") as f:
        f.write(big)
    t0 = time.monotonic()
    p = subprocess.run([curl, "-sS", "-f", "-T", path, "-H", auth(),
                        f"http://127.0.0.1:{port}/big/big.bin"], capture_output=True,
                       timeout=120 * SLOW)
    took = time.monotonic() - t0
    tap.ok(f"curl -T of {BIG >> 20} MiB succeeds ({took:.2f} s)", p.returncode == 0,
           p.stderr.decode(errors="replace"))
    stored("big/big.bin", big, f"{BIG >> 20} MiB by curl -T")
    p = subprocess.run([curl, "-sS", "-f", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                        "-H", auth(), f"http://127.0.0.1:{port}/big/big.bin"],
                       capture_output=True, timeout=30 * SLOW)
    tap.eq("curl -X DELETE with the token is 204", "204", p.stdout.decode())
    tap.ok("... the file is gone from disk, /text.txt and text.txt",
           not os.path.exists(os.path.join(root, "big", "big.bin"))
           and "big/big.bin" not in catalog(port) and "big/big.bin" not in catalog_file(srv.catalog))
else:
    tap.skip("curl -T and curl -X DELETE: curl is not installed")

r = delete(port, "/no/such/file")
tap.eq("DELETE of a missing file is 404", 404, r.status if r else None)
r = delete(port, "/new/deeper")
tap.eq("DELETE of a directory is 409", 409, r.status if r else None)
r = put(port, "/new/deeper", b"x")
tap.eq("PUT over a directory is 409", 409, r.status if r else None)
r = put(port, "/one.bin/below", b"x")
tap.eq("PUT below a file is 409", 409, r.status if r else None)

# --- overwrite with a shorter body ------------------------------------------------------------
long_body, short_body = os.urandom(100000), b"short\n"
put(port, "/over.bin", long_body)
r = put(port, "/over.bin", short_body)
tap.eq("overwriting is 204", 204, r.status if r else None)
with open(os.path.join(root, "over.bin"), "rb") as f:
    tap.ok("... the file holds exactly the shorter body", f.read() == short_body)
stored("over.bin", short_body, "a shorter overwrite")

# --- chunked bodies and trailers --------------------------------------------------------------
data = os.urandom(200000)
r = put(port, "/chunked.bin", data, ["Trailer: Content-Digest"], chunked=True,
        trailers=[f"Content-Digest: {digest_field(data)}"])
tap.eq("a chunked PUT with a matching Content-Digest trailer is 201", 201, r.status if r else None)
stored("chunked.bin", data, "chunked with a trailer")
before = tree(root)
r = put(port, "/bad-trailer.bin", data, chunked=True,
        trailers=[f"Content-Digest: {digest_field(b'other')}"])
tap.eq("a chunked PUT whose Content-Digest trailer does not match is 400", 400,
       r.status if r else None)
r = put(port, "/bad-header.bin", data, [f"Repr-Digest: {digest_field(b'other')}"])
tap.eq("a PUT whose Repr-Digest header does not match is 400", 400, r.status if r else None)
r = put(port, "/bad-content.bin", data, [f"Content-Digest: {digest_field(b'other')}"])
tap.eq("a PUT whose Content-Digest header does not match is 400", 400, r.status if r else None)
r = put(port, "/chunked.bin", b"replaced?", chunked=True,
        trailers=[f"Repr-Digest: {digest_field(b'other')}"])
tap.eq("a mismatched trailer over an existing file is 400", 400, r.status if r else None)
r = put(port, "/malformed.bin", data, ["Repr-Digest: sha-256=deadbeef"])
tap.eq("a malformed digest field is 400", 400, r.status if r else None)
after = tree(root)
tap.ok("... none of them changed anything on disk", after == before,
       f"new or changed: {sorted(k for k in after if before.get(k) != after[k])}",
       f"gone: {sorted(k for k in before if k not in after)}")
tap.eq("... nor in the catalog", (len(data), sha(data)), catalog(port).get("chunked.bin"))

# --- tokens -----------------------------------------------------------------------------------
before = tree(root)
TOKEN_CASES = [
    ("no token", None),
    ("a wrong token", "wrong-token"),
    ("a prefix of the token", TOKEN[:-1]),
    ("an extension of the token", TOKEN + "="),
    ("the token twice", TOKEN[:-1] + TOKEN),
    ("the empty token", ""),
]
for what, tok in TOKEN_CASES:
    for method in ("PUT", "DELETE"):
        hs = [] if tok is None else [f"Authorization: Bearer {tok}"]
        _, r = request(port, method, "/chunked.bin", hs, b"evil" if method == "PUT" else None)
        tap.ok(f"{what}: {method} is 401 with WWW-Authenticate: Bearer",
               r is not None and r.status == 401
               and (r.header("www-authenticate") or "").startswith("Bearer"),
               r.headers if r else None)
_, r = request(port, "PUT", "/chunked.bin", ["Authorization: Basic " + TOKEN], b"evil")
tap.eq("Basic credentials are 401", 401, r.status if r else None)
tap.ok("refused requests changed nothing", tree(root) == before)
wait_for(lambda: srv.stderr().count(" refused: ") >= 2 * len(TOKEN_CASES) + 1, 5)
err = srv.stderr()
tap.ok("refusals are logged, without the token", "refused: a wrong token" in err
       and "refused: no Authorization header" in err and TOKEN[:8] not in err, err[-2000:])

# --- Expect: 100-continue ---------------------------------------------------------------------
def expect(path, headers, length):
    """Send a head with Expect: 100-continue and wait for the first answer
    without sending the body. Returns (status of the first response, socket)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    s.sendall(head_bytes("PUT", path, ["Expect: 100-continue", *headers], length))
    s.settimeout(10 * SLOW)
    first = b""
    while b"\r\n\r\n" not in first:
        b = s.recv(65536)
        if not b:
            break
        first += b
    return int(first.split(b" ")[1]) if first.startswith(b"HTTP/1.1 ") else None, first, s


st, first, s = expect("/exp.bin", [auth("bad")], 1000)
s.close()
tap.eq("Expect: 100-continue with a wrong token gets 401 before any body", 401, st)
st, first, s = expect("/exp.bin", [auth()], 1 << 50)
s.close()
tap.eq("Expect: 100-continue with a length past --max-upload-size gets 413 at once", 413, st)
st, first, s = expect("/.hidden", [auth()], 10)
s.close()
tap.eq("Expect: 100-continue to a hidden name gets 403 at once", 403, st)
st, first, s = expect("/exp.bin", [auth()], 5)
with s:
    if st == 100:
        s.sendall(b"hello")
    _, r = read_response(s)
tap.ok("an accepted Expect: 100-continue gets 100 Continue, then 201",
       st == 100 and r is not None and r.status == 201, first[:200])
tap.ok("a refusal sent no 100 Continue first", b"100 Continue" not in first or st == 100)

# Interim answers keep the order of a pipeline: a GET of 8 MiB that the client
# reads late, then a PUT with Expect: 100-continue behind it.
pipe_data = os.urandom(8 * MIB)
put(port, "/pipe.bin", pipe_data)
with socket.create_connection(("127.0.0.1", port), timeout=20 * SLOW) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.sendall(b"GET /pipe.bin HTTP/1.1\r\nHost: x\r\n\r\n"
              + head_bytes("PUT", "/piped.bin", ["Expect: 100-continue", auth()], 5))
    time.sleep(0.5 * SLOW)  # the server fills the socket and waits for it
    got = b""
    while b"100 Continue\r\n\r\n" not in got:
        b = s.recv(1 << 20)
        if not b:
            break
        got += b
    s.sendall(b"piped")
    _, r = read_response(s)
tap.ok("a 100 Continue behind a pipelined response comes after that response, then 201",
       got.find(b"100 Continue") > len(pipe_data) and r is not None and r.status == 201
       and tree(root).get("piped.bin") == b"piped", (len(got), r.status if r else None))

# --- paths ------------------------------------------------------------------------------------
os.symlink(outside, os.path.join(root, "link-dir"))
os.makedirs(os.path.join(root, "d", "e"))
os.symlink(outside, os.path.join(root, "d", "e", "link-deep"))
os.symlink(os.path.join(outside, "victim.txt"), os.path.join(root, "link-file"))
os.symlink(os.path.join(outside, "victim.txt"), os.path.join(root, "d", "e", "link-file"))
os.symlink("..", os.path.join(root, "d", "up"))
before, before_out = tree(root), tree(outside)
PATHS = [
    ("a '..' component", "/../escape.txt", (400, 403, 404)),
    ("'..' percent-encoded", "/%2e%2e/escape.txt", (400, 403)),
    ("'..' in capitals", "/%2E%2E/escape.txt", (400, 403)),
    ("an encoded slash and '..'", "/a%2f..%2f..%2fescape.txt", (400, 403)),
    ("'..' deep down", "/d/e/%2e%2e/%2e%2e/%2e%2e/escape.txt", (400, 403)),
    ("an absolute-form target with '..'", "http://127.0.0.1/../escape.txt", (400, 403, 404)),
    ("a double slash", "//escape.txt", (400,)),
    ("an empty component", "/d//escape.txt", (400,)),
    ("a trailing slash", "/d/", (400,)),
    ("the root", "/", (400,)),
    ("a hidden name", "/.hidden", (403,)),
    ("a hidden directory", "/d/.git/config", (403,)),
    ("the upload directory", "/.pdm-uploads/x", (403,)),
    ("text.txt at the root", "/text.txt", (403,)),
    ("an overlong UTF-8 '..'", "/%c0%ae%c0%ae/escape.txt", (400,)),
    ("'..' and a backslash", "/..%5cescape.txt", (403,)),
    ("text.txt percent-encoded", "/text%2etxt", (403,)),
    ("a NUL byte", "/a%00b", (400,)),
    ("a control byte", "/a%0ab", (400,)),
    ("invalid UTF-8", "/a%ffb", (400,)),
    ("a '#' name", "/%23x", (400,)),
    ("a link to a directory, first", "/link-dir/escape.txt", (403,)),
    ("a link to a directory, deep", "/d/e/link-deep/escape.txt", (403,)),
    ("a link to a file", "/link-file", (403,)),
    ("a link to a file, deep", "/d/e/link-file", (403,)),
    ("a link up, in the middle", "/d/up/escape.txt", (403,)),
]
for what, target, want in PATHS:
    r = put(port, target, b"escaped!\n")
    tap.ok(f"PUT through {what} is refused", r is not None and r.status in want,
           f"{target}: {r.status if r else None}")
for what, target, want in PATHS:
    if "link" not in what and "'..'" not in what:
        continue
    r = delete(port, target)
    tap.ok(f"DELETE through {what} is refused", r is not None and r.status in want + (404,),
           f"{target}: {r.status if r else None}")
tap.ok("nothing outside the root was written or removed", tree(outside) == before_out)
tap.ok("nothing inside the root changed", tree(root) == before)
tap.ok("the links are still there", os.path.islink(os.path.join(root, "link-file"))
       and os.path.islink(os.path.join(root, "d", "e", "link-deep")))
r = put(port, "/%252e%252e/inside.txt", b"decoded once\n")
tap.ok("a double-encoded '..' is decoded once: a directory literally called %2e%2e, inside",
       r is not None and r.status == 201
       and os.path.isfile(os.path.join(root, "%2e%2e", "inside.txt")), r.status if r else None)
r = put(port, "/iso/text.txt", b"an ordinary name below the root\n")
tap.eq("text.txt below the root is an ordinary name (201)", 201, r.status if r else None)

# --- many at once -----------------------------------------------------------------------------
bodies = {f"par/p{i}.bin": os.urandom(MIB + i) for i in range(8)}
results = {}


def upload_one(rel):
    results[rel] = put(port, "/" + rel, bodies[rel])


threads = [threading.Thread(target=upload_one, args=(rel,)) for rel in bodies]
for t in threads:
    t.start()
for t in threads:
    t.join(60 * SLOW)
tap.ok("8 uploads at once are all 201", all(results.get(r) is not None and results[r].status == 201
                                            for r in bodies), {k: v.status if v else None
                                                               for k, v in results.items()})
cat = catalog(port)
tap.ok("... each stored whole and listed with its hash",
       all(tree(root).get(rel) == data and cat.get(rel) == (len(data), sha(data))
           for rel, data in bodies.items()))

one, two = os.urandom(4 * MIB), os.urandom(4 * MIB)


def slow_put(data, out):
    """PUT DATA to /race.bin, in pieces, so the two bodies overlap in time."""
    with socket.create_connection(("127.0.0.1", port), timeout=30 * SLOW) as s:
        s.sendall(head_bytes("PUT", "/race.bin", [auth()], len(data)))
        for i in range(0, len(data), 256 * 1024):
            s.sendall(data[i:i + 256 * 1024])
            time.sleep(0.005)
        out.append(read_response(s)[1])


outs = [[], []]
threads = [threading.Thread(target=slow_put, args=(d, o)) for d, o in ((one, outs[0]),
                                                                        (two, outs[1]))]
for t in threads:
    t.start()
for t in threads:
    t.join(60 * SLOW)
statuses = sorted(o[0].status if o and o[0] else 0 for o in outs)
tap.ok("two uploads to one name at once: both succeed (one 201, one 204)",
       statuses in ([201, 204], [201, 201]), statuses)
final = tree(root).get("race.bin")
tap.ok("... the file is one of them whole, never a mix", final in (one, two),
       f"{None if final is None else len(final)} bytes")
tap.eq("... and the catalog lists that one", (len(final or b""), sha(final or b"")),
       catalog(port).get("race.bin"))

# --- limits and interruptions -----------------------------------------------------------------
srv.stop(tap, "the first server")
small_root = os.path.join(tmp, "small-root")
os.makedirs(small_root)
srv = server(small_root, "--token-file", token_file, "--max-upload-size", "1000",
             "--body-timeout", "1", "--body-min-rate", "1k",
             "--catalog", os.path.join(small_root, "cat.txt"), tmp=tmp)
port = srv.port
r = put(port, "/cat.txt", b"not a catalog\n")
tap.eq("the catalog file, when it lies in the root, cannot be written (403)", 403,
       r.status if r else None)
r = delete(port, "/cat.txt")
tap.eq("... nor deleted", 403, r.status if r else None)


def small_files():
    """What the uploads left in small_root (the catalog and its cache aside)."""
    return sorted(k for k in tree(small_root) if k not in ("cat.txt", ".cat.txt.cache"))


r = put(port, "/a.bin", b"x" * 1000)
tap.eq("--max-upload-size 1000: 1000 bytes are fine", 201, r.status if r else None)
r = put(port, "/b.bin", b"x" * 1001)
tap.eq("... 1001 bytes with a Content-Length are 413", 413, r.status if r else None)
r = put(port, "/c.bin", b"x" * 5000, chunked=True)
tap.eq("... a chunked body that grows past it is 413", 413, r.status if r else None)
tap.ok("... and nothing of them is kept", small_files() == ["a.bin"], small_files())

with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
    s.sendall(head_bytes("PUT", "/dropped.bin", [auth()], 900) + b"y" * 400)
    wait_for(lambda: len(temporaries(small_root)) == 1, 5)
    seen = temporaries(small_root)
tap.eq("an upload in progress has one hidden temporary beside its name", 1, len(seen))
tap.ok("a connection dropped mid-body leaves nothing",
       wait_for(lambda: temporaries(small_root) == [] and "dropped.bin" not in small_files()))

with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
    s.sendall(head_bytes("PUT", "/trickle.bin", [auth()], 900))
    t0 = time.monotonic()
    r = None
    for _ in range(int(40 * SLOW)):  # a byte every 0.25 s: far below 1 KiB/s
        try:
            s.sendall(b"z")
        except OSError:
            break
        s.settimeout(0.25)
        try:
            data = s.recv(65536)
            if data:
                r = data
                break
        except socket.timeout:
            pass
    took = time.monotonic() - t0
tap.ok("a trickled upload is cut with 408 within about --body-timeout",
       r is not None and r.startswith(b"HTTP/1.1 408") and took < 4 * SLOW,
       f"after {took:.1f} s: {r[:60] if r else None}")
tap.ok("... and leaves nothing", wait_for(lambda: temporaries(small_root) == []
                                          and "trickle.bin" not in small_files()))
srv.stop(tap, "the limited server")

# --- a full disk ------------------------------------------------------------------------------
def full_disk(how, root_dir, *, fsize=None, size):
    with fsize_limit(fsize):
        s2 = server(root_dir, "--token-file", token_file, tmp=tmp)
    try:
        r2 = put(s2.port, "/too-big.bin", os.urandom(size))
        tap.eq(f"{how}: an upload that does not fit is 507", 507, r2.status if r2 else None)
        tap.ok(f"{how}: ... and leaves nothing", temporaries(root_dir) == []
               and "too-big.bin" not in tree(root_dir), sorted(tree(root_dir)))
        r2 = put(s2.port, "/fits.bin", b"small\n")
        tap.eq(f"{how}: a small upload still works", 201, r2.status if r2 else None)
    finally:
        s2.stop(tap, f"the server ({how})")  # before a tmpfs under it is unmounted


fsize_root = os.path.join(tmp, "fsize-root")
os.makedirs(fsize_root)
full_disk("a 1 MiB file-size limit (RLIMIT_FSIZE)", fsize_root, size=2 * MIB, fsize=MIB)
tmpfs_root = os.path.join(tmp, "tmpfs-root")
os.makedirs(tmpfs_root)
mounted = os.geteuid() == 0 and subprocess.run(
    ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tmpfs_root], capture_output=True
).returncode == 0
if mounted:
    try:
        full_disk("a 2 MiB tmpfs", tmpfs_root, size=4 * MIB)
    finally:
        subprocess.run(["umount", tmpfs_root], capture_output=True)
else:
    tap.skip("a full tmpfs: mounting one needs root")

# --- read only --------------------------------------------------------------------------------
ro_root = os.path.join(tmp, "ro-root")
os.makedirs(ro_root)
with open(os.path.join(ro_root, "keep.txt"), "wb") as f:
    f.write(b"keep\n")
srv = server(ro_root, tmp=tmp)
before = tree(ro_root)
for method, body in (("PUT", b"x"), ("DELETE", None), ("PATCH", b"x")):
    _, r = request(srv.port, method, "/keep.txt", [auth()], body)
    tap.ok(f"a read-only server answers {method} with 405 and Allow: GET, HEAD",
           r is not None and r.status == 405 and r.header("allow") == "GET, HEAD",
           r.headers if r else None)
tap.ok("... and changes nothing", tree(ro_root) == before and not os.path.exists(
    os.path.join(ro_root, ".pdm-uploads")))
srv.stop(tap, "the read-only server")

remove(tmp)
tap.done()
