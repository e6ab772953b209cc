#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # backticks in strings are markdown
# bench/run_all.sh - the whole benchmark suite, one entry point: the
# targets of issue 9 (bench/targets.sh) and the scaling curves
# (bench/scale.sh), measured on one copy of bin/client and bin/server,
# under a header that says when, what (the commit) and where (the
# machine, its load during the run, how much of its CPU went elsewhere).
#
#   bench/run_all.sh > results.md           tables on stdout, plots in build/bench/plots/
#   nice -n -5 bench/run_all.sh --update    the same, and rewrite the results part of
#                                           docs/BENCHMARKS.md and bench/plots/*.png
#   BENCH_QUICK=1 bench/run_all.sh          a smoke test of every scenario (a minute)
#
# The settings of bench/lib.sh apply (BENCH_RUNS, BENCH_SCALE_RUNS,
# BENCH_QUICK, BENCH_PART, BENCH_BIN_DIR, BENCH_WRK_SECS). --update needs
# a full run (not BENCH_QUICK, every part) and replaces what lies between
# the "bench:results" markers of docs/BENCHMARKS.md. Progress goes to
# stderr. A failure of any scenario stops the whole run with its error.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

update=0
case ${1:-} in
--update) update=1 ;;
'') ;;
*)
    printf 'usage: bench/run_all.sh [--update]\n' >&2
    exit 2
    ;;
esac
check_parts
if ((update)); then
    ((QUICK == 0)) || die "--update takes a full run: unset BENCH_QUICK"
    [[ $PART == all ]] || die "--update takes every part: unset BENCH_PART"
fi
readonly DOC=$TOP/docs/BENCHMARKS.md
readonly BEGIN_MARK='<!-- bench:results:begin (written by bench/run_all.sh --update) -->'
readonly END_MARK='<!-- bench:results:end -->'
if ((update)); then
    if ! grep -qxF "$BEGIN_MARK" "$DOC" || ! grep -qxF "$END_MARK" "$DOC"; then
        die "$DOC lacks the lines '$BEGIN_MARK' and '$END_MARK'"
    fi
fi
bench_init nginx wget2 curl aria2c axel wrk gnuplot openssl python3 sha256sum

# Both scripts copy the binaries from here: one build for the whole run.
export BENCH_BIN_DIR=$TMP/bin BENCH_RUNS=$RUNS BENCH_SCALE_RUNS=$SCALE_RUNS BENCH_WRK_SECS=$WRK_SECS
if ((update)); then
    export BENCH_PLOT_DIR=$TMP/plots BENCH_PLOT_REF=../bench/plots # as seen from docs/
    mkdir -p "$BENCH_PLOT_DIR"
else
    export BENCH_PLOT_DIR=$PLOT_DIR
fi

# The machine's load: the 1-minute load average every 10 s, and the CPU
# time all cores spent busy (/proc/stat) against what this run used.
(
    while :; do
        cut -d' ' -f1 /proc/loadavg
        sleep 10
    done
) >"$TMP/load.log" &
track $!
# Busy: user, nice, system, irq, softirq; steal: taken by the hypervisor.
busy_now() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; }
read -r busy0 steal0 < <(busy_now)
uptime0=$(uptime | sed 's/^ *//')
date0=$(date -u '+%Y-%m-%d %H:%M UTC')
t0=$(now_us)

for script in targets scale; do
    log "running bench/$script.sh"
    "$TOP/bench/$script.sh" >"$TMP/$script.md"
done

secs=$(secs_since "$t0")
read -r busy1 steal1 < <(busy_now)
uptime1=$(uptime | sed 's/^ *//')
# CPU of every process this run waited for (the scripts, the tools,
# nginx, bin/server), as bash's 'times' counts its children.
# 'times' must run in this shell: a $(...) subshell has children of its own.
times >"$TMP/times.out"
ours=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { v = $i; sub(/s$/, "", v)
        split(v, a, "m"); t += a[1] * 60 + a[2] } printf "%.0f", t }' "$TMP/times.out")
hz=$(getconf CLK_TCK)
all=$(awk -v a="$busy0" -v b="$busy1" -v h="$hz" 'BEGIN { printf "%.0f", (b - a) / h }')
steal=$(awk -v a="$steal0" -v b="$steal1" -v h="$hz" 'BEGIN { printf "%.0f", (b - a) / h }')

{
    printf '## Results: the run of %s\n\n' "$date0"
    printf -- '- commit measured: %s\n' "$(git_md)"
    printf -- '- command: `%sbench/run_all.sh%s` with BENCH_RUNS=%s, BENCH_SCALE_RUNS=%s, BENCH_WRK_SECS=%s%s (niceness %s)\n' \
        "$( [[ $(nice) == 0 ]] || printf 'nice -n %s ' "$(nice)")" "$( ((update == 0)) || printf ' --update')" \
        "$RUNS" "$SCALE_RUNS" "$WRK_SECS" "$( [[ $PART == all ]] || printf ', BENCH_PART=%s' "$PART")" "$(nice)"
    ((QUICK == 0)) || printf -- '- **QUICK mode: small sizes and short runs, a smoke test; not the targets'"'"' sizes**\n'
    printf -- '- took %.1f min (%.0f s)\n' "$(awk -v s="$secs" 'BEGIN { print s / 60 }')" "$secs"
    printf -- '- load: `uptime` before: %s; after: %s\n' "${uptime0# }" "${uptime1# }"
    printf -- '- 1-minute load average every 10 s during the run: %s\n' \
        "$(sort -g "$TMP/load.log" | awk '{ v[NR] = $1; s += $1 }
            END { if (NR) printf "%.2f to %.2f, mean %.2f (%d samples)", v[1], v[NR], s / NR, NR }')"
    printf -- '- CPU: the cores were busy for %s core-seconds of the %.0f available; this run used %s of them, other work on the machine about %s; the hypervisor took (steal) %s\n' \
        "$all" "$(awk -v s="$secs" -v n="$(nproc)" 'BEGIN { print s * n }')" "$ours" "$((all > ours ? all - ours : 0))" "$steal"
    printf '\n### Machine\n\n'
    machine_md
    printf '\n'
    cat "$TMP/targets.md"
    printf '\n'
    cat "$TMP/scale.md"
} >"$TMP/results.md"

if ((update)); then
    mkdir -p "$TOP/bench/plots"
    cp "$BENCH_PLOT_DIR"/*.png "$BENCH_PLOT_DIR"/*.dat "$TOP/bench/plots/"
    awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v f="$TMP/results.md" '
        $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
        $0 == e { skip = 0 }
        !skip' "$DOC" >"$TMP/doc.md"
    mv -f "$TMP/doc.md" "$DOC"
    log "rewrote the results in $DOC and the plots in bench/plots/"
fi
cat "$TMP/results.md"
log "run_all: done in ${secs}s"
