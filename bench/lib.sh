# shellcheck shell=bash disable=SC2034 # its variables are for the scripts that source it
# bench/lib.sh - what the benchmark scripts share (sourced, not run):
# settings from the environment, the cached input files, nginx and
# bin/server on loopback, one measured run of a tool (/usr/bin/time: wall,
# user+sys CPU of its process tree, peak RSS), alternation of the tools
# compared, statistics, markdown cells, gnuplot plots, and the cleanup of
# everything the scripts start (by process id, on any exit, Ctrl-C
# included). A script sources it, then calls bench_init TOOL...
#
# Environment (all optional):
#   BENCH_RUNS=N       timed runs per tool and scenario (default 5; 1 in QUICK)
#   BENCH_SCALE_RUNS=N runs per point of the scaling curves (default 3; 1 in QUICK)
#   BENCH_QUICK=1      small sizes and short wrk runs: a smoke test
#   BENCH_PART=a,b     only these scenarios (or scripts: targets, scale)
#   BENCH_BIN_DIR=DIR  measure DIR/client and DIR/server (default: bin/)
#   BENCH_PLOT_DIR=DIR where the PNG plots go (default build/bench/plots)
#   BENCH_WRK_SECS=S   seconds per wrk run (default 5; 1 in QUICK)

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: ERROR: %s\n' "$*" >&2
    exit 1
}

# Loopback only: a proxy from the environment must not get in the way.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
export LC_ALL=C

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly TOP
readonly BENCH_DIR=$TOP/build/bench
readonly FILES_DIR=$BENCH_DIR/files # what nginx publishes (cached inputs)
readonly SRV_DIR=$BENCH_DIR/srv     # what bin/server publishes (hard links)
readonly MKSAMPLE=$TOP/build/release/tools/mksample
readonly MIB=1048576
readonly GIB=1073741824
HZ=$(getconf CLK_TCK)
readonly HZ
QUICK=${BENCH_QUICK:-0}
[[ $QUICK == 1 ]] || QUICK=0
if ((QUICK)); then
    RUNS=${BENCH_RUNS:-1} SCALE_RUNS=${BENCH_SCALE_RUNS:-1} WRK_SECS=${BENCH_WRK_SECS:-1}
else
    RUNS=${BENCH_RUNS:-5} SCALE_RUNS=${BENCH_SCALE_RUNS:-3} WRK_SECS=${BENCH_WRK_SECS:-5}
fi
PART=${BENCH_PART:-all}
PLOT_DIR=${BENCH_PLOT_DIR:-$BENCH_DIR/plots}
BIN_DIR=${BENCH_BIN_DIR:-$TOP/bin}

# ---------------------------------------------------------------- cleanup

TMP=""
BG_PIDS=() # every process started in the background, oldest first

track() { BG_PIDS+=("$1"); }
untrack() {
    local keep=() p
    for p in "${BG_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    BG_PIDS=("${keep[@]}")
}

# The process ids below PID (children, grandchildren, ...), deepest last.
descendants() {
    local kid
    for kid in $(pgrep -P "$1" 2>/dev/null || true); do
        printf '%s\n' "$kid"
        descendants "$kid"
    done
}

# Stop PID with SIGTERM, then SIGKILL after GRACE seconds, and whatever it
# leaves behind below it (nginx's workers, the tool under /usr/bin/time).
stop_pid() {
    local pid=$1 grace=$2 i kids
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null || true
        return 0
    }
    kids=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not stop in ${grace}s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    for pid in $kids; do
        kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${BG_PIDS[i]}" 8
    done
    if [[ -n $TMP && -d $TMP ]]; then
        rm -rf -- "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- set-up

# bench_require TOOL...: for a script that runs on its own (upload_vs_nginx.sh):
# BENCH_RUNS is a positive integer, bash has EPOCHREALTIME, the tools exist.
bench_require() {
    local tool
    [[ ${RUNS:-} =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '${RUNS:-}'"
    [[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run sh scripts/deps.sh bench"
    done
}

# bench_init TOOL...: check the settings and the tools, make the temp dir
# under build/bench/ (on disk, not tmpfs), copy bin/client and bin/server
# into it (others may rebuild bin/ meanwhile; one run must not mix two
# builds) as $CLIENT and $SERVER, and build mksample if needed.
bench_init() {
    local tool fs
    for tool in RUNS SCALE_RUNS WRK_SECS; do
        [[ ${!tool} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$tool must be a positive integer, not '${!tool}'"
    done
    [[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"
    [[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: run sh scripts/deps.sh bench"
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run sh scripts/deps.sh bench"
    done
    # wrk and the servers at 10,000 connections need descriptors.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    mkdir -p "$BENCH_DIR" "$FILES_DIR" "$SRV_DIR" "$PLOT_DIR"
    fs=$(stat -f -c %T "$BENCH_DIR")
    [[ $fs != tmpfs && $fs != ramfs ]] || die "$BENCH_DIR is on $fs: downloads must go to a disk"
    if [[ ! -x $BIN_DIR/client || ! -x $BIN_DIR/server ]]; then
        [[ -z ${BENCH_BIN_DIR:-} ]] || die "no client and server in BENCH_BIN_DIR=$BIN_DIR"
        log "bin/server or bin/client is missing: running make"
        make -C "$TOP" --no-print-directory >&2 || die "make failed"
    fi
    if [[ ! -x $MKSAMPLE ]]; then
        log "$MKSAMPLE is missing: building it"
        make -C "$TOP" --no-print-directory build/release/tools/mksample >&2 ||
            die "cannot build mksample"
    fi
    TMP=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
    DL=$TMP/dl
    mkdir -p "$DL" "$TMP/bin" "$TMP/nginx" "$TMP/server"
    cp "$BIN_DIR/client" "$BIN_DIR/server" "$TMP/bin/"
    CLIENT=$TMP/bin/client
    SERVER=$TMP/bin/server
}

# The scenarios, by script: BENCH_PART is a comma-separated list of these
# names, or of the script names (targets, scale), or all.
readonly PARTS_TARGETS="big throttled queue rss server"
readonly PARTS_SCALE="size-curve conns-curve queue-curve server-curve"

# part_on NAME: true when BENCH_PART selects scenario NAME (by its own
# name, by its script's name, or all).
part_on() {
    local group=targets
    [[ " $PARTS_SCALE " == *" $1 "* ]] && group=scale
    [[ $PART == all || ,$PART, == *,"$1",* || ,$PART, == *,"$group",* ]]
}

# check_parts: every name in BENCH_PART is a scenario or a script.
check_parts() {
    local p parts
    [[ $PART == all ]] && return 0
    IFS=, read -r -a parts <<<"$PART"
    for p in "${parts[@]}"; do
        [[ " targets scale $PARTS_TARGETS $PARTS_SCALE " == *" $p "* ]] ||
            die "unknown BENCH_PART '$p' (known: all, targets, scale, ${PARTS_TARGETS// /, }, ${PARTS_SCALE// /, })"
    done
}

# any_part NAME...: true when BENCH_PART selects at least one of them.
any_part() {
    local n
    for n in "$@"; do part_on "$n" && return 0; done
    return 1
}

# free_kib DIR: KiB available on DIR's filesystem.
free_kib() { df -Pk "$1" | awk 'NR == 2 { print $4 }'; }

# room_for BYTES: true when build/bench has room for a download of BYTES
# and 1 GiB to spare, plus the input itself if it is not made yet;
# otherwise false, with the reason in $ROOM_NOTE.
ROOM_NOTE=""
room_for() {
    local b=$1 need have
    need=$((b / 1024 + 1048576))
    [[ -f $FILES_DIR/$(sample_name "$b") ]] || need=$((need + b / 1024))
    have=$(free_kib "$BENCH_DIR")
    ROOM_NOTE="$(human_size "$b") skipped: $((have / 1048576)) GiB free in build/bench, $((need / 1048576 + 1)) GiB needed"
    ((have >= need))
}

# ---------------------------------------------------------------- helpers

# SHA-256 of a file, lowercase hex (OpenSSL is 4x faster than coreutils here).
sha256_of() {
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Microseconds since the epoch (strips the locale's decimal separator).
now_us() { printf '%s\n' "${EPOCHREALTIME//[!0-9]/}"; }
# secs_since US: seconds since now_us said US, 3 decimals.
secs_since() { awk -v us=$(($(now_us) - $1)) 'BEGIN { printf "%.3f", us / 1e6 }'; }

first_line() { head -n 1 "$1" 2>/dev/null || true; }

# human_size BYTES: 4 KiB, 64 MiB, 1 GiB (exact powers of two only).
human_size() {
    awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%g GiB", b / 1073741824;
        else if (b >= 1048576) printf "%g MiB", b / 1048576; else printf "%g KiB", b / 1024 }'
}

# ---------------------------------------------------------------- files

# make_file NAME SIZE SEED: make $FILES_DIR/NAME once with mksample and
# print its SHA-256 (cached in build/bench/NAME.sha256, redone when the
# file is newer). The file is read once, so it is in the page cache.
make_file() {
    local name=$1 size=$2 seed=$3 f=$FILES_DIR/$1 hash_file=$BENCH_DIR/$1.sha256 hash
    if [[ ! -f $f || $(stat -c %s "$f") -ne $size ]]; then
        (($(free_kib "$FILES_DIR") > size / 1024 + 1048576)) ||
            die "no room for $f ($size bytes) in $FILES_DIR"
        log "making $f ($size bytes, seed $seed)"
        "$MKSAMPLE" "$size" "$seed" >"$FILES_DIR/.$name.tmp" || die "mksample failed"
        mv -f "$FILES_DIR/.$name.tmp" "$f"
    fi
    if [[ ! -s $hash_file || $f -nt $hash_file ]]; then
        log "hashing $f"
        sha256_of "$f" >"$hash_file.tmp"
        mv -f "$hash_file.tmp" "$hash_file"
    fi
    hash=$(cat "$hash_file")
    [[ $hash =~ ^[0-9a-f]{64}$ ]] || die "bad cached hash in $hash_file: remove it"
    cat "$f" >/dev/null
    printf '%s\n' "$hash"
}

# make_queue_files N: at least N files of 64 KiB in $FILES_DIR/q/
# (q00001.bin ...), made once, and $FILES_DIR/q.sha256 with "HASH  NAME"
# lines for all of them (sha256sum -c format), in order.
readonly QFILE_SIZE=65536
make_queue_files() {
    local n=$1 have=0 i
    mkdir -p "$FILES_DIR/q"
    [[ -f $FILES_DIR/q.sha256 ]] && have=$(wc -l <"$FILES_DIR/q.sha256")
    if ((have < n)); then
        log "making $n files of 64 KiB in $FILES_DIR/q/"
        for ((i = have + 1; i <= n; i++)); do
            "$MKSAMPLE" $QFILE_SIZE $((1000000 + i)) >"$FILES_DIR/q/$(printf 'q%05d.bin' "$i")" ||
                die "mksample failed"
        done
        (cd "$FILES_DIR/q" && for ((i = have + 1; i <= n; i++)); do printf 'q%05d.bin\n' "$i"; done |
            xargs openssl dgst -sha256 -r | sed 's/ \*/  /') >>"$FILES_DIR/q.sha256" ||
            die "cannot hash the queue files"
    fi
    cat "$FILES_DIR/q"/q0*.bin >/dev/null
}

# queue_lists N URLBASE: $TMP/qN.urls (one URL a line, for wget2 -i and
# aria2c -i), $TMP/qN.input (URL TAB SHA-256, for bin/client --input) and
# $TMP/qN.sha256 (for sha256sum -c in the download dir).
queue_lists() {
    local n=$1 base=$2
    head -n "$n" "$FILES_DIR/q.sha256" >"$TMP/q$n.sha256"
    awk -v b="$base" '{ print b "q/" $2 }' "$TMP/q$n.sha256" >"$TMP/q$n.urls"
    awk -v b="$base" '{ printf "%sq/%s\t%s\n", b, $2, $1 }' "$TMP/q$n.sha256" >"$TMP/q$n.input"
}

# ---------------------------------------------------------------- servers

# start_nginx RATE: nginx (generated config in $TMP/nginx) on three ports
# of 127.0.0.1 chosen now, all serving $FILES_DIR, one worker per core,
# sendfile on:
#   $NGINX_FAST  logs every request to $FAST_LOG;
#   $NGINX_LIM   limit_rate RATE (per request), sendfile_max_chunk 256k,
#                logs to $LIM_LOG;
#   $NGINX_PLAIN no access log (for wrk and the server comparison).
# URLs end in '/'. $STATUS_URL is stub_status (for nginx_idle).
# The log line: end of the request ($msec), its duration, the connection's
# serial number, status, body bytes, completion, the Range header.
NGINX_FAST="" NGINX_LIM="" NGINX_PLAIN="" STATUS_URL="" NGINX_PID=""
FAST_LOG="" LIM_LOG=""
start_nginx() {
    local rate=$1 try p1 p2 p3 conf=$TMP/nginx/nginx.conf i
    FAST_LOG=$TMP/nginx/fast.log LIM_LOG=$TMP/nginx/limited.log
    : >"$FILES_DIR/index.html" # '/' answers 200 without a directory listing
    for try in 1 2 3 4 5; do
        p1=$(free_port) p2=$(free_port) p3=$(free_port)
        [[ $p1 != "$p2" && $p2 != "$p3" && $p1 != "$p3" ]] || continue
        cat >"$conf" <<EOF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 16384; }
http {
    sendfile on;
    types { }
    default_type application/octet-stream;
    log_format dl '\$msec \$request_time \$connection \$status \$body_bytes_sent '
                  '\$request_completion "\$http_range" "\$http_user_agent"';
    server {
        listen 127.0.0.1:$p1 backlog=4096;
        root $FILES_DIR;
        access_log $FAST_LOG dl;
        location = /.status { stub_status; access_log off; }
    }
    server {
        listen 127.0.0.1:$p2 backlog=4096;
        root $FILES_DIR;
        access_log $LIM_LOG dl;
        limit_rate $rate;
        sendfile_max_chunk 256k;
    }
    server {
        listen 127.0.0.1:$p3 backlog=4096;
        root $FILES_DIR;
        access_log off;
    }
}
EOF
        nginx -p "$TMP/nginx" -c "$conf" -e "$TMP/nginx/error.log" \
            >"$TMP/nginx/stdout" 2>&1 &
        NGINX_PID=$!
        track "$NGINX_PID"
        for ((i = 0; i < 50; i++)); do
            if curl -q -sf -o /dev/null "http://127.0.0.1:$p1/" &&
                curl -q -sf -o /dev/null "http://127.0.0.1:$p2/" &&
                curl -q -sf -o /dev/null "http://127.0.0.1:$p3/"; then
                NGINX_FAST=http://127.0.0.1:$p1/
                NGINX_LIM=http://127.0.0.1:$p2/
                NGINX_PLAIN=http://127.0.0.1:$p3/
                STATUS_URL=http://127.0.0.1:$p1/.status
                log "nginx (pid $NGINX_PID): $NGINX_FAST, limited $NGINX_LIM ($rate), plain $NGINX_PLAIN"
                return 0
            fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        log "nginx did not start on ports $p1, $p2, $p3 (try $try):"
        tail -n 3 "$TMP/nginx/error.log" >&2 || true
        stop_pid "$NGINX_PID" 5
        untrack "$NGINX_PID"
        NGINX_PID=""
    done
    die "cannot start nginx"
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

# start_server FILE...: bin/server --quiet on 127.0.0.1 (port chosen by the
# kernel) publishing $SRV_DIR, which holds hard links to the given files
# of $FILES_DIR and nothing else. Its catalog and hash cache stay in
# build/bench/, so a restart does not hash the files again. Sets
# $SERVER_URL (ending in '/') and $SERVER_PID.
SERVER_URL="" SERVER_PID=""
start_server() {
    local line i f want=()
    for f in "$@"; do
        want+=("$(basename "$f")")
        if [[ ! $SRV_DIR/$(basename "$f") -ef $f ]]; then
            ln -f "$f" "$SRV_DIR/$(basename "$f")" || die "cannot link $f into $SRV_DIR"
        fi
    done
    for f in "$SRV_DIR"/*; do
        [[ -e $f ]] || continue
        [[ " ${want[*]} " == *" $(basename "$f") "* ]] || rm -f -- "$f"
    done
    "$SERVER" --quiet --bind 127.0.0.1 --port 0 --root "$SRV_DIR" \
        --catalog "$BENCH_DIR/srv-text.txt" >"$TMP/server/stdout" 2>"$TMP/server/stderr" &
    SERVER_PID=$!
    track "$SERVER_PID"
    for ((i = 0; i < 1200; i++)); do # hashing the files the first time takes a while
        line=$(first_line "$TMP/server/stdout")
        if [[ $line =~ ^listening\ on\ (http://[0-9.]+:[0-9]+/)$ ]]; then
            SERVER_URL=${BASH_REMATCH[1]}
            # Ready when the catalog lists every file (hashes are known).
            local j
            for ((j = 0; j < 1200; j++)); do
                if [[ $(curl -q -sf "${SERVER_URL}text.txt" 2>/dev/null | grep -vc '^#') -ge $# ]]; then
                    log "bin/server (pid $SERVER_PID): $SERVER_URL"
                    return 0
                fi
                sleep 0.1
            done
            die "bin/server's catalog does not list the $# files after 120 s"
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$TMP/server/stderr" >&2 || true
    die "bin/server did not start (first line: '$line')"
}

# proc_cpu PID...: user+system CPU seconds so far of these processes
# (threads included; a process gone counts 0).
proc_cpu() {
    local p t=0 tck
    tck=$(getconf CLK_TCK)
    for p in "$@"; do
        # Fields after the ")" of the command name: utime is the 12th, stime the 13th.
        if [[ -r /proc/$p/stat ]]; then
            t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
        fi
    done
    awk -v t="$t" -v h="$tck" 'BEGIN { printf "%.3f", t / h }'
}

# The processes that do nginx's work: its master and workers.
nginx_pids() {
    printf '%s\n' "$NGINX_PID"
    pgrep -P "$NGINX_PID" 2>/dev/null || true
}

# ---------------------------------------------------------------- one run

# Per key ("scenario tool point"): newline-separated values, one per run.
# BUSY and IOWAIT: how many cores the whole machine kept busy (user, nice,
# system, irq, softirq: the tool, the server, the kernel's loopback work,
# and anyone else) and waiting for the disk, on average over the run.
declare -A WALL=() CPU=() RSS=() BUSY=() IOWAIT=() VERIFIED=()
MEASURED_SECS=""

# cpu_ticks: "busy iowait" clock ticks of all cores so far (/proc/stat).
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $6 }' /proc/stat; }

# measure KEY CMD...: run CMD (stdin /dev/null, output to $TMP/out.log)
# under /usr/bin/time and append to WALL[KEY] the wall seconds (measured
# here, around it), to CPU[KEY] the user+system seconds of CMD and every
# descendant it waited for, to RSS[KEY] the largest peak RSS (MiB) among
# them. A non-zero exit status stops the script.
measure() {
    local key=$1 tf=$TMP/time.out t0 t1 rc=0 pid u s m b0 w0 b1 w1 b w
    shift
    rm -f -- "$tf"
    read -r b0 w0 < <(cpu_ticks)
    t0=$(now_us)
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" </dev/null >"$TMP/out.log" 2>&1 &
    pid=$!
    track "$pid"
    wait "$pid" || rc=$?
    t1=$(now_us)
    read -r b1 w1 < <(cpu_ticks)
    untrack "$pid"
    if ((rc != 0)); then
        tail -n 20 "$TMP/out.log" >&2
        die "$key: exit status $rc from: $*"
    fi
    read -r _ u s m < <(tail -n 1 "$tf")
    [[ $m =~ ^[0-9]+$ ]] || die "$key: cannot read /usr/bin/time's output: $(cat "$tf")"
    MEASURED_SECS=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.3f", us / 1e6 }')
    WALL[$key]+=$MEASURED_SECS$'\n'
    CPU[$key]+=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')$'\n'
    RSS[$key]+=$(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }')$'\n'
    read -r b w < <(awk -v b=$((b1 - b0)) -v w=$((w1 - w0)) -v h="$HZ" -v us=$((t1 - t0)) \
        'BEGIN { printf "%.2f %.2f\n", b / h / (us / 1e6), w / h / (us / 1e6) }')
    BUSY[$key]+=$b$'\n' IOWAIT[$key]+=$w$'\n'
    log "$(printf '%-34s %8ss  cpu %5ss  rss %6s MiB  cores busy %s, iowait %s' "$key" "$MEASURED_SECS" \
        "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')" \
        "$(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }')" "$b" "$w")"
}

# check_file KEY FILE SIZE HASH: FILE has SIZE bytes; the first time for
# KEY, also the SHA-256 HASH. Any difference stops the script.
check_file() {
    local key=$1 f=$2 size=$3 hash=$4 got
    got=$(stat -c %s "$f" 2>/dev/null || echo missing)
    [[ $got == "$size" ]] || die "$key: $f has $got bytes, expected $size"
    if [[ -z ${VERIFIED[$key]:-} ]]; then
        got=$(sha256_of "$f")
        [[ $got == "$hash" ]] || die "$key: SHA-256 MISMATCH in $f: got $got, expected $hash"
        VERIFIED[$key]=1
    fi
}

# check_queue KEY DIR N: DIR holds exactly the first N queue files, each of
# 64 KiB; the first time for KEY, every file's SHA-256 is checked too.
check_queue() {
    local key=$1 dir=$2 n=$3 got
    got=$(find "$dir" -type f | wc -l)
    ((got == n)) || die "$key: $got files in $dir, expected $n"
    got=$(find "$dir" -type f -size ${QFILE_SIZE}c | wc -l)
    ((got == n)) || die "$key: only $got of the $n files in $dir have $QFILE_SIZE bytes"
    if [[ -z ${VERIFIED[$key]:-} ]]; then
        (cd "$dir" && sha256sum -c --quiet --strict "$TMP/q$n.sha256") >&2 ||
            die "$key: SHA-256 MISMATCH among the downloaded files"
        VERIFIED[$key]=1
    fi
}

# clean_dl: empty the download dir and let the filesystem settle (the
# deletes and any write-back the last run left), so runs start alike.
clean_dl() {
    rm -rf -- "${DL:?}"
    mkdir -p "$DL"
    sync -f "$DL"
}

# alternate FN N ITEM...: N rounds of FN ITEM ROUND for every ITEM, in the
# given order in odd rounds and in reverse order in even ones.
alternate() {
    local fn=$1 n=$2 r i
    shift 2
    local items=("$@")
    for ((r = 1; r <= n; r++)); do
        if ((r % 2)); then
            for ((i = 0; i < ${#items[@]}; i++)); do "$fn" "${items[i]}" "$r"; done
        else
            for ((i = ${#items[@]} - 1; i >= 0; i--)); do "$fn" "${items[i]}" "$r"; done
        fi
    done
}

# ---------------------------------------------------------------- tools

# sample BYTES: make (once) the sample file of that size; sets SAMPLE (its
# name in $FILES_DIR: sample-1m.bin, sample-4g.bin, ...) and SAMPLE_HASH.
# The same size always gives the same bytes (the seed is derived from it).
SAMPLE="" SAMPLE_HASH=""
sample_name() {
    awk -v b="$1" 'BEGIN { if (b % 1073741824 == 0) printf "sample-%dg.bin\n", b / 1073741824;
        else if (b % 1048576 == 0) printf "sample-%dm.bin\n", b / 1048576;
        else printf "sample-%dk.bin\n", b / 1024 }'
}
sample() {
    SAMPLE=$(sample_name "$1")
    SAMPLE_HASH=$(make_file "$SAMPLE" "$1" $((20240600 + $1 % 1000003)))
}

# dl_cmd TOOL URL OUT HASH [N]: set CMD to the command line that downloads
# URL to the file OUT over N connections (default 4) with TOOL:
#   client        bin/client get URL --sha256 HASH (verified, default mode)
#   client-fsync  the same with --fsync (durable before it takes its name)
#   wget2         wget2, one connection (its default for one file)
#   wget2-sync    wget2, then sync OUT (fsync of the file), in one sh
#   curl          curl -o OUT
#   aria2c        aria2c -xN -sN -k1M --file-allocation=none
#   axel          axel -n N
# Every tool gets a clean config: no user configuration file is read.
CMD=()
dl_cmd() {
    local tool=$1 url=$2 out=$3 hash=$4 n=${5:-4}
    case $tool in
    client) CMD=("$CLIENT" get "$url" -o "$out" --plain --quiet --sha256 "$hash" --connections "$n") ;;
    client-fsync) CMD=("$CLIENT" get "$url" -o "$out" --plain --quiet --sha256 "$hash" --connections "$n" --fsync) ;;
    wget2) CMD=(wget2 --no-config -q -O "$out" "$url") ;;
    wget2-sync)
        # shellcheck disable=SC2016 # $1 and $2 are sh's, not ours
        CMD=(sh -c 'wget2 --no-config -q -O "$1" "$2" && sync "$1"' sh "$out" "$url")
        ;;
    curl) CMD=(curl -q -sS -f -o "$out" "$url") ;;
    aria2c)
        CMD=(aria2c --no-conf -q -x"$n" -s"$n" -k1M --file-allocation=none
            -d "$(dirname "$out")" -o "$(basename "$out")" "$url")
        ;;
    axel) CMD=(axel -n "$n" -q -o "$out" "$url") ;;
    *) die "unknown download tool $tool" ;;
    esac
}

# log_offset FILE: its size now (where the next run's lines will start).
log_offset() { stat -c %s "$1" 2>/dev/null || echo 0; }

# log_counts FILE OFFSET: "requests connections" logged after OFFSET.
log_counts() {
    tail -c +$(($2 + 1)) "$1" | awk '$1 ~ /^[0-9.]+$/ { r++; c[$3] = 1 }
        END { n = 0; for (k in c) n++; printf "%d %d\n", r, n }'
}

# Per wrk key: requests/s, p50 and p99 latency (ms), socket errors, and
# the CPU seconds the server used during the run.
declare -A REQS=() P50=() P99=() ERRS=() SRVCPU=()

# wrk_run KEY URL CONNS PID...: wrk -t2 (one thread per core, fewer for
# fewer connections) -cCONNS for $WRK_SECS seconds with --latency, under
# measure (so wrk's own CPU is in CPU[KEY]); the server's processes PID...
# are sampled before and after. A non-2xx answer stops the script: the
# rate would count errors.
wrk_run() {
    local key=$1 url=$2 c=$3 t=2 c0 c1 out
    shift 3
    ((c >= t)) || t=$c
    c0=$(proc_cpu "$@")
    measure "$key" wrk -t"$t" -c"$c" -d"${WRK_SECS}s" --timeout 10s --latency "$url"
    c1=$(proc_cpu "$@")
    out=$TMP/out.log
    grep -q '^Requests/sec:' "$out" || die "$key: wrk printed no rate: $(cat "$out")"
    if grep -q 'Non-2xx or 3xx responses' "$out"; then
        die "$key: $(grep 'Non-2xx' "$out" | sed 's/^ *//') (the server refused requests)"
    fi
    REQS[$key]+=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")$'\n'
    # wrk prints latencies as 812.00us, 3.21ms or 1.02s.
    local p
    for p in 50 99; do
        local v
        v=$(awk -v p="$p%" '$1 == p { v = $2; m = 1
                if (v ~ /us$/) m = 0.001; else if (v ~ /ms$/) m = 1; else if (v ~ /s$/) m = 1000
                sub(/[a-z]+$/, "", v); printf "%.3f", v * m }' "$out")
        [[ -n $v ]] || die "$key: wrk printed no $p% latency"
        if ((p == 50)); then P50[$key]+=$v$'\n'; else P99[$key]+=$v$'\n'; fi
    done
    ERRS[$key]+=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10; f = 1 }
        END { if (!f) print 0 }' "$out")$'\n'
    SRVCPU[$key]+=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')$'\n'
    log "$(printf '%-34s %8s req/s  p99 %s ms  server cpu %s s' "$key" \
        "$(printf '%s' "${REQS[$key]}" | tail -n 1)" "$(printf '%s' "${P99[$key]}" | tail -n 1)" \
        "$(printf '%s' "${SRVCPU[$key]}" | tail -n 1)")"
}

# ---------------------------------------------------------------- statistics

# Median of the numbers on stdin, one a line ("—" for none).
median() {
    sort -g | awk 'NF { v[++n] = $1 }
        END { if (n == 0) { printf "—"; exit }
              if (n % 2) printf "%.3f", v[(n + 1) / 2];
              else printf "%.3f", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
# minmax [DECIMALS]: "min–max" of the numbers on stdin.
minmax() {
    sort -g | awk -v d="${1:-2}" 'NF { if (!n++) lo = $1; hi = $1 }
        END { if (n) printf "%.*f–%.*f", d, lo, d, hi; else printf "—" }'
}

med() { printf '%s' "${1:-}" | median; }
mm() { printf '%s' "${1:-}" | minmax "${2:-2}"; }
# cell LIST [DECIMALS]: "median (min–max)" of a newline-separated list.
cell() {
    printf '%s' "${1:-}" | sort -g | awk -v d="${2:-2}" 'NF { v[++n] = $1 }
        END { if (n == 0) { printf "—"; exit }
              m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
              if (n == 1) printf "%.*f", d, m
              else printf "%.*f (%.*f–%.*f)", d, m, d, v[1], d, v[n] }'
}
# list_op OP LISTA LISTB: the lists combined run by run (OP is + or /).
list_op() {
    paste -d' ' <(printf '%s' "$2") <(printf '%s' "$3") |
        awk -v op="$1" 'NF == 2 { if (op == "+") printf "%.3f\n", $1 + $2;
            else if ($2 + 0 != 0) printf "%.3f\n", $1 / $2 }'
}
# ratio_cell LISTA LISTB: median(A) / median(B), and the range of the
# ratios of runs made in the same round: "0.93 (0.88–1.01 by round)".
ratio_cell() {
    local r
    r=$(ratio "$(med "$1")" "$(med "$2")")
    printf '%s (%s by round)' "$r" "$(list_op / "$1" "$2" | minmax)"
}
# ratio A B: A / B, two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) printf "—"; else printf "%.2f", a / b }'; }
# sum A B: A + B, three decimals.
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
# mibs BYTES SECS: MiB/s.
mibs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s + 0 == 0) printf "—"; else printf "%.0f", b / 1048576 / s }'; }

# ---------------------------------------------------------------- nginx log

# analyse_log FILE OFFSET N T0US T1US: the requests logged in FILE after
# byte OFFSET belong to one download that ran from T0US to T1US (now_us)
# over N connections. Prints "startup transfer tail after requests" in
# seconds: tool start to first request, first request to last byte sent,
# the last moment all N connections were transferring to the last byte
# (the tail; "-" with one connection), last byte to the tool's exit. A
# request ran from $msec - $request_time to $msec; at equal times starts
# count before ends, so a connection that starts its next request in the
# millisecond the last one ended counts as busy throughout.
analyse_log() {
    local file=$1 off=$2 n=$3 t0 t1
    t0=$(awk -v us="$4" 'BEGIN { printf "%.6f", us / 1e6 }')
    t1=$(awk -v us="$5" 'BEGIN { printf "%.6f", us / 1e6 }')
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
              tail = (n < 2 || full == "") ? "-" : sprintf("%.3f", last - full)
              printf "%.3f %.3f %s %.3f %d\n", first - t0, last - first, tail, t1 - last, reqs }'
}

# ---------------------------------------------------------------- plots

# plot_png PNG TITLE XLABEL YLABEL LOGAXES DATA SERIES...: draw DATA
# (whitespace columns, x in column 1, '#' comments) with gnuplot into PNG,
# with a tic at every x of the data. LOGAXES is "", "x", "y" or "xy" (the
# y axis starts at 0 unless it is logarithmic or LOGAXES has an "r"). A
# SERIES "COL TITLE" draws the medians in column COL with error bars from
# the min and max in COL+1 and COL+2; "=COL TITLE" draws column COL as a
# dashed line (a reference such as an ideal).
plot_png() {
    local png=$1 title=$2 xl=$3 yl=$4 logs=$5 data=$6 spec col t plots="" gp tic=":xtic(1)"
    shift 6
    gp=$TMP/$(basename "$png" .png).gp
    for spec in "$@"; do
        col=${spec%% *} t=${spec#* }
        if [[ $col == =* ]]; then
            plots+="${plots:+, }'$data' using 1:${col#=}$tic with lines dashtype 2 linewidth 2 title '$t'"
        else
            plots+="${plots:+, }'$data' using 1:$col:$((col + 1)):$((col + 2))$tic with yerrorlines linewidth 2 pointsize 1.2 title '$t'"
        fi
        tic=""
    done
    {
        printf 'set terminal pngcairo noenhanced size 900,600 font ",11"\n'
        printf "set output '%s'\n" "$png"
        printf "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\n" "$title" "$xl" "$yl"
        printf 'set grid\nset key below\nset autoscale xfix\nset offsets graph 0.04, graph 0.04, 0, 0\n'
        [[ $logs == *x* ]] && printf 'set logscale x\n'
        if [[ $logs == *y* ]]; then
            printf 'set logscale y\n'
        elif [[ $logs != *r* ]]; then
            printf 'set yrange [0:*]\n'
        fi
        printf 'plot %s\n' "$plots"
    } >"$gp"
    gnuplot "$gp" || die "gnuplot failed on $gp"
    log "plot: $png"
}

# ---------------------------------------------------------------- the machine

# machine_md: a markdown list describing the machine and the tools.
machine_md() {
    local cpu mem src fstype opts dev model rota
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    read -r src fstype opts < <(findmnt -n -o SOURCE,FSTYPE,OPTIONS --target "$BENCH_DIR")
    dev=$(basename "$src")
    model=$(lsblk -dn -o MODEL "/dev/$dev" 2>/dev/null | sed 's/ *$//')
    rota=$(cat "/sys/block/$dev/queue/rotational" 2>/dev/null || echo '?')
    # shellcheck disable=SC2016 # the backticks are markdown
    printf -- '- CPU: %s, %s cores (`nproc`); SHA extensions: %s\n' "${cpu:-unknown}" "$(nproc)" \
        "$(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
    printf -- '- memory: %s (the inputs stay in the page cache)\n' "$mem"
    [[ $rota == 1 ]] && rota=', reported rotational' || rota=''
    printf -- '- disk: %s (%s%s), %s, mounted %s\n' "$src" "${model:-no model name}" \
        "$rota" "$fstype" "$opts"
    printf -- '- kernel: Linux %s; Debian %s; descriptor limit %s\n' "$(uname -r)" \
        "$(cat /etc/debian_version 2>/dev/null || echo '?')" "$(ulimit -n)"
    printf -- '- tools: %s; %s; %s; %s; %s; %s; %s; %s\n' \
        "$(nginx -v 2>&1 | sed 's/^nginx version: //')" \
        "$(wget2 --version 2>/dev/null | head -n 1 | cut -d' ' -f1-3)" \
        "$(curl --version | head -n 1 | cut -d' ' -f1-3)" \
        "$(aria2c --version | head -n 1 | sed 's/ version /-/')" \
        "$(axel --version | head -n 1 | cut -d' ' -f1-2)" \
        "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)" \
        "$(openssl version | cut -d' ' -f1-2)" \
        "$(gnuplot --version)"
    printf -- '- measured: %s and %s, copied from %s (built %s)\n' \
        "$("$CLIENT" --version 2>&1 | head -n 1)" "$("$SERVER" --version 2>&1 | head -n 1)" \
        "${BIN_DIR#"$TOP"/}" "$(stat -c %y "$BIN_DIR/client" | cut -d. -f1)"
}

# git_md: the commit measured: the last one that changed the C sources
# or the Makefile (the rest does not change the binaries), HEAD, and
# whether the C sources have uncommitted changes.
git_md() {
    local src head dirty paths=(client server common tools Makefile)
    src=$(git -C "$TOP" log -1 --format='%h (%cs) "%s"' -- "${paths[@]}" 2>/dev/null || echo unknown)
    head=$(git -C "$TOP" log -1 --format='%h' 2>/dev/null || echo unknown)
    dirty=$(git -C "$TOP" status --porcelain -- "${paths[@]}" 2>/dev/null | wc -l)
    [[ $BIN_DIR -ef $TOP/bin ]] || printf 'the binaries of %s (their commit is not known here); this tree: ' "$BIN_DIR"
    printf 'C sources as of %s (HEAD %s)%s%s' "$src" "$head" \
        "$( ((dirty == 0)) || printf ', with %s uncommitted changes to the C sources' "$dirty")" \
        "$( ! [[ $BIN_DIR -ef $TOP/bin ]] || make -s -q -C "$TOP" bin/client bin/server 2>/dev/null ||
            printf '; **bin/ was not up to date with them** (make had work to do)')"
}

load_now() { cut -d' ' -f1-3 /proc/loadavg; }
