#!/usr/bin/env python3
"""tests/e2e/server_meta4_serve_test.py - bin/server serves Metalinks
(RFC 5854) and advertises them (RFC 6249): GET /PATH.meta4 and GET /PATH
with "Accept: application/metalink4+xml" give a document whose size,
SHA-256 and piece hashes match the file and whose URLs are this server
(as the client reached it, or --public-url) and each --mirror; file
responses carry Link rel=duplicate per mirror and rel=describedby; a
file changed since the scan gets no Metalink and no Link; Accept gives
the Metalink only when it prefers it to the file (aria2c's default
Accept, which names Metalinks beside every type, gets the file); a NAME.meta4
whose NAME is not published is an ordinary file (or 404); aria2c given
the .meta4 URL downloads from this server and a mirror (a second
bin/server) with piece verification, and the file's SHA-256 is right.
"""

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import SLOW, Server, Tap, exchange, parse_responses, remove, sha, temp_dir  # noqa: E402

NS = "{urn:ietf:params:xml:ns:metalink}"
PIECE = 256 << 10
M4 = "application/metalink4+xml"

tap = Tap()
tmp = temp_dir()
root = os.path.join(tmp, "root")
FILES = {
    "big.bin": os.urandom(48 * PIECE + 1234),  # 12 MiB: aria2c splits it over both sources
    "sub/a&b c.txt": b"a name with an ampersand and a space\n",
    "orphan.meta4": b"no 'orphan' beside it: ordinary content\n",
}
for rel, data in FILES.items():
    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    with open(os.path.join(root, rel), "wb") as f:
        f.write(data)
MIRRORS = ["http://127.0.0.2:9/m/", "http://127.0.0.3:9"]


def url_path(rel):
    return "/".join(urllib.parse.quote(c, safe="") for c in rel.split("/"))


def request(port, path, headers=(), method="GET", host="127.0.0.1"):
    req = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    req += "".join(f"{h}\r\n" for h in headers) + "\r\n"
    rs = parse_responses(exchange(port, req.encode()), head_only=(0,) if method == "HEAD" else ())
    return rs[0] if rs else None


def faults_of(body, rel, data, bases):
    """What is wrong with BODY as the Metalink of REL (DATA) listing BASES."""
    try:
        doc = ET.fromstring(body)
    except ET.ParseError as e:
        return [f"does not parse: {e}"]
    files = doc.findall(NS + "file")
    if doc.tag != NS + "metalink" or len(files) != 1:
        return [f"root {doc.tag}, {len(files)} <file>"]
    f, faults = files[0], []
    if f.get("name") != rel:
        faults.append(f"name {f.get('name')!r}")
    if f.findtext(NS + "size") != str(len(data)):
        faults.append("size")
    if [h.text for h in f.findall(NS + "hash") if h.get("type") == "sha-256"] != [sha(data)]:
        faults.append("sha-256")
    pieces = f.find(NS + "pieces")
    want = [hashlib.sha256(data[i:i + PIECE]).hexdigest() for i in range(0, len(data), PIECE)]
    if pieces is None or [h.text for h in pieces.findall(NS + "hash")] != want:
        faults.append("piece hashes")
    urls = [u.text for u in f.findall(NS + "url")]
    want_urls = [b.rstrip("/") + "/" + url_path(rel) for b in bases]
    if urls != want_urls:
        faults.append(f"urls {urls!r}, want {want_urls!r}")
    return faults


procs = []
try:
    srv = Server(root, "--mirror", MIRRORS[0], "--mirror", MIRRORS[1], tmp=tmp)
    procs.append(srv)
    port = srv.port
    host = f"127.0.0.1:{port}"
    self_base = f"http://{host}"

    # --- GET /PATH.meta4 -----------------------------------------------------------------
    for rel in ("big.bin", "sub/a&b c.txt"):
        r = request(port, "/" + url_path(rel) + ".meta4", host=host)
        tap.ok(f"GET /{rel}.meta4 is 200 {M4}",
               r is not None and r.status == 200 and r.header("content-type") == M4,
               r and r.status, r and r.headers)
        faults = faults_of(r.body, rel, FILES[rel], [self_base] + MIRRORS) if r else ["no answer"]
        tap.ok(f"... the document matches {rel} and lists this server and both mirrors",
               not faults, *faults)
    m4 = request(port, "/big.bin.meta4", host=host)
    etag = m4.header("etag") or ""
    tap.ok("... with a strong ETag and a Repr-Digest of the document's bytes",
           re.fullmatch(r'"[^"]+"', etag) and m4.header("repr-digest") ==
           "sha-256=:" + base64.b64encode(hashlib.sha256(m4.body).digest()).decode() + ":",
           m4.headers)
    r = request(port, "/big.bin.meta4", (f"If-None-Match: {etag}",), host=host)
    tap.eq("... If-None-Match with it is 304", 304, r and r.status)
    r = request(port, "/big.bin.meta4", ("Range: bytes=0-9",), host=host)
    tap.ok("... a Range of it is 206 with those bytes", r and r.status == 206 and r.body == m4.body[:10],
           r and r.status)
    r = request(port, "/big.bin.meta4", method="HEAD", host=host)
    tap.ok("... HEAD has its length and no body",
           r and r.status == 200 and r.header("content-length") == str(len(m4.body)), r and r.headers)
    r = request(port, "/big.bin.meta4", host="mirror.test:8080")
    faults = faults_of(r.body, "big.bin", FILES["big.bin"], ["http://mirror.test:8080"] + MIRRORS) \
        if r and r.status == 200 else [f"status {r and r.status}"]
    tap.ok("... its first URL follows the Host the client used", not faults, *faults)
    rs = parse_responses(exchange(port, b"GET /big.bin.meta4 HTTP/1.0\r\n\r\n"))
    faults = faults_of(rs[0].body, "big.bin", FILES["big.bin"], [self_base] + MIRRORS) \
        if rs and rs[0].status == 200 else [f"answer {rs and rs[0].status}"]
    tap.ok("... and without a Host (HTTP/1.0), the address the client connected to", not faults,
           *faults)

    # --- content negotiation on /PATH ----------------------------------------------------
    r = request(port, "/big.bin", (f"Accept: {M4}",), host=host)
    tap.ok("GET /big.bin with Accept: application/metalink4+xml gives the Metalink",
           r and r.status == 200 and r.header("content-type") == M4 and r.body == m4.body
           and r.header("vary") == "Accept", r and r.headers)
    r = request(port, "/big.bin", ("Accept: text/html, APPLICATION/Metalink4+XML;q=0.9",), host=host)
    tap.ok("... also among other types, in any case, with a q above 0",
           r and r.header("content-type") == M4, r and r.headers)
    for accept in (f"{M4};q=0", "*/*", "application/*", "text/html",
                   f"*/*,{M4},application/metalink+xml", f"{M4};q=0.5, */*"):
        r = request(port, "/big.bin", (f"Accept: {accept}",), host=host)
        tap.ok(f"Accept: {accept} gives the file itself",
               r and r.status == 200 and r.body == FILES["big.bin"], r and r.status, r and r.headers)

    # --- Link headers (RFC 6249) ---------------------------------------------------------
    r = request(port, "/" + url_path("sub/a&b c.txt"), host=host)
    links = r.headers.get("link", []) if r else []
    want = [f"<{MIRRORS[0]}{url_path('sub/a&b c.txt')}>; rel=duplicate",
            f"<{MIRRORS[1]}/{url_path('sub/a&b c.txt')}>; rel=duplicate",
            f'</{url_path("sub/a&b c.txt")}.meta4>; rel=describedby; type="{M4}"']
    tap.eq("a file's response links each mirror (rel=duplicate) and its Metalink (rel=describedby)",
           want, links)
    tap.eq("... and varies on Accept", "Accept", r and r.header("vary"))
    r = request(port, "/big.bin", ("Range: bytes=100-199",), host=host)
    tap.ok("... a 206 carries them too, with the right bytes",
           r and r.status == 206 and r.body == FILES["big.bin"][100:200] and len(r.headers.get("link", [])) == 3,
           r and r.headers)
    r = request(port, "/text.txt", host=host)
    tap.ok("the catalog itself carries no Link", r and r.status == 200 and "link" not in r.headers,
           r and r.headers)

    # --- names that are not Metalinks of published files ---------------------------------
    r = request(port, "/orphan.meta4", host=host)
    tap.ok("orphan.meta4 (no 'orphan' published) is served as the file it is",
           r and r.status == 200 and r.body == FILES["orphan.meta4"], r and r.status)
    r = request(port, "/missing.bin.meta4", host=host)
    tap.eq("the Metalink of a name not in the catalog is 404", 404, r and r.status)
    r = request(port, "/text.txt.meta4", host=host)
    tap.eq("the catalog has no Metalink (404)", 404, r and r.status)
    r = request(port, "/..%2Fbig.bin.meta4", host=host)
    tap.ok("a traversal in a .meta4 name is refused (400 or 404)", r and r.status in (400, 404),
           r and r.status)

    # --- a file changed since the scan ---------------------------------------------------
    changed = os.urandom(len(FILES["big.bin"]))
    with open(os.path.join(root, "big.bin"), "r+b") as f:
        f.write(changed)
    r = request(port, "/big.bin.meta4", host=host)
    tap.eq("after the file changes (no rescan yet) its Metalink is 503, never the old hashes",
           503, r and r.status)
    r = request(port, "/big.bin", (f"Accept: {M4}",), host=host)
    tap.ok("... Accept for it gives the new bytes, not the old Metalink",
           r and r.status == 200 and r.body == changed, r and r.status, r and r.headers)
    r = request(port, "/big.bin", host=host)
    tap.ok("... and the file's response has no Link and no Repr-Digest",
           r and r.body == changed and "link" not in r.headers and "repr-digest" not in r.headers,
           r and r.headers)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(FILES["big.bin"])
    srv.stop(tap)
    procs.remove(srv)

    # --- aria2c from this server and a mirror --------------------------------------------
    if shutil.which("aria2c"):
        mroot = os.path.join(tmp, "mirror")
        shutil.copytree(root, mroot)
        os.makedirs(os.path.join(tmp, "m"))
        mirror = Server(mroot, tmp=os.path.join(tmp, "m"))
        procs.append(mirror)
        srv = Server(root, "--mirror", f"http://127.0.0.1:{mirror.port}/", tmp=tmp)
        procs.append(srv)
        out = os.path.join(tmp, "aria2")
        a = subprocess.run(
            ["aria2c", "--no-conf", "--check-integrity=true", "--max-tries=2", "--dir", out,
             "--split=4", "--max-connection-per-server=2", "--min-split-size=1M",
             "--file-allocation=none", "--console-log-level=warn", "--summary-interval=0",
             f"http://127.0.0.1:{srv.port}/big.bin.meta4"],
            capture_output=True, text=True, timeout=120 * SLOW)
        got = os.path.join(out, "big.bin")
        tap.ok("aria2c downloads big.bin from the served Metalink", a.returncode == 0 and
               os.path.exists(got), a.stdout[-2000:], a.stderr[-2000:])
        tap.eq("... with the right SHA-256", sha(FILES["big.bin"]),
               sha(open(got, "rb").read()) if os.path.exists(got) else None)
        tap.eq("... beside the Metalink aria2c keeps under its own name, and nothing else",
               ["big.bin", "big.bin.meta4"], sorted(os.listdir(out)))
        plain = os.path.join(tmp, "aria2-plain")
        a = subprocess.run(
            ["aria2c", "--no-conf", "--max-tries=2", "--dir", plain, "--file-allocation=none",
             "--console-log-level=warn", "--summary-interval=0", "-x4", "-s4", "-k1M",
             f"http://127.0.0.1:{srv.port}/big.bin"],
            capture_output=True, text=True, timeout=120 * SLOW)
        got2 = os.path.join(plain, "big.bin")
        tap.ok("aria2c given the file's own URL (its Accept names Metalinks) gets the file, "
               "right, and only it",
               a.returncode == 0 and sorted(os.listdir(plain)) == ["big.bin"] and
               sha(open(got2, "rb").read()) == sha(FILES["big.bin"]),
               a.stdout[-1500:], os.listdir(plain) if os.path.isdir(plain) else None)
        tap.ok("... fetching from this server and from the mirror",
               "GET /big.bin " in srv.stdout() and "GET /big.bin " in mirror.stdout(),
               srv.stdout()[-1500:], mirror.stdout()[-1500:])
        for s, what in ((srv, "the server"), (mirror, "the mirror")):
            s.stop(tap, what)
            procs.remove(s)
    else:
        tap.skip("aria2c is not installed: the served Metalink is not tried with it")

    # --- wget2 from this server alone ----------------------------------------------------
    if shutil.which("wget2"):
        solo = Server(root, tmp=tmp)
        procs.append(solo)
        wout = os.path.join(tmp, "wget2")
        os.makedirs(wout)
        # wget2 sends "Host: 127.0.0.1" without the port: the document must still name it.
        # (It saves under the Metalink's name in its working directory, whatever -P says.)
        try:
            w = subprocess.run(["wget2", "--no-config", "--metalink", "-q", "--tries=2",
                                f"http://127.0.0.1:{solo.port}/big.bin.meta4"], cwd=wout,
                               capture_output=True, text=True, timeout=30 * SLOW)
            werr = w.stderr[-1500:] if w.returncode == 0 else f"exit {w.returncode}: {w.stderr[-1500:]}"
        except subprocess.TimeoutExpired:
            werr = "wget2 did not finish in 30 s"
        got3 = os.path.join(wout, "big.bin")
        tap.ok("wget2 --metalink downloads big.bin from the served Metalink, right",
               os.path.exists(got3) and sha(open(got3, "rb").read()) == sha(FILES["big.bin"]),
               werr, os.listdir(wout))
        tap.ok("... in pieces (ranges of 256 KiB) from this server",
               re.search(r"GET /big\.bin 206 262144 bytes=", solo.stdout()), solo.stdout()[-800:])
        solo.stop(tap)
        procs.remove(solo)
    else:
        tap.skip("wget2 is not installed: the served Metalink is not tried with it")
finally:
    for p in procs:
        p.kill()
    remove(tmp)
tap.done()
