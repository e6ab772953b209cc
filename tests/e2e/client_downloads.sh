#!/usr/bin/env bash
# tests/e2e/client_downloads.sh - bin/client against bin/server (and a
# server without Range support): the queue downloads every file with the
# right SHA-256, a large file over 4 concurrent ranges, a kill -9 resumes
# without fetching twice, a file changed on the server is detected, a wrong
# hash never takes the final name, an existing different file is never
# overwritten, and errors exit 1 with the file, the server and the cause.
. "$(dirname "$0")/lib.sh"
: "${CLIENT:?CLIENT must name the bin/client to test}"

root=$T_DIR/root
data=$T_DIR/data
mkdir -p "$root" "$data"
big=$(big_size)
mkfile "$root/big.bin" "$big" 21
mkfile "$root/small.bin" 300000 22
mkfile "$root/notes on it.txt" 5000 23
printf 'grüße\n' > "$root/ünïcode.txt"
: > "$root/empty.dat"

# Per-connection rates that make big.bin take about 4 s (and 8 s) over 4
# connections, whatever its size in this build: slow enough to watch the
# connections overlap and to kill a client in the middle.
rate4=$((big / 16))
rate8=$((big / 32))
start_server "$root" --limit-rate "$rate4" || done_testing

run_client() { # ARGS...: bin/client with its output in $T_DIR/client.{out,err}
    "$CLIENT" --server "$BASE" --dir "$data" --plain "$@" > "$T_DIR/client.out" 2> "$T_DIR/client.err"
}

same() { [ -f "$data/$1" ] && [ "$(sha "$root/$1")" = "$(sha "$data/$1")" ]; }

# --- the queue, once ---------------------------------------------------------
printf '%s\n' '# the queue' big.bin small.bin 'notes on it.txt' 'ünïcode.txt' empty.dat '' \
    > "$T_DIR/input.txt"
run_client --input "$T_DIR/input.txt" --once
check_status "client --once exits 0 when every entry is verified" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
for f in big.bin small.bin 'notes on it.txt' 'ünïcode.txt' empty.dat; do
    check "$f arrived with the served SHA-256" same "$f"
done
check "a result line says big.bin's sha256 is ok" grep -q '^big.bin .* sha256 ok' "$T_DIR/client.out"
check "no partial or state file is left behind" \
    bash -c "! ls -A '$data' | grep -q '^\.'"

# big.bin went out as 4 concurrent ranges: the first four requests overlap in time.
python3 - "$T_DIR/server.out" > "$T_DIR/overlap" <<'EOF'
import re, sys, datetime
reqs = []
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)Z \S+ GET /big\.bin 206 (\d+) bytes=(\S+) ([0-9.]+)s", line)
    if m:
        t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
        reqs.append((t, t + float(m.group(4)), m.group(3)))
reqs.sort()
first4 = reqs[:4]
overlap = len(first4) == 4 and max(r[0] for r in first4) < min(r[1] for r in first4)
print(len(reqs), "overlap" if overlap else "no-overlap")
EOF
read -r nranges overlap < "$T_DIR/overlap"
check "big.bin was fetched with at least 4 range requests ($nranges)" test "$nranges" -ge 4
check_eq "the first 4 range requests ran at the same time" overlap "$overlap"

# --- run again: everything is already there -------------------------------------
run_client --input "$T_DIR/input.txt" --once
check_status "a second run exits 0" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... and says the files are already there" grep -q '^big.bin .* already in .*sha256 ok' "$T_DIR/client.out"
before=$(grep -c 'GET /big.bin' "$T_DIR/server.out")
check "... without downloading them again" test "$(grep -c 'GET /big.bin' "$T_DIR/server.out")" -eq "$before"

# --- list and get ------------------------------------------------------------------
"$CLIENT" list --server "$BASE" > "$T_DIR/list.out" 2>&1
check_status "client list exits 0" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "client list shows each file with a human size and a short hash" \
    grep -Eq "^big\.bin +[0-9.]+ MiB +$(sha "$root/big.bin" | cut -c1-12)" "$T_DIR/list.out"
check "client list ends with a total" grep -Eq '^5 files, ' "$T_DIR/list.out"

"$CLIENT" get small.bin -o "$T_DIR/copy.bin" --server "$BASE" --plain > /dev/null 2>&1
check_status "client get NAME -o PATH exits 0" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check_eq "... and PATH has the right SHA-256" "$(sha "$root/small.bin")" "$(sha "$T_DIR/copy.bin")"

mkdir -p "$T_DIR/urls"
"$CLIENT" get "$BASE/notes%20on%20it.txt" --dir "$T_DIR/urls" --plain > "$T_DIR/get.out" 2>&1
check_status "client get URL exits 0" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... saves under the URL's decoded name" cmp -s "$root/notes on it.txt" "$T_DIR/urls/notes on it.txt"
check "... verified against the server's Repr-Digest" grep -q 'sha256 ok' "$T_DIR/get.out"

"$CLIENT" get small.bin -o "$T_DIR/wrong.bin" --server "$BASE" --plain \
    --sha256 0000000000000000000000000000000000000000000000000000000000000000 > "$T_DIR/get.out" 2>&1
check_status "a download whose hash does not match exits 1" 1 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... and never takes the final name" test ! -e "$T_DIR/wrong.bin"
check "... and says so with both hashes" grep -q "SHA-256 mismatch: expected 0000.*got $(sha "$root/small.bin")" "$T_DIR/get.out"
check "... and leaves no partial file" bash -c "! ls -A '$T_DIR' | grep -q '^\.wrong'"

# --- several files at once, options before the command, a redirect ----------------------------
rm -rf "$T_DIR/jobs"
printf 'small.bin\nnotes on it.txt\nünïcode.txt\n' > "$T_DIR/input-jobs.txt"
"$CLIENT" --server "$BASE" --dir "$T_DIR/jobs" --plain --jobs 3 --input "$T_DIR/input-jobs.txt" \
    --once > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "--jobs 3 downloads three files at once" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... each with the right SHA-256" cmp -s "$root/ünïcode.txt" "$T_DIR/jobs/ünïcode.txt"
check "... three result lines" test "$(grep -c 'sha256 ok' "$T_DIR/client.out")" -eq 3

"$CLIENT" --server "$BASE" --plain get small.bin -o "$T_DIR/before.bin" > /dev/null 2>&1
check_status "options may come before the command" 0 $?
check "... and take effect" cmp -s "$root/small.bin" "$T_DIR/before.bin"

rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$rport" "$BASE" > /dev/null 2>&1 <<'PY' &
import http.server, sys
port, base = int(sys.argv[1]), sys.argv[2]
class Moved(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", base + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Moved).serve_forever()
PY
rpid=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$rport/x" && break; sleep 0.1; done
"$CLIENT" get "http://127.0.0.1:$rport/small.bin" -o "$T_DIR/moved.bin" --plain \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "a redirect (302) is followed" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... to the right bytes, verified by the final server's Repr-Digest" \
    bash -c "cmp -s '$root/small.bin' '$T_DIR/moved.bin' && grep -q 'sha256 ok' '$T_DIR/client.out'"
kill "$rpid"
wait "$rpid" 2>/dev/null

# --- an existing different file is never overwritten -------------------------------
printf 'mine\n' > "$data/other.bin"
cp "$root/small.bin" "$root/other.bin"
kill -HUP "$SERVER_PID"
for i in $(seq 50); do grep -q '^other.bin' "$T_DIR/text.txt" 2>/dev/null && break; sleep 0.1; done
printf 'other.bin\n' > "$T_DIR/input2.txt"
run_client --input "$T_DIR/input2.txt" --once
check_status "an entry whose file exists and differs exits 1" 1 $? "$T_DIR/client.out" "$T_DIR/client.err"
check_eq "... and the existing file is untouched" "mine" "$(cat "$data/other.bin")"
check "... and the message names the file" grep -q 'other.bin exists and differs' "$T_DIR/client.err"

# --- names not in the catalog, bad lines ----------------------------------------------
printf 'nope.bin\n.hidden\n' > "$T_DIR/input3.txt"
run_client --input "$T_DIR/input3.txt" --once
check_status "a name not in the catalog makes --once exit 1" 1 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... and is reported" grep -q "nope.bin: FAILED: not in the server's catalog" "$T_DIR/client.err"
check "an invalid line is reported with its line number" grep -q 'input3.txt line 2' "$T_DIR/client.err"

# --- kill -9 in the middle, then resume ---------------------------------------------------
# kill_midway INPUT: start the client on INPUT, kill -9 it once it has saved some progress.
kill_midway() {
    "$CLIENT" --server "$BASE" --dir "$data" --plain --input "$1" --once > /dev/null 2>&1 &
    cpid=$!
    for i in $(seq 100); do
        [ -f "$data/.big.bin.part.state" ] && break
        sleep 0.1
    done
    sleep 1.5
    kill -9 "$cpid"
    wait "$cpid" 2>/dev/null
}
stop_server
start_server "$root" --limit-rate "$rate8" || done_testing
rm -f "$data/big.bin"
printf 'big.bin\n' > "$T_DIR/input4.txt"
kill_midway "$T_DIR/input4.txt"
check "after kill -9 the final name does not exist" test ! -e "$data/big.bin"
check "... the partial file and its state remain" test -f "$data/.big.bin.part" -a -f "$data/.big.bin.part.state"
missing=$(awk '$1 == "missing" {s += $3 - $2} END {print s + 0}' "$data/.big.bin.part.state")
check "... and the state file says some of it is done ($missing of $big bytes missing)" \
    test "$missing" -gt 0 -a "$missing" -lt "$big"
stop_server
# Rate-limited again: a connection cut when its range is taken over has
# then little in flight, so the bytes sent measure what was asked for.
START_PORT=$PORT start_server "$root" --limit-rate "$rate8" || done_testing
run_client --input "$T_DIR/input4.txt" --once
check_status "the restarted client finishes" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "big.bin has the right SHA-256 after the resume" same big.bin
check "... it says it resumed" grep -q 'resumed: ' "$T_DIR/client.out"
# Only the missing ranges are asked for; what a cut connection had already
# put in its socket buffer counts as sent, hence the slack.
again=$(awk '/GET \/big.bin/ {s += $6} END {print s + 0}' "$T_DIR/server.out")
check "the resumed run fetched about what was missing, not the whole file ($again for $missing)" \
    test "$again" -le $((missing + big / 4)) -a "$again" -ge "$missing"

# --- the remote file changes between runs ----------------------------------------------------
stop_server
START_PORT=$PORT start_server "$root" --limit-rate "$rate8" || done_testing
rm -f "$data/big.bin"
kill_midway "$T_DIR/input4.txt"
mkfile "$root/.big.bin.new" "$big" 99
mv "$root/.big.bin.new" "$root/big.bin" # the catalog is not rescanned: it is stale now
run_client --input "$T_DIR/input4.txt" --once
check_status "a file that changed under a stale catalog fails" 1 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... the change is detected and reported" grep -q 'changed on the server' "$T_DIR/client.err"
check "... the catalog's (old) hash does not match the new bytes" grep -q 'SHA-256 mismatch' "$T_DIR/client.err"
check "... and nothing took the final name" test ! -e "$data/big.bin"
kill -HUP "$SERVER_PID"
for i in $(seq 100); do
    grep -q "^big.bin	$big	$(sha "$root/big.bin")" "$T_DIR/text.txt" && break
    sleep 0.1
done
run_client --input "$T_DIR/input4.txt" --once
check_status "once the catalog is rescanned the new file downloads" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... and the new content arrives intact" same big.bin

# --- SIGTERM: stop at once, keep the partial file, resume later ------------------------------
stop_server
START_PORT=$PORT start_server "$root" --limit-rate "$rate8" || done_testing
rm -f "$data/big.bin"
"$CLIENT" --server "$BASE" --dir "$data" --plain --input "$T_DIR/input4.txt" --once \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err" &
cpid=$!
for i in $(seq 100); do
    [ -f "$data/.big.bin.part.state" ] && break
    sleep 0.1
done
sleep 1
kill -TERM "$cpid"
t0=$(date +%s%N)
wait "$cpid"
rc=$?
took=$((($(date +%s%N) - t0) / 1000000))
check "SIGTERM stops the client within 3 s (${took} ms)" test "$took" -lt 3000
check_status "... with status 1 (the queue did not finish)" 1 "$rc" "$T_DIR/client.err"
check "... keeping the partial file and its state" test -f "$data/.big.bin.part" -a -f "$data/.big.bin.part.state"
check "... and not the final name" test ! -e "$data/big.bin"
run_client --input "$T_DIR/input4.txt" --once
check_status "the next run resumes and finishes" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... with the right SHA-256" same big.bin

# --- no room for the file ---------------------------------------------------------------------
# A file-size limit stands in for a full disk: the space is reserved before
# the download starts, so the refusal comes at once, cleanly.
rm -f "$data/big.bin"
(ulimit -f 1024 && exec "$CLIENT" get big.bin --server "$BASE" --dir "$data" --plain) \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "with no room for the file, get exits 1" 1 $? "$T_DIR/client.err"
check "... says why, naming the file" grep -q 'big.bin.*\(space\|too large\)' "$T_DIR/client.err"
check "... and leaves neither the final name nor a partial file" \
    test ! -e "$data/big.bin" -a ! -e "$data/.big.bin.part"

# --- a server that ignores Range ---------------------------------------------------------------
stop_server
plain_root=$T_DIR/plainroot
mkdir -p "$plain_root"
mkfile "$plain_root/whole.bin" 3000000 31
printf 'hello\n' > "$plain_root/bad.bin"
{
    printf '# name\tsize\tsha256\n'
    printf 'whole.bin\t3000000\t%s\n' "$(sha "$plain_root/whole.bin")"
    printf 'bad.bin\t6\t%s\n' "$(printf 'other\n' | sha256sum | cut -d' ' -f1)"
} > "$plain_root/text.txt"
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$pport" --bind 127.0.0.1 --directory "$plain_root" > "$T_DIR/py.log" 2>&1 &
ppid=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$pport/" && break; sleep 0.1; done
printf 'whole.bin\n' > "$T_DIR/input5.txt"
"$CLIENT" --server "http://127.0.0.1:$pport" --dir "$data" --plain --input "$T_DIR/input5.txt" \
    --once > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "a server without Range support still works" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check_eq "... with the right SHA-256" "$(sha "$plain_root/whole.bin")" "$(sha "$data/whole.bin")"
check "... over one connection" test "$(grep -c 'GET /whole.bin' "$T_DIR/py.log")" -eq 1
printf 'bad.bin\n' > "$T_DIR/input6.txt"
"$CLIENT" --server "http://127.0.0.1:$pport" --dir "$data" --plain --input "$T_DIR/input6.txt" \
    --once > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "a file whose catalog hash is wrong fails" 1 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... and never appears in the download directory" test ! -e "$data/bad.bin"
kill "$ppid"
wait "$ppid" 2>/dev/null

# --- nobody there -----------------------------------------------------------------------------------
"$CLIENT" get whole.bin --server "http://127.0.0.1:$pport" --dir "$data" --plain \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "with no server, get exits 1" 1 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... and the message names the server and the cause" \
    grep -q "127.0.0.1:$pport.*\(refused\|connect\)" "$T_DIR/client.err"

# --- usage -------------------------------------------------------------------------------------------
"$CLIENT" --bogus > /dev/null 2> "$T_DIR/usage.err"
check_status "an unknown option exits 2" 2 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... with a message" grep -q "^client: unknown option '--bogus'" "$T_DIR/usage.err"
"$CLIENT" get > /dev/null 2>&1
check_status "get without a name exits 2" 2 $? "$T_DIR/client.out" "$T_DIR/client.err"
"$CLIENT" --connections 0 > /dev/null 2>&1
check_status "--connections 0 exits 2" 2 $? "$T_DIR/client.out" "$T_DIR/client.err"
"$CLIENT" --help | grep -q 'Usage: client'
check_status "--help prints the usage" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"

done_testing
