#!/usr/bin/env python3
"""tests/e2e/server_capacity_test.py - bin/server at the edges of its
capacity: 10,000 idle connections by default (the descriptor limit is
raised and --max-connections sized from it), held in little memory (RSS
from /proc/PID/status) while a new client is still served at once;
--max-connections-per-ip, with clients bound to several loopback
addresses; and out of descriptors (the warning is rate-limited and the
server recovers).
"""

import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import (MODE, SANITIZER_RE, SERVER, SLOW, Tap, get, make_root,  # noqa: E402
                     parse_responses, recv_all, remove, temp_dir)

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


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def open_many(port, n, sources):
    """N non-blocking connections, spread over the SOURCES addresses; the connected ones."""
    socks, sel = [], selectors.DefaultSelector()
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.bind((sources[i % len(sources)], 0))
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    done, deadline = [], time.monotonic() + 30 * SLOW
    while len(done) < n and time.monotonic() < deadline:
        for key, _ in sel.select(1):
            sel.unregister(key.fileobj)
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(key.fileobj)
    sel.close()
    return socks, done


def time_new_client(port):
    t0 = time.monotonic()
    r = get(port, "/small.bin")
    return time.monotonic() - t0, r is not None and r.status == 200 and r.body == SMALL


# --- 10,000 idle connections by default --------------------------------------------------
N = 10000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
# This process needs a descriptor per connection, the server (which raises its
# soft limit to this hard one) its share of 7/8 of what is left after 64.
fit = min(hard - 300, (hard - 64) * 7 // 8 - 50)
if fit < N:
    N = fit
if N < 1000:
    tap.skip(f"10,000 idle connections: the hard descriptor limit ({hard}) allows only {N}")
else:
    if N < 10000:
        print(f"# the hard descriptor limit ({hard}) allows {N} connections, not 10,000")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    proc, out, err, port = start("--header-timeout", "60")
    tap.ok("the server starts with default limits", port is not None, text(err))
    lines = text(out).splitlines()
    m = re.match(r"capacity: (\d+) connections \(--max-connections\), at most (\d+) from one "
                 r"address \(--max-connections-per-ip\); descriptor limit (\d+)", lines[1]
                 if len(lines) > 1 else "")
    tap.ok("the second line says how many connections, and how many from one address",
           m is not None, lines[:3])
    if m:
        tap.eq("... sized from the hard descriptor limit, raised to", hard, int(m.group(3)))
        tap.ok(f"... at least {N} connections by default", int(m.group(1)) >= N, m.group(0))
        tap.ok("... and fewer from one address than in all",
               0 < int(m.group(2)) < int(m.group(1)), m.group(0))
    base = rss_kib(proc.pid)
    # Half never say a word; half send one request with a 12 KiB head (so a
    # kept input buffer would show) and stay kept alive; a few hold half a head.
    sources = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
    t0 = time.monotonic()
    socks, conns = open_many(port, N, sources)
    tap.eq(f"{N} connections are accepted", N, len(conns))
    pad = b"X-Pad: " + b"p" * 12000 + b"\r\n"
    busy = conns[: N // 2]
    for s in busy:
        s.setblocking(True)
        s.settimeout(10 * SLOW)
        s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\n" + pad + b"\r\n")
    good = 0
    for s in busy:
        got = b""
        try:
            while len(got) < len(SMALL) or b"\r\n\r\n" not in got:
                b = s.recv(65536)
                if not b:
                    break
                got += b
        except OSError:
            pass
        good += got.startswith(b"HTTP/1.1 200 ") and got.endswith(SMALL)
    tap.eq(f"{len(busy)} of them get a response and stay open", len(busy), good)
    for s in conns[N // 2: N // 2 + 100]:
        s.setblocking(True)
        s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\n" + pad[:3000])
    print(f"# {N} connections set up in {time.monotonic() - t0:.1f} s")
    time.sleep(0.5 * SLOW)
    rss = rss_kib(proc.pid)
    print(f"# server RSS: {base} KiB before, {rss} KiB with {N} idle connections "
          f"({(rss - base) * 1024 // N} bytes each)")
    # Sanitizers keep shadow memory and quarantine: the 150 MiB holds for release.
    limit = 150 * 1024 * (1 if MODE == "release" else 8)
    tap.ok(f"... the server's RSS stays under {limit // 1024} MiB", rss is not None and rss < limit,
           f"{rss} KiB")
    times = []
    served = True
    for _ in range(5):
        took, ok = time_new_client(port)
        times.append(took)
        served = served and ok
    times.sort()
    print("# a new client served in " + ", ".join(f"{t * 1000:.1f}" for t in times) + " ms")
    tap.ok("... a new client is served", served)
    tap.ok("... in under 100 ms", times[2] < 0.1 * SLOW, times)
    sel = selectors.DefaultSelector()
    for s in conns:
        sel.register(s, selectors.EVENT_READ)
    readable = sel.select(0)
    sel.close()
    tap.eq("... and every idle connection is still open (none closed or answered)", 0,
           len(readable))
    for s in socks:
        s.close()
    stop(proc, err, "the server with 10,000 connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

# --- --max-connections-per-ip ----------------------------------------------------------------
proc, out, err, port = start("--max-connections-per-ip", "3")
tap.ok("the server starts with --max-connections-per-ip 3", port is not None, text(err))
if port is not None:
    def from_addr(src):
        s = socket.socket()
        s.settimeout(5 * SLOW)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        return s

    held = [from_addr("127.0.0.2") for _ in range(3)]
    time.sleep(0.2 * SLOW)
    with from_addr("127.0.0.2") as s:
        s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = recv_all(s, timeout=5)
    tap.ok("a fourth connection from 127.0.0.2 gets 503 with Retry-After",
           got.startswith(b"HTTP/1.1 503 ") and b"\r\nRetry-After: 1\r\n" in got
           and b"from your address" in got, got[:300])

    def served_from(src):
        with from_addr(src) as s:
            s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            rs = parse_responses(recv_all(s, timeout=5))
        return len(rs) == 1 and rs[0].status == 200 and rs[0].body == SMALL

    tap.ok("a client from 127.0.0.3 is served meanwhile", served_from("127.0.0.3"))
    tap.ok("... and one from 127.0.0.1", served_from("127.0.0.1"))
    held.pop().close()
    tap.ok("once 127.0.0.2 closes one, it is served again",
           any(served_from("127.0.0.2") or time.sleep(0.1) for _ in range(int(20 * SLOW))))
    e = text(err)
    tap.ok("the refusal is logged with the address", "127.0.0.2 has 3 connections "
           "(--max-connections-per-ip)" in e, e[-1000:])
    for s in held:
        s.close()
    stop(proc, err, "the per-address server")
else:
    proc.kill()
    proc.wait()

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
