#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # backticks in strings are markdown
# bench/scale.sh - how cost grows with the work: four curves, each a
# markdown table on stdout and a gnuplot PNG (with its data file) in
# $BENCH_PLOT_DIR (default build/bench/plots):
#
#   size-curve    file size 1 MiB to 4 GiB from nginx, unthrottled: wall
#                 time and peak RSS of bin/client (verified), wget2 and
#                 aria2c -x4 (4 GiB only when the disk has room) -> size.png
#   conns-curve   1 to 16 connections against nginx with limit_rate 16m
#                 (per request), 128 MiB: bin/client --connections N,
#                 aria2c -x N -s N, axel -n N, and the ideal size / (N x
#                 rate)                            -> conns.png, conns-ratio.png
#   queue-curve   10 to 10,000 files of 64 KiB in one queue: bin/client
#                 --once (verified) and wget2 -i   -> queue.png
#   server-curve  10 to 10,000 connections of wrk on a 4 KiB file:
#                 requests/s and p99 of bin/server and nginx
#                                                  -> server.png, server-p99.png
#
#   bench/scale.sh > scale.md
#   BENCH_PART=size-curve,queue-curve BENCH_SCALE_RUNS=5 bench/scale.sh
#   BENCH_QUICK=1 bench/scale.sh             (small sizes: a smoke test)
#
# BENCH_SCALE_RUNS (default 3) runs per point; the tools alternate, the
# whole sweep in forward order in odd rounds and in reverse in even ones.
# BENCH_PLOT_REF is the path the markdown uses for the PNGs (default: the
# plot directory). Checks, settings and cleanup as in bench/targets.sh
# (see bench/lib.sh); no result fails the script.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
check_parts
# shellcheck disable=SC2086 # a list of names
any_part $PARTS_SCALE || exit 0
bench_init nginx wget2 curl aria2c axel wrk gnuplot openssl python3 sha256sum
PLOT_REF=${BENCH_PLOT_REF:-$PLOT_DIR}

readonly RATE_MIB=16
if ((QUICK)); then
    SIZES=("$MIB" $((4 * MIB)) $((16 * MIB)) $((64 * MIB)))
    CONNS=(1 2 4) CFILE=$((16 * MIB)) QUEUES=(10 100) SCONNS=(10 100 1000)
else
    SIZES=("$MIB" $((4 * MIB)) $((16 * MIB)) $((64 * MIB)) $((256 * MIB)) "$GIB" $((4 * GIB)))
    CONNS=(1 2 4 8 16) CFILE=$((128 * MIB)) QUEUES=(10 100 1000 10000)
    SCONNS=(10 30 100 300 1000 3000 10000)
fi
start_nginx ${RATE_MIB}m

printf '## How cost grows with the work\n\n'
printf -- '- %s runs per point, tools alternated (the whole sweep forward in odd rounds, reversed in even ones); points show the median, bars the min–max%s\n' \
    "$SCALE_RUNS" "$( ((QUICK == 0)) || printf '; QUICK mode: small sizes')"

# ---------------------------------------------------------------- size

declare -A SNAME=() SHASH=()
size_run() {
    local tool=${1%@*} b=${1#*@} key="size $1" out
    out=$DL/${SNAME[$b]}
    clean_dl
    dl_cmd "$tool" "$NGINX_FAST${SNAME[$b]}" "$out" "${SHASH[$b]}" 4
    measure "$key" "${CMD[@]}"
    check_file "$key" "$out" "$b" "${SHASH[$b]}"
}

if part_on size-curve; then
    sizes=() notes="" items=()
    for b in "${SIZES[@]}"; do
        if ! room_for "$b"; then
            notes+="- $ROOM_NOTE"$'\n'
            log "size: $ROOM_NOTE"
            continue
        fi
        sample "$b"
        SNAME[$b]=$SAMPLE SHASH[$b]=$SAMPLE_HASH
        sizes+=("$b")
        for t in client wget2 aria2c; do items+=("$t@$b"); done
    done
    load0=$(load_now) t0=$(now_us)
    alternate size_run "$SCALE_RUNS" "${items[@]}"
    secs=$(secs_since "$t0")
    dat=$PLOT_DIR/size.dat
    {
        printf '# MiB  client(med lo hi)  wget2(med lo hi)  aria2c(med lo hi): wall s\n'
        for b in "${sizes[@]}"; do
            printf '%s' "$(awk -v b="$b" 'BEGIN { printf "%g", b / 1048576 }')"
            for t in client wget2 aria2c; do
                l=${WALL[size $t@$b]}
                printf ' %s %s' "$(med "$l")" "$(mm "$l" 3 | tr '–' ' ')"
            done
            printf '\n'
        done
    } >"$dat"
    plot_png "$PLOT_DIR/size.png" 'File size: wall time (nginx, 127.0.0.1, unthrottled)' \
        'file size, MiB' 'wall time, s' xy "$dat" \
        '2 bin/client (verified)' '5 wget2 (1 connection)' '8 aria2c -x4'
    printf '\n### File size: 1 MiB to %s\n\n' "$(human_size "${sizes[-1]}")"
    printf -- '- from nginx (unthrottled, sendfile, access log on) to build/bench/run.*/dl/; bin/client in its default mode with `--sha256` (verified); wget2 over one connection; `aria2c -x4 -s4 -k1M --file-allocation=none`\n'
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf '%s' "$notes"
    printf '\n![wall time by file size](%s/size.png)\n\n' "$PLOT_REF"
    printf '| size | bin/client s | wget2 s | aria2c s | client / wget2 | client MiB/s | client peak RSS MiB | wget2 peak RSS MiB | aria2c peak RSS MiB |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for b in "${sizes[@]}"; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(human_size "$b")" \
            "$(cell "${WALL[size client@$b]}" 3)" "$(cell "${WALL[size wget2@$b]}" 3)" \
            "$(cell "${WALL[size aria2c@$b]}" 3)" \
            "$(ratio_cell "${WALL[size client@$b]}" "${WALL[size wget2@$b]}")" \
            "$(mibs "$b" "$(med "${WALL[size client@$b]}")")" \
            "$(cell "${RSS[size client@$b]}" 1)" "$(cell "${RSS[size wget2@$b]}" 1)" \
            "$(cell "${RSS[size aria2c@$b]}" 1)"
    done
fi

# ---------------------------------------------------------------- conns

conns_run() {
    local tool=${1%@*} n=${1#*@} key="conns $1" out=$DL/$CNAME
    clean_dl
    dl_cmd "$tool" "$NGINX_LIM$CNAME" "$out" "$CHASH" "$n"
    measure "$key" "${CMD[@]}"
    check_file "$key" "$out" "$CFILE" "$CHASH"
}

if part_on conns-curve; then
    sample "$CFILE"
    CNAME=$SAMPLE CHASH=$SAMPLE_HASH
    items=()
    for n in "${CONNS[@]}"; do
        for t in client aria2c axel; do items+=("$t@$n"); done
    done
    load0=$(load_now) t0=$(now_us)
    alternate conns_run "$SCALE_RUNS" "${items[@]}"
    secs=$(secs_since "$t0")
    dat=$PLOT_DIR/conns.dat
    {
        printf '# connections  client(med lo hi)  aria2c(med lo hi)  axel(med lo hi)  ideal: wall s\n'
        for n in "${CONNS[@]}"; do
            printf '%s' "$n"
            for t in client aria2c axel; do
                l=${WALL[conns $t@$n]}
                printf ' %s %s' "$(med "$l")" "$(mm "$l" 3 | tr '–' ' ')"
            done
            awk -v b="$CFILE" -v n="$n" -v r=$RATE_MIB 'BEGIN { printf " %.3f\n", b / 1048576 / (n * r) }'
        done
    } >"$dat"
    plot_png "$PLOT_DIR/conns.png" "Connections: $(human_size "$CFILE") from nginx at limit_rate ${RATE_MIB}m per request" \
        'connections' 'wall time, s' xy "$dat" \
        '2 bin/client --connections N' '5 aria2c -xN -sN' '8 axel -n N' '=11 ideal: size / (N x rate)'
    # The same, divided by the ideal: 1.00 is the rate limit's own time.
    awk '!/^#/ { printf "%s", $1; for (i = 2; i <= 10; i++) printf " %.4f", $i / $11; printf " 1\n" }' \
        "$dat" >"$PLOT_DIR/conns-ratio.dat"
    plot_png "$PLOT_DIR/conns-ratio.png" "Connections: wall time / ideal, $(human_size "$CFILE") at limit_rate ${RATE_MIB}m per request" \
        'connections' 'wall time / (size / (N x rate))' xr "$PLOT_DIR/conns-ratio.dat" \
        '2 bin/client --connections N' '5 aria2c -xN -sN' '8 axel -n N' '=11 ideal'
    printf '\n### Connections: 1 to %s against a throttled server\n\n' "${CONNS[-1]}"
    printf -- '- %s from nginx with `limit_rate %sm` (per request: every connection of these tools carries one request at a time) and `sendfile_max_chunk 256k`; bin/client verified with `--sha256`; aria2c with `-k1M` so it splits a %s file N ways\n' \
        "$(human_size "$CFILE")" $RATE_MIB "$(human_size "$CFILE")"
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf '\n![wall time by connections](%s/conns.png)\n' "$PLOT_REF"
    printf '![wall time over the ideal by connections](%s/conns-ratio.png)\n\n' "$PLOT_REF"
    printf '| connections | ideal s | bin/client s | aria2c s | axel s | client / ideal | aria2c / ideal | axel / ideal |\n'
    printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for n in "${CONNS[@]}"; do
        ideal=$(awk -v b="$CFILE" -v n="$n" -v r=$RATE_MIB 'BEGIN { printf "%.3f", b / 1048576 / (n * r) }')
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$ideal" \
            "$(cell "${WALL[conns client@$n]}" 3)" "$(cell "${WALL[conns aria2c@$n]}" 3)" \
            "$(cell "${WALL[conns axel@$n]}" 3)" \
            "$(ratio "$(med "${WALL[conns client@$n]}")" "$ideal")" \
            "$(ratio "$(med "${WALL[conns aria2c@$n]}")" "$ideal")" \
            "$(ratio "$(med "${WALL[conns axel@$n]}")" "$ideal")"
    done
fi

# ---------------------------------------------------------------- queue

declare -A QCONN=()
queue_run() {
    local tool=${1%@*} n=${1#*@} key="queue $1" off r c
    clean_dl
    off=$(log_offset "$FAST_LOG")
    case $tool in
    client) measure "$key" "$CLIENT" --once --input "$TMP/q$n.input" --dir "$DL" --plain --quiet ;;
    wget2) measure "$key" wget2 --no-config -q -i "$TMP/q$n.urls" -P "$DL" ;;
    *) die "unknown queue tool $tool" ;;
    esac
    check_queue "$key" "$DL" "$n"
    nginx_idle
    read -r r c < <(log_counts "$FAST_LOG" "$off")
    ((r == n)) || log "$key: $r requests for $n files"
    QCONN[$key]+=$c$'\n'
}

if part_on queue-curve; then
    make_queue_files "${QUEUES[-1]}"
    items=()
    for n in "${QUEUES[@]}"; do
        queue_lists "$n" "$NGINX_FAST"
        for t in client wget2; do items+=("$t@$n"); done
    done
    load0=$(load_now) t0=$(now_us)
    alternate queue_run "$SCALE_RUNS" "${items[@]}"
    secs=$(secs_since "$t0")
    dat=$PLOT_DIR/queue.dat
    {
        printf '# files  client(med lo hi)  wget2(med lo hi): wall s\n'
        for n in "${QUEUES[@]}"; do
            printf '%s' "$n"
            for t in client wget2; do
                l=${WALL[queue $t@$n]}
                printf ' %s %s' "$(med "$l")" "$(mm "$l" 3 | tr '–' ' ')"
            done
            printf '\n'
        done
    } >"$dat"
    plot_png "$PLOT_DIR/queue.png" 'Queue: files of 64 KiB from nginx, one queue' \
        'files in the queue' 'wall time, s' xy "$dat" \
        '2 bin/client --once (verified, its default: files share 4 connections)' '5 wget2 -i (5 threads)'
    printf '\n### Queue: %s to %s files of 64 KiB\n\n' "${QUEUES[0]}" "${QUEUES[-1]}"
    printf -- '- one queue file from nginx (access log on): bin/client `--once --input FILE` with URL TAB SHA-256 lines (verified, its default: the files share its 4 connections), `wget2 -i FILE` (its default of 5 threads, unverified); connections from the nginx log\n'
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf '\n![wall time by queue length](%s/queue.png)\n\n' "$PLOT_REF"
    printf '| files | bin/client s | wget2 s | client / wget2 | client ms/file | wget2 ms/file | client conns | wget2 conns | client CPU s | wget2 CPU s |\n'
    printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for n in "${QUEUES[@]}"; do
        kc="queue client@$n" kw="queue wget2@$n"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
            "$(cell "${WALL[$kc]}" 3)" "$(cell "${WALL[$kw]}" 3)" \
            "$(ratio_cell "${WALL[$kc]}" "${WALL[$kw]}")" \
            "$(awk -v s="$(med "${WALL[$kc]}")" -v n="$n" 'BEGIN { printf "%.2f", s * 1000 / n }')" \
            "$(awk -v s="$(med "${WALL[$kw]}")" -v n="$n" 'BEGIN { printf "%.2f", s * 1000 / n }')" \
            "$(med "${QCONN[$kc]}" | cut -d. -f1)" "$(med "${QCONN[$kw]}" | cut -d. -f1)" \
            "$(cell "${CPU[$kc]}")" "$(cell "${CPU[$kw]}")"
    done
fi

# ---------------------------------------------------------------- server

server_run() {
    local who=${1%@*} c=${1#*@} pids
    if [[ $who == nginx ]]; then
        mapfile -t pids < <(nginx_pids)
        wrk_run "srv nginx@$c" "$NGINX_PLAIN$SMALL" "$c" "${pids[@]}"
    else
        wrk_run "srv server@$c" "$SERVER_URL$SMALL" "$c" "$SERVER_PID"
    fi
}

if part_on server-curve; then
    sample 4096
    SMALL=$SAMPLE SMALL_HASH=$SAMPLE_HASH
    start_server "$FILES_DIR/$SMALL"
    for u in "$NGINX_PLAIN" "$SERVER_URL"; do
        got=$(curl -q -sS -f "$u$SMALL" | sha256sum | cut -d' ' -f1)
        [[ $got == "$SMALL_HASH" ]] || die "$u$SMALL: SHA-256 MISMATCH: $got"
        wrk -t2 -c64 -d1s "$u$SMALL" >/dev/null 2>&1 || die "warm-up wrk against $u failed"
    done
    items=()
    for c in "${SCONNS[@]}"; do items+=("nginx@$c" "server@$c"); done
    load0=$(load_now) t0=$(now_us)
    alternate server_run "$SCALE_RUNS" "${items[@]}"
    secs=$(secs_since "$t0")
    dat=$PLOT_DIR/server.dat
    {
        printf '# connections  nginx req/s(med lo hi)  bin/server req/s(med lo hi)  nginx p99 ms(med lo hi)  bin/server p99 ms(med lo hi)\n'
        for c in "${SCONNS[@]}"; do
            printf '%s' "$c"
            for l in "${REQS[srv nginx@$c]}" "${REQS[srv server@$c]}" "${P99[srv nginx@$c]}" "${P99[srv server@$c]}"; do
                printf ' %s %s' "$(med "$l")" "$(mm "$l" 3 | tr '–' ' ')"
            done
            printf '\n'
        done
    } >"$dat"
    plot_png "$PLOT_DIR/server.png" 'Server: wrk on a 4 KiB file, 127.0.0.1, 2 cores shared with wrk' \
        'connections' 'requests per second' x "$dat" '2 nginx' '5 bin/server'
    plot_png "$PLOT_DIR/server-p99.png" 'Server: p99 latency of wrk on a 4 KiB file' \
        'connections' 'p99 latency, ms' xy "$dat" '8 nginx' '11 bin/server'
    printf '\n### Server: %s to %s connections\n\n' "${SCONNS[0]}" "${SCONNS[-1]}"
    printf -- '- `wrk -t2 -cN -d%ss --timeout 10s --latency` on a 4 KiB file, nginx (sendfile on, one worker per core, access log off, backlog 4096) against `bin/server --quiet`; wrk shares the 2 cores with the server\n' "$WRK_SECS"
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf '\n![requests per second by connections](%s/server.png)\n' "$PLOT_REF"
    printf '![p99 latency by connections](%s/server-p99.png)\n\n' "$PLOT_REF"
    printf '| connections | nginx req/s | bin/server req/s | server / nginx | nginx p99 ms | bin/server p99 ms | nginx CPU s | bin/server CPU s | socket errors nginx / bin/server |\n'
    printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for c in "${SCONNS[@]}"; do
        kn="srv nginx@$c" ks="srv server@$c"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n' "$c" \
            "$(cell "${REQS[$kn]}" 0)" "$(cell "${REQS[$ks]}" 0)" \
            "$(ratio_cell "${REQS[$ks]}" "${REQS[$kn]}")" \
            "$(cell "${P99[$kn]}" 2)" "$(cell "${P99[$ks]}" 2)" \
            "$(med "${SRVCPU[$kn]}")" "$(med "${SRVCPU[$ks]}")" \
            "$(med "${ERRS[$kn]}" | cut -d. -f1)" "$(med "${ERRS[$ks]}" | cut -d. -f1)"
    done
fi
log "scale: done"
