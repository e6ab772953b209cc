#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # backticks in strings are markdown
# bench/targets.sh - the scenarios of issue 9's "Targets", each with every
# tool it compares in one run, alternated, printed as markdown tables:
#
#   big        1 GiB from nginx, unthrottled: bin/client (default mode,
#              verified with --sha256), bin/client --fsync, wget2, curl,
#              aria2c -x4, axel -n 4; and as reference costs wget2 && sync,
#              openssl dgst -sha256 of the file, dd conv=fdatasync of it
#   throttled  256 MiB from nginx with limit_rate 16m (per request): the
#              time against the ideal size / (4 x rate), and the tail from
#              nginx's log; bin/client, axel -n 4, aria2c -x4
#   queue      500 files of 64 KiB from one queue: bin/client --once
#              --input (URL TAB SHA-256 lines, so verified), wget2 -i,
#              aria2c -i (their defaults: 5 at once), and for comparison
#              bin/client --jobs 5 and wget2 --max-threads=1
#   rss        bin/client's peak RSS for 1 MiB, 64 MiB, 1 GiB and 4 GiB
#              (4 GiB only when the disk has room)
#   server     wrk on a 4 KiB file at 64 and 1,000 connections, bin/server
#              against nginx (requests/s, p50/p99 latency, CPU), and
#              aria2c -x4 of 1 GiB from each
#
#   bench/targets.sh > targets.md
#   BENCH_PART=big,queue BENCH_RUNS=3 bench/targets.sh
#   BENCH_QUICK=1 bench/targets.sh           (small sizes: a smoke test)
#
# The settings (BENCH_RUNS, BENCH_QUICK, BENCH_PART, BENCH_BIN_DIR,
# BENCH_WRK_SECS) are described in bench/lib.sh. Every run is timed from
# outside (wall) and through /usr/bin/time (user+system CPU of the tool's
# process tree, peak RSS); every exit status is checked, every download's
# size, and the SHA-256 of the first download of each tool in each
# scenario: a failure stops the script. No result fails it: it measures
# and reports. Tables go to stdout, progress and every run to stderr.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
check_parts
# shellcheck disable=SC2086 # a list of names
any_part $PARTS_TARGETS || exit 0
bench_init nginx wget2 curl aria2c axel wrk openssl python3 sha256sum

readonly RATE_MIB=16 # nginx limit_rate, MiB/s per request
if ((QUICK)); then
    BIG=$((64 * MIB)) THR=$((32 * MIB)) NQ=50 RSS_SIZES=("$MIB" $((4 * MIB)) $((16 * MIB)) $((64 * MIB)))
    SRV_DL=$((64 * MIB)) WRK_CONNS=(64 200)
else
    BIG=$GIB THR=$((256 * MIB)) NQ=500 RSS_SIZES=("$MIB" $((64 * MIB)) "$GIB" $((4 * GIB)))
    SRV_DL=$GIB WRK_CONNS=(64 1000)
fi

start_nginx ${RATE_MIB}m

# shellcheck disable=SC2016 # the backticks are markdown
declare -A LABEL=(
    [client]='`bin/client get URL --sha256 HEX` (default mode)'
    [client-fsync]='`bin/client get URL --sha256 HEX --fsync`'
    [wget2]='`wget2 -O FILE` (1 connection)'
    [wget2-sync]='`wget2 -O FILE && sync FILE`'
    [curl]='`curl -o FILE`'
    [aria2c]='`aria2c -x4 -s4 -k1M --file-allocation=none`'
    [axel]='`axel -n 4`'
    [openssl]='`openssl dgst -sha256 FILE` (reference)'
    [dd]='`dd bs=1M conv=fdatasync` of the file (reference)'
)
declare -A VERIFIES=([client]=yes [client-fsync]='yes, durable' [wget2]=no
    [wget2-sync]='no, durable' [curl]=no [aria2c]=no [axel]=no [openssl]=— [dd]='—, durable')
# Per key, from nginx's log: requests and TCP connections per run.
declare -A NREQ=() NCONN=()

printf '## Targets (issue 9)\n\n'
printf -- '- %s runs per tool, alternated (forward order in odd rounds, reverse in even ones)%s\n' \
    "$RUNS" "$( ((QUICK == 0)) || printf '; QUICK mode: small sizes, not the targets'"'"' sizes')"

# ---------------------------------------------------------------- big

big_run() {
    local v=$1 key="big $1" out=$DL/$SAMPLE off r c
    clean_dl
    off=$(log_offset "$FAST_LOG")
    case $v in
    openssl)
        measure "$key" openssl dgst -sha256 -r "$FILES_DIR/$SAMPLE"
        [[ $(cut -d' ' -f1 "$TMP/out.log") == "$SAMPLE_HASH" ]] || die "$key: wrong hash printed"
        return
        ;;
    dd)
        measure "$key" dd if="$FILES_DIR/$SAMPLE" of="$out" bs=1M conv=fdatasync status=none
        ;;
    *)
        dl_cmd "$v" "$NGINX_FAST$SAMPLE" "$out" "$SAMPLE_HASH" 4
        measure "$key" "${CMD[@]}"
        ;;
    esac
    check_file "$key" "$out" "$BIG" "$SAMPLE_HASH"
    if [[ $v != dd ]]; then
        nginx_idle
        read -r r c < <(log_counts "$FAST_LOG" "$off")
        NREQ[$key]+=$r$'\n' NCONN[$key]+=$c$'\n'
    fi
}

if part_on big; then
    sample "$BIG"
    BIG_NAME=$SAMPLE
    tools=(client client-fsync wget2 wget2-sync curl aria2c axel openssl dd)
    log "big: $(human_size "$BIG"), ${#tools[@]} tools x $RUNS runs"
    curl -q -sS -f -o /dev/null "$NGINX_FAST$SAMPLE" || die "warm-up download failed"
    load0=$(load_now) t0=$(now_us)
    alternate big_run "$RUNS" "${tools[@]}"
    secs=$(secs_since "$t0")

    printf '\n### %s from nginx, unthrottled\n\n' "$(human_size "$BIG")"
    printf -- '- file `%s` (mksample), in the page cache; nginx on 127.0.0.1, sendfile on, 2 workers, access log on; downloads to build/bench/run.*/dl/ (the same disk)\n' \
        "$BIG_NAME"
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf -- '- wall s: median (min–max); CPU s: user+system of the tool and its children; tool cores = its CPU / wall; machine cores: how many of the %s cores the whole machine kept busy on average (tool, nginx, kernel, other work), and waiting for the disk (iowait); requests / connections from the nginx log\n\n' "$(nproc)"
    printf '| tool | verified | wall s | MiB/s | CPU s | tool cores | machine cores busy | iowait | peak RSS MiB | requests / conns |\n'
    printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for v in "${tools[@]}"; do
        k="big $v"
        m=$(med "${WALL[$k]}")
        rc="—"
        [[ -n ${NREQ[$k]:-} ]] && rc="$(med "${NREQ[$k]}" | cut -d. -f1) / $(med "${NCONN[$k]}" | cut -d. -f1)"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$v]}" "${VERIFIES[$v]}" \
            "$(cell "${WALL[$k]}")" "$(mibs "$BIG" "$m")" "$(cell "${CPU[$k]}")" \
            "$(ratio "$(med "${CPU[$k]}")" "$m")" "$(cell "${BUSY[$k]}")" "$(cell "${IOWAIT[$k]}")" \
            "$(cell "${RSS[$k]}" 1)" "$rc"
    done
    ref_cpu=$(list_op + "${CPU[big wget2]}" "${CPU[big openssl]}")
    printf '\n| issue 9 target | ratio of medians (range of per-round ratios) | target |\n|---|---:|---:|\n'
    printf '| wall: bin/client / wget2 | %s | at most 1.05 |\n' "$(ratio_cell "${WALL[big client]}" "${WALL[big wget2]}")"
    printf '| wall: bin/client / curl | %s | at most 0.70 |\n' "$(ratio_cell "${WALL[big client]}" "${WALL[big curl]}")"
    printf '| CPU: bin/client / (wget2 + one openssl pass) | %s | at most 1.00 |\n' "$(ratio_cell "${CPU[big client]}" "$ref_cpu")"
    printf '| wall: bin/client --fsync / (wget2 && sync) | %s | at most 1.00 |\n' "$(ratio_cell "${WALL[big client-fsync]}" "${WALL[big wget2-sync]}")"
    printf '| (for reference) wall: bin/client / aria2c -x4 | %s | — |\n' "$(ratio_cell "${WALL[big client]}" "${WALL[big aria2c]}")"
    printf '| (for reference) wall: bin/client / axel -n 4 | %s | — |\n' "$(ratio_cell "${WALL[big client]}" "${WALL[big axel]}")"
    printf '| (for reference) wall: bin/client --fsync / dd conv=fdatasync | %s | — |\n' "$(ratio_cell "${WALL[big client-fsync]}" "${WALL[big dd]}")"
    printf '| (for reference) wall: bin/client / (wget2 + one openssl pass) | %s | — |\n' \
        "$(ratio_cell "${WALL[big client]}" "$(list_op + "${WALL[big wget2]}" "${WALL[big openssl]}")")"
fi

# ---------------------------------------------------------------- throttled

declare -A STARTUP=() SPAN=() TAIL=() AFTER=()
thr_run() {
    local v=$1 key="thr $1" out=$DL/$SAMPLE off t0 t1 st sp ta af nr
    clean_dl
    nginx_idle
    off=$(log_offset "$LIM_LOG")
    dl_cmd "$v" "$NGINX_LIM$SAMPLE" "$out" "$SAMPLE_HASH" 4
    t0=$(now_us)
    measure "$key" "${CMD[@]}"
    t1=$(now_us)
    check_file "$key" "$out" "$THR" "$SAMPLE_HASH"
    nginx_idle
    read -r st sp ta af nr < <(analyse_log "$LIM_LOG" "$off" 4 "$t0" "$t1")
    STARTUP[$key]+=$st$'\n' SPAN[$key]+=$sp$'\n' AFTER[$key]+=$af$'\n' NREQ[$key]+=$nr$'\n'
    [[ $ta == - ]] || TAIL[$key]+=$ta$'\n'
    log "$(printf '%-34s start %ss transfer %ss tail %ss after %ss, %s requests' "$key" "$st" "$sp" "$ta" "$af" "$nr")"
}

if part_on throttled; then
    sample "$THR"
    ideal=$(awk -v b="$THR" -v r=$RATE_MIB 'BEGIN { printf "%.3f", b / 1048576 / (4 * r) }')
    # What nginx really gives one request: a quarter of the file over one connection.
    clean_dl
    t0=$(now_us)
    curl -q -sS -f -o "$DL/quarter" -r 0-$((THR / 4 - 1)) "$NGINX_LIM$SAMPLE" || die "curl of a quarter failed"
    qsecs=$(secs_since "$t0")
    eff=$(awk -v b=$((THR / 4)) -v s="$qsecs" 'BEGIN { printf "%.2f", b / 1048576 / s }')
    log "throttled: one request of a quarter took ${qsecs}s: $eff MiB/s"
    tools=(client axel aria2c)
    load0=$(load_now) t0=$(now_us)
    alternate thr_run "$RUNS" "${tools[@]}"
    secs=$(secs_since "$t0")

    printf '\n### %s from nginx, limit_rate %sm, 4 connections\n\n' "$(human_size "$THR")" $RATE_MIB
    printf -- '- ideal = size / (4 x rate) = **%s s**. nginx paces each request (limit_rate is per request; each of these tools sends one request per connection at a time); one request of a quarter of the file over one connection took %s s here, i.e. %s MiB/s, so the achievable time is about %s s\n' \
        "$ideal" "$qsecs" "$eff" "$qsecs"
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf -- '- from the nginx log (medians): start = tool start to its first request; transfer = first request to last byte sent; tail = last moment all 4 connections were transferring to last byte sent; after = last byte sent to tool exit\n\n'
    printf '| tool | wall s | wall / ideal | start s | transfer s | tail s | after s | requests | CPU s | peak RSS MiB |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    LABEL[aria2c]='`aria2c -x4 -s4 -k1M --file-allocation=none`'
    for v in "${tools[@]}"; do
        k="thr $v"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$v]}" \
            "$(cell "${WALL[$k]}" 3)" "$(ratio "$(med "${WALL[$k]}")" "$ideal")" \
            "$(med "${STARTUP[$k]}")" "$(med "${SPAN[$k]}")" "$(cell "${TAIL[$k]:-}" 3)" \
            "$(med "${AFTER[$k]}")" "$(med "${NREQ[$k]}" | cut -d. -f1)" \
            "$(cell "${CPU[$k]}")" "$(cell "${RSS[$k]}" 1)"
    done
    printf '\n| issue 9 target | ratio of medians (range of per-round ratios) | target |\n|---|---:|---:|\n'
    printf '| wall: bin/client / ideal | %s | at most 1.02 |\n' "$(ratio "$(med "${WALL[thr client]}")" "$ideal")"
    printf '| wall: bin/client / axel -n 4 | %s | below 1.00 |\n' "$(ratio_cell "${WALL[thr client]}" "${WALL[thr axel]}")"
    printf '| (for reference) wall: bin/client / one request of a quarter | %s | — |\n' "$(ratio "$(med "${WALL[thr client]}")" "$qsecs")"
fi

# ---------------------------------------------------------------- queue

queue_run() {
    local v=$1 key="queue $1" off r c
    clean_dl
    off=$(log_offset "$FAST_LOG")
    case $v in
    client) measure "$key" "$CLIENT" --once --input "$TMP/q$NQ.input" --dir "$DL" --plain --quiet ;;
    client-j5) measure "$key" "$CLIENT" --once --jobs 5 --input "$TMP/q$NQ.input" --dir "$DL" --plain --quiet ;;
    wget2) measure "$key" wget2 --no-config -q -i "$TMP/q$NQ.urls" -P "$DL" ;;
    wget2-t1) measure "$key" wget2 --no-config -q --max-threads=1 -i "$TMP/q$NQ.urls" -P "$DL" ;;
    aria2c) measure "$key" aria2c --no-conf -q -i "$TMP/q$NQ.urls" -d "$DL" ;;
    *) die "unknown queue tool $v" ;;
    esac
    check_queue "$key" "$DL" "$NQ"
    nginx_idle
    read -r r c < <(log_counts "$FAST_LOG" "$off")
    NREQ[$key]+=$r$'\n' NCONN[$key]+=$c$'\n'
}

if part_on queue; then
    make_queue_files "$NQ"
    queue_lists "$NQ" "$NGINX_FAST"
    tools=(client wget2 aria2c client-j5 wget2-t1)
    declare -A QLABEL=(
        [client]='`bin/client --once --input FILE` (URL TAB SHA-256 lines; by default the files share 4 connections)'
        [client-j5]='`bin/client --once --jobs 5 --input FILE`'
        [wget2]='`wget2 -i FILE` (default: 5 threads)'
        [wget2-t1]='`wget2 --max-threads=1 -i FILE`'
        [aria2c]='`aria2c -i FILE` (default: 5 downloads at once)'
    )
    load0=$(load_now) t0=$(now_us)
    alternate queue_run "$RUNS" "${tools[@]}"
    secs=$(secs_since "$t0")
    printf '\n### %s files of 64 KiB from one queue (nginx)\n\n' "$NQ"
    printf -- '- bin/client verifies every file (its queue line carries the SHA-256); wget2 and aria2c do not; the script checks every file of the first run of each tool\n'
    printf -- '- load average before: %s; %.0f s of runs\n\n' "$load0" "$secs"
    printf '| tool | wall s | ms per file | CPU s | machine cores busy | peak RSS MiB | requests / conns |\n|---|---:|---:|---:|---:|---:|---:|\n'
    for v in "${tools[@]}"; do
        k="queue $v"
        printf '| %s | %s | %s | %s | %s | %s | %s / %s |\n' "${QLABEL[$v]}" "$(cell "${WALL[$k]}" 3)" \
            "$(awk -v s="$(med "${WALL[$k]}")" -v n="$NQ" 'BEGIN { printf "%.2f", s * 1000 / n }')" \
            "$(cell "${CPU[$k]}")" "$(cell "${BUSY[$k]}")" "$(cell "${RSS[$k]}" 1)" \
            "$(med "${NREQ[$k]}" | cut -d. -f1)" "$(med "${NCONN[$k]}" | cut -d. -f1)"
    done
    printf '\n| issue 9 target | ratio of medians (range of per-round ratios) | target |\n|---|---:|---:|\n'
    printf '| wall: bin/client / wget2 -i | %s | at most 1.00 |\n' "$(ratio_cell "${WALL[queue client]}" "${WALL[queue wget2]}")"
    printf '| (for reference) wall: bin/client --jobs 5 / wget2 -i | %s | — |\n' "$(ratio_cell "${WALL[queue client-j5]}" "${WALL[queue wget2]}")"
    printf '| (for reference) wall: bin/client / wget2 --max-threads=1 -i | %s | — |\n' "$(ratio_cell "${WALL[queue client]}" "${WALL[queue wget2-t1]}")"
    printf '| (for reference) wall: bin/client / aria2c -i | %s | — |\n' "$(ratio_cell "${WALL[queue client]}" "${WALL[queue aria2c]}")"
fi

# ---------------------------------------------------------------- rss

declare -A RSS_NAME=() RSS_HASH=()
rss_run() {
    local b=$1 key="rss $1" out=$DL/${RSS_NAME[$1]}
    clean_dl
    dl_cmd client "$NGINX_FAST${RSS_NAME[$b]}" "$out" "${RSS_HASH[$b]}" 4
    measure "$key" "${CMD[@]}"
    check_file "$key" "$out" "$b" "${RSS_HASH[$b]}"
}

if part_on rss; then
    sizes=()
    notes=""
    for b in "${RSS_SIZES[@]}"; do
        if ! room_for "$b"; then
            notes+="- $ROOM_NOTE"$'\n'
            log "rss: $ROOM_NOTE"
            continue
        fi
        sample "$b"
        RSS_NAME[$b]=$SAMPLE RSS_HASH[$b]=$SAMPLE_HASH
        sizes+=("$b")
    done
    rruns=$RUNS
    ((rruns <= 3)) || rruns=3 # peak RSS hardly varies; the 4 GiB runs are long
    load0=$(load_now) t0=$(now_us)
    alternate rss_run "$rruns" "${sizes[@]}"
    secs=$(secs_since "$t0")
    printf '\n### Peak RSS of bin/client by file size (nginx, unthrottled, default mode)\n\n'
    printf -- '- peak RSS: the largest resident set of the process (`/usr/bin/time` %%M), median (min–max) of %s runs per size, sizes alternated\n' "$rruns"
    printf -- '- load average before: %s; %.0f s of runs\n' "$load0" "$secs"
    printf '%s\n' "$notes"
    printf '| file | peak RSS MiB | wall s | CPU s |\n|---|---:|---:|---:|\n'
    lo="" hi=""
    for b in "${sizes[@]}"; do
        k="rss $b"
        printf '| %s | %s | %s | %s |\n' "$(human_size "$b")" "$(cell "${RSS[$k]}" 1)" \
            "$(cell "${WALL[$k]}")" "$(cell "${CPU[$k]}")"
        m=$(med "${RSS[$k]}")
        if [[ -z $lo ]] || awk -v a="$m" -v b="$lo" 'BEGIN { exit !(a < b) }'; then lo=$m; fi
        if [[ -z $hi ]] || awk -v a="$m" -v b="$hi" 'BEGIN { exit !(a > b) }'; then hi=$m; fi
    done
    printf '\n| issue 9 target | measured | target |\n|---|---:|---:|\n'
    printf '| largest median peak RSS | %.1f MiB | at most 16 MiB |\n' "$hi"
    printf '| growth: largest / smallest median peak RSS, %s to %s | %s | flat (1.00) |\n' \
        "$(human_size "${sizes[0]}")" "$(human_size "${sizes[-1]}")" "$(ratio "$hi" "$lo")"
fi

# ---------------------------------------------------------------- server

srvdl_run() {
    local who=$1 key="srvdl $1" url out=$DL/$SAMPLE
    clean_dl
    if [[ $who == nginx ]]; then url=$NGINX_PLAIN$SAMPLE; else url=$SERVER_URL$SAMPLE; fi
    dl_cmd aria2c "$url" "$out" "$SAMPLE_HASH" 4
    measure "$key" "${CMD[@]}"
    check_file "$key" "$out" "$SRV_DL" "$SAMPLE_HASH"
}

WRK_C=0
wrk_one() {
    if [[ $1 == nginx ]]; then
        mapfile -t pids < <(nginx_pids)
        wrk_run "wrk nginx $WRK_C" "$NGINX_PLAIN$SMALL" "$WRK_C" "${pids[@]}"
    else
        wrk_run "wrk server $WRK_C" "$SERVER_URL$SMALL" "$WRK_C" "$SERVER_PID"
    fi
}

if part_on server; then
    sample 4096
    SMALL=$SAMPLE SMALL_HASH=$SAMPLE_HASH
    sample "$SRV_DL"
    start_server "$FILES_DIR/$SMALL" "$FILES_DIR/$SAMPLE"
    for u in "$NGINX_PLAIN" "$SERVER_URL"; do
        got=$(curl -q -sS -f "$u$SMALL" | sha256sum | cut -d' ' -f1)
        [[ $got == "$SMALL_HASH" ]] || die "$u$SMALL: SHA-256 MISMATCH: $got"
    done
    load0=$(load_now) t0=$(now_us)
    # Warm-up: one short untimed wrk run against each server.
    for u in "$NGINX_PLAIN" "$SERVER_URL"; do
        wrk -t2 -c64 -d1s "$u$SMALL" >/dev/null 2>&1 || die "warm-up wrk against $u failed"
    done
    for WRK_C in "${WRK_CONNS[@]}"; do
        alternate wrk_one "$RUNS" nginx server
    done
    alternate srvdl_run "$RUNS" nginx server
    secs=$(secs_since "$t0")

    printf '\n### bin/server against nginx\n\n'
    printf -- '- nginx: sendfile on, `worker_processes auto` (one per core: %s), access log off, listen backlog 4096 (bin/server'"'"'s), otherwise defaults (keepalive_requests 1000, open_file_cache off); bin/server --quiet with its defaults (one worker thread per core)\n' "$(nproc)"
    printf -- '- wrk -t2 -cN -d%ss --latency on the same 2 cores as the server: req/s and latency are of the pair; CPU s: the server'"'"'s processes during the run, and wrk'"'"'s own\n' "$WRK_SECS"
    printf -- '- load average before: %s; %.0f s of runs\n\n' "$load0" "$secs"
    printf '| %s file, connections | server | req/s | p50 ms | p99 ms | server CPU s | wrk CPU s | machine cores busy | socket errors |\n' "$(human_size 4096)"
    printf '|---|---|---:|---:|---:|---:|---:|---:|---:|\n'
    for c in "${WRK_CONNS[@]}"; do
        for who in nginx server; do
            k="wrk $who $c"
            printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$c" \
                "$([[ $who == nginx ]] && echo nginx || echo bin/server)" \
                "$(cell "${REQS[$k]}" 0)" "$(cell "${P50[$k]}" 2)" "$(cell "${P99[$k]}" 2)" \
                "$(cell "${SRVCPU[$k]}")" "$(cell "${CPU[$k]}")" "$(cell "${BUSY[$k]}")" \
                "$(med "${ERRS[$k]}" | cut -d. -f1)"
        done
    done
    printf '\n| %s, `aria2c -x4 -s4 -k1M --file-allocation=none` from | wall s | MiB/s | aria2c CPU s |\n|---|---:|---:|---:|\n' "$(human_size "$SRV_DL")"
    for who in nginx server; do
        k="srvdl $who"
        printf '| %s | %s | %s | %s |\n' "$([[ $who == nginx ]] && echo nginx || echo bin/server)" \
            "$(cell "${WALL[$k]}")" "$(mibs "$SRV_DL" "$(med "${WALL[$k]}")")" "$(cell "${CPU[$k]}")"
    done
    printf '\n| issue 9 target | ratio of medians (range of per-round ratios) | target |\n|---|---:|---:|\n'
    for c in "${WRK_CONNS[@]}"; do
        printf '| req/s at %s connections: bin/server / nginx | %s | at least 1.15 |\n' "$c" \
            "$(ratio_cell "${REQS[wrk server $c]}" "${REQS[wrk nginx $c]}")"
        printf '| p99 at %s connections: bin/server / nginx | %s | at most 1.00 |\n' "$c" \
            "$(ratio_cell "${P99[wrk server $c]}" "${P99[wrk nginx $c]}")"
    done
    printf '| aria2c -x4 wall: from bin/server / from nginx | %s | at most 1.00 |\n' \
        "$(ratio_cell "${WALL[srvdl server]}" "${WALL[srvdl nginx]}")"
fi
log "targets: done"
