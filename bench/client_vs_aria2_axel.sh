#!/usr/bin/env bash
# bench/client_vs_aria2_axel.sh - bin/client against aria2c and axel, side
# by side, downloading over 4 connections from nginx and from bin/server.
#
#   bench/client_vs_aria2_axel.sh > table.md       (BENCH_RUNS=5 by default)
#   BENCH_RUNS=9 bench/client_vs_aria2_axel.sh
#   BENCH_PART=1 bench/client_vs_aria2_axel.sh     (only part 1; or 2)
#
# What it does:
#   - makes (once, cached in build/bench/) the 1 GiB file of
#     bench/server_vs_nginx.sh and a 256 MiB file, and remembers their
#     SHA-256;
#   - copies bin/client and bin/server into a temp dir under build/bench/
#     and runs the copies (others may rebuild bin/ meanwhile);
#   - starts nginx (generated config in a temp dir) with two servers on
#     127.0.0.1, ports chosen at run time: one serving build/bench/files/
#     as fast as it can, one serving build/bench/limited/ with limit_rate
#     16m (per request, so per connection); both log every request (end
#     time, duration, status, bytes, Range) to the temp dir; and starts
#     bin/server --quiet on build/bench/files/;
#   - part 1, 1 GiB, unthrottled: bin/client get URL (unverified: nginx
#     publishes no hash), bin/client get URL --sha256 HEX, aria2c -x4 -s4,
#     aria2c with --checksum=sha-256=HEX, axel -n 4, from nginx; then
#     bin/client (verified by bin/server's Repr-Digest), aria2c and axel
#     from bin/server. Tools compared with each other alternate run by run
#     (forward order in odd rounds, reverse in even ones), BENCH_RUNS each;
#   - part 2, 256 MiB, 16 MiB/s per connection: bin/client --connections 1
#     and 4, axel -n 4, aria2c -x4 -s4, alternating the same way. From the
#     nginx log of each download: when its first request started, the last
#     moment all its connections were transferring, and when its last byte
#     left nginx; the "tail" is the time between the last two;
#   - checks every tool's exit status and every download's size, and the
#     SHA-256 of the first download of each (tool, server) pair (any
#     mismatch or failure stops the script with an error); writes into a
#     temp dir under build/bench/ (same filesystem) and deletes the
#     download after every run;
#   - prints the machine, the tool versions and markdown tables (medians,
#     min-max, ratios) on stdout; progress and per-run times go to stderr.
#
# No result fails the script: it measures and reports. Everything started
# here is stopped by its process id on exit, Ctrl-C included, and the temp
# dir is removed. Needs bash >= 5 (EPOCHREALTIME). Tools: sh scripts/deps.sh
# bench.
set -euo pipefail

readonly SIZE=1073741824 # part 1: 1 GiB, the file of bench/server_vs_nginx.sh
readonly SEED=20240601
readonly NAME=sample-1g.bin
readonly LSIZE=268435456 # part 2: 256 MiB
readonly LSEED=20240602
readonly LNAME=sample-256m.bin
# nginx's limit_rate is per request; each of bin/client's, axel's and
# aria2c's connections carries one request at a time. 16m is 16 MiB/s:
# 256 MiB take 16 s over one connection, 4 s over four.
readonly RATE=16m
readonly RATE_MIB=16
RUNS=${BENCH_RUNS:-5}
PART=${BENCH_PART:-all}

cd "$(dirname "$0")/.."
readonly TOP=$PWD
readonly BENCH_DIR=$TOP/build/bench
readonly FILES_DIR=$BENCH_DIR/files  # part 1: nginx and bin/server publish it
readonly LIM_DIR=$BENCH_DIR/limited # part 2: the rate-limited nginx server
readonly MKSAMPLE=build/release/tools/mksample

. "$TOP/bench/lib.sh"
bench_require nginx aria2c curl axel python3
[[ $PART =~ ^(1|2|all)$ ]] || die "BENCH_PART must be 1, 2 or all, not '$PART'"

# CPU seconds (user + system) of the children this shell has waited for
# between two 'times' snapshots: around one run, that tool's CPU time.
# 'times' must run in this shell, not in a $(...) subshell, which has
# children of its own.
cpu_between() {
    awk 'FNR == 2 { t = 0
            for (i = 1; i <= 2; i++) { v = $i; sub(/s$/, "", v); gsub(/,/, ".", v)
                split(v, a, "m"); t += a[1] * 60 + a[2] }
            if (FILENAME == ARGV[1]) t0 = t; else t1 = t }
        END { printf "%.3f\n", t1 - t0 }' "$1" "$2"
}


# ---------------------------------------------------------------- the files

[[ -x bin/server && -x bin/client ]] || {
    log "bin/server or bin/client is missing: running make"
    make --no-print-directory >&2
}
[[ -x $MKSAMPLE ]] || {
    log "$MKSAMPLE is missing: building it"
    make --no-print-directory "$MKSAMPLE" >&2
}

# make_file DIR NAME SIZE SEED: make DIR/NAME once, print its SHA-256
# (cached in build/bench/NAME.sha256, redone when the file is newer).
make_file() {
    local dir=$1 name=$2 size=$3 seed=$4 hash_file=$BENCH_DIR/$2.sha256 hash
    mkdir -p "$dir"
    if [[ ! -f $dir/$name || $(stat -c %s "$dir/$name") -ne $size ]]; then
        log "making $dir/$name ($size bytes, seed $seed)"
        "$MKSAMPLE" "$size" "$seed" >"$dir/.$name.tmp"
        mv -f "$dir/.$name.tmp" "$dir/$name"
    fi
    if [[ ! -s $hash_file || $dir/$name -nt $hash_file ]]; then
        log "hashing $dir/$name"
        sha256_of "$dir/$name" >"$hash_file.tmp"
        mv -f "$hash_file.tmp" "$hash_file"
    fi
    hash=$(cat "$hash_file")
    [[ $hash =~ ^[0-9a-f]{64}$ ]] || die "bad cached hash in $hash_file: remove it"
    # Warm the page cache: every run should read the source from memory.
    cat "$dir/$name" >/dev/null
    printf '%s\n' "$hash"
}
HASH=$(make_file "$FILES_DIR" "$NAME" "$SIZE" "$SEED")
LHASH=$(make_file "$LIM_DIR" "$LNAME" "$LSIZE" "$LSEED")

# Downloads go beside the source files (same filesystem), in a fresh dir.
TMP=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
DL=$TMP/dl
mkdir -p "$DL" "$TMP/nginx" "$TMP/server"
avail_kb=$(df -Pk "$TMP" | awk 'NR == 2 { print $4 }')
((avail_kb > 2 * SIZE / 1024)) || die "need 2 GiB free in $BENCH_DIR, have ${avail_kb} KiB"

# Run copies of bin/client and bin/server: others may rebuild bin/ in this
# tree meanwhile, and one run must not mix two builds.
BUILT=$(stat -c %y bin/client | cut -d. -f1)
mkdir -p "$TMP/bin"
cp bin/client bin/server "$TMP/bin/"
CLIENT=$TMP/bin/client
SERVER=$TMP/bin/server

# ---------------------------------------------------------------- servers

FAST_LOG=$TMP/nginx/fast.log
LIM_LOG=$TMP/nginx/limited.log

start_nginx() {
    local try port lport conf=$TMP/nginx/nginx.conf i
    for try in 1 2 3 4 5; do
        port=$(free_port)
        lport=$(free_port)
        [[ $port != "$lport" ]] || continue
        # The log line: end of the request ($msec, ms resolution), its
        # duration, the connection's serial number, status, body bytes sent,
        # "OK" when it completed, the Range header, the client.
        # sendfile_max_chunk 256k on the limited server: limit_rate pauses
        # after each send for as long as the bytes sent take at the rate, so
        # a send of at most 256 KiB means a pause of at most 16 ms; a
        # connection the client closes is noticed (and logged) that soon.
        cat >"$conf" <<EOF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
    sendfile on;
    types { }
    default_type application/octet-stream;
    log_format dl '\$msec \$request_time \$connection \$status \$body_bytes_sent '
                  '\$request_completion "\$http_range" "\$http_user_agent"';
    server {
        listen 127.0.0.1:$port;
        root $FILES_DIR;
        access_log $FAST_LOG dl;
        location = /.status { stub_status; access_log off; }
    }
    server {
        listen 127.0.0.1:$lport;
        root $LIM_DIR;
        access_log $LIM_LOG dl;
        location / {
            limit_rate $RATE;
            sendfile_max_chunk 256k;
        }
    }
}
EOF
        nginx -p "$TMP/nginx" -c "$conf" -e "$TMP/nginx/error.log" \
            >"$TMP/nginx/stdout" 2>&1 &
        NGINX_PID=$!
        for ((i = 0; i < 50; i++)); do
            if curl -q -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/$NAME" &&
                curl -q -sf -o /dev/null -r 0-0 "http://127.0.0.1:$lport/$LNAME"; then
                NGINX_URL=http://127.0.0.1:$port/$NAME
                LIM_URL=http://127.0.0.1:$lport/$LNAME
                STATUS_URL=http://127.0.0.1:$port/.status
                return 0
            fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        log "nginx did not start on ports $port, $lport (try $try):"
        tail -n 3 "$TMP/nginx/error.log" >&2 || true
        stop_pid "$NGINX_PID" 5
        NGINX_PID=""
    done
    die "cannot start nginx"
}

start_server() {
    local line i
    # The catalog and its hash cache are bench/server_vs_nginx.sh's, in
    # build/bench/, so a restart does not hash the 1 GiB file again.
    "$SERVER" --quiet --bind 127.0.0.1 --port 0 --root "$FILES_DIR" \
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

# Wait (at most 3 s) until nginx has no connection but the one asking, so
# every request of the last run is in its log, even one the client cut.
nginx_idle() {
    local i
    for ((i = 0; i < 60; i++)); do
        if [[ $(curl -q -s "$STATUS_URL" 2>/dev/null | first_line /dev/stdin) == "Active connections: 1"* ]]; then
            return 0
        fi
        sleep 0.05
    done
    log "nginx still has connections open after 3 s; going on"
}

NGINX_URL="" LIM_URL="" STATUS_URL="" SERVER_URL=""
start_nginx
start_server
log "nginx:         $NGINX_URL (pid $NGINX_PID)"
log "nginx limited: $LIM_URL ($RATE per connection)"
log "bin/server:    $SERVER_URL (pid $SERVER_PID)"

# ---------------------------------------------------------------- clients

# The file being downloaded now: set by each part.
CUR_NAME="" CUR_SIZE=0 CUR_HASH=""

# tool VARIANT URL: download URL into $DL/$CUR_NAME with the variant's
# tool. It runs in the background (&), and exec makes $! the tool's own
# pid, so the cleanup stops the tool itself.
tool() {
    local out=$DL/$CUR_NAME
    case $1 in
    client) exec "$CLIENT" get "$2" --dir "$DL" --plain --quiet ;;
    client-sha) exec "$CLIENT" get "$2" --dir "$DL" --plain --quiet --sha256 "$CUR_HASH" ;;
    client-c1) exec "$CLIENT" get "$2" --dir "$DL" --plain --quiet --connections 1 ;;
    client-c4) exec "$CLIENT" get "$2" --dir "$DL" --plain --quiet --connections 4 ;;
    aria2c)
        exec aria2c --no-conf -q -x4 -s4 --file-allocation=none \
            -d "$DL" -o "$CUR_NAME" "$2"
        ;;
    aria2c-verify)
        exec aria2c --no-conf -q -x4 -s4 --file-allocation=none \
            --checksum="sha-256=$CUR_HASH" -d "$DL" -o "$CUR_NAME" "$2"
        ;;
    axel) exec axel -n 4 -q -o "$out" "$2" ;;
    *) die "unknown tool variant $1" ;;
    esac
}

# shellcheck disable=SC2016 # the backticks are markdown, not commands
declare -A LABEL=(
    [client]='`bin/client get URL`'
    [client-sha]='`bin/client get URL --sha256 HEX`'
    [client-c1]='`bin/client get URL --connections 1`'
    [client-c4]='`bin/client get URL --connections 4`'
    [aria2c]='`aria2c -x4 -s4 --file-allocation=none`'
    [aria2c-verify]='as above + `--checksum=sha-256=HEX`'
    [axel]='`axel -n 4 -q`'
)
declare -A CONNS=([client]=4 [client-sha]=4 [client-c1]=1 [client-c4]=4
    [aria2c]=4 [aria2c-verify]=4 [axel]=4)
declare -A TIMES=()    # "variant server" -> newline-separated seconds
declare -A CPU=()      # "variant server" -> CPU seconds of the tool
declare -A VERIFIED=() # "variant server" -> 1 once the SHA-256 matched
# From the nginx log, per run, seconds: process start -> first request;
# first request -> last byte sent; last moment all connections were
# transferring -> last byte; last byte -> process exit. And requests made.
declare -A STARTUP=() SPAN=() TAIL=() AFTER=() NREQ=()

# analyse_log FILE OFFSET N T0 T1: the requests logged in FILE after byte
# OFFSET belong to one download that ran from T0 to T1 (epoch seconds) over
# N connections. Prints "startup span tail after nrequests". A request ran
# from $msec - $request_time to $msec; at equal times starts count before
# ends, so a connection that starts its next request in the same
# millisecond the last one ended counts as busy throughout.
analyse_log() {
    local file=$1 off=$2 n=$3 t0=$4 t1=$5
    tail -c +$((off + 1)) "$file" |
        awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ {
                printf "%.3f 1\n%.3f -1\n", $1 - $2, $1 }' |
        sort -k1,1g -k2,2gr |
        awk -v n="$n" -v t0="$t0" -v t1="$t1" '
            { if (NR == 1) first = $1
              if ($2 > 0) { busy++; reqs++ }
              else { if (busy >= n && busy - 1 < n) full = $1; busy--; last = $1 } }
            END {
              if (reqs == 0) { print "- - - - 0"; exit }
              tail = (full == "") ? "-" : sprintf("%.3f", last - full)
              printf "%.3f %.3f %s %.3f %d\n", first - t0, last - first, tail, t1 - last, reqs }'
}

# run_one VARIANT SERVER(nginx|server|limited) -> appends the wall time
run_one() {
    local v=$1 who=$2 url logf="" off=0 t0 t1 rc=0 secs size key="$1 $2" out
    case $who in
    nginx) url=$NGINX_URL logf=$FAST_LOG ;;
    server) url=$SERVER_URL ;;
    limited) url=$LIM_URL logf=$LIM_LOG ;;
    esac
    out=$DL/$CUR_NAME
    rm -rf -- "${DL:?}"/* "${DL:?}"/.[!.]* 2>/dev/null || true
    if [[ -n $logf ]]; then
        nginx_idle
        off=$(stat -c %s "$logf" 2>/dev/null || echo 0)
    fi
    times >"$TMP/times.0"
    t0=$(now_us)
    tool "$v" "$url" </dev/null >"$TMP/client.log" 2>&1 &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || rc=$?
    t1=$(now_us)
    CLIENT_PID=""
    times >"$TMP/times.1"
    if ((rc != 0)); then
        cat "$TMP/client.log" >&2
        die "$v from $who ($url) failed with status $rc"
    fi
    size=$(stat -c %s "$out" 2>/dev/null || echo missing)
    [[ $size == "$CUR_SIZE" ]] || die "$v from $who: downloaded $size bytes, expected $CUR_SIZE"
    secs=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.3f", us / 1e6 }')
    if [[ -z ${VERIFIED[$key]:-} ]]; then
        local got
        got=$(sha256_of "$out")
        [[ $got == "$CUR_HASH" ]] ||
            die "$v from $who: SHA-256 MISMATCH: got $got, expected $CUR_HASH"
        VERIFIED[$key]=1
    fi
    rm -rf -- "${DL:?}"/* "${DL:?}"/.[!.]* 2>/dev/null || true
    TIMES[$key]+="$secs"$'\n'
    local cpu_s extra=""
    cpu_s=$(cpu_between "$TMP/times.0" "$TMP/times.1")
    CPU[$key]+="$cpu_s"$'\n'
    if [[ -n $logf ]]; then
        local st sp ta af nr
        nginx_idle
        read -r st sp ta af nr < <(analyse_log "$logf" "$off" "${CONNS[$v]}" \
            "$(awk -v us="$t0" 'BEGIN { printf "%.6f", us / 1e6 }')" \
            "$(awk -v us="$t1" 'BEGIN { printf "%.6f", us / 1e6 }')")
        STARTUP[$key]+="$st"$'\n'
        SPAN[$key]+="$sp"$'\n'
        [[ $ta == - ]] || TAIL[$key]+="$ta"$'\n'
        AFTER[$key]+="$af"$'\n'
        NREQ[$key]+="$nr"$'\n'
        extra=$(printf '  start %ss transfer %ss tail %ss after %ss, %s requests' \
            "$st" "$sp" "$ta" "$af" "$nr")
    fi
    log "$(printf '%-14s %-7s %7ss  cpu %ss%s' "$v" "$who" "$secs" "$cpu_s" "$extra")"
}

# run_group SERVER VARIANT...: BENCH_RUNS rounds; the variants in the given
# order in odd rounds, in reverse order in even ones.
run_group() {
    local who=$1 r i
    shift
    local vs=("$@")
    for ((r = 1; r <= RUNS; r++)); do
        if ((r % 2)); then
            for ((i = 0; i < ${#vs[@]}; i++)); do run_one "${vs[i]}" "$who"; done
        else
            for ((i = ${#vs[@]} - 1; i >= 0; i--)); do run_one "${vs[i]}" "$who"; done
        fi
    done
}

med() { printf '%s' "${1:-}" | median; }
mm() { printf '%s' "${1:-}" | minmax; }
# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mibs() { awk -v s="$1" -v mib="$2" 'BEGIN { printf "%.0f", mib / s }'; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
printf '## bin/client vs aria2c and axel over 127.0.0.1\n\n'
printf -- '- machine: %s CPUs (nproc), %s, Linux %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)"
printf -- '- %s; %s; %s; %s\n' \
    "$(nginx -v 2>&1 | sed 's/^nginx version: //')" \
    "$("$CLIENT" --version 2>&1 | head -n 1)" \
    "$(aria2c --version | head -n 1 | sed 's/ version /-/')" \
    "$(axel --version | head -n 1 | cut -d' ' -f1-2)"
printf -- '- bin/client and bin/server as built at %s (git HEAD then: %s), run from copies\n' \
    "$BUILT" "$(git -C "$TOP" log -1 --format=%h 2>/dev/null || echo unknown)"
printf -- '- runs: %s per tool per row, alternating; wall time of the whole tool process\n' "$RUNS"

# One untimed download from each fast server first (connections, caches).
CUR_NAME=$NAME
for who in nginx server; do
    log "warm-up: curl from $who"
    if [[ $who == nginx ]]; then u=$NGINX_URL; else u=$SERVER_URL; fi
    curl -q -sS -f -o "$DL/$NAME" "$u" || die "warm-up download from $who failed"
    rm -f -- "$DL/$NAME"
done

start_all=$(now_us)

# ---------------------------------------------------------------- part 1

if [[ $PART == 1 || $PART == all ]]; then
    CUR_NAME=$NAME CUR_SIZE=$SIZE CUR_HASH=$HASH
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    t_part=$(now_us)
    run_group nginx client aria2c axel
    run_group nginx client-sha aria2c-verify
    run_group server client aria2c axel
    secs1=$(awk -v us=$(($(now_us) - t_part)) 'BEGIN { printf "%.0f", us / 1e6 }')

    printf '\n### Part 1: %s MiB, unthrottled, 4 connections\n\n' $((SIZE / 1048576))
    printf -- '- load average when the timed runs began: %s; %ss of runs\n' "$load1" "$secs1"
    printf -- '- speed ratio = the other tool'"'"'s median time / bin/client'"'"'s (above 1: bin/client is faster)\n'
    printf -- '- CPU s: user + system time of the tool process (median); transfer s: first request to last byte sent, after s: last byte sent to exit (nginx log, median)\n\n'
    printf '| server | tool | median s | MiB/s | min–max s | CPU s | transfer s | after s | bin/client speed / this |\n'
    printf '|---|---|---:|---:|---:|---:|---:|---:|---:|\n'
    declare -A M1=()
    row1() { # server variant reference-variant note
        local who=$1 v=$2 refv=$3 note=$4 key="$2 $1" m tr af rat="—"
        m=$(med "${TIMES[$key]}")
        M1[$key]=$m
        if [[ $who == nginx ]]; then
            tr=$(med "${SPAN[$key]}")
            af=$(med "${AFTER[$key]}")
        else
            tr="—" af="—"
        fi
        if [[ -n $refv ]]; then
            rat="**$(ratio "$m" "${M1[$refv $who]}")x**"
        fi
        printf '| %s | %s%s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$( [[ $who == nginx ]] && echo nginx || echo bin/server)" "${LABEL[$v]}" "$note" \
            "$m" "$(mibs "$m" $((SIZE / 1048576)))" "$(mm "${TIMES[$key]}")" \
            "$(med "${CPU[$key]}")" "$tr" "$af" "$rat"
    }
    row1 nginx client "" " (unverified; hashes while downloading)"
    row1 nginx aria2c client ""
    row1 nginx axel client ""
    row1 nginx client-sha "" " (verified)"
    row1 nginx aria2c-verify client-sha " (hashes after the download)"
    row1 server client "" " (verified: Repr-Digest)"
    row1 server aria2c client ""
    row1 server axel client ""
    printf '\nbin/client speed / aria2c: %sx from nginx (both unverified), %sx verified (both), %sx from bin/server.\n' \
        "$(ratio "${M1[aria2c nginx]}" "${M1[client nginx]}")" \
        "$(ratio "${M1[aria2c-verify nginx]}" "${M1[client-sha nginx]}")" \
        "$(ratio "${M1[aria2c server]}" "${M1[client server]}")"
    printf 'bin/client speed / axel: %sx from nginx, %sx from bin/server.\n' \
        "$(ratio "${M1[axel nginx]}" "${M1[client nginx]}")" \
        "$(ratio "${M1[axel server]}" "${M1[client server]}")"
fi

# ---------------------------------------------------------------- part 2

if [[ $PART == 2 || $PART == all ]]; then
    CUR_NAME=$LNAME CUR_SIZE=$LSIZE CUR_HASH=$LHASH
    load2=$(cut -d' ' -f1-3 /proc/loadavg)
    t_part=$(now_us)
    run_group limited client-c4 client-c1 axel aria2c
    secs2=$(awk -v us=$(($(now_us) - t_part)) 'BEGIN { printf "%.0f", us / 1e6 }')

    printf '\n### Part 2: %s MiB, nginx limit_rate %s per connection\n\n' $((LSIZE / 1048576)) "$RATE"
    printf -- '- load average when the timed runs began: %s; %ss of runs\n' "$load2" "$secs2"
    printf -- '- from the nginx log (medians): start = tool start to its first request; transfer = first request to last byte sent; tail = last moment all of its connections were transferring to last byte sent; after = last byte sent to tool exit\n'
    printf -- '- at %s MiB/s per connection the transfer takes %s s over 1 connection, %s s over 4\n\n' \
        "$RATE_MIB" $((LSIZE / 1048576 / RATE_MIB)) $((LSIZE / 1048576 / RATE_MIB / 4))
    printf '| tool | conns | median s | MiB/s | min–max s | start s | transfer s | tail s | tail min–max s | after s | requests | CPU s |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for v in client-c1 client-c4 axel aria2c; do
        key="$v limited"
        m=$(med "${TIMES[$key]}")
        if [[ ${CONNS[$v]} == 1 ]]; then
            tl="— (1 connection)" tlr="—"
        else
            tl=$(med "${TAIL[$key]:-}") tlr=$(mm "${TAIL[$key]:-}")
        fi
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "${LABEL[$v]}" "${CONNS[$v]}" "$m" "$(mibs "$m" $((LSIZE / 1048576)))" \
            "$(mm "${TIMES[$key]}")" "$(med "${STARTUP[$key]}")" "$(med "${SPAN[$key]}")" \
            "$tl" "$tlr" "$(med "${AFTER[$key]}")" "$(med "${NREQ[$key]}" | cut -d. -f1)" \
            "$(med "${CPU[$key]}")"
    done
    c1=$(med "${TIMES[client-c1 limited]}") c4=$(med "${TIMES[client-c4 limited]}")
    s1=$(med "${SPAN[client-c1 limited]}") s4=$(med "${SPAN[client-c4 limited]}")
    printf '\nbin/client, 4 connections vs 1: %sx faster (whole process), %sx (transfer only).\n' \
        "$(ratio "$c1" "$c4")" "$(ratio "$s1" "$s4")"
    printf 'Tail, median: bin/client %s s, axel %s s, aria2c %s s. Whole process: bin/client %s s, axel %s s, aria2c %s s.\n' \
        "$(med "${TAIL[client-c4 limited]:-}")" "$(med "${TAIL[axel limited]:-}")" \
        "$(med "${TAIL[aria2c limited]:-}")" "$c4" \
        "$(med "${TIMES[axel limited]}")" "$(med "${TIMES[aria2c limited]}")"
fi

total=$(awk -v us=$(($(now_us) - start_all)) 'BEGIN { printf "%.0f", us / 1e6 }')
printf '\n%ss of timed runs in all.\n' "$total"
log "done in ${total}s"
