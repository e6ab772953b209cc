"""tests/e2e/client_upload_test.py - bin/client put, put -, rm against bin/server.

Round trips (0 B, 1 B, a big file, a name with a space, a subdirectory)
compared by SHA-256 after `client get`; `put -` of a generated stream
(1 GiB in release, with the client's peak RSS from /usr/bin/time -v under
32 MiB); a resumable `put` killed with kill -9 at random points and run
again until done (exact result; bytes sent, counted by a relay in front of
the server, at most 1.2x the
file); 8 uploads at once; a digest mismatch refused; no token, a wrong
token, a read-only server: clear errors, nothing changed; rm.
"""

import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import pdmtest  # noqa: E402
from pdmtest import SLOW, Server, Tap, sha  # noqa: E402

CLIENT = os.environ.get("CLIENT") or sys.exit("CLIENT must name the bin/client to test")
RELEASE = pdmtest.MODE == "release"
MiB = 1 << 20
TOKEN = "s3cret-Token_1"


def gen(seed, n):
    """N deterministic bytes (fast: a repeated hash-derived block)."""
    block = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(2048))
    reps, rest = divmod(n, len(block))
    return block * reps + block[:rest]


REPORTS = []  # sanitizer reports from any client run


def scan(err):
    """Keep a sanitizer report from a client's stderr; return it unchanged."""
    text = err.decode(errors="replace") if isinstance(err, bytes) else err
    if pdmtest.SANITIZER_RE.search(text):
        REPORTS.append(text[-4000:])
    return err


def client(args, env_extra=None, stdin=None, timeout=300, **kw):
    env = dict(os.environ)
    env.pop("PDM_TOKEN", None)
    env.update(env_extra or {})
    r = subprocess.run([CLIENT, *args], env=env, stdin=stdin, capture_output=True,
                       timeout=timeout * SLOW, **kw)
    scan(r.stderr)
    return r


class CountingProxy:
    """A TCP relay on 127.0.0.1 in front of the server that counts the
    bytes clients send through it (what an upload really put on the wire,
    whichever way the server reads its sockets) and paces them to RATE
    bytes per second, so an upload lasts long enough to be killed in the
    middle."""

    def __init__(self, port, rate):
        self.target = port
        self.rate = rate  # bytes per second from the clients, so a kill lands mid-transfer
        self.sent = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _pipe(self, src, dst, count):
        start, moved = time.monotonic(), 0
        try:
            while True:
                b = src.recv(1 << 16)
                if not b:
                    break
                if count:
                    with self.lock:
                        self.sent += len(b)
                    moved += len(b)
                    ahead = moved / self.rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
                dst.sendall(b)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(c, u, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(u, c, False), daemon=True).start()

    def count(self):
        with self.lock:
            return self.sent


def main():
    tap = Tap()
    tmp = pdmtest.temp_dir()
    try:
        run(tap, tmp)
    finally:
        pdmtest.remove(tmp)
    tap.done()


def run(tap, tmp):
    root = os.path.join(tmp, "root")
    os.makedirs(root)
    tokfile = os.path.join(tmp, "token")
    with open(tokfile, "w") as f:
        f.write(TOKEN + "\n")
    state = os.path.join(tmp, "state")
    base_env = {"XDG_STATE_HOME": state, "HOME": tmp}
    srv = Server(root, "--token-file", tokfile, tmp=tmp)
    url = f"http://127.0.0.1:{srv.port}"
    net = ["--server", url, "--retries", "3", "--retry-max-wait", "1"]
    auth = ["--token-file", tokfile]

    def put(src, *rest, extra=(), env=None, **kw):
        return client(["put", src, *rest, *net, *extra], {**base_env, **(env or {})}, **kw)

    def fetch_back(name, out):
        r = client(["get", name, "-o", out, "--plain", *net], base_env)
        return r.returncode == 0 and os.path.exists(out)

    # Does this bin/server take uploads at all?
    probe = os.path.join(tmp, "probe.txt")
    with open(probe, "wb") as f:
        f.write(b"probe\n")
    r = put(probe, extra=auth)
    if r.returncode != 0 and b"405" in r.stderr:
        tap.skip("bin/server answers PUT with 405 even with --token-file: "
                 "its upload side is not there yet")
        srv.stop(tap)
        tap.ok("no client run printed a sanitizer report", not REPORTS, *REPORTS[:2])
        return
    tap.eq("a small put succeeds", 0, r.returncode)

    # Round trips.
    big = (64 if RELEASE else 16) * MiB
    cases = [("empty.bin", 0), ("one.bin", 1), ("big.bin", big),
             ("name with space.txt", 1000), ("sub/dir/deep file.bin", 3 * MiB + 7)]
    for i, (name, size) in enumerate(cases):
        local = os.path.join(tmp, f"local{i}")
        data = gen(name, size)
        with open(local, "wb") as f:
            f.write(data)
        r = put(local, name, extra=auth)
        ok = tap.eq(f"put of {size} bytes as '{name}' exits 0", 0, r.returncode)
        if not ok:
            tap.ok("(its output)", False, r.stdout.decode(), r.stderr.decode())
            continue
        tap.ok(f"... and reports the server's verdict (created, 201)",
               b"created (201)" in r.stdout, r.stdout.decode())
        back = os.path.join(tmp, f"back{i}")
        tap.ok(f"... and client get brings back the same SHA-256",
               fetch_back(name, back) and sha(open(back, "rb").read()) == sha(data))
    # Replacing a file is 204.
    local = os.path.join(tmp, "local1")
    r = put(local, "one.bin", extra=auth)
    tap.ok("a second put to a name replaces it (204)", r.returncode == 0 and b"replaced (204)"
           in r.stdout, r.stdout.decode(), r.stderr.decode())

    # Token from the environment; no token; wrong token; a prefix of it.
    r = put(local, "env.bin", env={"PDM_TOKEN": TOKEN})
    tap.eq("PDM_TOKEN works in place of --token-file", 0, r.returncode)
    for what, env, extra in [("no token", {}, ()),
                             ("a wrong token", {"PDM_TOKEN": "nope"}, ()),
                             ("a prefix of the token", {"PDM_TOKEN": TOKEN[:-1]}, ())]:
        r = put(local, "denied.bin", env=env, extra=extra)
        tap.ok(f"put with {what} fails (1) with the 401 in words", r.returncode == 1 and
               b"refused the token (401" in r.stderr, r.stderr.decode())
    tap.ok("... and nothing was stored", not os.path.exists(os.path.join(root, "denied.bin")))
    r = client(["rm", "big.bin", *net], {**base_env, "PDM_TOKEN": "nope"})
    tap.ok("rm with a wrong token fails and the file stays",
           r.returncode == 1 and os.path.exists(os.path.join(root, "big.bin")), r.stderr.decode())
    empty_tok = os.path.join(tmp, "empty-token")
    open(empty_tok, "w").close()
    r = put(local, "x.bin", extra=["--token-file", empty_tok])
    tap.ok("an empty token file is a usage error (2) that names it",
           r.returncode == 2 and empty_tok.encode() in r.stderr, r.stderr.decode())

    # A digest mismatch (curl -T with a wrong Repr-Digest): refused, nothing kept.
    wrong = "sha-256=:" + "A" * 43 + "=:"
    c = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-T", local,
                        "-H", f"Authorization: Bearer {TOKEN}", "-H", f"Repr-Digest: {wrong}",
                        f"{url}/mismatch.bin"], capture_output=True, timeout=30)
    tap.eq("a body that does not match its Repr-Digest is refused with 400", b"400", c.stdout)
    tap.ok("... and nothing takes the name", not os.path.exists(os.path.join(root, "mismatch.bin")))

    # rm: 204, then 404.
    r = client(["rm", "name with space.txt", *net, *auth], base_env)
    tap.ok("rm deletes a file (204)", r.returncode == 0 and b"deleted (204)" in r.stdout and
           not os.path.exists(os.path.join(root, "name with space.txt")), r.stdout.decode(),
           r.stderr.decode())
    r = client(["rm", "name with space.txt", *net, *auth], base_env)
    tap.ok("rm of a missing file fails with the 404 in words",
           r.returncode == 1 and b"not on the server (404)" in r.stderr, r.stderr.decode())

    # put - of a generated stream, bounded memory.
    stream_size = (1024 if RELEASE else 64) * MiB
    h = hashlib.sha256()
    timef = os.path.join(tmp, "time.txt")
    p = subprocess.Popen(["/usr/bin/time", "-v", "-o", timef, CLIENT, "put", "-", "stream.bin",
                          *net, *auth], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env={**os.environ, **base_env})
    block = gen("stream", 4 * MiB)
    t0 = time.monotonic()
    sent = 0
    try:
        while sent < stream_size:
            n = min(len(block), stream_size - sent)
            chunk = block[:n] if n < len(block) else block
            h.update(chunk)
            p.stdin.write(chunk)
            sent += n
        p.stdin.close()
        p.stdin = None
    except BrokenPipeError:
        pass
    out, err = p.communicate(timeout=300 * SLOW)
    scan(err)
    secs = time.monotonic() - t0
    tap.eq(f"put - of {stream_size >> 20} MiB from a pipe exits 0", 0, p.returncode)
    stored = os.path.join(root, "stream.bin")
    got = hashlib.sha256()
    if os.path.exists(stored):
        with open(stored, "rb") as f:
            for b in iter(lambda: f.read(4 * MiB), b""):
                got.update(b)
    tap.eq("... and the stored file's SHA-256 is the stream's", h.hexdigest(), got.hexdigest())
    rss = 0
    with open(timef) as f:
        for line in f:
            if "Maximum resident set size" in line:
                rss = int(line.split(":")[1])
    print(f"# put - of {stream_size >> 20} MiB: {secs:.1f} s, client peak RSS {rss} KiB")
    if RELEASE:
        tap.ok(f"... with the client's peak RSS under 32 MiB ({rss} KiB)", 0 < rss < 32 * 1024)
    os.unlink(stored)

    # A resumable put killed with kill -9 at random points, then run to the end.
    size = (256 if RELEASE else 64) * MiB
    local = os.path.join(tmp, "resume.bin")
    data = gen("resume", size)
    with open(local, "wb") as f:
        f.write(data)
    want = sha(data)
    del data
    updir = os.path.join(state, "pdm", "uploads")
    proxy = CountingProxy(srv.port, size / 2)  # about 2 s for the whole file
    via = ["--server", f"http://127.0.0.1:{proxy.port}", "--retries", "3", "--retry-max-wait", "1"]
    rng = random.Random(os.environ.get("PDM_SEED", "8"))
    kills = 0
    final = None
    for attempt in range(12):
        p = subprocess.Popen([CLIENT, "put", local, "resume.bin", *via, *auth, "--plain"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, **base_env})
        if kills < 2:
            # Wait until data is going out (the state is saved first), then kill.
            deadline = time.monotonic() + 60 * SLOW
            while time.monotonic() < deadline and p.poll() is None:
                if os.path.isdir(updir) and any(n.endswith(".state") for n in os.listdir(updir)):
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0.1, 0.6))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            else:
                tap.ok("a put meant to be killed was still sending", False,
                       f"it ended on its own with status {p.returncode}")
            scan(p.communicate()[1])
            continue
        out, err = p.communicate(timeout=300 * SLOW)
        scan(err)
        final = p.returncode
        break
    tap.eq(f"put killed {kills} times with kill -9 finishes on the next run", 0, final)
    stored = os.path.join(root, "resume.bin")
    tap.ok("... and the stored file is exact (SHA-256)",
           os.path.exists(stored) and sha(open(stored, "rb").read()) == want)
    read = proxy.count()
    print(f"# resumable put of {size >> 20} MiB with {kills} kills: clients sent {read} "
          f"bytes ({read / size:.3f}x)")
    tap.ok(f"... and the clients sent at most 1.2x the file ({read / size:.3f}x)",
           size <= read <= 1.2 * size)
    tap.ok("... and the upload state is gone once done",
           not any(n.endswith(".state") for n in os.listdir(updir)))

    # 8 uploads at once (two of them resumable).
    procs, want = [], {}
    for i in range(8):
        n = (12 * MiB if i < 2 else 2 * MiB + i) if RELEASE else (9 * MiB if i < 2 else MiB + i)
        local = os.path.join(tmp, f"par{i}")
        d = gen(f"par{i}", n)
        with open(local, "wb") as f:
            f.write(d)
        want[f"par/{i}.bin"] = sha(d)
        procs.append(subprocess.Popen([CLIENT, "put", local, f"par/{i}.bin", *net, *auth],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      env={**os.environ, **base_env}))
    rcs = []
    for p in procs:
        scan(p.communicate(timeout=120 * SLOW)[1])
        rcs.append(p.returncode)
    tap.eq("8 uploads at once all exit 0", [0] * 8, rcs)
    tap.ok("... and each stored file has its SHA-256",
           all(sha(open(os.path.join(root, k), "rb").read()) == v for k, v in want.items()))

    srv.stop(tap)

    # A read-only server: 405 in words, nothing stored.
    ro_root = os.path.join(tmp, "ro")
    os.makedirs(ro_root)
    ro = Server(ro_root, tmp=tmp)
    r = client(["put", probe, "--server", f"http://127.0.0.1:{ro.port}", *auth], base_env)
    tap.ok("put to a server without --token-file fails with 'read-only (405'",
           r.returncode == 1 and b"read-only (405" in r.stderr, r.stderr.decode())
    tap.eq("... and nothing was stored", [], [n for n in os.listdir(ro_root)
                                            if not n.startswith(".")])
    ro.stop(tap, "the read-only server")
    tap.ok("no client run printed a sanitizer report", not REPORTS, *REPORTS[:2])


main()
