#!/usr/bin/env python3
"""tests/e2e/server_capacity_test.py - bin/server at the edges of its
capacity: out of descriptors (the warning is rate-limited and the server
recovers).
"""

import os
import re
import resource
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import (SANITIZER_RE, SERVER, SLOW, Tap, get, make_root,  # noqa: E402
                     remove, temp_dir)

tap = Tap()
tmp = temp_dir()
SMALL = os.urandom(3000)
root = make_root(tmp, {"small.bin": SMALL})


def start(*args, nofile=None, extra_fds=()):
    """bin/server on 127.0.0.1:0; NOFILE caps its descriptor limit (soft and hard)."""
    out_path = os.path.join(tmp, f"out-{time.monotonic_ns()}")
    out = open(out_path, "w+b")
    err = open(out_path + ".err", "w+b")

    def limit():
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.Popen([SERVER, "--port", "0", "--bind", "127.0.0.1", "--root", root,
                             "--catalog", os.path.join(tmp, "text.txt"), "--rescan", "0", *args],
                            stdout=out, stderr=err, preexec_fn=limit, pass_fds=extra_fds)
    port = None
    deadline = time.monotonic() + 20 * SLOW
    while port is None and time.monotonic() < deadline and proc.poll() is None:
        out.seek(0)
        m = re.match(rb"listening on http://.*:(\d+)/\n", out.readline())
        if m:
            port = int(m.group(1))
        else:
            time.sleep(0.05)
    return proc, out, err, port


def text(f):
    f.seek(0)
    return f.read().decode(errors="replace")


def stop(proc, err, what):
    proc.terminate()
    try:
        rc = proc.wait(timeout=30 * SLOW)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = "hung"
    tap.eq(f"{what} exits 0 on SIGTERM", 0, rc)
    e = text(err)
    tap.ok(f"{what}: no sanitizer report", not SANITIZER_RE.search(e), e[-3000:])
    return e


# --- out of descriptors ---------------------------------------------------------------
# The server inherits 150 descriptors under a limit of 200, so the
# connections its limit allows for (it sizes itself from the limit) need
# more descriptors than are free: accept() fails with EMFILE.
devnull = [os.open(os.devnull, os.O_RDONLY) for _ in range(150)]
proc, out, err, port = start(nofile=200, extra_fds=devnull)
for fd in devnull:
    os.close(fd)
tap.ok("the server starts under a limit of 200 descriptors", port is not None, text(err))
if port is not None:
    held = []
    try:
        for _ in range(80):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        pass
    time.sleep(2.5)
    e = text(err)
    warnings = e.count("out of descriptors")
    tap.ok("the server says it is out of descriptors", warnings >= 1, e[-2000:])
    tap.ok("... at most once a second (not ten times a second)", warnings <= 4,
           f"{warnings} warnings in 2.5 s: {e[-1500:]}")
    tap.ok("... with a count of the times in between", re.search(r"\d+ more times? since", e),
           e[-1500:])
    for s in held:
        s.close()
    time.sleep(0.5 * SLOW)
    r = get(port, "/small.bin")
    tap.ok("once connections close, a new client is served", r is not None and r.status == 200
           and r.body == SMALL)
    stop(proc, err, "the server out of descriptors")
else:
    proc.kill()
    proc.wait()

remove(tmp)
tap.done()
