#!/usr/bin/env python3
"""tests/e2e/index_browser_test.py - the page at "/" in a real browser:
headless Chromium (Debian's chromium package) loads it from bin/server
and dumps the DOM it built. The page must render (title, heading, one
table), every file name - spaces, '&', '<', quotes, '%', '#', non-ASCII,
in nested directories - must be shown exactly, with its size and SHA-256,
under a heading per directory, and every link, followed from the
rendered DOM, must fetch the bytes of that very file (compared by
SHA-256). Chromium also navigates to one nested link itself.

Without Chromium (not installed and not installable) the test says so on
a "# SKIP" line, which tests/run.sh counts as skipped, never as passed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import SLOW, Server, Tap, get, remove, sha, temp_dir  # noqa: E402

# CHROMIUM=PATH picks another binary (a missing one shows what a machine without it does).
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
    print(f"ok 1 - the / page in headless Chromium # SKIP no chromium to run ({CHROMIUM or 'none on PATH'}); "
          "scripts/deps.sh test installs Debian's chromium package", flush=True)
    print("1..1", flush=True)
    sys.exit(0)

NESTED_TEXT = "\u65e5\u672c/\u8a9e \u30d5\u30a1\u30a4\u30eb.txt"
FILES = {
    "plain.txt": b"plain\n",
    "a b.txt": b"a name with a space\n",
    "x & y.bin": os.urandom(3000),
    "<tag>.txt": b"not an element\n",
    "caf\u00e9.txt": "caf\u00e9 cr\u00e8me\n".encode(),
    "quote \"q\" 'a'.txt": b"quotes\n",
    "100% sure#1.txt": b"percent and hash\n",
    NESTED_TEXT: "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 h\u00e9llo\n".encode(),
    "dir with space/a&b<c>.dat": os.urandom(70000),
    "dir with space/sub/\u00e9t\u00e9.bin": os.urandom(1536),
}
DIRS = ["dir with space/", "dir with space/sub/", "\u65e5\u672c/"]  # bytewise, depth first


class Page(HTMLParser):
    """The parts of the page the test looks at, as the browser serialised them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.tables = 0
        self.tags = set()
        self.rows = []  # per <tr>: {"cells": [(tag, attrs, text)], "href": ...}
        self.stack = []
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.stack.append(tag)
        if tag == "table":
            self.tables += 1
        elif tag == "tr":
            self.row = {"cells": [], "href": None, "class": a.get("class")}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = [tag, a, ""]
        elif tag == "a" and self.row is not None:
            self.row["href"] = a.get("href")

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row["cells"].append(tuple(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        top = self.stack[-1] if self.stack else ""
        if top == "title":
            self.title += data
        elif top == "h1":
            self.h1 += data
        if self.cell is not None:
            self.cell[2] += data


def chromium(url, *extra):
    """Run headless Chromium on URL with a new, empty profile; (status, stdout, stderr)."""
    profile = tempfile.mkdtemp(prefix="pdm-chromium-")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage", "--no-proxy-server",
           f"--user-data-dir={profile}", *extra, url]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=90 * SLOW)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timed out", "", ""
    finally:
        shutil.rmtree(profile, ignore_errors=True)


tap = Tap()
tmp = temp_dir()
root = os.path.join(tmp, "root")
for rel, data in FILES.items():
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
srv = Server(root, tmp=tmp)
base = f"http://127.0.0.1:{srv.port}/"

# --- the page renders ----------------------------------------------------------------------------
rc, dom, err = chromium(base, "--dump-dom")
tap.ok("headless Chromium loads / and dumps its DOM", rc == 0 and "</html>" in dom, f"exit {rc}",
       err[-1500:])
page = Page()
page.feed(dom)
tap.ok("the page has its title, its heading and one table",
       page.title == "Files" and page.h1 == "Files" and page.tables == 1,
       (page.title, page.h1, page.tables))
tap.ok("no file name became markup (no <tag> element, no stray attribute)",
       "tag" not in page.tags and "c" not in page.tags, sorted(page.tags))

files = {}
headings = []
for row in page.rows:
    cells = row["cells"]
    if row["class"] == "dir" and len(cells) == 1:
        headings.append(cells[0][2])
    elif row["href"] is not None and len(cells) == 3:
        files[cells[0][2]] = (row["href"], cells[1], cells[2][2])
tap.eq("every file is shown by its exact path, nothing else", sorted(FILES), sorted(files))
tap.eq("each directory has its heading, in tree order", DIRS, headings)

# --- sizes, hashes, and links that fetch the right bytes ----------------------------------------
for rel, data in FILES.items():
    if rel not in files:
        tap.ok(f"{rel!r} is on the page", False)
        continue
    href, size_cell, digest = files[rel]
    tap.ok(f"{rel!r}: the size is shown, exact in its title",
           size_cell[1].get("title") == f"{len(data)} bytes"
           and re.fullmatch(r"\d+(\.\d)? (B|KiB|MiB)", size_cell[2]) is not None, size_cell)
    tap.eq(f"{rel!r}: the SHA-256 is shown", sha(data), digest)
    target = urllib.parse.urlsplit(urllib.parse.urljoin(base, href))
    r = get(srv.port, target.path)
    tap.ok(f"{rel!r}: its link ({href}) fetches its bytes",
           r is not None and r.status == 200 and sha(r.body) == sha(data),
           r.status if r else "no answer")

# --- the browser follows a nested, non-ASCII link itself -----------------------------------------
href = files.get(NESTED_TEXT, (None,))[0]
if href is None:
    tap.ok("the nested non-ASCII file has a link to follow", False)
else:
    rc, dom, err = chromium(urllib.parse.urljoin(base, href), "--dump-dom")
    text = re.search(r"<pre[^>]*>(.*?)</pre>", dom, re.S)
    tap.ok("Chromium following the link shows that file's text",
           rc == 0 and text is not None
           and text.group(1).strip() == FILES[NESTED_TEXT].decode().strip(), f"exit {rc}",
           dom[:500])
    tap.ok("... and asked the server for that path (200 in the access log)",
           re.search(r" GET " + re.escape("/" + href) + r" 200 ", srv.stdout()) is not None,
           srv.stdout()[-800:])

srv.stop(tap)
remove(tmp)
tap.done()
