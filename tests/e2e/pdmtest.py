"""tests/e2e/pdmtest.py - helpers for the Python end-to-end tests.

TAP output, a temporary root, bin/server started on 127.0.0.1 on a port
the kernel picks (stopped by its process id), and raw HTTP over sockets
so malformed requests can be sent exactly as written.
"""

import hashlib
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SERVER = os.environ.get("SERVER") or sys.exit("SERVER must name the bin/server to test")
MODE = os.environ.get("PDM_MODE", "release")
SANITIZER_RE = re.compile(
    r"ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|WARNING: ThreadSanitizer|runtime error:"
)

# Sanitizer builds are slower: stretch waits, never the assertions.
SLOW = 1 if MODE == "release" else 4


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False

    def ok(self, what, cond, *detail):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {what}", flush=True)
        else:
            self.failed = True
            print(f"not ok {self.n} - {what}", flush=True)
            for d in detail:
                for line in str(d).splitlines() or [""]:
                    print(f"# {line}", flush=True)
        return cond

    def skip(self, why):
        """A check that could not run here: TAP's SKIP, which tests/run.sh
        counts as skipped, never as passed."""
        self.n += 1
        print(f"ok {self.n} # SKIP {why}", flush=True)

    def eq(self, what, want, got):
        return self.ok(what, want == got, f"expected: {want!r}", f"actual:   {got!r}")

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


class Server:
    """bin/server on 127.0.0.1:0 with a temporary catalog."""

    def __init__(self, root, *args, tmp):
        self.tmp = tmp
        self.catalog = os.path.join(tmp, "text.txt")
        self.out_path = os.path.join(tmp, f"server-{time.monotonic_ns()}.out")
        self.err_path = self.out_path[:-4] + ".err"
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        cmd = [SERVER, "--port", "0", "--bind", "127.0.0.1", "--root", root,
               "--catalog", self.catalog, "--rescan", "0", *args]
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err)
        self.port = None
        deadline = time.monotonic() + 20 * SLOW
        while time.monotonic() < deadline:
            with open(self.out_path, "rb") as f:
                first = f.readline().decode(errors="replace")
            m = re.match(r"listening on http://.*:(\d+)/\n", first)
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("server did not start: " + self.stderr())

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, tap, what="the server"):
        """SIGTERM; the server must exit 0 with no sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30 * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        tap.eq(f"{what} exits 0 on SIGTERM", 0, rc)
        err = self.stderr()
        tap.ok(f"{what}'s stderr has no sanitizer report", not SANITIZER_RE.search(err), err[-4000:])
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout * SLOW)
    return s


def recv_all(s, timeout=10):
    """Read until the peer closes or TIMEOUT seconds pass without data."""
    s.settimeout(timeout * SLOW)
    chunks = []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    except (socket.timeout, ConnectionResetError):
        pass
    return b"".join(chunks)


def exchange(port, data, timeout=5):
    """Send DATA on a new connection, shut our side, read everything back."""
    with connect(port) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return recv_all(s, timeout)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lowercase name -> list of values
        self.body = body

    def header(self, name):
        v = self.headers.get(name.lower())
        return v[0] if v else None


def parse_responses(data, head_only=()):
    """Split DATA into responses, using Content-Length for bodies.
    HEAD_ONLY holds the indexes of responses to HEAD requests (no body)."""
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            break
        head = data[:end].decode("latin-1").split("\r\n")
        data = data[end + 4:]
        m = re.match(r"HTTP/1\.1 (\d{3}) (.*)", head[0])
        if not m:
            raise ValueError(f"bad status line {head[0]!r}")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        status = int(m.group(1))
        length = 0
        if len(out) not in head_only and status not in (204, 304):
            length = int(headers.get("content-length", ["0"])[0])
        out.append(Response(status, m.group(2), headers, data[:length]))
        data = data[length:]
    return out


def get(port, path, headers=(), method="GET"):
    req = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    req += "".join(f"{h}\r\n" for h in headers) + "\r\n"
    rs = parse_responses(exchange(port, req.encode()), head_only=(0,) if method == "HEAD" else ())
    return rs[0] if rs else None


def make_root(tmp, files):
    root = os.path.join(tmp, "root")
    os.makedirs(root, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    return root


def temp_dir():
    d = tempfile.mkdtemp(prefix="pdm-e2e-")
    return d


def remove(d):
    shutil.rmtree(d, ignore_errors=True)
