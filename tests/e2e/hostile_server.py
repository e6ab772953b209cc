#!/usr/bin/env python3
"""tests/e2e/hostile_server.py - an HTTP/1.1 server that misbehaves on purpose.

Raw sockets and one thread per connection, so every byte on the wire is
chosen here (http.server would tidy up what we want broken). It serves
files held in memory, each in one or two versions, in MODES chosen per
URL, so one instance serves a whole table of test cases:

    /NAME                       the run's default mode (--mode), shared state
    /KEY/MODE[,P=V...]/NAME     MODE with parameters; KEY names the case:
                                request counters are kept per KEY
    /text.txt, /KEY/text.txt... never: see below
    /text.txt                   a catalog of the files (version 1), correct

NAME is the last path segment, percent-decoded; the parameter file=NAME
overrides it (so a URL may end in a hostile name and still get content).
Unknown names get 404.

Parameters every mode understands:
    rate=BYTES     body bytes per second per response (throttled sends)
    digest=0       no Repr-Digest header (default: sent, sha-256 of the version)
    etag=0|weak    no ETag, or a weak one (default: a strong ETag)
    lm=0           no Last-Modified
    ka=0           Connection: close after every response
    n=N            how many requests misbehave (-1: all); per mode default
    at=I           the first request index (0-based, per KEY) that misbehaves

Modes (the misbehaviour applies to requests at..at+n-1, otherwise "ok"):
    ok             correct: 200/206/416, If-Range honoured, HEAD
    norange        always 200 with the whole file, no Accept-Ranges
    err            code=C (default 500) with a small body; n=1
    reset          the connection is reset (RST) before any answer; n=1
    headclose      a correct head, then the connection is closed; n=1
    badheader      kind=cl|nocolon|space|nul: a malformed header; n=1
    garbage        kind=junk|version|binary: an unparsable status line; n=1
    retryafter     code (503) with Retry-After: secs=S, or date=S (an
                   HTTP-date S seconds ahead); n=1
    redirloop      302 to itself, always
    redirchain     hops=K: K redirects (302), then the file
    redirscheme    to=ftp|gopher|dict|file|scp: 302 to that scheme; the
                   network ones point at a trap listener for this KEY that
                   logs any connection ("event": "trap")
    hugeheader     size=BYTES: one header line that long; always
    manyheaders    count=N: N extra header lines; always
    crwrong        kind=start|end|total|missing: a 206 whose Content-Range
                   is off (or absent); at=1, n=-1
    short          keep=B: only B body bytes (default half), then close; n=1
    long           extra=B: B junk bytes after the body on the connection; n=-1
    chunkedcl      chunked body plus a wrong Content-Length; n=-1
    ignorerange    a 200 with the whole file, ignoring Range; at=1, n=-1
    change         version 2 from request index at (1) on; ifrange=honour
                   (a stale If-Range gets a 200 of version 2) or ignore (a
                   206 of version 2 with version 2's validators)
    encoding       enc=gzip|deflate|br|identity: Content-Encoding with the
                   body encoded (br: not encoded, the stdlib has none);
                   whole=1: a 200 of the whole file, Range ignored; n=-1
    stall          after=B body bytes, then silence for secs=S (default: until
                   the client goes); later=B2 for stalls after the first; n=1
    hugelen        kind=cl|cr|u64|overflow: an absurd length claim, then the
                   real bytes and a close; n=-1
    totaldiff      a Content-Range total that differs from the real size by
                   delta=D (1000); at=1, n=-1

Every request is logged as one JSON line (--log) when its answer is done:
times (wall and monotonic), KEY, mode, method, path, Range, If-Range,
Accept-Encoding, the status sent, the version served and the body bytes
sent; a "begin" line when it arrives lets a reader wait for answers still
in flight. Accepted connections, TLS handshakes and trap connections are
logged too.

Usage:
    hostile_server.py --file NAME=PATH [--file NAME@2=PATH] ... [--log FILE]
        [--port-file FILE] [--mode MODE] [--secret PATH]
        [--tls-cert PEM --tls-key PEM]
It listens on 127.0.0.1, on a port the kernel picks, prints
"listening on http://127.0.0.1:PORT/" and writes PORT to --port-file.
SIGTERM or SIGINT stops it.
"""

import argparse
import base64
import email.utils
import gzip
import hashlib
import json
import os
import select
import signal
import socket
import ssl
import struct
import threading
import time
import urllib.parse
import zlib

HEAD_MAX = 64 * 1024
LM = {1: "Sat, 01 Jan 2022 00:00:00 GMT", 2: "Sun, 02 Jan 2022 12:00:00 GMT"}
DEFAULT_N = {"err": 1, "reset": 1, "headclose": 1, "badheader": 1, "garbage": 1, "retryafter": 1,
             "short": 1, "stall": 1}
DEFAULT_AT = {"crwrong": 1, "ignorerange": 1, "change": 1, "totaldiff": 1}


class Version:
    def __init__(self, data, number):
        self.data = data
        self.number = number
        self.sha = hashlib.sha256(data).hexdigest()
        self.digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self.etag = f'"v{number}-{self.sha[:16]}"'
        self.last_modified = LM[number]


class Request:
    def __init__(self, method, target, version, headers):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # lowercase name -> value (last one wins)

    def header(self, name):
        return self.headers.get(name)


class Closed(Exception):
    """The client went away."""


class Server:
    def __init__(self, args):
        self.files = {}  # name -> {1: Version, 2: Version}
        for spec in args.file:
            name, _, path = spec.partition("=")
            number = 1
            if "@" in name:
                name, _, v = name.rpartition("@")
                number = int(v)
            with open(path, "rb") as f:
                self.files.setdefault(name, {})[number] = Version(f.read(), number)
        self.default_mode = args.mode
        self.secret = args.secret
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None
        self.lock = threading.Lock()
        self.counters = {}  # key -> requests seen
        self.traps = {}  # key -> port
        self.conn_ids = 0
        self.tls = None
        if args.tls_cert:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(args.tls_cert, args.tls_key)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]

    # --- logging -------------------------------------------------------------------
    def log(self, **entry):
        entry.setdefault("t", time.time())
        entry.setdefault("mono", time.monotonic())
        if self.log_file is None:
            return
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    # --- the accept loop -----------------------------------------------------------
    def serve_forever(self):
        while True:
            try:
                s, peer = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conn_ids += 1
                cid = self.conn_ids
            self.log(event="accept", conn=cid, peer=f"{peer[0]}:{peer[1]}")
            threading.Thread(target=self.connection, args=(s, cid), daemon=True).start()

    def connection(self, s, cid):
        try:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                s.settimeout(10)
                try:
                    s = self.tls.wrap_socket(s, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    self.log(event="tls", conn=cid, ok=False, error=str(e))
                    s.close()
                    return
                self.log(event="tls", conn=cid, ok=True)
            s.settimeout(120)
            buf = b""
            while True:
                req, buf = read_request(s, buf)
                if req == "not http":  # a TLS hello on a plain port, say: answer as nginx does
                    s.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    self.log(event="not-http", conn=cid)
                    break
                if req is None:
                    break
                if not self.respond(s, cid, req):
                    break
        except (Closed, OSError, ssl.SSLError):
            pass
        finally:
            try:
                s.close()
            except OSError:
                pass

    # --- routing ---------------------------------------------------------------------
    def route(self, target):
        """(key, mode, params, name, raw_name) for a request target."""
        path = target.split("?", 1)[0].split("#", 1)[0]
        segs = path.lstrip("/").split("/")
        if len(segs) >= 3:
            key, spec, raw = segs[0], segs[1], "/".join(segs[2:])
        else:
            key, spec, raw = "", self.default_mode, "/".join(segs)
            if len(segs) == 2:  # /X/NAME is nobody's URL: 404
                return key, "missing", {}, None, raw
        mode, _, rest = spec.partition(",")
        params = {}
        for p in rest.split(",") if rest else []:
            k, _, v = p.partition("=")
            params[k] = v
        name = urllib.parse.unquote(raw.rsplit("/", 1)[-1])
        return key, mode, params, params.get("file", name), raw

    def next_index(self, key):
        with self.lock:
            i = self.counters.get(key, 0)
            self.counters[key] = i + 1
            return i

    def respond(self, s, cid, req):
        """Answer REQ on S; False when the connection must close."""
        t0 = time.time()
        m0 = time.monotonic()
        key, mode, params, name, raw = self.route(req.target)
        index = self.next_index(key)
        self.log(event="begin", conn=cid, key=key, index=index)  # the "request" line comes at the end
        entry = dict(event="request", conn=cid, key=key, mode=mode, index=index, method=req.method,
                     path=req.target, range=req.header("range"), if_range=req.header("if-range"),
                     accept_encoding=req.header("accept-encoding"), user_agent=req.header("user-agent"),
                     t=t0, mono=m0)
        out = Out(s, params)
        keep = True
        try:
            keep = self.dispatch(out, req, key, mode, params, name, index)
        except Closed:
            keep = False
        finally:
            entry.update(status=out.status, bytes=out.body_bytes, version=out.version,
                         t_end=time.time(), mono_end=time.monotonic(), note=out.note)
            self.log(**entry)
        return keep and req.version == "HTTP/1.1" and params.get("ka") != "0" and \
            (req.header("connection") or "").lower() != "close"

    def misbehaves(self, mode, params, index):
        at = int(params.get("at", DEFAULT_AT.get(mode, 0)))
        n = int(params.get("n", DEFAULT_N.get(mode, -1)))
        return index >= at and (n < 0 or index < at + n)

    def dispatch(self, out, req, key, mode, params, name, index):
        if name == "text.txt" and mode != "missing":
            return self.catalog(out, req)
        versions = self.files.get(name)
        if versions is None or mode == "missing":
            return out.simple(404, "Not Found", b"no such file\n")
        v = versions[1]
        bad = self.misbehaves(mode, params, index)
        if mode == "ok" or not bad:
            return self.serve(out, req, v, params)
        handler = getattr(self, "mode_" + mode, None)
        if handler is None:
            return out.simple(500, "Internal Server Error", f"unknown mode {mode}\n".encode())
        return handler(out, req, versions, params, key, index)

    def catalog(self, out, req):
        lines = ["# name\tsize\tsha256"]
        for name in sorted(self.files):
            v = self.files[name][1]
            lines.append(f"{name}\t{len(v.data)}\t{v.sha}")
        body = ("\n".join(lines) + "\n").encode()
        return out.simple(200, "OK", body, head_only=req.method == "HEAD")

    # --- the correct answer, and pieces of it -----------------------------------------
    def validators(self, v, params):
        h = []
        if params.get("etag") == "weak":
            h.append(("ETag", "W/" + v.etag))
        elif params.get("etag") != "0":
            h.append(("ETag", v.etag))
        if params.get("lm") != "0":
            h.append(("Last-Modified", v.last_modified))
        if params.get("digest") != "0":
            h.append(("Repr-Digest", f"sha-256=:{v.digest}:"))
        return h

    def if_range_matches(self, req, v, params):
        cond = req.header("if-range")
        if cond is None:
            return True
        if cond.startswith('"'):
            return params.get("etag") not in ("0", "weak") and cond == v.etag
        return params.get("lm") != "0" and cond == v.last_modified

    def plan(self, req, v, params, honour_if_range=True):
        """(status, first, last) for a correct answer to REQ about V."""
        size = len(v.data)
        rng = req.header("range")
        if rng is None or (honour_if_range and not self.if_range_matches(req, v, params)):
            return 200, 0, size - 1
        r = parse_range(rng, size)
        if r is None:
            return 200, 0, size - 1
        if r == "unsatisfiable":
            return 416, 0, -1
        return 206, r[0], r[1]

    def serve(self, out, req, v, params, honour_if_range=True, extra=(), content_range=None):
        st, first, last = self.plan(req, v, params, honour_if_range)
        size = len(v.data)
        if st == 416:
            return out.simple(416, "Range Not Satisfiable", b"", extra=[("Content-Range", f"bytes */{size}")])
        body = v.data[first:last + 1]
        h = [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        if st == 206:
            h.append(("Content-Range", content_range or f"bytes {first}-{last}/{size}"))
        h += self.validators(v, params)
        h += list(extra)
        out.version = v.number
        return out.send(st, h, body, req.method == "HEAD")

    # --- the modes --------------------------------------------------------------------
    def mode_norange(self, out, req, versions, params, key, index):
        v = versions[1]
        h = [("Content-Type", "application/octet-stream")] + self.validators(v, params)
        out.version = 1
        return out.send(200, h, v.data, req.method == "HEAD")

    def mode_err(self, out, req, versions, params, key, index):
        code = int(params.get("code", "500"))
        return out.simple(code, REASONS.get(code, "Error"), f"error {code}\n".encode())

    def mode_reset(self, out, req, versions, params, key, index):
        out.note = "reset"
        out.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raise Closed()

    def mode_headclose(self, out, req, versions, params, key, index):
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        h = self.head_lines(st, first, last, v, params)
        out.status = st
        out.version = 1
        out.raw(h)
        raise Closed()

    def head_lines(self, st, first, last, v, params, length=None):
        size = len(v.data)
        lines = [f"HTTP/1.1 {st} {REASONS.get(st, 'OK')}", f"Content-Length: {length or last - first + 1}",
                 "Accept-Ranges: bytes"]
        if st == 206:
            lines.append(f"Content-Range: bytes {first}-{last}/{size}")
        lines += [f"{k}: {val}" for k, val in self.validators(v, params)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def mode_badheader(self, out, req, versions, params, key, index):
        kind = params.get("kind", "cl")
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        body = v.data[first:last + 1]
        bad = {"cl": b"Content-Length: 12x34\r\n",
               "nocolon": b"This header has no colon\r\n",
               "space": b"Content-Length : " + str(len(body)).encode() + b"\r\n",
               "nul": b"X-Nul: a\x00b\r\n"}[kind]
        head = f"HTTP/1.1 {st} {REASONS[st]}\r\n".encode() + bad
        if kind != "cl":
            head += f"Content-Length: {len(body)}\r\n".encode()
        if st == 206:
            head += f"Content-Range: bytes {first}-{last}/{len(v.data)}\r\n".encode()
        out.status = st
        out.raw(head + b"Connection: close\r\n\r\n")
        out.body(body)
        raise Closed()

    def mode_garbage(self, out, req, versions, params, key, index):
        kind = params.get("kind", "junk")
        line = {"junk": b"HELLO THERE\r\n", "version": b"HTTP/1.1 2OO OK\r\n",
                "binary": b"\x00\xff\xfe\x16\x03\x01garbage\r\n"}[kind]
        out.status = -1
        out.raw(line + b"Content-Length: 5\r\n\r\nhello")
        raise Closed()

    def mode_retryafter(self, out, req, versions, params, key, index):
        code = int(params.get("code", "503"))
        if "date" in params:
            when = time.time() + float(params["date"])
            value = email.utils.formatdate(when, usegmt=True)
        else:
            value = params.get("secs", "2")
        out.note = f"Retry-After: {value}"
        return out.simple(code, REASONS.get(code, "Error"), b"later\n", extra=[("Retry-After", value)])

    def mode_redirloop(self, out, req, versions, params, key, index):
        return out.simple(302, "Found", b"", extra=[("Location", req.target)])

    def mode_redirchain(self, out, req, versions, params, key, index):
        hops = int(params.get("hops", "3"))
        hop = int(params.get("hop", "0"))
        if hop >= hops:
            return self.serve(out, req, versions[1], params)
        path = req.target.split("?", 1)[0]
        segs = path.split("/")
        spec = ",".join([f"redirchain,hops={hops},hop={hop + 1}"] +
                        [f"{k}={v}" for k, v in params.items() if k not in ("hops", "hop")])
        segs[2] = spec
        # a redirect is not a misbehaving answer: the chain is always on
        return out.simple(302, "Found", b"", extra=[("Location", "/".join(segs))])

    def trap(self, key):
        with self.lock:
            if key in self.traps:
                return self.traps[key]
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.bind(("127.0.0.1", 0))
            t.listen(8)
            self.traps[key] = t.getsockname()[1]
        threading.Thread(target=self.trap_loop, args=(t, key), daemon=True).start()
        return self.traps[key]

    def trap_loop(self, t, key):
        while True:
            try:
                c, _ = t.accept()
            except OSError:
                return
            data = b""
            try:
                c.settimeout(1)
                c.sendall(b"220 trap ready\r\n")  # an FTP greeting, so an FTP client talks
                data = c.recv(1000)
            except OSError:
                pass
            finally:
                c.close()
            self.log(event="trap", key=key, data=data.decode("latin-1"))

    def mode_redirscheme(self, out, req, versions, params, key, index):
        to = params.get("to", "ftp")
        name = req.target.rsplit("/", 1)[-1]
        if to == "file":
            loc = "file://" + urllib.parse.quote(self.secret or "/etc/hostname")
        else:
            loc = f"{to}://127.0.0.1:{self.trap(key)}/{name}"
        return out.simple(302, "Found", b"", extra=[("Location", loc)])

    def mode_hugeheader(self, out, req, versions, params, key, index):
        size = int(params.get("size", str(110 * 1024)))
        return self.serve(out, req, versions[1], params, extra=[("X-Huge", "a" * size)])

    def mode_manyheaders(self, out, req, versions, params, key, index):
        count = int(params.get("count", "1000"))
        extra = [(f"X-Many-{i}", "abcdefghijklmnopqrstuvwxyz") for i in range(count)]
        return self.serve(out, req, versions[1], params, extra=extra)

    def mode_crwrong(self, out, req, versions, params, key, index):
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        if st != 206:
            return self.serve(out, req, v, params)
        size = len(v.data)
        kind = params.get("kind", "start")
        body = v.data[first:last + 1]
        if kind == "start":  # the same length, from another offset
            f2 = first + 4096 if first + 4096 + len(body) <= size else max(0, first - 4096)
            cr = f"bytes {f2}-{f2 + len(body) - 1}/{size}"
            body = v.data[f2:f2 + len(body)]
        elif kind == "end":  # claims fewer bytes than it sends
            cr = f"bytes {first}-{max(first, last - 4096)}/{size}"
        elif kind == "total":
            cr = f"bytes {first}-{last}/{size * 2}"
        else:
            cr = None
        h = [("Accept-Ranges", "bytes")] + self.validators(v, params)
        if cr is not None:
            h.append(("Content-Range", cr))
        out.version = 1
        out.note = f"Content-Range: {cr}"
        return out.send(206, h, body, req.method == "HEAD")

    def mode_short(self, out, req, versions, params, key, index):
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        length = last - first + 1
        keep = int(params.get("keep", str(length // 2)))
        out.status = st
        out.version = 1
        out.raw(self.head_lines(st, first, last, v, params))
        out.body(v.data[first:first + min(keep, length)])
        raise Closed()

    def mode_long(self, out, req, versions, params, key, index):
        extra = int(params.get("extra", "1000"))
        keep = self.serve(out, req, versions[1], params)
        out.raw(b"X" * extra)
        out.note = f"{extra} junk bytes after the body"
        return keep

    def mode_chunkedcl(self, out, req, versions, params, key, index):
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        body = v.data[first:last + 1]
        head = self.head_lines(st, first, last, v, params, length=len(body) + 12345)
        head = head[:-2] + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        out.status = st
        out.version = 1
        out.raw(head)
        for i in range(0, len(body), 65536):
            part = body[i:i + 65536]
            out.raw(f"{len(part):x}\r\n".encode())
            out.body(part)
            out.raw(b"\r\n")
        out.raw(b"0\r\n\r\n")
        raise Closed()

    def mode_ignorerange(self, out, req, versions, params, key, index):
        v = versions[1]
        h = [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        h += self.validators(v, params)
        out.version = 1
        return out.send(200, h, v.data, req.method == "HEAD")

    def mode_change(self, out, req, versions, params, key, index):
        v = versions.get(2) or versions[1]
        honour = params.get("ifrange", "honour") == "honour"
        return self.serve(out, req, v, params, honour_if_range=honour)

    def mode_encoding(self, out, req, versions, params, key, index):
        v = versions[1]
        enc = params.get("enc", "gzip")
        st, first, last = self.plan(req, v, params)
        if params.get("whole") == "1":  # a 200 of the whole file, whatever was asked
            st, first, last = 200, 0, len(v.data) - 1
        if st == 416:
            return self.serve(out, req, v, params)
        body = v.data[first:last + 1]
        if enc == "gzip":
            body = gzip.compress(body, mtime=0)
        elif enc == "deflate":
            body = zlib.compress(body)
        h = [("Accept-Ranges", "bytes"), ("Content-Encoding", enc)]
        if st == 206:
            h.append(("Content-Range", f"bytes {first}-{last}/{len(v.data)}"))
        h += self.validators(v, params)
        out.version = 1
        return out.send(st, h, body, req.method == "HEAD")

    def mode_stall(self, out, req, versions, params, key, index):
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        at = int(params.get("at", "0"))
        after = int(params.get("after", "65536"))
        if index > at:
            after = int(params.get("later", str(after)))
        secs = float(params.get("secs", "120"))
        out.status = st
        out.version = 1
        out.raw(self.head_lines(st, first, last, v, params))
        out.body(v.data[first:first + min(after, last - first + 1)])
        out.note = f"stalled after {out.body_bytes} bytes"
        wait_for_close(out.sock, secs)
        raise Closed()

    def mode_hugelen(self, out, req, versions, params, key, index):
        v = versions[1]
        kind = params.get("kind", "cl")
        size = len(v.data)
        claims = {"cl": "9223372036854775807", "u64": "18446744073709551615",
                  "overflow": "99999999999999999999999999"}
        if kind == "cr":
            big = 9223372036854775807
            head = (f"HTTP/1.1 206 Partial Content\r\nContent-Length: {big}\r\n"
                    f"Content-Range: bytes 0-{big - 1}/{big}\r\n")
        else:
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {claims[kind]}\r\n"
        head += "".join(f"{k}: {val}\r\n" for k, val in self.validators(v, params) if k != "Repr-Digest")
        out.status = 206 if kind == "cr" else 200
        out.version = 1
        out.raw((head + "Connection: close\r\n\r\n").encode())
        out.body(v.data[:size])
        raise Closed()

    def mode_totaldiff(self, out, req, versions, params, key, index):
        v = versions[1]
        st, first, last = self.plan(req, v, params)
        if st != 206:
            return self.serve(out, req, v, params)
        delta = int(params.get("delta", "1000"))
        return self.serve(out, req, v, params, content_range=f"bytes {first}-{last}/{len(v.data) + delta}")


REASONS = {200: "OK", 206: "Partial Content", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           410: "Gone", 416: "Range Not Satisfiable", 425: "Too Early", 429: "Too Many Requests",
           451: "Unavailable For Legal Reasons", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}


class Out:
    """One response being written: counts body bytes, throttles them."""

    def __init__(self, sock, params):
        self.sock = sock
        self.rate = int(params.get("rate", "0"))
        self.status = None
        self.version = None
        self.body_bytes = 0
        self.note = None

    def raw(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Closed() from e

    def body(self, data):
        step = 16384 if self.rate == 0 else max(1024, min(16384, self.rate // 20))
        t0 = time.monotonic()
        for i in range(0, len(data), step):
            part = data[i:i + step]
            try:
                self.sock.sendall(part)
            except OSError as e:
                raise Closed() from e
            self.body_bytes += len(part)
            if self.rate:
                ahead = self.body_bytes / self.rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)

    def send(self, status, headers, body, head_only, length=None):
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}",
                 f"Date: {email.utils.formatdate(usegmt=True)}",
                 f"Content-Length: {len(body) if length is None else length}"]
        lines += [f"{k}: {v}" for k, v in headers]
        self.status = status
        self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            self.body(body)
        return True

    def simple(self, status, reason, body, extra=(), head_only=False):
        lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}",
                 "Content-Type: text/plain"]
        lines += [f"{k}: {v}" for k, v in extra]
        self.status = status
        self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            self.body(body)
        return True


def read_request(s, buf):
    """(Request, rest of BUF) from S; (None, b"") when the peer closed; ("not http",
    b"") when the first byte cannot start a request (a TLS hello)."""
    while b"\r\n\r\n" not in buf:
        if buf and not (65 <= buf[0] <= 90):  # no method starts so
            return "not http", b""
        if len(buf) > HEAD_MAX:
            return None, b""
        try:
            data = s.recv(65536)
        except (OSError, ssl.SSLError):
            return None, b""
        if not data:
            return None, b""
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None, b""
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Request(parts[0], parts[1], parts[2], headers), rest


def parse_range(value, size):
    """(first, last) for one byte range, "unsatisfiable", or None to ignore it."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    a, sep, b = spec.strip().partition("-")
    if not sep:
        return None
    try:
        if a == "":
            n = int(b)
            if n == 0:
                return "unsatisfiable"
            return max(0, size - n), size - 1
        first = int(a)
        last = int(b) if b != "" else None
    except ValueError:
        return None
    if last is not None and last < first:
        return None
    if first >= size:
        return "unsatisfiable"
    if last is None:
        last = size - 1
    return first, min(last, size - 1)


def wait_for_close(s, secs):
    """Send nothing until the peer closes or SECS pass."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            r, _, _ = select.select([s], [], [], 0.2)
            if r and not s.recv(65536):
                return
        except (OSError, ValueError):
            return


def main():
    ap = argparse.ArgumentParser(description="a misbehaving HTTP/1.1 server for tests")
    ap.add_argument("--file", action="append", default=[], help="NAME=PATH or NAME@2=PATH")
    ap.add_argument("--log", help="JSON lines: one per request, connection, handshake")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--mode", default="ok", help="the mode for /NAME (default ok)")
    ap.add_argument("--secret", help="the local file a file:// redirect points at")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    srv = Server(args)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    signal.signal(signal.SIGINT, lambda *a: os._exit(0))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{srv.port}\n")
        os.rename(tmp, args.port_file)
    scheme = "https" if srv.tls else "http"
    print(f"listening on {scheme}://127.0.0.1:{srv.port}/", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
