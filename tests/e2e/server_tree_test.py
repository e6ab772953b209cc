#!/usr/bin/env python3
"""tests/e2e/server_tree_test.py - bin/server publishes the whole tree
under --root: files in subdirectories are in the catalog under their
relative path and served at that path with the right bytes; a missing
file or directory is 404, an invalid path 400, a directory itself 404;
no symbolic link is followed at any depth, and a directory replaced by
a link between scans is not entered; hidden entries stay private; a
path deeper than 32 components is not published; text.txt is reserved
in the root only; what is not published is reported once; and a rescan
or a restart reads no unchanged file.
"""

import os
import re
import signal
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import SLOW, Server, Tap, get, remove, sha, temp_dir  # noqa: E402

tap = Tap()
tmp = temp_dir()
root = os.path.join(tmp, "root")

DEEP_DIRS = [f"d{i}" for i in range(1, 32)]  # 31 directories: a file below has 32 components
DEEP = "/".join(DEEP_DIRS) + "/leaf.bin"
TOO_DEEP = "/".join(DEEP_DIRS) + "/d32/too-deep.bin"

FILES = {
    "a.txt": b"top level\n",
    "notes on it.txt": os.urandom(5000),
    "iso/debian.iso": os.urandom(300 << 10),
    "iso/text.txt": b"an ordinary file below the root\n",
    "iso/old/deb 1.iso": os.urandom(20000),
    "docs/a b&<c>/\u00e9 \u65e5\u672c.txt": "h\u00e9llo \u65e5\u672c\n".encode(),
    "empty/inner/zero.dat": b"",
    DEEP: b"thirty-two components\n",
}
UNPUBLISHED = {
    TOO_DEEP: b"too deep\n",
    "text.txt": b"not the catalog\n",
    ".hid/x": b"hidden directory\n",
    "iso/.secret": b"hidden file\n",
    "iso/bad\tname": b"tab\n",
    "iso/#hash": b"comment-like\n",
}


def write(rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


def url(rel):
    return "/" + "/".join(urllib.parse.quote(c, safe="") for c in rel.split("/"))


def catalog(port):
    """The served catalog as {name: (size, sha256)}."""
    out = {}
    for line in get(port, "/text.txt").body.decode().splitlines():
        if line and not line.startswith("#"):
            name, size, digest = line.split("\t")
            out[name] = (int(size), digest)
    return out


def wait_for(pred, secs=10):
    deadline = time.monotonic() + secs * SLOW
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


for rel, data in {**FILES, **UNPUBLISHED}.items():
    write(rel, data)
os.symlink("a.txt", os.path.join(root, "link-file"))
os.symlink("old", os.path.join(root, "iso/link-dir"))
os.symlink("/etc", os.path.join(root, "outside"))
os.symlink("/etc", os.path.join(root, "iso/old/etc"))
os.symlink("/etc/passwd", os.path.join(root, "iso/old/pw"))
os.symlink("../../a.txt", os.path.join(root, "iso/old/up"))

srv = Server(root, tmp=tmp)
port = srv.port

# --- the catalog ---------------------------------------------------------------------------
want = {rel: (len(data), sha(data)) for rel, data in FILES.items()}
got = catalog(port)
tap.eq("the catalog lists every regular file of the tree by its relative path", sorted(want),
       sorted(got))
tap.ok("... with each file's size and SHA-256", all(got.get(k) == v for k, v in want.items()))
with open(srv.catalog, "rb") as f:
    lines = [ln for ln in f.read().decode().splitlines() if not ln.startswith("#")]
tap.ok("the catalog file is sorted bytewise by path",
       [ln.split("\t")[0].encode() for ln in lines] == sorted(k.encode() for k in want))

# --- files at every depth --------------------------------------------------------------------
for rel, data in FILES.items():
    r = get(port, url(rel))
    tap.ok(f"GET {url(rel)} gives the file's bytes", r.status == 200 and sha(r.body) == sha(data),
           r.status)
r = get(port, "/iso/debian.iso", ["Range: bytes=1000-1999"])
tap.ok("a range of a nested file is its bytes", r.status == 206
       and r.body == FILES["iso/debian.iso"][1000:2000])
r = get(port, "/iso/debian.iso", method="HEAD")
tap.ok("a nested file carries its Repr-Digest and its type",
       r.header("repr-digest") is not None
       and r.header("content-type") == "application/x-iso9660-image", r.headers)
r = get(port, "/iso%2Fdebian.iso")
tap.ok("%2F separates components like '/': /iso%2Fdebian.iso is that file",
       r.status == 200 and sha(r.body) == sha(FILES["iso/debian.iso"]))
r = get(port, "/text.txt")
tap.ok("/text.txt is still the catalog, not the file of that name in the root",
       r.status == 200 and b"iso/debian.iso\t" in r.body and b"not the catalog" not in r.body)
r = get(port, "/iso/text.txt")
tap.ok("iso/text.txt is an ordinary file", r.status == 200 and r.body == FILES["iso/text.txt"])

# --- refusals ----------------------------------------------------------------------------------
REFUSED = [
    ("a missing file", "/iso/nope.iso", 404),
    ("a file in a missing directory", "/nodir/debian.iso", 404),
    ("a file in a missing directory, deeper", "/iso/nodir/x/y", 404),
    ("a directory itself", "/iso", 404),
    ("a directory itself, with a slash", "/iso/", 404),
    ("a nested directory itself", "/iso/old", 404),
    ("a missing directory, with a slash", "/nodir/", 404),
    ("a link to a file in the root", "/link-file", 404),
    ("a file through a link to a directory", "/iso/link-dir/deb%201.iso", 404),
    ("a file through a link to a directory outside", "/outside/passwd", 404),
    ("a file through a link to outside, two levels down", "/iso/old/etc/passwd", 404),
    ("a link to a file outside, two levels down", "/iso/old/pw", 404),
    ("a link pointing up", "/iso/old/up", 404),
    ("a hidden directory", "/.hid/x", 404),
    ("a hidden file in a directory", "/iso/.secret", 404),
    ("a '..' in the middle", "/iso/../a.txt", 404),
    ("an encoded '..' climbing out", "/%2e%2e/%2e%2e/etc/passwd", 404),
    ("an encoded traversal in one component", "/iso%2f..%2f..%2fetc%2fpasswd", 404),
    ("an empty component", "/iso//debian.iso", 400),
    ("an encoded empty component", "/iso%2F%2Fdebian.iso", 400),
    ("a control byte in a file name", "/iso/bad%09name", 400),
    ("a control byte in a directory name", "/is%1bo/debian.iso", 400),
    ("a component starting with '#'", "/iso/%23hash", 400),
    ("a path of 33 components", url(TOO_DEEP), 400),
]
for what, path, status in REFUSED:
    r = get(port, path)
    tap.ok(f"{what} ({path}) is {status} and leaks nothing",
           r.status == status and b"root:" not in r.body and b"hidden" not in r.body,
           f"status {r.status}", r.body[:120])
r = get(port, url(DEEP))
tap.ok("a path of 32 components is served", r.status == 200 and r.body == FILES[DEEP])

# --- reported once ------------------------------------------------------------------------------
REPORTED = ["'text.txt': the name is reserved", "'link-file': symbolic links",
            "'iso/link-dir': symbolic links", "'outside': symbolic links",
            "'iso/old/etc': symbolic links", "'iso/old/pw': symbolic links",
            "'iso/bad\\x09name'", "'iso/#hash'", "d31/d32': directory nested too deep"]
for _ in range(2):
    srv.signal(signal.SIGHUP)
    time.sleep(0.5 * SLOW)
err = srv.stderr()
for what in REPORTED:
    tap.eq(f"stderr says once why {what.split(':')[0]} is not published", 1, err.count(what))
tap.ok("hidden entries are not reported (private by design)",
       ".hid" not in err and ".secret" not in err, err)

# --- rescans and restarts read no unchanged file -------------------------------------------------
NEW = os.urandom(7777)
write("iso/new/fresh.bin", NEW)
before = srv.stdout().count("catalog: ")
srv.signal(signal.SIGHUP)
tap.ok("after SIGHUP a file in a new directory appears",
       wait_for(lambda: catalog(port).get("iso/new/fresh.bin") == (len(NEW), sha(NEW))))
tap.ok("... and only it was hashed",
       wait_for(lambda: re.search(r"catalog: 9 files, .* \(1 hashed", srv.stdout())),
       srv.stdout()[-600:])

# A directory replaced by a link to outside between two scans.
os.rename(os.path.join(root, "iso/old"), os.path.join(root, "iso/.old-moved"))
os.symlink("/etc", os.path.join(root, "iso/old"))
srv.signal(signal.SIGHUP)
tap.ok("a directory replaced by a link leaves the catalog with its files",
       wait_for(lambda: "iso/old/deb 1.iso" not in catalog(port)))
tap.ok("... no file through the link is listed",
       not any(k.startswith("iso/old") for k in catalog(port)), sorted(catalog(port)))
r = get(port, "/iso/old/passwd")
tap.ok("... and nothing is served through it", r.status == 404 and b"root:" not in r.body)
tap.ok("... and the link is reported", wait_for(
    lambda: srv.stderr().count("'iso/old': symbolic links are not followed") == 1))
srv.stop(tap)

srv = Server(root, tmp=tmp)
tap.ok("a restart over the tree hashes nothing (the cache is keyed by path)",
       re.search(r"catalog: 8 files, .* \(0 hashed", srv.stdout()), srv.stdout())
tap.eq("... and lists the same files",
       sorted([k for k in want if not k.startswith("iso/old/")] + ["iso/new/fresh.bin"]),
       sorted(catalog(srv.port)))
srv.stop(tap, "the restarted server")
remove(tmp)
tap.done()
