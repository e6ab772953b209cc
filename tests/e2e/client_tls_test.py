#!/usr/bin/env python3
"""tests/e2e/client_tls_test.py - bin/client over HTTPS with certificates
the test makes with the openssl command line: a CA and a server
certificate for IP 127.0.0.1 signed by it, and a self-signed one.

A certificate the client cannot verify fails at once (one handshake, not
retried), in plain and complete words. The CA is accepted through
--cacert, --capath (after openssl rehash), CURL_CA_BUNDLE and
SSL_CERT_FILE; --insecure / -k accepts the self-signed one with a warning
that certificates are not checked. https:// to a plain-HTTP port fails
fast.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostilelib import TRIAGE, Hostile, judge, run_client, without_urls  # noqa: E402
from pdmtest import Tap, remove, sha, temp_dir  # noqa: E402

tap = Tap()
tmp = temp_dir()
PERMANENT = 5
DATA = os.urandom(1 << 20)
CERT_PROBLEM = (r"(?i)(unable to get local issuer certificate|self[- ]signed certificate|"
                r"certificate verify failed|certificate is not trusted|unknown (ca|authority))")
INSECURE_WARNING = (r"(?i)(certificates? (are |is |were |was )?not (being )?(checked|verified)|"
                    r"not (checking|verifying) (the )?(server'?s? )?certificates?|"
                    r"without (checking|verifying) (the )?certificates?)")


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {r.stderr}")


def make_certs(d):
    os.makedirs(d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pdm test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    openssl("req", "-x509", *ec, "-keyout", "self.key", "-out", "self.pem", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", cwd=d)
    capath = os.path.join(d, "capath")
    os.makedirs(capath)
    shutil.copy(os.path.join(d, "ca.pem"), os.path.join(capath, "pdm-test-ca.pem"))
    openssl("rehash", capath, cwd=d)
    return d


certs = make_certs(os.path.join(tmp, "certs"))
CA = os.path.join(certs, "ca.pem")
ca_srv = Hostile(tmp, {"f.bin": DATA}, tag="ca",
                 tls=(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")))
self_srv = Hostile(tmp, {"f.bin": DATA}, tag="self",
                   tls=(os.path.join(certs, "self.pem"), os.path.join(certs, "self.key")))
plain_srv = Hostile(tmp, {"f.bin": DATA}, tag="plain")
# The environment must not pick a CA for the cases that give none.
for k in ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
    os.environ.pop(k, None)
n_case = 0


def case(name, srv, expect, args=(), env=None, msg=None, within=60, url=None):
    """Run one case (one at a time: the handshakes it caused are counted)."""
    global n_case
    n_case += 1
    sandbox = os.path.join(tmp, f"case-{n_case}")
    dl = os.path.join(sandbox, "dl")
    os.makedirs(dl)
    u = url or srv.url(f"k{n_case}", "ok", "f.bin")
    t0 = time.time()
    run = run_client(["get", u, "--dir", dl, "--plain", *args], sandbox, within + 2, env=env)
    t1 = time.time() + 0.2
    time.sleep(0.2)
    probs = judge(run, expect, os.path.join(dl, "f.bin"), [sha(DATA)], msg)
    if not run.timed_out and run.took > within:
        probs.append(f"took {run.took:.1f} s, more than the {within} s bound")
    tap.ok(f"{name}: {'exact bytes' if expect == 'exact' else 'a clean failure'} within {within} s",
           not probs, *probs, *([] if not probs else ["client output:"] + run.tail()))
    handshakes = [e for e in srv.entries(event="tls") if t0 <= e["t"] <= t1]
    return run, handshakes


try:
    # --- no way to verify: fail at once, once, in full ---------------------------------------
    for name, srv in [("CA-signed certificate, no CA given", ca_srv), ("self-signed certificate", self_srv)]:
        run, hs = case(name, srv, "fail", msg=CERT_PROBLEM, within=PERMANENT)
        tap.ok(f"{name}: not retried (at most 2 handshakes)", 1 <= len(hs) <= 2,
               f"the server saw {len(hs)} handshakes")
        lines = [ln for ln in run.text.splitlines() if re.search(r"(?i)certificate", without_urls(ln))]
        tap.ok(f"{name}: the certificate problem is reported once", 1 <= len(lines) <= 2, *lines[:6])
        full = [ln for ln in run.failed_lines() if re.search(CERT_PROBLEM, ln)]
        tap.ok(f"{name}: the FAILED line gives the whole reason", bool(full), *run.tail())

    # --- ways to trust the CA ------------------------------------------------------------------
    case("--cacert ca.pem", ca_srv, "exact", args=["--cacert", CA])
    case("--capath DIR (openssl rehash)", ca_srv, "exact", args=["--capath", os.path.join(certs, "capath")])
    case("CURL_CA_BUNDLE=ca.pem", ca_srv, "exact", env={"CURL_CA_BUNDLE": CA})
    case("SSL_CERT_FILE=ca.pem", ca_srv, "exact", env={"SSL_CERT_FILE": CA})
    case("--cacert with another CA", ca_srv, "fail", args=["--cacert", os.path.join(certs, "self.pem")],
         msg=CERT_PROBLEM, within=PERMANENT)
    case("--cacert ca.pem, but the name (localhost) is not in the certificate", ca_srv, "fail",
         args=["--cacert", CA], msg=r"(?i)certificate|name|match|subject",
         url=f"https://localhost:{ca_srv.port}/kname/ok/f.bin", within=PERMANENT)
    run = run_client(["get", ca_srv.url("kmissing", "ok", "f.bin"), "--dir", os.path.join(tmp, "dl-missing"),
                      "--plain", "--cacert", os.path.join(tmp, "no-such-ca.pem")], tmp, PERMANENT + 2)
    tap.ok("--cacert FILE that does not exist: exit 1 or 2, naming the file, within 5 s",
           run.rc in (1, 2) and "no-such-ca.pem" in run.text and run.took <= PERMANENT, *run.tail())

    # --- --insecure / -k ------------------------------------------------------------------------
    for flag in ("--insecure", "-k"):
        run, _ = case(f"{flag} against a self-signed certificate", self_srv, "exact", args=[flag])
        warn = [ln for ln in run.text.splitlines() if re.search(INSECURE_WARNING, without_urls(ln))]
        tap.ok(f"{flag}: a warning says certificates are not checked", bool(warn), *run.tail())
        result = [ln for ln in run.text.splitlines() if re.search(r"sha256 ok|verified|done", ln)]
        tap.ok(f"{flag}: the result line carries the warning too",
               any(re.search(r"(?i)insecure|certificate|not checked|not verified", without_urls(ln))
                   for ln in result), *run.tail())

    # --- https:// to a port that speaks plain HTTP ------------------------------------------------
    case("https:// to a plain-HTTP port", plain_srv, "fail", msg=r"(?i)ssl|tls|https|handshake|wrong version|record",
         url=f"https://127.0.0.1:{plain_srv.port}/kplain/ok/f.bin", within=PERMANENT)
finally:
    for s in (ca_srv, self_srv, plain_srv):
        s.stop()
    remove(tmp)
if TRIAGE:
    tap.ok("PDM_TRIAGE=1 dropped options the client does not know: this run proves nothing", False)
tap.done()
