"""tests/e2e/hostilelib.py - shared by the client's hostile-server tests.

Starts tests/e2e/hostile_server.py (and stops it by its process id), runs
bin/client with a time limit (a client still running at its limit is
killed and the case fails), takes snapshots of a directory tree so a test
can prove nothing outside --dir changed, and judges a run against the
client's promise: exact bytes under the final name, or exit 1 with a
FAILED line that names the cause and nothing under the final name.
"""

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pdmtest import SANITIZER_RE, SLOW  # noqa: E402

CLIENT = os.environ.get("CLIENT") or sys.exit("CLIENT must name the bin/client to test")
URL_RE = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.I)
PATH_RE = re.compile(r"(?<![\w.])/[^\s:;,'\"]+")
RETRY_LINE_RE = re.compile(r"retry|retrying|attempt \d+", re.I)

# PDM_TRIAGE=1 drops the options today's client does not know (those its
# --help does not mention), to see what it does with the rest. Such a run
# proves nothing: the scripts then end with a "not ok" of their own.
TRIAGE = os.environ.get("PDM_TRIAGE") == "1"
_known = None


def known_options():
    global _known
    if _known is None:
        out = subprocess.run([CLIENT, "--help"], capture_output=True, text=True).stdout
        _known = set(re.findall(r"(--[a-z0-9-]+)", out)) | set(re.findall(r"(?<![\w-])(-[a-zA-Z])\b", out))
    return _known


def triage_filter(argv):
    """ARGV without the options the client does not list (TRIAGE only)."""
    if not TRIAGE:
        return argv
    takes_value = {"--retries", "--retry-max-wait", "--stall-timeout", "--connect-timeout",
                   "--cacert", "--capath"}
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a.startswith("-") and a not in known_options() and a != "-":
            skip = a in takes_value
            continue
        out.append(a)
    return out


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the hostile server --------------------------------------------------------------
class Hostile:
    """tests/e2e/hostile_server.py on 127.0.0.1:0, in its own process."""

    def __init__(self, tmp, files, tag="h", tls=None, secret=None, mode="ok"):
        """FILES: name -> bytes, or name -> (version 1, version 2)."""
        self.dir = os.path.join(tmp, f"hostile-{tag}")
        os.makedirs(self.dir, exist_ok=True)
        self.files = {}
        self.log_path = os.path.join(self.dir, "log.jsonl")
        port_file = os.path.join(self.dir, "port")
        cmd = [sys.executable, os.path.join(HERE, "hostile_server.py"), "--log", self.log_path,
               "--port-file", port_file, "--mode", mode]
        for name, data in files.items():
            versions = data if isinstance(data, tuple) else (data,)
            self.files[name] = versions
            for i, v in enumerate(versions, 1):
                path = os.path.join(self.dir, f"file-{len(cmd)}-{i}")
                with open(path, "wb") as f:
                    f.write(v)
                cmd += ["--file", f"{name}@{i}={path}" if i > 1 else f"{name}={path}"]
        if secret:
            cmd += ["--secret", secret]
        if tls:
            cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.scheme = "https" if tls else "http"
        self.out = open(os.path.join(self.dir, "out"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10 * SLOW
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the hostile server did not start: " + self.output())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.base = f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, key, mode, name):
        return f"{self.base}/{key}/{mode}/{name}"

    def sha(self, name, version=1):
        return hashlib.sha256(self.files[name][version - 1]).hexdigest()

    def entries(self, key=None, event="request"):
        out = []
        try:
            with open(self.log_path, encoding="utf-8") as f:
                for line in f:
                    e = json.loads(line)
                    if e.get("event") == event and (key is None or e.get("key") == key):
                        out.append(e)
        except FileNotFoundError:
            pass
        return out

    def settle(self, keys, secs=3):
        """Wait (at most SECS) until every request begun for KEYS has been
        logged as answered: the client may exit before the server's thread
        writes the line of the answer it just sent."""
        deadline = time.monotonic() + secs * SLOW
        while time.monotonic() < deadline:
            begun = sum(1 for e in self.entries(event="begin") if e.get("key") in keys)
            done = sum(1 for e in self.entries() if e.get("key") in keys)
            if done >= begun:
                return True
            time.sleep(0.05)
        return False

    def output(self):
        with open(os.path.join(self.dir, "out"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


class Trap:
    """A plain TCP listener that records whether anything connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.hits = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            try:
                c.settimeout(1)
                c.sendall(b"220 trap ready\r\n")
                data = c.recv(1000)
            except OSError:
                pass
            c.close()
            self.hits.append(data)

    def close(self):
        self.sock.close()


# --- running the client --------------------------------------------------------------
class Run:
    """How a client run ended. TEXT is its stdout and stderr as one stream,
    in the order written (both went to one file)."""

    def __init__(self, rc, text, took, timed_out):
        self.rc = rc
        self.text = text
        self.took = took
        self.timed_out = timed_out

    def failed_lines(self):
        return [ln for ln in self.text.splitlines() if "FAILED" in ln]

    def tail(self, n=12):
        lines = self.text.splitlines()
        return [f"exit status {self.rc}{' (killed at the time limit)' if self.timed_out else ''}"
                f" after {self.took:.1f} s"] + lines[-n:]


def run_client(argv, cwd, limit, env=None, stdin_data=None, logdir=None):
    """Run CLIENT ARGV in CWD; kill it (by its pid) after LIMIT seconds. Its
    output (stdout and stderr in one file, so their order is kept) is
    collected in LOGDIR (default: CWD's parent)."""
    argv = triage_filter(list(argv))
    outp = os.path.join(logdir or os.path.dirname(os.path.abspath(cwd)),
                        f".client-{threading.get_ident()}-{time.monotonic_ns()}")
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.monotonic()
    with open(outp, "wb") as out:
        proc = subprocess.Popen([CLIENT, *argv], cwd=cwd, env=e, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL)
        if stdin_data is not None:
            try:
                proc.stdin.write(stdin_data)
                proc.stdin.close()
            except OSError:
                pass
        timed_out = False
        try:
            rc = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            rc = proc.wait()
    took = time.monotonic() - t0
    with open(outp, "rb") as f:
        text = f.read().decode(errors="replace")
    os.unlink(outp)
    return Run(rc, text, took, timed_out)


# --- trees -----------------------------------------------------------------------------
def snapshot(root, skip=()):
    """relative path -> what it is, for every entry under ROOT (not following
    symlinks), leaving out the subtrees named in SKIP."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skip]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            st = os.lstat(p)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("dir",)
            else:
                snap[rel] = ("file", st.st_size, st.st_mtime_ns, sha_file(p))
    return snap


def diff(before, after):
    """Plain-words list of what changed between two snapshots."""
    out = []
    for k in sorted(set(before) | set(after)):
        if k not in after:
            out.append(f"removed: {k}")
        elif k not in before:
            out.append(f"created: {k} {after[k][0]}")
        elif before[k] != after[k]:
            out.append(f"changed: {k}")
    return out


# --- the promise -------------------------------------------------------------------------
def without_urls(line):
    """LINE without URLs and absolute paths: they hold the case's name, which
    must not be what matches the expected message."""
    return PATH_RE.sub("<path>", URL_RE.sub("<url>", line))


def judge(run, expect, final, shas, msg=None, planted=None):
    """Problems (a list of strings; empty: the promise was kept).

    EXPECT: "exact" (exit 0, FINAL a regular file whose SHA-256 is in SHAS),
    "fail" (exit 1, a FAILED line matching MSG once URLs are taken out, and
    nothing under FINAL, or PLANTED, what was planted there, unchanged),
    "either" (one of the two), "present" (FINAL has one of SHAS, exit 0 or
    1: another entry may have failed), "mixfree" (the same, or nothing under
    FINAL), or "fail|already" (a failure, or exit
    0 with a line that says the file is already there: the documented
    case)."""
    probs = []
    if run.timed_out:
        at_kill = [p for p in exact_problems(run, final, shas) if not p.startswith("exit status")]
        return [f"still running after {run.took:.1f} s: killed"] + [f"(when killed: {p})" for p in at_kill
                                                                   if os.path.lexists(final)]
    if SANITIZER_RE.search(run.text):
        probs.append("sanitizer report:\n" + run.text[-3000:])
    exact = exact_problems(run, final, shas)
    fail = fail_problems(run, final, msg, planted)
    if expect == "exact":
        probs += exact
    elif expect == "fail":
        probs += fail
    elif expect == "present":
        probs += [p for p in exact if not p.startswith("exit status")]
        if run.rc not in (0, 1):
            probs.append(f"exit status {run.rc}, expected 0 or 1")
    elif expect == "mixfree":
        if os.path.lexists(final):
            probs += [p for p in exact if not p.startswith("exit status")]
        if run.rc not in (0, 1):
            probs.append(f"exit status {run.rc}, expected 0 or 1")
    elif expect == "fail|already":
        already = [ln for ln in run.text.splitlines() if re.search(r"already", without_urls(ln))]
        if fail and not (run.rc == 0 and already and not any("sha256 ok" in ln for ln in already)
                         and (planted is None or snapshot_one(final) == planted)):
            probs += fail + ["(and not reported as already there without claiming a verified file)"]
    elif exact and fail:
        probs.append("neither exact bytes nor a clean failure:")
        probs += ["  as exact: " + p for p in exact] + ["  as a failure: " + p for p in fail]
    return probs


def exact_problems(run, final, shas):
    probs = []
    if run.rc != 0:
        probs.append(f"exit status {run.rc}, expected 0")
    if os.path.islink(final) or not os.path.isfile(final):
        probs.append(f"{os.path.basename(final)} is not a regular file under its final name")
    else:
        got = sha_file(final)
        if got not in shas:
            probs.append(f"the file under its final name has SHA-256 {got}, not the served "
                         f"{' or '.join(shas)}")
    return probs


def fail_problems(run, final, msg, planted):
    probs = []
    if run.rc != 1:
        probs.append(f"exit status {run.rc}, expected 1")
    lines = [without_urls(ln) for ln in run.failed_lines()]
    if not lines:
        probs.append("no FAILED line")
    elif msg is not None and not any(re.search(msg, ln) for ln in lines):
        probs.append(f"no FAILED line matches /{msg}/")
    if planted is None:
        if os.path.lexists(final):
            probs.append(f"something is under the final name {os.path.basename(final)}")
    elif snapshot_one(final) != planted:
        probs.append(f"what was planted at {os.path.basename(final)} changed")
    return probs


def snapshot_one(path):
    if not os.path.lexists(path):
        return None
    if os.path.islink(path):
        return ("link", os.readlink(path))
    if os.path.isdir(path):
        return ("dir", sorted(os.listdir(path)))
    st = os.lstat(path)
    return ("file", st.st_size, st.st_mtime_ns, sha_file(path))
