#!/usr/bin/env python3
"""tests/e2e/server_lifecycle_test.py - bin/server under pressure and over
time: header and idle timeouts, slow and idle clients that must not
starve others, 1000 simultaneous connections, --max-connections, the
rate limit, SIGHUP rescans, the hash cache across restarts, a graceful
stop with a transfer in flight, and command-line errors.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import (SERVER, SLOW, Server, Tap, connect, get, make_root,  # noqa: E402
                     parse_responses, raise_fd_limit, recv_all, remove, sha, temp_dir)

tap = Tap()
tmp = temp_dir()
SMALL = os.urandom(20000)
MEG = os.urandom(1 << 20)
root = make_root(tmp, {"small.bin": SMALL, "meg.bin": MEG})

# --- timeouts ---------------------------------------------------------------------
srv = Server(root, "--header-timeout", "1", "--idle-timeout", "1", "--body-timeout", "1", tmp=tmp)
port = srv.port

with connect(port) as s:
    s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\n")  # never finished
    t0 = time.monotonic()
    out = recv_all(s, timeout=10)
    took = time.monotonic() - t0
tap.ok("an unfinished request head gets 408 after --header-timeout", out.startswith(b"HTTP/1.1 408 "), out[:100])
tap.ok("... after about a second", 0.5 < took < 5 * SLOW, f"took {took:.2f} s")

with connect(port) as s:
    t0 = time.monotonic()
    out = recv_all(s, timeout=10)
    took = time.monotonic() - t0
tap.ok("a connection that never says anything is closed quietly", out == b"" and took < 5 * SLOW,
       f"{out[:80]!r} after {took:.2f} s")

with connect(port) as s:
    s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    t0 = time.monotonic()
    out = recv_all(s, timeout=10)
    took = time.monotonic() - t0
rs = parse_responses(out)
tap.ok("a kept-alive connection is closed after --idle-timeout",
       len(rs) == 1 and rs[0].body == SMALL and 0.5 < took < 5 * SLOW, f"took {took:.2f} s")

# Slowloris: one byte every 0.2 s must not extend the header deadline.
with connect(port) as s:
    t0 = time.monotonic()
    closed_at = None
    for b in b"GET /small.bin HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
        try:
            s.send(bytes([b]))
        except OSError:
            closed_at = time.monotonic()
            break
        time.sleep(0.2)
        s.setblocking(False)
        try:
            if s.recv(100, socket.MSG_PEEK):
                closed_at = time.monotonic()
                break
        except BlockingIOError:
            pass
        except OSError:
            closed_at = time.monotonic()
            break
        finally:
            s.setblocking(True)
        if time.monotonic() - t0 > 10 * SLOW:
            break
tap.ok("a client trickling its head a byte at a time is cut off at the header deadline",
       closed_at is not None and closed_at - t0 < 4 * SLOW,
       f"closed after {None if closed_at is None else closed_at - t0}")

# A trickled body, one byte every 0.6 x --idle-timeout, must not hold the connection.
for what, head in [("Content-Length", b"GET /small.bin HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: 1048576\r\n\r\n"),
                   ("chunked", b"GET /small.bin HTTP/1.1\r\nHost: x\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n100000\r\n")]:
    with connect(port) as s:
        s.sendall(head)
        t0 = time.monotonic()
        closed_at = None
        got = b""
        while closed_at is None and time.monotonic() - t0 < 8 * SLOW:
            try:
                s.send(b"a")
                s.settimeout(0.6)
                b = s.recv(65536)
                if not b:
                    closed_at = time.monotonic()
                got += b
            except socket.timeout:
                pass
            except OSError:
                closed_at = time.monotonic()
    tap.ok(f"a {what} body trickled a byte every 0.6 s is cut off by --body-timeout",
           closed_at is not None and closed_at - t0 < 4 * SLOW,
           f"closed after {None if closed_at is None else closed_at - t0}: {got[:80]!r}")
    tap.ok("... with 408 and no other answer", got.startswith(b"HTTP/1.1 408 ")
           and got.count(b"HTTP/1.1 ") == 1, got[:200])
srv.stop(tap, "the timeout server")

# --- idle and slow clients do not starve others; 1000 at once -------------------------
srv = Server(root, tmp=tmp)
port = srv.port
raise_fd_limit(4096)
idle = [connect(port) for _ in range(200)]
slow = connect(port)
slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
slow.sendall(b"GET /meg.bin HTTP/1.1\r\nHost: x\r\n\r\n")  # and never read
t0 = time.monotonic()
r = get(port, "/small.bin")
took = time.monotonic() - t0
tap.ok("with 200 idle connections and one that does not read, another client is served at once",
       r.status == 200 and r.body == SMALL and took < 2 * SLOW, f"took {took:.2f} s")
for s in idle:
    s.close()
slow.close()

N = 1000
socks = []
try:
    for i in range(N):
        socks.append(connect(port, timeout=30))
    opened = len(socks)
except OSError as e:
    opened = len(socks)
    print(f"# could only open {opened}: {e}")
tap.eq(f"{N} connections are open at once", N, opened)
for s in socks:
    s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
good = 0
lock = threading.Lock()


def reader(group):
    global good
    n = 0
    for s in group:
        rs = parse_responses(recv_all(s, timeout=30))
        if len(rs) == 1 and rs[0].status == 200 and rs[0].body == SMALL:
            n += 1
        s.close()
    with lock:
        good += n


threads = [threading.Thread(target=reader, args=(socks[i::8],)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
tap.eq(f"all {N} simultaneous clients get the right bytes", N, good)
tap.ok("the server is still running", srv.alive())
srv.stop(tap, "the busy server")

# --- --max-connections ------------------------------------------------------------------
srv = Server(root, "--max-connections", "3", tmp=tmp)
port = srv.port
held = [connect(port) for _ in range(3)]
time.sleep(0.3 * SLOW)
with connect(port) as s:
    s.sendall(b"GET /small.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    out = recv_all(s, timeout=5)
tap.ok("past --max-connections a client gets 503 with Retry-After",
       out.startswith(b"HTTP/1.1 503 ") and b"\r\nRetry-After: 1\r\n" in out, out[:200])
for s in held:
    s.close()
time.sleep(0.3 * SLOW)
r = get(port, "/small.bin")
tap.ok("once connections close, clients are served again", r and r.status == 200)
tap.ok("the refusal is logged on stderr", "server full" in srv.stderr())
srv.stop(tap, "the full server")

# --- --limit-rate -----------------------------------------------------------------------
srv = Server(root, "--limit-rate", "256k", tmp=tmp)
port = srv.port
t0 = time.monotonic()
r = get(port, "/meg.bin")
took = time.monotonic() - t0
tap.ok("--limit-rate 256k: 1 MiB arrives intact", r.status == 200 and r.body == MEG)
tap.ok("... and takes about 4 s, not less than 3 (the limit is applied)", 3.0 < took < 12 * SLOW,
       f"took {took:.2f} s")
srv.stop(tap, "the rate-limited server")

# --- SIGHUP rescans; the cache spares a restart from hashing ------------------------------------
srv = Server(root, tmp=tmp)
port = srv.port
NEWF = os.urandom(12345)
with open(os.path.join(root, "added.bin"), "wb") as f:
    f.write(NEWF)
srv.signal(signal.SIGHUP)
deadline = time.monotonic() + 10 * SLOW
listed = False
while time.monotonic() < deadline and not listed:
    r = get(port, "/text.txt")
    listed = f"added.bin\t12345\t{sha(NEWF)}\n".encode() in r.body
    time.sleep(0.1)
tap.ok("after SIGHUP a new file appears in the catalog", listed)
with open(srv.catalog, "rb") as f:
    tap.ok("... and in the catalog file", f"added.bin\t12345\t{sha(NEWF)}".encode() in f.read())
os.unlink(os.path.join(root, "added.bin"))
srv.signal(signal.SIGHUP)
deadline = time.monotonic() + 10 * SLOW
gone = False
while time.monotonic() < deadline and not gone:
    gone = b"added.bin" not in get(port, "/text.txt").body
    time.sleep(0.1)
tap.ok("after another SIGHUP a removed file leaves the catalog", gone)
srv.stop(tap, "the rescanning server")
srv = Server(root, tmp=tmp)
tap.ok("a restart with unchanged files hashes nothing (the cache is used)",
       re.search(r"catalog: 2 files, .* \(0 hashed", srv.stdout()), srv.stdout())
srv.stop(tap, "the restarted server")

# --- periodic rescan --------------------------------------------------------------------
srv = Server(root, "--rescan", "1", tmp=tmp)
with open(os.path.join(root, "later.bin"), "wb") as f:
    f.write(b"later")
deadline = time.monotonic() + 10 * SLOW
seen = False
while time.monotonic() < deadline and not seen:
    seen = b"later.bin\t5\t" in get(srv.port, "/text.txt").body
    time.sleep(0.2)
tap.ok("--rescan 1 finds a new file without a signal", seen)
srv.stop(tap, "the periodic server")
os.unlink(os.path.join(root, "later.bin"))

# --- graceful stop: a transfer in flight finishes -----------------------------------------
srv = Server(root, "--limit-rate", "512k", tmp=tmp)
port = srv.port
s = connect(port)
s.sendall(b"GET /meg.bin HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(0.5)
srv.signal(signal.SIGTERM)
out = recv_all(s, timeout=15)
s.close()
rs = parse_responses(out)
tap.ok("SIGTERM lets a transfer in flight finish", len(rs) == 1 and rs[0].body == MEG,
       f"got {len(out)} bytes")
try:
    rc = srv.proc.wait(timeout=20 * SLOW)
except subprocess.TimeoutExpired:
    rc = "hung"
tap.eq("... then the server exits 0", 0, rc)
refused = False
try:
    connect(port, timeout=2).close()
except OSError:
    refused = True
tap.ok("... and no longer accepts connections", refused)

# --- command line --------------------------------------------------------------------------


def run(*args):
    p = subprocess.run([SERVER, *args], capture_output=True, text=True, timeout=30 * SLOW)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run("--help")
tap.ok("--help prints usage and exits 0", rc == 0 and "Usage: server" in out and "--limit-rate" in out)
rc, out, err = run("--version")
tap.ok("--version exits 0", rc == 0 and re.match(r"server \(pdm\) \d+\.\d+\.\d+", out), out)
for args, what in [(["--bogus"], "an unknown option"), (["--port", "70000"], "a port out of range"),
                   (["--port", "x"], "a port that is not a number"),
                   (["--limit-rate", "fast"], "a rate that is not a rate"), (["extra"], "a stray argument"),
                   (["--port"], "a missing value")]:
    rc, out, err = run(*args)
    tap.ok(f"{what} exits 2 with a message", rc == 2 and err.startswith("server: ") and out == "", err)
rc, out, err = run("--port", "0", "--root", os.path.join(tmp, "missing"), "--catalog", os.path.join(tmp, "c.txt"))
tap.ok("a missing --root exits 2 and names it", rc == 2 and "missing" in err, err)
rc, out, err = run("--port", "0", "--root", root, "--catalog", os.path.join(tmp, "nodir", "c.txt"))
tap.ok("a --catalog in a missing directory exits 2", rc == 2 and "nodir" in err, err)
rc, out, err = run("--port", "0", "--root", root, "--catalog", os.path.join(tmp, "c.txt"),
                   "--token-file", os.path.join(tmp, "no-token"))
tap.ok("an unreadable --token-file exits 2", rc == 2 and "no-token" in err, err)
blocker = socket.socket()
blocker.bind(("127.0.0.1", 0))
blocker.listen()
busy = blocker.getsockname()[1]
rc, out, err = run("--port", str(busy), "--bind", "127.0.0.1", "--root", root,
                   "--catalog", os.path.join(tmp, "c.txt"))
blocker.close()
tap.ok("a port in use exits 1 and says so", rc == 1 and "in use" in err, err)

remove(tmp)
tap.done()
