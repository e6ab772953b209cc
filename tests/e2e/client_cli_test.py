#!/usr/bin/env python3
"""tests/e2e/client_cli_test.py - the small client behaviours of issue 6
(item 9 and the retry options of item 2), against bin/server and the
hostile server:

  --once with an input file that is missing or unreadable fails; --input -
  reads the queue from standard input; --dir a/b/c is created like mkdir
  -p; a catalog URL that is not found says so in plain words; an
  unreachable catalog server is not called "not in the catalog"; a very
  long name downloads or fails naming the limit; a client started before
  its server is listening still gets the file; the new options are in
  --help and docs/client.1 with their defaults, and bad values are usage
  errors.
"""

import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostilelib import (CLIENT, TRIAGE, Hostile, free_port, judge, run_client,  # noqa: E402
                        without_urls)
from pdmtest import SERVER, SLOW, Server, Tap, make_root, remove, sha, temp_dir  # noqa: E402

tap = Tap()
tmp = temp_dir()
SMALL = os.urandom(300000)
LONG = "n" * 246 + ".bin"  # 250 bytes: ".LONG.part.state" is past NAME_MAX
root = make_root(tmp, {"small.bin": SMALL, LONG: SMALL})
srv = Server(root, tmp=tmp)
BASE = f"http://127.0.0.1:{srv.port}"
host = Hostile(tmp, {"f.bin": SMALL})
FAST = ["--retries", "1", "--retry-max-wait", "1", "--connect-timeout", "2"]
n_case = 0


def sandbox():
    global n_case
    n_case += 1
    d = os.path.join(tmp, f"case-{n_case}")
    os.makedirs(d)
    return d


def report(what, good, run, *more):
    return tap.ok(what, good, *more, *([] if good else run.tail()))


try:
    # --- the queue file ------------------------------------------------------------------
    sb = sandbox()
    missing = os.path.join(sb, "no-such-dir", "queue.txt")
    run = run_client(["--once", "--input", missing, "--dir", os.path.join(sb, "dl"), "--plain",
                      "--server", BASE], sb, 10)
    report("--once with an input file that does not exist exits 1 (or 2)", run.rc in (1, 2), run)
    report("... and names the file", "queue.txt" in run.text, run)

    sb = sandbox()
    run = run_client(["--once", "--input", sb, "--dir", os.path.join(sb, "dl"), "--plain", "--server", BASE],
                     sb, 10)
    report("--once with an input that cannot be read (a directory) exits 1 (or 2)", run.rc in (1, 2), run)

    sb = sandbox()
    dl = os.path.join(sb, "dl")
    run = run_client(["--once", "--input", "-", "--dir", dl, "--plain", "--server", BASE], sb, 30,
                     stdin_data=b"# from standard input\nsmall.bin\n")
    probs = judge(run, "exact", os.path.join(dl, "small.bin"), [sha(SMALL)])
    report("--input - reads the queue once from standard input", not probs, run, *probs)

    sb = sandbox()
    dl = os.path.join(sb, "dl")
    line = host.url("stdin-url", "ok", "f.bin") + "\t" + sha(SMALL) + "\n"
    run = run_client(["--once", "--input", "-", "--dir", dl, "--plain", "--server", BASE], sb, 30,
                     stdin_data=line.encode())
    probs = judge(run, "exact", os.path.join(dl, "f.bin"), [sha(SMALL)])
    report("--input - with a URL and its hash", not probs, run, *probs)

    # --- --dir a/b/c -----------------------------------------------------------------------
    sb = sandbox()
    run = run_client(["get", "small.bin", "--server", BASE, "--dir", "a/b/c", "--plain"], sb, 30)
    probs = judge(run, "exact", os.path.join(sb, "a", "b", "c", "small.bin"), [sha(SMALL)])
    report("--dir a/b/c where a/b does not exist is created like mkdir -p", not probs, run, *probs)

    sb = sandbox()
    q = os.path.join(sb, "queue.txt")
    with open(q, "w") as f:
        f.write("small.bin\n")
    run = run_client(["--once", "--input", q, "--server", BASE, "--dir", "x/y/z", "--plain"], sb, 30)
    probs = judge(run, "exact", os.path.join(sb, "x", "y", "z", "small.bin"), [sha(SMALL)])
    report("... in watch mode too", not probs, run, *probs)

    # --- the catalog: not found, unreachable -------------------------------------------------
    sb = sandbox()
    run = run_client(["get", "f.bin", "--server", f"{host.base}/wrong", "--dir", os.path.join(sb, "dl"),
                      "--plain"], sb, 10)
    lines = [without_urls(ln) for ln in run.failed_lines()]
    report("a catalog URL that is not there (HTTP 404) fails with exit 1", run.rc == 1, run)
    report("... saying the catalog was not found, in plain words",
           any(re.search(r"(?i)catalog", ln) and re.search(r"(?i)not found", ln) for ln in lines), run)
    report("... not 'HTTP 400'", "HTTP 400" not in run.text and bool(lines), run)
    asked = [e for e in host.entries() if e["path"] == "/wrong/text.txt"]
    report("... within 5 s, not retried", run.took <= 5 and 1 <= len(asked) <= 2, run, f"requests: {len(asked)}")

    closed = free_port()
    for label, argv in [("get", ["get", "small.bin"]),
                        ("--once", ["--once", "--input", "queue.txt"])]:
        sb = sandbox()
        with open(os.path.join(sb, "queue.txt"), "w") as f:
            f.write("small.bin\n")
        run = run_client([*argv, "--server", f"http://127.0.0.1:{closed}", "--dir", os.path.join(sb, "dl"),
                          "--plain", *FAST], sb, 20)
        text = without_urls(run.text)
        report(f"{label}: an unreachable catalog server fails with exit 1", run.rc == 1, run)
        report(f"{label}: ... and is not called 'not in the catalog'",
               run.rc == 1 and not re.search(r"(?i)not in (the )?(server'?s? )?catalog", text), run)
        report(f"{label}: ... the message says the server cannot be reached",
               re.search(r"(?i)connect|refused|reach|unavailable|down", text) is not None, run)

    # --- a very long name -----------------------------------------------------------------------
    sb = sandbox()
    dl = os.path.join(sb, "dl")
    run = run_client(["get", LONG, "--server", BASE, "--dir", dl, "--plain"], sb, 30)
    final = os.path.join(dl, LONG)
    limit_re = r"(?i)too long|limit|255|NAME_MAX|at most \d+ (bytes|characters)"
    probs = judge(run, "either", final, [sha(SMALL)], msg=limit_re)
    report("a 250-byte name downloads, or fails with a message naming the limit", not probs, run, *probs)
    cut = [ln for ln in run.failed_lines() if not re.search(limit_re, ln.split(LONG)[-1])]
    report("... and a FAILED line is not cut short", run.rc == 0 or (run.failed_lines() and not cut), run,
           *[f"line of {len(ln)} bytes ends: {ln[-80:]!r}" for ln in cut])

    # --- started before the server listens (issue item 1) -------------------------------------------
    sb = sandbox()
    dl = os.path.join(sb, "dl")
    port = free_port()
    late_out = open(os.path.join(tmp, "late.out"), "wb")
    late = None
    result = {}

    def late_server():
        global late
        time.sleep(1.5)
        late = subprocess.Popen([SERVER, "--port", str(port), "--bind", "127.0.0.1", "--root", root,
                                 "--catalog", os.path.join(tmp, "late.txt"), "--rescan", "0"],
                                stdout=late_out, stderr=subprocess.STDOUT)

    t = threading.Thread(target=late_server)
    t.start()
    try:
        run = run_client(["get", "small.bin", "--server", f"http://127.0.0.1:{port}", "--dir", dl, "--plain",
                          "--retry-max-wait", "2"], sb, 30 * SLOW)
    finally:
        t.join()
        if late is not None:
            late.terminate()
            late.wait()
        late_out.close()
    probs = judge(run, "exact", os.path.join(dl, "small.bin"), [sha(SMALL)])
    report("a client started 1.5 s before its server gets the file", not probs, run, *probs)

    # --- the options: documented with their defaults, checked -----------------------------------------
    helptext = subprocess.run([CLIENT, "--help"], capture_output=True, text=True).stdout
    man = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "client.1"), encoding="utf-8").read()
    man = man.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
    for opt, default in [("--retries", "5"), ("--retry-max-wait", "10"), ("--stall-timeout", "5"),
                         ("--connect-timeout", "10"), ("--cacert", None), ("--capath", None),
                         ("--insecure", None)]:
        for where, text in [("--help", helptext), ("docs/client.1", man)]:
            # The option's own entry: any mention of it (the man page names
            # each one in its synopsis first) whose text gives the default.
            ms = list(re.finditer(re.escape(opt) + r"(?![\w-])(.*?)(?=\n\s*(-\w, )?--[a-z]|\n\.TP|\Z)",
                                  text, re.S))
            hits = [m for m in ms if default is None or re.search(rf"default:? {default}\b", m.group(1))]
            m = hits[0] if hits else (ms[0] if ms else None)
            good = bool(hits)
            tap.ok(f"{where} documents {opt}" + (f" with its default {default}" if default else ""), good,
                   m.group(0)[:300] if m else f"{opt} is not in {where}")
    for bad in (["--retries", "-1"], ["--retries", "many"], ["--retry-max-wait", "x"], ["--stall-timeout", "1x"],
                ["--connect-timeout", ""]):
        r = subprocess.run([CLIENT, "get", "small.bin", "--server", BASE, *bad], capture_output=True, text=True,
                           timeout=10, cwd=tmp)
        tap.ok(f"{' '.join(bad)!r} is a usage error (exit 2) naming the option (which --help lists)",
               r.returncode == 2 and bad[0] in r.stderr and bad[0] in helptext, f"exit {r.returncode}",
               r.stderr[-500:])
finally:
    srv.stop(tap)
    host.stop()
    remove(tmp)

if TRIAGE:
    tap.ok("PDM_TRIAGE=1 dropped options the client does not know: this run proves nothing", False)
tap.done()
