#!/usr/bin/env bash
# bench/upload_vs_nginx.sh - uploads to bin/server against uploads to
# nginx (its WebDAV module, "dav_methods PUT"), side by side, with curl -T.
#
#   bench/upload_vs_nginx.sh > table.md        (BENCH_RUNS=3 by default)
#
# What it does:
#   - makes (once, cached in build/bench/) a 1 GiB file with mksample;
#   - starts nginx (generated config: PUT into a temp dir, no body size
#     limit, its body temp files on the same file system) and
#     bin/server --quiet --token-file, both on 127.0.0.1, on ports chosen
#     at run time, each storing into its own temp dir under build/bench/;
#   - uploads the file BENCH_RUNS times to each with curl -T, alternating
#     who goes first, removing the stored file after each run; checks the
#     status and the stored file's size every time and its SHA-256 on the
#     first run to each;
#   - prints a markdown table of median wall times and the ratio (nginx
#     time / bin/server time) on stdout; progress goes to stderr.
#
# The two do different work: bin/server hashes the body as it arrives,
# fsyncs the file and its directory before answering and rewrites the
# catalog (also fsynced); nginx does none of that. The table says what
# that costs. Everything started here is stopped by its process id on
# exit, Ctrl-C included. Needs bash >= 5 (EPOCHREALTIME).
set -euo pipefail

readonly SIZE=1073741824 # 1 GiB
readonly SEED=20240601
readonly NAME=sample-1g.bin
readonly TOKEN=bench-token
RUNS=${BENCH_RUNS:-3}

cd "$(dirname "$0")/.."
# lib.sh sets TOP, BENCH_DIR and MKSAMPLE.
. bench/lib.sh
readonly SRC=$BENCH_DIR/files/$NAME
bench_require nginx curl python3

[[ -x bin/server ]] || make --no-print-directory >&2
[[ -x $MKSAMPLE ]] || make --no-print-directory "$MKSAMPLE" >&2
mkdir -p "$BENCH_DIR/files"
if [[ ! -f $SRC || $(stat -c %s "$SRC") -ne $SIZE ]]; then
    log "making $SRC ($SIZE bytes, seed $SEED)"
    "$MKSAMPLE" "$SIZE" "$SEED" >"$BENCH_DIR/files/.$NAME.tmp"
    mv -f "$BENCH_DIR/files/.$NAME.tmp" "$SRC"
fi
HASH=$(sha256_of "$SRC")
cat "$SRC" >/dev/null # from the page cache in every run

TMP=$(mktemp -d "$BENCH_DIR/upload.XXXXXX")
mkdir -p "$TMP/nginx/root" "$TMP/nginx/body" "$TMP/server/root"
# Run as root, nginx's workers write as "nobody": let them in.
chmod 755 "$TMP" "$TMP/nginx"
chmod 777 "$TMP/nginx/root" "$TMP/nginx/body"
printf '%s\n' "$TOKEN" >"$TMP/token"
avail_kb=$(df -Pk "$TMP" | awk 'NR == 2 { print $4 }')
((avail_kb > 3 * SIZE / 1024)) || die "need 3 GiB free in $BENCH_DIR, have ${avail_kb} KiB"

port=$(free_port)
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_max_body_size 0;
    client_body_temp_path $TMP/nginx/body;
    server {
        listen 127.0.0.1:$port;
        root $TMP/nginx/root;
        location / { dav_methods PUT DELETE; create_full_put_path on; }
    }
}
EOF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" \
    >"$TMP/nginx/stdout" 2>&1 &
NGINX_PID=$!
NGINX_URL=http://127.0.0.1:$port
bin/server --quiet --bind 127.0.0.1 --port 0 --root "$TMP/server/root" \
    --catalog "$TMP/server/text.txt" --token-file "$TMP/token" --rescan 0 \
    >"$TMP/server/stdout" 2>"$TMP/server/stderr" &
SERVER_PID=$!
SERVER_URL=""
for ((i = 0; i < 100; i++)); do
    line=$(first_line "$TMP/server/stdout")
    if [[ $line =~ ^listening\ on\ (http://[0-9.]+:[0-9]+)/$ ]]; then
        SERVER_URL=${BASH_REMATCH[1]}
        break
    fi
    sleep 0.1
done
[[ -n $SERVER_URL ]] || die "bin/server did not start: $(cat "$TMP/server/stderr")"
for ((i = 0; i < 50; i++)); do
    curl -q -s -o /dev/null "$NGINX_URL/" && break
    sleep 0.1
done
log "nginx: $NGINX_URL (pid $NGINX_PID); bin/server: $SERVER_URL (pid $SERVER_PID)"

declare -A TIMES=() CHECKED=()

run_one() {
    local who=$1 url dir code t0 t1 secs rc=0
    if [[ $who == nginx ]]; then
        url=$NGINX_URL/up/$NAME dir=$TMP/nginx/root
    else
        url=$SERVER_URL/up/$NAME dir=$TMP/server/root
    fi
    sync # start each run with no dirty pages from the last one
    t0=$(now_us)
    code=$(curl -q -sS -o /dev/null -w '%{http_code}' -T "$SRC" \
        -H "Authorization: Bearer $TOKEN" "$url" </dev/null) || rc=$?
    t1=$(now_us)
    ((rc == 0)) || die "curl -T to $who failed with status $rc"
    [[ $code == 201 || $code == 204 ]] || die "curl -T to $who: HTTP $code"
    [[ $(stat -c %s "$dir/up/$NAME") == "$SIZE" ]] || die "$who stored a file of the wrong size"
    if [[ -z ${CHECKED[$who]:-} ]]; then
        [[ $(sha256_of "$dir/up/$NAME") == "$HASH" ]] || die "$who stored different bytes"
        CHECKED[$who]=1
    fi
    rm -f -- "$dir/up/$NAME"
    secs=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.3f", us / 1e6 }')
    TIMES[$who]+="$secs"$'\n'
    log "$(printf '%-6s %6ss' "$who" "$secs")"
}

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= RUNS; r++)); do
    if ((r % 2)); then order=(nginx server); else order=(server nginx); fi
    for who in "${order[@]}"; do run_one "$who"; done
done

mn=$(printf '%s' "${TIMES[nginx]}" | median)
ms=$(printf '%s' "${TIMES[server]}" | median)
printf '## Uploads: curl -T of %s MiB to nginx (WebDAV PUT) and to bin/server, over 127.0.0.1\n\n' \
    $((SIZE / 1048576))
printf -- '- machine: %s CPUs, Linux %s; %s; %s\n' "$(nproc)" "$(uname -r)" \
    "$(nginx -v 2>&1 | sed 's/^nginx version: //')" "$(curl --version | head -n 1 | cut -d' ' -f1-2)"
printf -- '- runs: %s per server, alternating; load average at the start: %s\n\n' "$RUNS" \
    "$load_at_start"
printf '| server | median s | MiB/s | min–max s |\n|---|---:|---:|---:|\n'
for who in nginx server; do
    m=$(printf '%s' "${TIMES[$who]}" | median)
    printf '| %s | %s | %s | %s |\n' "$who" "$m" \
        "$(awk -v s="$m" -v mib=$((SIZE / 1048576)) 'BEGIN { printf "%.0f", mib / s }')" \
        "$(printf '%s' "${TIMES[$who]}" | minmax)"
done
printf '\nbin/server at %sx nginx speed (nginx median / bin/server median).\n' \
    "$(awk -v n="$mn" -v s="$ms" 'BEGIN { printf "%.2f", n / s }')"
