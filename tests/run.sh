#!/usr/bin/env bash
# tests/run.sh MODE... - run every test against each MODE's build (release,
# asan, tsan): the cmocka unit tests, the fuzz corpora replays and the
# end-to-end scripts. Every program speaks TAP; this script counts its
# "ok" and "not ok" lines (a program that dies without saying "not ok"
# counts as one failure) and ends with the line "N passed, N failed".
# A line with a "# SKIP" directive ("ok 1 - x # SKIP why", or cmocka's
# "not ok 1 # SKIP x") is neither: it is counted and listed as skipped,
# so a test that could not run never passes for one that did.
set -u
cd "$(dirname "$0")/.." || exit 2

pass=0
fail=0
skipped=0
failures=()
skips=()

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Every malloc is filled with 0xbe (not only its first 4 KiB, the default), so a
# field a constructor forgets reads as garbage here instead of as a fresh page's zeros.
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:max_malloc_fill_size=16777216
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
export CMOCKA_MESSAGE_OUTPUT=TAP

# The TAP directive that marks a test point as skipped.
SKIP_RE='^(not )?ok\b[^#]*#[[:space:]]*skip'

# run_tap LABEL TIMEOUT CMD...
run_tap() {
    local label=$1 limit=$2 out rc nok nnot nskip line t0 secs
    shift 2
    t0=$SECONDS
    out=$(timeout --kill-after=10 "$limit" "$@" 2>&1)
    rc=$?
    secs=$((SECONDS - t0))
    nskip=$(grep -Eic "$SKIP_RE" <<<"$out")
    nok=$(grep '^ok ' <<<"$out" | grep -Eicv "$SKIP_RE")
    nnot=$(grep '^not ok ' <<<"$out" | grep -Eicv "$SKIP_RE")
    if [ "$rc" -ne 0 ] && [ "$nnot" -eq 0 ]; then
        out+=$'\n'"not ok - $label exited with status $rc"
        [ "$rc" -eq 124 ] && out+=" (timed out after ${limit}s)"
        nnot=1
    fi
    pass=$((pass + nok))
    fail=$((fail + nnot))
    skipped=$((skipped + nskip))
    if [ "$nnot" -gt 0 ]; then
        failures+=("$label")
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
    while IFS= read -r line; do
        skips+=("$label: ${line#*# }")
    done < <(grep -Ei "$SKIP_RE" <<<"$out")
    if [ "$nskip" -gt 0 ]; then
        printf '%-52s %4d passed, %d failed, %d skipped  %3ds\n' "$label" "$nok" "$nnot" "$nskip" \
            "$secs"
    else
        printf '%-52s %4d passed, %d failed  %3ds\n' "$label" "$nok" "$nnot" "$secs"
    fi
}

for mode in "$@"; do
    build=build/$mode
    if [ "$mode" = release ]; then bindir=bin; else bindir=$build/bin; fi
    echo "== $mode"
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        run_tap "$mode unit ${t##*/}" 120 "$t"
    done
    for r in "$build"/tests/replay_*; do
        [ -x "$r" ] || continue
        name=${r##*/replay_}
        run_tap "$mode fuzz corpus $name" 120 "$r" "tests/fuzz/corpus/$name"
    done
    for s in tests/e2e/*.sh tests/e2e/*_test.py; do
        [ -f "$s" ] && [ "${s##*/}" != lib.sh ] || continue
        case $s in
        *.py) cmd=(python3 "$s") ;;
        *) cmd=(bash "$s") ;;
        esac
        PDM_MODE=$mode SERVER=$PWD/$bindir/server CLIENT=$PWD/$bindir/client \
            MKSAMPLE=$PWD/$build/tools/mksample run_tap "$mode e2e ${s##*/}" 600 "${cmd[@]}"
    done
done

if [ ${#skips[@]} -gt 0 ]; then
    echo "skipped ($skipped, not counted as passed):"
    printf '  %s\n' "${skips[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
