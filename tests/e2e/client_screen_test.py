#!/usr/bin/env python3
"""tests/e2e/client_screen_test.py - two items of issue 6 that only the
full-screen display shows, read through tmux as client_ui.sh does:

  an unreachable catalog server is not labelled "not in catalog" on the
  screen; and the summary printed after q lists every entry, the
  unfinished ones too (today it leaves them out). And one of issue 10: a
  file with a mirror shows its sources and, per connection, the one it
  uses.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostilelib import CLIENT, free_port  # noqa: E402
from pdmtest import SANITIZER_RE, SLOW, Server, Tap, make_root, remove, temp_dir  # noqa: E402

tap = Tap()
tmp = temp_dir()
SOCKET = f"pdm-screen-{os.getpid()}"
BIG = (32 if os.environ.get("PDM_MODE", "release") == "release" else 8) << 20


def tmux(*args, check=False):
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check)


def screen():
    return tmux("capture-pane", "-p", "-t", session).stdout.rstrip("\n") + "\n"


def client_err():
    try:
        with open(os.path.join(tmp, "client.err"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for(secs, pattern):
    deadline = time.monotonic() + secs * SLOW
    while time.monotonic() < deadline:
        if re.search(pattern, screen(), re.M):
            return True
        time.sleep(0.1)
    return False


session = None


def start(cmd):
    """A fresh 100x30 terminal (a new tmux session) running CMD in a shell, in tmp."""
    global session
    if session is not None:
        tmux("kill-session", "-t", session)
    session = f"ui{time.monotonic_ns()}"
    env = f"env -i PATH={os.environ['PATH']} HOME={tmp} HISTFILE=/dev/null TERM=screen LANG=C.UTF-8 PS1='$ '"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", f"{env} bash --norc --noprofile", check=True)
    tmux("set", "-g", "window-size", "manual")
    wait_for(5, r"\$ ?$")
    # exec keeps the client in the terminal's foreground; client.pid lets us stop it by its pid
    tmux("send-keys", "-t", session,
         f"cd {tmp} && sh -c 'echo $$ > client.pid; exec {cmd}' 2> client.err; echo $? > status", "Enter")


def stop_client():
    """SIGKILL the client if it still runs (by the pid it wrote), and wait for it."""
    try:
        with open(os.path.join(tmp, "client.pid")) as f:
            pid = int(f.read())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def quit_client():
    tmux("send-keys", "-t", session, "q")
    status = os.path.join(tmp, "status")
    deadline = time.monotonic() + 10 * SLOW
    while time.monotonic() < deadline and not os.path.exists(status):
        time.sleep(0.1)
    time.sleep(0.3)
    return os.path.exists(status)


def stderr_clean(what):
    err = client_err()
    tap.ok(f"{what}: no sanitizer report", not SANITIZER_RE.search(err), err[-3000:])


if shutil.which("tmux") is None:
    tap.ok("tmux is installed (the screen is read through it)", False)
    tap.done()

root = make_root(tmp, {"small.txt": b"small\n", "later.txt": b"later\n"})
subprocess.run([os.environ.get("MKSAMPLE", ""), str(BIG), "7"], stdout=open(os.path.join(root, "big.bin"), "wb"),
               check=True)
srv = Server(root, "--limit-rate", str(BIG // 40), tmp=tmp)
extra = []
try:
    # --- the catalog server cannot be reached ----------------------------------------------
    with open(os.path.join(tmp, "q1.txt"), "w") as f:
        f.write("small.txt\n")
    closed = free_port()
    start(f"{CLIENT} --server http://127.0.0.1:{closed} --input q1.txt --dir d1 --interval 1")
    shown = wait_for(10, r"small\.txt")
    time.sleep(2 * SLOW)
    s1 = screen()
    tap.ok("unreachable catalog: the screen shows the entry", shown, s1)
    tap.ok("... not labelled 'not in catalog'", shown and not re.search(r"(?i)not in (the )?catalog", s1), s1)
    tap.ok("... but that the server or its catalog cannot be reached",
           re.search(r"(?i)cannot (reach|connect|fetch)|can't (reach|connect)|refused|unreachable|no catalog|"
                     r"catalog (unavailable|error)", s1) is not None, s1)
    tap.ok("... q quits", quit_client(), screen())
    stderr_clean("unreachable catalog")

    # --- q with unfinished entries: the summary lists them all --------------------------------------
    stop_client()
    os.unlink(os.path.join(tmp, "status"))
    with open(os.path.join(tmp, "q2.txt"), "w") as f:
        f.write("small.txt\nbig.bin\nlater.txt\n")
    start(f"{CLIENT} --server http://127.0.0.1:{srv.port} --input q2.txt --dir d2")
    downloading = wait_for(20, r"big\.bin .*downloading")
    tap.ok("the queue shows big.bin downloading", downloading, screen())
    tap.ok("q quits", quit_client(), screen())
    after = screen() + "--- stderr:\n" + client_err()
    lines = after.splitlines()
    for name in ("small.txt", "big.bin", "later.txt"):
        tap.ok(f"after q the summary has a line for {name}", any(ln.startswith(name) for ln in lines), after)
    stderr_clean("q with unfinished entries")

    # --- a file with a mirror: the sources on the screen (issue 10) ---------------------------
    stop_client()
    os.unlink(os.path.join(tmp, "status"))
    for d in ("s2", "s3"):
        os.makedirs(os.path.join(tmp, d))
    mirror = Server(root, "--limit-rate", str(BIG // 40), tmp=os.path.join(tmp, "s2"))
    extra.append(mirror)
    primary = Server(root, "--limit-rate", str(BIG // 40), "--mirror",
                     f"http://127.0.0.1:{mirror.port}", tmp=os.path.join(tmp, "s3"))
    extra.append(primary)
    with open(os.path.join(tmp, "q3.txt"), "w") as f:
        f.write("big.bin\n")
    start(f"{CLIENT} --server http://127.0.0.1:{primary.port} --input q3.txt --dir d3")
    both = wait_for(20, rf"2 sources: 127\.0\.0\.1:{primary.port} .*127\.0\.0\.1:{mirror.port}")
    s3 = screen()
    for line in s3.splitlines()[:12]:
        print("# | " + line)
    tap.ok("a mirrored file: its line shows both sources, with what each gave", both, s3)
    tap.ok("... and a connection shows the mirror it uses",
           re.search(rf"^\s+\d+ .*127\.0\.0\.1:{mirror.port}\s*$", s3, re.M) is not None, s3)
    tap.ok("... q quits", quit_client(), screen())
    stderr_clean("a mirrored file")
finally:
    stop_client()
    tmux("kill-server")
    for x in extra:
        x.stop(tap, f"the server on port {x.port}")
    srv.stop(tap)
    remove(tmp)
tap.done()
