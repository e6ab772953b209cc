#!/usr/bin/env python3
"""tests/e2e/server_output_test.py - logging never stalls serving.

bin/server's stdout is a pipe that nobody reads, then a terminal whose
output is paused (Ctrl-S, here tcflow(TCOOFF) on a pty). Thousands of
requests must still be answered at once (before the log writer, the
workers blocked in write(2) after 64 KiB of access log), the dropped
lines are counted on stderr once the output moves again, logging
resumes, and SIGTERM still stops the server promptly with exit 0.
"""

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import (SANITIZER_RE, SERVER, SLOW, Tap, get, make_root,  # noqa: E402
                     remove, temp_dir)

tap = Tap()
tmp = temp_dir()
root = make_root(tmp, {"s.txt": b"small\n"})

CONNS = 8
BATCH = 100
REQ = b"HEAD /s.txt HTTP/1.1\r\nHost: x\r\n\r\n"


def start(stdout_fd):
    err = open(os.path.join(tmp, f"err-{time.monotonic_ns()}"), "w+b")
    proc = subprocess.Popen([SERVER, "--port", "0", "--bind", "127.0.0.1", "--root", root,
                             "--catalog", os.path.join(tmp, "text.txt"), "--rescan", "0"],
                            stdout=stdout_fd, stderr=err)
    return proc, err


def first_line(fd, timeout=20):
    """Read the "listening on" line from FD and return the port."""
    buf = b""
    deadline = time.monotonic() + timeout * SLOW
    while b"\n" not in buf and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 1)
            if not chunk:
                break
            buf += chunk
    m = re.match(rb"listening on http://.*:(\d+)/\r?\n", buf)
    return int(m.group(1)) if m else None


def flood(port, per_conn):
    """CONNS connections, PER_CONN pipelined HEADs each; returns the answers counted."""
    counts = [0] * CONNS

    def one(i):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) as s:
                for _ in range(per_conn // BATCH):
                    s.sendall(REQ * BATCH)
                    got = b""
                    while got.count(b"HTTP/1.1 200 ") < BATCH:
                        b = s.recv(65536)
                        if not b:
                            return
                        got += b
                    counts[i] += got.count(b"HTTP/1.1 200 ")
        except OSError:
            pass  # a timeout: the count says how far it got

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CONNS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts)


def stop(proc, err, what):
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=30 * SLOW)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = "hung"
    took = time.monotonic() - t0
    err.seek(0)
    text = err.read().decode(errors="replace")
    tap.eq(f"{what}: SIGTERM stops the server with exit 0", 0, rc)
    tap.ok(f"{what}: ... within a few seconds although its output is blocked", took < 8 * SLOW,
           f"took {took:.1f} s")
    tap.ok(f"{what}: no sanitizer report", not SANITIZER_RE.search(text), text[-3000:])
    return text


def wait_for(pred, timeout):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def stderr_text(err):
    err.seek(0)
    return err.read().decode(errors="replace")


# --- a pipe that nobody reads -------------------------------------------------------
N = 16000  # about 1.3 MB of access log: past the pipe (64 KiB) and the queue (1 MiB)
rd, wr = os.pipe()
proc, err = start(wr)
os.close(wr)
port = first_line(rd)
tap.ok("the server starts with its stdout a pipe", port is not None, stderr_text(err))
if port is not None:
    t0 = time.monotonic()
    served = flood(port, N // CONNS)
    took = time.monotonic() - t0
    tap.eq(f"{N} requests are all answered while nobody reads the log", N, served)
    tap.ok("... quickly", took < 30 * SLOW, f"took {took:.1f} s")
    t0 = time.monotonic()
    r = get(port, "/s.txt")
    took = time.monotonic() - t0
    tap.ok("a new client is then served at once", r is not None and r.status == 200
           and took < 1 * SLOW, f"took {took:.2f} s")
    text = stop(proc, err, "pipe never read")
    tap.ok("... and stderr counts the access-log lines it could not write",
           re.search(r"server: \d+ lines of standard output (dropped|lost)", text), text[-2000:])
    for line in text.splitlines():
        if "lines of standard output" in line:
            print(f"# {line}")
else:
    proc.kill()
    proc.wait()
os.close(rd)

# --- a terminal paused with Ctrl-S, then resumed -------------------------------------
N = 4000
master, slave = pty.openpty()
proc, err = start(slave)
port = first_line(master)
tap.ok("the server starts with its stdout a terminal", port is not None, stderr_text(err))
if port is not None:
    termios.tcflow(slave, termios.TCOOFF)  # what Ctrl-S does
    t0 = time.monotonic()
    served = flood(port, N // CONNS)
    took = time.monotonic() - t0
    tap.eq(f"{N} requests are all answered while the terminal is paused", N, served)
    tap.ok("... quickly", took < 30 * SLOW, f"took {took:.1f} s")
    out = bytearray()
    done = threading.Event()

    def drain():
        while not done.is_set():
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:
                    return

    reader = threading.Thread(target=drain)
    reader.start()
    termios.tcflow(slave, termios.TCOON)  # Ctrl-Q
    tap.ok("once the terminal resumes, the queued lines come out",
           wait_for(lambda: out.count(b"HEAD /s.txt 200") >= 100, 20), f"{len(out)} bytes")
    get(port, "/s.txt?after-resume")
    tap.ok("... and so do lines logged after it",
           wait_for(lambda: b"GET /s.txt?after-resume 200" in out, 20), bytes(out[-300:]))
    text = stop(proc, err, "paused terminal")
    logged = out.count(b"HEAD /s.txt 200")
    m = re.search(r"server: (\d+) lines? of standard output dropped", text)
    dropped = int(m.group(1)) if m else 0
    tap.ok("... every line is either written or counted as dropped on stderr",
           logged + dropped == N, f"{logged} written, {dropped} dropped: {text[-1500:]}")
    done.set()
    reader.join()
else:
    proc.kill()
    proc.wait()
os.close(slave)
os.close(master)

remove(tmp)
tap.done()
