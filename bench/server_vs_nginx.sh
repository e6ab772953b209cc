#!/usr/bin/env bash
# bench/server_vs_nginx.sh - bin/server against nginx, side by side, with
# the download tools people already use (aria2c, curl, axel, wget).
#
#   bench/server_vs_nginx.sh > table.md        (BENCH_RUNS=5 by default)
#   BENCH_RUNS=9 bench/server_vs_nginx.sh
#
# What it does:
#   - makes (once, cached in build/bench/) a 1 GiB file with mksample and
#     remembers its SHA-256;
#   - starts nginx (generated minimal config in a temp dir) and
#     bin/server --quiet, both on 127.0.0.1, on ports chosen at run time,
#     both serving build/bench/files/;
#   - for each scenario downloads the file BENCH_RUNS times from each server,
#     alternating (nginx, server, then server, nginx, ...), into a temp dir
#     under build/bench/ (same filesystem), deleting it after every run;
#   - checks every download's size, the SHA-256 of the first download of
#     each (scenario, server) pair, and every tool's exit status (any
#     mismatch or failure stops the script with an error);
#   - prints the machine, the tool versions and a markdown table of median
#     wall times and the server/nginx speed ratio (nginx time / server time)
#     on stdout; progress and per-run times go to stderr.
#
# Scenarios: (a) aria2c -x4 -s4 --file-allocation=none (the headline),
# (b) curl -o FILE, (c) axel -n 4 -q, (d) wget, and (e) aria2c as in (a)
# plus --checksum=sha-256=HEX, so aria2c hashes the file after the transfer
# (what it does on its own when a response carries RFC 3230 Digest).
#
# Everything started here is stopped by its process id on exit, Ctrl-C
# included, and the temp dirs are removed. Needs bash >= 5 (EPOCHREALTIME).
# Tools: sh scripts/deps.sh bench.
set -euo pipefail

readonly SIZE=1073741824 # 1 GiB
readonly SEED=20240601
readonly NAME=sample-1g.bin
RUNS=${BENCH_RUNS:-5}

cd "$(dirname "$0")/.."
readonly TOP=$PWD
readonly BENCH_DIR=$TOP/build/bench
readonly FILES_DIR=$BENCH_DIR/files # what both servers publish
readonly SRC=$FILES_DIR/$NAME
readonly MKSAMPLE=build/release/tools/mksample

. "$TOP/bench/lib.sh"
bench_require nginx aria2c curl axel wget python3

# ---------------------------------------------------------------- the file

[[ -x bin/server ]] || {
    log "bin/server is missing: running make"
    make --no-print-directory >&2
}
[[ -x $MKSAMPLE ]] || {
    log "$MKSAMPLE is missing: building it"
    make --no-print-directory "$MKSAMPLE" >&2
}

mkdir -p "$FILES_DIR"
if [[ ! -f $SRC || $(stat -c %s "$SRC") -ne $SIZE ]]; then
    log "making $SRC ($SIZE bytes, seed $SEED)"
    "$MKSAMPLE" "$SIZE" "$SEED" >"$FILES_DIR/.$NAME.tmp"
    mv -f "$FILES_DIR/.$NAME.tmp" "$SRC"
fi
# The hash is cached in build/bench/ (not in the published dir), and
# redone whenever the file is newer than it.
HASH_FILE=$BENCH_DIR/$NAME.sha256
if [[ ! -s $HASH_FILE || $SRC -nt $HASH_FILE ]]; then
    log "hashing $SRC"
    sha256_of "$SRC" >"$HASH_FILE.tmp"
    mv -f "$HASH_FILE.tmp" "$HASH_FILE"
fi
HASH=$(cat "$HASH_FILE")
[[ $HASH =~ ^[0-9a-f]{64}$ ]] || die "bad cached hash in $HASH_FILE: remove it"

# Warm the page cache: every run should read the source from memory.
cat "$SRC" >/dev/null

# Downloads go beside the source file (same filesystem), in a fresh dir.
TMP=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
DL=$TMP/dl
mkdir -p "$DL" "$TMP/nginx" "$TMP/server"
avail_kb=$(df -Pk "$TMP" | awk 'NR == 2 { print $4 }')
((avail_kb > 2 * SIZE / 1024)) || die "need 2 GiB free in $BENCH_DIR, have ${avail_kb} KiB"

# ---------------------------------------------------------------- servers

start_nginx() {
    local try port conf=$TMP/nginx/nginx.conf
    for try in 1 2 3 4 5; do
        port=$(free_port)
        cat >"$conf" <<EOF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
    sendfile on;
    access_log off;
    types { }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $FILES_DIR;
    }
}
EOF
        nginx -p "$TMP/nginx" -c "$conf" -e "$TMP/nginx/error.log" \
            >"$TMP/nginx/stdout" 2>&1 &
        NGINX_PID=$!
        for ((i = 0; i < 50; i++)); do
            if curl -q -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/$NAME"; then
                NGINX_URL=http://127.0.0.1:$port/$NAME
                return 0
            fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        log "nginx did not start on port $port (try $try):"
        tail -n 3 "$TMP/nginx/error.log" >&2 || true
        stop_pid "$NGINX_PID" 5
        NGINX_PID=""
    done
    die "cannot start nginx"
}

start_server() {
    local line i
    # The catalog and its hash cache stay in build/bench/, so a restart
    # does not hash the 1 GiB file again.
    bin/server --quiet --bind 127.0.0.1 --port 0 --root "$FILES_DIR" \
        --catalog "$BENCH_DIR/text.txt" >"$TMP/server/stdout" 2>"$TMP/server/stderr" &
    SERVER_PID=$!
    for ((i = 0; i < 600; i++)); do # hashing 1 GiB the first time takes a while
        line=$(first_line "$TMP/server/stdout")
        if [[ $line =~ ^listening\ on\ (http://[0-9.]+:[0-9]+/)$ ]]; then
            SERVER_URL=${BASH_REMATCH[1]}$NAME
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$TMP/server/stderr" >&2 || true
    die "bin/server did not start (first line: '$line')"
}

NGINX_URL="" SERVER_URL=""
start_nginx
start_server
log "nginx:      $NGINX_URL (pid $NGINX_PID)"
log "bin/server: $SERVER_URL (pid $SERVER_PID)"

# ---------------------------------------------------------------- clients

OUT=$DL/$NAME

# client SCENARIO URL: download URL to $OUT with the scenario's tool. It
# runs in the background (&), and exec makes $! the tool's own pid, so the
# cleanup stops the tool itself.
client() {
    case $1 in
    aria2c)
        exec aria2c --no-conf -q -x4 -s4 --file-allocation=none \
            -d "$DL" -o "$NAME" "$2"
        ;;
    curl) exec curl -q -sS -f -o "$OUT" "$2" ;;
    axel) exec axel -n 4 -q -o "$OUT" "$2" ;;
    wget) exec wget --no-config -q -O "$OUT" "$2" ;;
    aria2c-verify)
        exec aria2c --no-conf -q -x4 -s4 --file-allocation=none \
            --checksum="sha-256=$HASH" -d "$DL" -o "$NAME" "$2"
        ;;
    *) die "unknown scenario $1" ;;
    esac
}

# shellcheck disable=SC2016 # the backticks are markdown, not commands
declare -A LABEL=(
    [aria2c]='(a) `aria2c -x4 -s4 --file-allocation=none`'
    [curl]='(b) `curl -o FILE` (1 connection)'
    [axel]='(c) `axel -n 4 -q`'
    [wget]='(d) `wget -O FILE` (1 connection)'
    [aria2c-verify]='(e) as (a) + `--checksum=sha-256=HEX` (aria2c re-hashes the file)'
)
SCENARIOS=(aria2c curl axel wget aria2c-verify)
declare -A TIMES=()    # "scenario server" -> newline-separated seconds
declare -A VERIFIED=() # "scenario server" -> 1 once the SHA-256 matched

# run_one SCENARIO SERVER(nginx|server) -> appends the wall time
run_one() {
    local sc=$1 who=$2 url t0 t1 rc=0 secs size key="$1 $2"
    if [[ $who == nginx ]]; then url=$NGINX_URL; else url=$SERVER_URL; fi
    rm -rf -- "${DL:?}"/* "${DL:?}"/.[!.]* 2>/dev/null || true
    t0=$(now_us)
    client "$sc" "$url" </dev/null >"$TMP/client.log" 2>&1 &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || rc=$?
    t1=$(now_us)
    CLIENT_PID=""
    if ((rc != 0)); then
        cat "$TMP/client.log" >&2
        die "$sc from $who ($url) failed with status $rc"
    fi
    size=$(stat -c %s "$OUT" 2>/dev/null || echo missing)
    [[ $size == "$SIZE" ]] || die "$sc from $who: downloaded $size bytes, expected $SIZE"
    secs=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.3f", us / 1e6 }')
    if [[ -z ${VERIFIED[$key]:-} ]]; then
        local got
        got=$(sha256_of "$OUT")
        [[ $got == "$HASH" ]] ||
            die "$sc from $who: SHA-256 MISMATCH: got $got, expected $HASH"
        VERIFIED[$key]=1
    fi
    rm -f -- "$OUT" "$OUT.aria2" "$OUT.st"
    TIMES[$key]+="$secs"$'\n'
    log "$(printf '%-14s %-6s %6ss' "$sc" "$who" "$secs")"
}

# One untimed download from each server first (connections, caches, threads).
for who in nginx server; do
    log "warm-up: curl from $who"
    if [[ $who == nginx ]]; then u=$NGINX_URL; else u=$SERVER_URL; fi
    curl -q -sS -f -o "$OUT" "$u" || die "warm-up download from $who failed"
    rm -f -- "$OUT"
done

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
start_all=$(now_us)
for sc in "${SCENARIOS[@]}"; do
    for ((r = 1; r <= RUNS; r++)); do
        # Alternate who goes first, so neither always follows the other.
        if ((r % 2)); then order=(nginx server); else order=(server nginx); fi
        for who in "${order[@]}"; do
            run_one "$sc" "$who"
        done
    done
done
total=$(awk -v us=$(($(now_us) - start_all)) 'BEGIN { printf "%.0f", us / 1e6 }')

# ---------------------------------------------------------------- report

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
printf '## bin/server vs nginx: %s MiB file over 127.0.0.1\n\n' $((SIZE / 1048576))
printf -- '- machine: %s CPUs (nproc), %s, Linux %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)"
printf -- '- %s; %s; %s; %s; %s\n' \
    "$(nginx -v 2>&1 | sed 's/^nginx version: //')" \
    "$(aria2c --version | head -n 1 | sed 's/ version /-/')" \
    "$(axel --version | head -n 1 | cut -d' ' -f1-2)" \
    "$(curl --version | head -n 1 | cut -d' ' -f1-2)" \
    "$(wget --version | head -n 1 | cut -d' ' -f1-3)"
printf -- '- runs: %s per server per scenario, alternating; wall time of the whole client process; %ss in all\n' \
    "$RUNS" "$total"
printf -- '- load average when the timed runs began: %s (other work on the machine adds noise)\n' "$load_at_start"
printf -- '- speed ratio = nginx median time / bin/server median time (above 1: bin/server is faster)\n\n'

printf '| scenario | nginx median s | bin/server median s | nginx MiB/s | bin/server MiB/s | server/nginx speed | nginx min–max s | bin/server min–max s |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
declare -A RATIO=()
for sc in "${SCENARIOS[@]}"; do
    mn=$(printf '%s' "${TIMES[$sc nginx]}" | median)
    ms=$(printf '%s' "${TIMES[$sc server]}" | median)
    rn=$(printf '%s' "${TIMES[$sc nginx]}" | minmax)
    rs=$(printf '%s' "${TIMES[$sc server]}" | minmax)
    read -r vn vs ratio < <(awk -v n="$mn" -v s="$ms" -v mib=$((SIZE / 1048576)) \
        'BEGIN { printf "%.0f %.0f %.2f\n", mib / n, mib / s, n / s }')
    RATIO[$sc]=$ratio
    printf '| %s | %s | %s | %s | %s | **%sx** | %s | %s |\n' \
        "${LABEL[$sc]}" "$mn" "$ms" "$vn" "$vs" "$ratio" "$rn" "$rs"
done

printf '\nHeadline (a), aria2c -x4 -s4: bin/server at %sx nginx speed' "${RATIO[aria2c]}"
if awk -v r="${RATIO[aria2c]}" 'BEGIN { exit !(r >= 0.8) }'; then
    printf ' (goal: at least 0.8x: met).\n'
else
    printf ' (goal: at least 0.8x: NOT met).\n'
fi
log "done in ${total}s"
