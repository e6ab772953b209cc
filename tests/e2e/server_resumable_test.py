#!/usr/bin/env python3
"""tests/e2e/server_resumable_test.py - resumable uploads (the IETF draft
"Resumable Uploads for HTTP") on bin/server: creation with an empty body
(104 with Location and Upload-Limit, then 201), appends with PATCH, a
connection dropped in the middle of a PATCH (HEAD gives the offset, the
rest completes it exactly), a server restart between the parts, a wrong
offset (409 with the right one and a problem document), the other
refusals (415, 400, 410, 401), a newer request taking an upload over
from one still in progress, a Content-Digest mismatch on one PATCH
(not appended), a Repr-Digest mismatch at completion (nothing kept),
cancel, expiry, and creation with the whole body (Upload-Complete: ?1)
or part of it. The file never shows under its name before it is
complete, and then it is exact, with its hash in the catalog.
"""

import json
import atexit
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdmtest import MODE, SLOW, Server, Tap, get, remove, sha, temp_dir  # noqa: E402
from uploadtest import (TOKEN, auth, catalog, digest_field, head_bytes, read_response,  # noqa: E402
                        request, temporaries, tree, wait_for)

tap = Tap()
tmp = temp_dir()
servers = []  # every server started here: killed at exit, should a check crash the script


def server(*args, **kw):
    """Server(...), remembered for the exit."""
    srv = Server(*args, **kw)
    servers.append(srv)
    return srv


atexit.register(lambda: [s.kill() for s in servers])
root = os.path.join(tmp, "root")
os.makedirs(root)
token_file = os.path.join(tmp, "token")
with open(token_file, "w") as f:
    f.write(TOKEN + "\n")
MIB = 1 << 20
SIZE = 24 * MIB if MODE == "release" else 6 * MIB
DATA = os.urandom(SIZE)
PARTIAL = "application/partial-upload"


def start():
    return server(root, "--token-file", token_file, tmp=tmp)


def create(port, path, length=None, digest=None, body=b"", complete=False):
    hs = [auth(), f"Upload-Complete: {'?1' if complete else '?0'}"]
    if length is not None:
        hs.append(f"Upload-Length: {length}")
    if digest is not None:
        hs.append(f"Repr-Digest: {digest}")
    return request(port, "PUT", path, hs, body)


def patch(port, loc, offset, body, complete, headers=(), **kw):
    hs = [auth(), f"Upload-Offset: {offset}", f"Upload-Complete: {'?1' if complete else '?0'}",
          f"Content-Type: {PARTIAL}", *headers]
    return request(port, "PATCH", loc, hs, body, **kw)[1]


def head(port, loc, token=TOKEN):
    hs = [auth(token)] if token is not None else []
    return request(port, "HEAD", loc, hs)[1]


def offset_of(r):
    v = r.header("upload-offset") if r else None
    return int(v) if v is not None else None


srv = start()
port = srv.port

# --- creation ---------------------------------------------------------------------------------
interim, r = create(port, "/res/big.bin", SIZE, digest_field(DATA))
i104 = [h for st, h in interim if st == 104]
loc = i104[0]["location"][0] if i104 and "location" in i104[0] else None
tap.ok("an empty creation gets 104 with Location /.uploads/ID first",
       loc is not None and loc.startswith("/.uploads/") and len(loc) == len("/.uploads/") + 32,
       interim)
limit = i104[0].get("upload-limit", [""])[0] if i104 else ""
tap.ok("... and Upload-Limit with max-size and max-age", "max-size=" in limit
       and "max-age=" in limit, limit)
tap.ok("... then 201 with the same Location, Upload-Offset 0 and Upload-Complete ?0",
       r is not None and r.status == 201 and r.header("location") == loc and offset_of(r) == 0
       and r.header("upload-complete") == "?0" and r.header("upload-limit") is not None,
       r.headers if r else None)
r = head(port, loc)
tap.ok("HEAD of the resource: 204, offset 0, the length, no-store",
       r is not None and r.status == 204 and offset_of(r) == 0
       and r.header("upload-length") == str(SIZE) and r.header("upload-complete") == "?0"
       and r.header("cache-control") == "no-store", r.headers if r else None)
r = head(port, loc, token=None)
tap.eq("HEAD of the resource without the token is 401", 401, r.status if r else None)
r = head(port, "/.uploads/" + "0" * 32)
tap.eq("HEAD of an unknown upload is 404", 404, r.status if r else None)
r = get(port, loc)
tap.eq("GET of an upload resource is 404 (never served)", 404, r.status if r else None)

# --- appends ----------------------------------------------------------------------------------
third = SIZE // 3
r = patch(port, loc, 0, DATA[:third], False)
tap.ok("a PATCH at offset 0 is 204 with the new offset and Upload-Complete ?0",
       r is not None and r.status == 204 and offset_of(r) == third
       and r.header("upload-complete") == "?0", r.headers if r else None)
tap.ok("the file is not visible under its name meanwhile",
       get(port, "/res/big.bin").status == 404 and "res/big.bin" not in catalog(port)
       and not os.path.exists(os.path.join(root, "res", "big.bin")))

sent = 5 * MIB if MODE == "release" else 2 * MIB
with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
    s.sendall(head_bytes("PATCH", loc, [auth(), f"Upload-Offset: {third}", "Upload-Complete: ?1",
                                        f"Content-Type: {PARTIAL}"], SIZE - third))
    s.sendall(DATA[third:third + sent])
    time.sleep(0.2 * SLOW)
# The connection is gone; HEAD tells how much of it the server kept.
r = head(port, loc)
got = offset_of(r)
tap.ok("after a PATCH dropped mid-body, HEAD gives an offset that grew, within what was sent",
       got is not None and third < got <= third + sent, f"offset {got}, sent up to {third + sent}")
r = patch(port, loc, third, b"x" * 10, False)
tap.ok("a PATCH at an old offset is 409 with the right Upload-Offset",
       r is not None and r.status == 409 and offset_of(r) == got, r.headers if r else None)
try:
    problem = json.loads(r.body)
except (ValueError, AttributeError):
    problem = {}
tap.ok("... and a mismatching-upload-offset problem document",
       r.header("content-type") == "application/problem+json"
       and problem.get("type", "").endswith("#mismatching-upload-offset")
       and problem.get("expected-offset") == got and problem.get("provided-offset") == third,
       problem)
r = request(port, "PATCH", loc, [auth(), f"Upload-Offset: {got}", "Upload-Complete: ?0"],
            b"x")[1]
tap.eq("a PATCH without Content-Type: application/partial-upload is 415", 415,
       r.status if r else None)
r = request(port, "PATCH", loc, [auth(), "Upload-Complete: ?0", f"Content-Type: {PARTIAL}"],
            b"x")[1]
tap.eq("a PATCH without Upload-Offset is 400", 400, r.status if r else None)
r = request(port, "PATCH", "/res/big.bin", [auth(), f"Upload-Offset: {got}",
                                             "Upload-Complete: ?0", f"Content-Type: {PARTIAL}"],
            b"x")[1]
tap.eq("a PATCH to a file (not an upload resource) is 405", 405, r.status if r else None)
r = patch(port, loc, got, b"not the data", False, [f"Content-Digest: {digest_field(b'other')}"])
tap.eq("a PATCH whose Content-Digest does not match is 400", 400, r.status if r else None)
tap.eq("... and it was not appended: the offset is unchanged", got, offset_of(head(port, loc)))
tap.eq("the upload's data is there in a hidden directory, nothing beside the name",
       [], [t for t in temporaries(root) if not t.startswith(".pdm-uploads")])

# --- a server restart between the parts -------------------------------------------------------
srv.stop(tap, "the server, between the parts")
# What a server killed at the wrong moment leaves: data without a description,
# a description half written.
orphan = os.path.join(root, ".pdm-uploads", "ab" * 16 + ".data")
half = os.path.join(root, ".pdm-uploads", "cd" * 16 + ".meta.tmp")
for p in (orphan, half):
    with open(p, "wb") as f:
        f.write(b"left over")
srv = start()
port = srv.port
r = head(port, loc)
tap.ok("after a restart HEAD gives the same offset", r is not None and r.status == 204
       and offset_of(r) == got and r.header("upload-length") == str(SIZE),
       r.headers if r else None)
# Connections are taken only once the uploads are loaded: the HEAD answered means that.
tap.ok("leftovers in .pdm-uploads are removed at start",
       not os.path.exists(orphan) and not os.path.exists(half))
tap.ok("... and the restart says it kept the upload",
       wait_for(lambda: "kept from an earlier run" in srv.stdout(), 5), srv.stdout())

# A newer request takes the upload over from one still in progress.
with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as old:
    old.sendall(head_bytes("PATCH", loc, [auth(), f"Upload-Offset: {got}", "Upload-Complete: ?0",
                                          f"Content-Type: {PARTIAL}"], SIZE - got))
    old.sendall(DATA[got:got + 100000])
    # Wait on the data file, not with HEAD: a HEAD would take the upload over now.
    data_file = os.path.join(root, ".pdm-uploads", loc.split("/")[-1] + ".data")
    wait_for(lambda: os.path.getsize(data_file) == got + 100000, 10)
    now = offset_of(head(port, loc))  # this HEAD claims the upload: the old PATCH is cut off
    answer = None
    try:
        for _ in range(64):
            old.sendall(DATA[got:got + 65536])  # bytes that must never be appended
        old.settimeout(5 * SLOW)
        answer = old.recv(65536)  # the server answers 409 and closes
    except (BrokenPipeError, ConnectionResetError):
        answer = b"reset"
    except socket.timeout:
        answer = None
    cut = answer is not None and (answer.startswith(b"HTTP/1.1 409") or answer in (b"", b"reset"))
tap.ok("a HEAD during a PATCH takes the upload over (the old one is cut off)",
       cut and now == got + 100000, f"offset {now}, answer {answer[:40] if answer else None}")
tap.eq("... and nothing the old one sent afterwards was appended", now, offset_of(head(port, loc)))
got = now

r = patch(port, loc, got, DATA[got:], True)
tap.ok("the last PATCH with Upload-Complete ?1 is 201 with Upload-Complete ?1 and the digest",
       r is not None and r.status == 201 and r.header("upload-complete") == "?1"
       and r.header("repr-digest") == digest_field(DATA), r.headers if r else None)
r = get(port, "/res/big.bin")
tap.ok("the completed file is exact", r is not None and r.status == 200 and sha(r.body) == sha(DATA))
tap.eq("... and listed with its hash", (SIZE, sha(DATA)), catalog(port).get("res/big.bin"))
request(port, "PUT", "/res/plain.bin", [auth()], b"plain")
tap.eq("... with the mode a plain PUT gives a file",
       os.stat(os.path.join(root, "res", "plain.bin")).st_mode & 0o7777,
       os.stat(os.path.join(root, "res", "big.bin")).st_mode & 0o7777)
r = head(port, loc)
tap.ok("HEAD of the completed upload: Upload-Complete ?1 at the full offset",
       r is not None and r.status == 204 and r.header("upload-complete") == "?1"
       and offset_of(r) == SIZE, r.headers if r else None)
r = patch(port, loc, SIZE, b"more", True)
tap.eq("appending to a completed upload is 400", 400, r.status if r else None)
r = patch(port, loc, SIZE, b"", True)
tap.eq("an empty PATCH to a completed upload is 410", 410, r.status if r else None)
tap.eq("no upload data is left", [], [t for t in temporaries(root) if t.endswith(".data")])

# --- empty final PATCH, digest mismatch, cancel, overrun --------------------------------------
small = os.urandom(300000)
_, r = create(port, "/res/small.bin", len(small))
loc2 = r.header("location")
patch(port, loc2, 0, small, False)
r = patch(port, loc2, len(small), b"", True)
tap.ok("an empty PATCH with ?1 completes an upload whose data all arrived",
       r is not None and r.status == 201 and get(port, "/res/small.bin").body == small,
       r.headers if r else None)

_, r = create(port, "/res/bad.bin", len(small), digest_field(b"something else"))
loc3 = r.header("location")
r = patch(port, loc3, 0, small, True)
tap.ok("completing an upload whose Repr-Digest does not match is 400 with Upload-Complete ?1",
       r is not None and r.status == 400 and r.header("upload-complete") == "?1",
       r.headers if r else None)
tap.ok("... nothing is kept: no file, no resource, no data",
       get(port, "/res/bad.bin").status == 404 and head(port, loc3).status == 404
       and not [t for t in temporaries(root) if t.endswith(".data")])

_, r = create(port, "/res/cancel.bin", len(small))
loc4 = r.header("location")
patch(port, loc4, 0, small[:1000], False)
_, r = request(port, "DELETE", loc4, [auth()])
tap.eq("DELETE of an upload resource cancels it (204)", 204, r.status if r else None)
tap.ok("... HEAD is 404 and its files are gone",
       head(port, loc4).status == 404 and loc4.split("/")[-1] not in "".join(temporaries(root)))

_, r = create(port, "/res/over.bin", 1000)
loc5 = r.header("location")
r = patch(port, loc5, 0, os.urandom(2000), False, chunked=True)
tap.eq("a chunked PATCH that goes past Upload-Length is 400", 400, r.status if r else None)
tap.eq("... and ends the upload", 404, head(port, loc5).status)

# --- creation with the body -------------------------------------------------------------------
whole = os.urandom(500000)
interim, r = create(port, "/res/whole.bin", body=whole, complete=True,
                    digest=digest_field(whole))
tap.ok("a PUT with Upload-Complete ?1 and the whole body: 104 first, then 201 with ?1",
       [st for st, _ in interim] == [104] and r is not None and r.status == 201
       and r.header("upload-complete") == "?1", (interim, r.headers if r else None))
tap.ok("... the file is exact", get(port, "/res/whole.bin").body == whole)
interim, r = create(port, "/res/part.bin", length=len(whole), body=whole[:200000])
loc6 = r.header("location") if r else None
tap.ok("a creation with ?0 and part of the body: 201 at that offset",
       r is not None and r.status == 201 and offset_of(r) == 200000, r.headers if r else None)
with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
    s.sendall(head_bytes("PATCH", loc6, [auth(), "Upload-Offset: 200000", "Upload-Complete: ?1",
                                         f"Content-Type: {PARTIAL}", "Expect: 100-continue"],
                         len(whole) - 200000))
    s.settimeout(10 * SLOW)
    first = s.recv(4096)
    s.sendall(whole[200000:])
    _, r = read_response(s)
tap.ok("a PATCH with Expect: 100-continue gets 100 Continue, then completes",
       first.startswith(b"HTTP/1.1 100 Continue") and r is not None and r.status == 201
       and get(port, "/res/part.bin").body == whole, first[:100])
srv.stop(tap, "the server")

# --- expiry -----------------------------------------------------------------------------------
srv = server(root, "--token-file", token_file, "--upload-expiry", "2", tmp=tmp)
port = srv.port
_, r = create(port, "/res/expire.bin", 1000)
loc7 = r.header("location")
patch(port, loc7, 0, b"x" * 10, False)
tap.ok("Upload-Limit's max-age is --upload-expiry", "max-age=2" in (r.header("upload-limit") or ""),
       r.headers)
tap.ok("an idle upload expires: its files are removed",
       wait_for(lambda: loc7.split("/")[-1] not in "".join(temporaries(root)), 8))
tap.eq("... and HEAD is 404", 404, head(port, loc7).status)
srv.stop(tap, "the server with --upload-expiry 2")

remove(tmp)
tap.done()
