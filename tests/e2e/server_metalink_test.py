#!/usr/bin/env python3
"""tests/e2e/server_metalink_test.py - bin/server --write-catalog-only
prepares a tree for another web server: text.txt lists every file with
its SHA-256, each FILE.meta4 beside it is a Metalink 4 document (parsed
here with an XML parser) whose size, hash and piece hashes match the
file and whose URLs are the given base URLs; the .meta4 files are not
catalog entries themselves; a second run reads no file (strace) and
rewrites nothing; aria2c downloads and verifies files from a plain
python http.server holding the tree, and refuses a corrupted copy;
bad options are usage errors.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import SERVER, SLOW, Tap, remove, sha, temp_dir  # noqa: E402

NS = "{urn:ietf:params:xml:ns:metalink}"
PIECE = 256 << 10

tap = Tap()
tmp = temp_dir()
root = os.path.join(tmp, "root")

FILES = {
    "plain.bin": os.urandom(700000),  # 3 pieces, the last one short
    "a&b <c> 'q'.txt": b"ampersand, angle brackets and quotes\n",
    "sub/dir/deep.bin": os.urandom(2 * PIECE),  # 2 full pieces
    "sub/empty.dat": b"",
    "notes.meta4": b"a file of that name with no 'notes' beside it is content\n",
}
procs = []


def write(rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)


def run_server(*args, strace_log=None):
    cmd = [SERVER, "--write-catalog-only", "--root", root, *args]
    env = dict(os.environ)
    if strace_log is not None:
        cmd = ["strace", "-f", "-qq", "-e", "trace=openat,openat2,open", "-o", strace_log] + cmd
        # LeakSanitizer cannot run under ptrace; every other run checks for leaks.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120 * SLOW, env=env)


def http_server(directory):
    """A python http.server on 127.0.0.1 on a port the kernel picks."""
    p = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0",
         "--directory", directory],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    line = p.stdout.readline()
    m = re.search(r"port (\d+)", line)
    if not m:
        raise RuntimeError(f"http.server did not start: {line!r}")
    return p, int(m.group(1))


def pieces_of(data):
    return [hashlib.sha256(data[i:i + PIECE]).hexdigest() for i in range(0, len(data), PIECE)]


def url_path(rel):
    return "/".join(urllib.parse.quote(c, safe="") for c in rel.split("/"))


def check_meta4(rel, data, bases):
    """Parse ROOT/REL.meta4 and compare it with DATA; returns a list of faults."""
    faults = []
    try:
        doc = ET.parse(os.path.join(root, rel + ".meta4")).getroot()
    except (OSError, ET.ParseError) as e:
        return [f"does not parse: {e}"]
    if doc.tag != NS + "metalink":
        faults.append(f"root element {doc.tag}")
    files = doc.findall(NS + "file")
    if len(files) != 1:
        return faults + [f"{len(files)} <file> elements"]
    f = files[0]
    if f.get("name") != rel:
        faults.append(f"name {f.get('name')!r}")
    if f.findtext(NS + "size") != str(len(data)):
        faults.append(f"size {f.findtext(NS + 'size')!r}")
    hashes = [h for h in f.findall(NS + "hash") if h.get("type") == "sha-256"]
    if len(hashes) != 1 or hashes[0].text != sha(data):
        faults.append("no or a wrong sha-256")
    pieces = f.findall(NS + "pieces")
    if data:
        if len(pieces) != 1 or pieces[0].get("type") != "sha-256" or \
                pieces[0].get("length") != str(PIECE):
            faults.append("no <pieces length=262144 type=sha-256>")
        elif [h.text for h in pieces[0].findall(NS + "hash")] != pieces_of(data):
            faults.append("piece hashes differ from the file's pieces")
    elif pieces:
        faults.append("an empty file has <pieces>")
    urls = [u.text for u in f.findall(NS + "url")]
    want = [b.rstrip("/") + "/" + url_path(rel) for b in bases]
    if urls != want:
        faults.append(f"urls {urls!r}, want {want!r}")
    return faults


def catalog_lines():
    with open(os.path.join(root, "text.txt"), encoding="utf-8") as f:
        return sorted(line.rstrip("\n") for line in f if not line.startswith("#"))


try:
    for rel, data in FILES.items():
        write(rel, data)
    mirror1, port1 = http_server(root)
    mirror2, port2 = http_server(root)
    BASES = [f"http://127.0.0.1:{port1}", f"http://127.0.0.1:{port2}/"]

    # --- the first run: everything hashed and written ------------------------------------
    r = run_server("--public-url", BASES[0], "--mirror", BASES[1])
    tap.ok("--write-catalog-only exits 0", r.returncode == 0, r.stdout, r.stderr)
    want_lines = sorted(f"{rel}\t{len(d)}\t{sha(d)}" for rel, d in FILES.items())
    tap.eq("text.txt lists every file with its size and SHA-256, and no .meta4 of a file",
           want_lines, catalog_lines())
    tap.ok("it says every file was hashed", re.search(r"catalog: 5 files, .* \(5 hashed", r.stdout),
           r.stdout)
    for rel, data in FILES.items():
        faults = check_meta4(rel, data, BASES)
        tap.ok(f"{rel}.meta4 parses and matches the file (size, sha-256, pieces, urls)",
               not faults, *faults)
    if shutil.which("xmllint"):
        x = subprocess.run(["xmllint", "--noout", os.path.join(root, "plain.bin.meta4"),
                            os.path.join(root, "a&b <c> 'q'.txt.meta4")],
                           capture_output=True, text=True)
        tap.ok("xmllint finds the documents well-formed", x.returncode == 0, x.stderr)
    else:
        tap.skip("xmllint is not installed (libxml2-utils)")
    left = [n for d, _, fs in os.walk(root) for n in fs if n.startswith(".") and n != ".text.txt.cache"]
    tap.eq("no temporary file is left behind", [], left)

    # --- the second run: nothing read, nothing rewritten ---------------------------------
    before = {rel: os.stat(os.path.join(root, rel + ".meta4")).st_mtime_ns for rel in FILES}
    time.sleep(0.01)
    if shutil.which("strace"):
        log = os.path.join(tmp, "strace.log")
        r = run_server("--public-url", BASES[0], "--mirror", BASES[1], strace_log=log)
        tap.ok("the second run exits 0", r.returncode == 0, r.stdout, r.stderr)
        with open(log, encoding="utf-8", errors="replace") as f:
            opens = f.read()
        opened = [rel for rel in FILES
                  if f'"{rel}"' in opens or f'"{os.path.basename(rel)}"' in opens
                  or f'/{os.path.basename(rel)}"' in opens]
        tap.eq("the second run opens no file it publishes (their contents are not read)",
               [], opened)
    else:
        r = run_server("--public-url", BASES[0], "--mirror", BASES[1])
        tap.ok("the second run exits 0", r.returncode == 0, r.stdout, r.stderr)
        tap.skip("strace is not installed: the opens of the second run are not checked")
    tap.ok("... it hashed nothing", re.search(r"catalog: 5 files, .* \(0 hashed", r.stdout),
           r.stdout)
    tap.ok("... and left every unchanged .meta4 alone",
           re.search(r"metalink: 0 written, 5 unchanged, 0 failed", r.stdout) and
           all(os.stat(os.path.join(root, rel + ".meta4")).st_mtime_ns == before[rel]
               for rel in FILES), r.stdout)
    tap.eq("... and the catalog is the same", want_lines, catalog_lines())

    # --- a changed file: hashed again, its Metalink rewritten ----------------------------
    changed = os.urandom(PIECE + 5)
    write("sub/dir/deep.bin", changed)
    r = run_server("--mirror", BASES[1])
    FILES["sub/dir/deep.bin"] = changed
    tap.ok("after a change only that file is hashed again",
           r.returncode == 0 and re.search(r"\(1 hashed", r.stdout), r.stdout, r.stderr)
    faults = check_meta4("sub/dir/deep.bin", changed, BASES[1:])
    tap.ok("... its Metalink describes the new bytes and lists the new URL", not faults, *faults)
    faults = check_meta4("plain.bin", FILES["plain.bin"], BASES[1:])
    tap.ok("... and every other Metalink lists the new URL too", not faults, *faults)

    # --- aria2c verifies what it downloads with the Metalink -----------------------------
    if shutil.which("aria2c"):
        def aria2(rel, outdir):
            return subprocess.run(
                ["aria2c", "--no-conf", "--check-integrity=true", "--max-tries=2",
                 "--retry-wait=0", "--console-log-level=warn", "--summary-interval=0",
                 "--allow-overwrite=true", "-d", outdir, "-M",
                 os.path.join(root, rel + ".meta4")],
                capture_output=True, text=True, timeout=60 * SLOW)

        for rel in ("plain.bin", "sub/dir/deep.bin"):
            out = os.path.join(tmp, "aria-" + rel.replace("/", "_"))
            a = aria2(rel, out)
            got = os.path.join(out, rel)
            ok = a.returncode == 0 and os.path.exists(got)
            tap.ok(f"aria2c downloads {rel} to its path from the Metalink",
                   ok, a.stdout[-2000:], a.stderr[-2000:])
            if ok:
                with open(got, "rb") as f:
                    tap.eq(f"... with the right SHA-256 ({rel})", sha(FILES[rel]), sha(f.read()))
        # aria2c turns '&' in a name attribute into "&#38;" (its parser keeps
        # entity references in attributes): find the one file it wrote.
        out = os.path.join(tmp, "aria-amp")
        a = aria2("a&b <c> 'q'.txt", out)
        got = [os.path.join(out, n) for n in os.listdir(out)] if os.path.isdir(out) else []
        ok = a.returncode == 0 and len(got) == 1
        tap.ok("aria2c downloads the file whose name holds & < > and quotes", ok,
               a.stdout[-2000:], got)
        if ok:
            with open(got[0], "rb") as f:
                tap.eq("... with the right SHA-256", sha(FILES["a&b <c> 'q'.txt"]), sha(f.read()))

        # A mirror serving a corrupted copy: the piece hashes catch it.
        good = FILES["plain.bin"]
        with open(os.path.join(root, "plain.bin"), "r+b") as f:
            f.seek(300000)  # in the second piece
            f.write(bytes([good[300000] ^ 0xFF]))
        out = os.path.join(tmp, "aria-bad")
        a = aria2("plain.bin", out)
        kept = b""
        if os.path.exists(os.path.join(out, "plain.bin")):
            with open(os.path.join(out, "plain.bin"), "rb") as f:
                kept = f.read()
        tap.ok("aria2c refuses a copy with a flipped byte (exit status not 0)",
               a.returncode != 0, a.stdout[-2000:])
        tap.ok("... and keeps no byte of the bad piece",
               len(kept) <= 300000 or kept[300000] == good[300000], len(kept))
        with open(os.path.join(root, "plain.bin"), "wb") as f:
            f.write(good)
    else:
        tap.skip("aria2c is not installed: downloads with the Metalink are not checked")

    # --- usage errors --------------------------------------------------------------------
    r = subprocess.run([SERVER, "--write-catalog-only", "--root", root], capture_output=True,
                       text=True, timeout=30)
    tap.ok("without a URL it is a usage error (exit 2) that says what is missing",
           r.returncode == 2 and "needs --public-url or --mirror" in r.stderr, r.stderr)
    r = subprocess.run([SERVER, "--write-catalog-only", "--root", root, "--mirror", "ftp://m/"],
                       capture_output=True, text=True, timeout=30)
    tap.ok("an ftp:// mirror is a usage error",
           r.returncode == 2 and "is not a base URL" in r.stderr, r.stderr)
    r = subprocess.run([SERVER, "--write-catalog-only", "--root", os.path.join(tmp, "nope"),
                        "--mirror", BASES[0]], capture_output=True, text=True, timeout=30)
    tap.ok("a missing root is an error that names it (exit 2)",
           r.returncode == 2 and "nope" in r.stderr, r.stderr)
    # A directory where a .meta4 should go: the rename over it fails.
    os.unlink(os.path.join(root, "sub", "dir", "deep.bin.meta4"))
    os.mkdir(os.path.join(root, "sub", "dir", "deep.bin.meta4"))
    r = run_server("--mirror", BASES[0] + "/other")
    tap.ok("a .meta4 that cannot be written makes the run fail (exit 1) and says which",
           r.returncode == 1 and "sub/dir/deep.bin.meta4" in r.stderr, r.stdout, r.stderr)
    tap.ok("... after writing every other one",
           re.search(r"metalink: 4 written, 0 unchanged, 1 failed", r.stdout), r.stdout)
finally:
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    remove(tmp)
tap.done()
