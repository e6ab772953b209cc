"""tests/e2e/uploadtest.py - helpers for the upload tests: raw HTTP
requests with bodies (Content-Length or chunked, trailers, Expect:
100-continue), responses read back with their interim ones, and the
state of a root on disk (what files, what temporaries).
"""

import base64
import contextlib
import hashlib
import os
import re
import resource
import select
import socket
import time

from pdmtest import SLOW, Response, get

TOKEN = "T0ken-for_tests.x~y+z/="


def auth(token=TOKEN):
    return f"Authorization: Bearer {token}"


def b64sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def digest_field(data):
    return f"sha-256=:{b64sha(data)}:"


def read_response(s, timeout=10):
    """Read one final response from socket S (and the 1xx before it).
    Returns (interim, final): interim a list of (status, headers)."""
    s.settimeout(timeout * SLOW)
    buf = b""
    interim = []
    while True:
        while b"\r\n\r\n" not in buf:
            b = s.recv(65536)
            if not b:
                return interim, None
            buf += b
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0])
        if not m:
            raise ValueError(f"bad status line {lines[0]!r}")
        status = int(m.group(1))
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        if 100 <= status < 200:
            interim.append((status, headers))
            continue
        length = 0
        if status not in (204, 304):
            length = int(headers.get("content-length", ["0"])[0])
        while len(buf) < length:
            b = s.recv(65536)
            if not b:
                break
            buf += b
        return interim, Response(status, m.group(2), headers, buf[:length])


def head_bytes(method, path, headers=(), body_len=None, chunked=False, close=True):
    h = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if close:
        h += "Connection: close\r\n"
    if chunked:
        h += "Transfer-Encoding: chunked\r\n"
    elif body_len is not None:
        h += f"Content-Length: {body_len}\r\n"
    h += "".join(f"{x}\r\n" for x in headers) + "\r\n"
    return h.encode()


def chunked_body(data, trailers=(), piece=65536):
    out = bytearray()
    for i in range(0, len(data), piece):
        part = data[i:i + piece]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    out += b"0\r\n" + "".join(f"{t}\r\n" for t in trailers).encode() + b"\r\n"
    return bytes(out)


def take_interim(s, interim):
    """While a body is being sent: take the interim (1xx) heads that have
    arrived on S into INTERIM. Returns True when a final answer is
    waiting (the server refused or ended the body early)."""
    while select.select([s], [], [], 0)[0]:
        peek = s.recv(65536, socket.MSG_PEEK)
        if not peek:
            return True
        if not re.match(rb"HTTP/1\.[01] 1\d\d ", peek):
            return True
        end = peek.find(b"\r\n\r\n")
        if end < 0:
            return False  # the rest of it comes later
        head = s.recv(end + 4)
        status = int(head.split(b" ")[1])
        headers = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if line:
                name, _, value = line.partition(":")
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        interim.append((status, headers))
    return False


def send_body(s, data, interim, piece=64 * 1024):
    """Send DATA on S as a careful client does: stop as soon as a final
    answer arrives (an early 413 or 507 closes the connection, and bytes
    sent after it would only earn a reset that can destroy the answer);
    interim answers are taken into INTERIM on the way."""
    for i in range(0, len(data), piece):
        if take_interim(s, interim):
            return
        try:
            s.sendall(data[i:i + piece])
        except (BrokenPipeError, ConnectionResetError):
            return


def request(port, method, path, headers=(), body=None, chunked=False, trailers=(),
            timeout=20):
    """One request on a new connection; returns (interim, final response),
    the final one None when the connection broke before it came."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout * SLOW) as s:
        n = None if body is None else len(body)
        early = []
        s.sendall(head_bytes(method, path, headers, n, chunked))
        if body is not None:
            send_body(s, chunked_body(body, trailers) if chunked else body, early)
        try:
            interim, final = read_response(s, timeout)
        except ConnectionResetError:
            return early, None
        return early + interim, final


def put(port, path, data, headers=(), token=TOKEN, **kw):
    hs = list(headers) + ([auth(token)] if token is not None else [])
    return request(port, "PUT", path, hs, data, **kw)[1]


def delete(port, path, token=TOKEN):
    hs = [auth(token)] if token is not None else []
    return request(port, "DELETE", path, hs)[1]


def tree(root):
    """Every file under ROOT (relative path -> bytes), hidden ones included."""
    out = {}
    for d, dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if os.path.islink(p):
                continue
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def temporaries(root):
    """Upload temporaries left anywhere under ROOT (plain PUT ones, and resumable data)."""
    found = []
    for d, dirs, files in os.walk(root):
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), root)
            if f.startswith(".pdm-upload.") or rel.startswith(".pdm-uploads" + os.sep):
                found.append(rel)
    return sorted(found)


def catalog(port):
    """The served catalog as {name: (size, sha256)}."""
    out = {}
    r = get(port, "/text.txt")
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, size, digest = line.split("\t")
            out[name] = (int(size), digest)
    return out


def catalog_file(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                name, size, digest = line.split("\t")
                out[name] = (int(size), digest)
    return out


def wait_for(pred, secs=10):
    deadline = time.monotonic() + secs * SLOW
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


@contextlib.contextmanager
def fsize_limit(limit):
    """Lower the soft file-size limit to LIMIT bytes (None: leave it) for
    what starts inside, the way "ulimit -f" would: a server started here
    gets EFBIG past LIMIT. The soft limit alone, so it can be put back."""
    if limit is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
