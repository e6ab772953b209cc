#!/usr/bin/env bash
# tests/e2e/client_durable.sh - what bin/client asks of the disk in each
# durability mode, seen through strace: by default (safe against any
# process kill) no fsync, fdatasync or sync_file_range at all; with
# --fsync (or PDM_FSYNC=1) write-back is started while the file
# downloads, the partial file is fsynced before it takes its name, and
# the directory after. Power loss itself cannot be staged here, so the
# test checks the order of the calls that give the guarantee, and the
# bytes of every download.
. "$(dirname "$0")/lib.sh"
: "${CLIENT:?CLIENT must name the bin/client to test}"

if ! command -v strace > /dev/null 2>&1; then
    echo "# SKIP strace is missing (scripts/deps.sh test installs it)"
    done_testing
fi
root=$T_DIR/root
mkdir -p "$root"
MIB=$((1 << 20))
# Past the hasher's 8 MiB write-back step several times over, on 4 connections.
mkfile "$root/big.bin" $((48 * MIB)) 61
start_server "$root" || done_testing
want=$(sha "$root/big.bin")

# One download under strace into DIR; the trace goes to DIR.trace.
traced_get() {
    local dir=$1
    shift
    mkdir -p "$dir"
    # LeakSanitizer cannot run under ptrace; every other test checks for leaks.
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -o "$dir.trace" -e trace=fsync,fdatasync,sync_file_range,renameat2,renameat,rename,linkat \
        "$@" get "$BASE/big.bin" --dir "$dir" --plain --quiet > "$dir.out" 2> "$dir.err"
}

# Prints what the trace shows, one word per line: writeback (a
# sync_file_range), fsync (an fsync or fdatasync that succeeded),
# commit (the partial file renamed or linked to big.bin).
summarize() {
    python3 - "$1" <<'PY'
import re, sys
for line in open(sys.argv[1], errors="replace"):
    if re.search(r"\bsync_file_range\(", line):
        print("writeback")
    elif re.search(r"\b(fsync|fdatasync)\(.*= 0$", line.rstrip()):
        print("fsync")
    elif re.search(r"\b(renameat2?|rename|linkat)\(.*\.big\.bin\.part\".*\"big\.bin\".*= 0", line):
        print("commit")
PY
}

traced_get "$T_DIR/plain" "$CLIENT"
check_status "the default mode downloads big.bin" 0 $? "$T_DIR/plain.out" "$T_DIR/plain.err"
check_eq "... with the served SHA-256" "$want" "$(sha "$T_DIR/plain/big.bin" 2> /dev/null)"
summarize "$T_DIR/plain.trace" > "$T_DIR/plain.calls"
check_eq "... and never waits on the disk: no fsync, fdatasync or sync_file_range" \
    "commit" "$(grep -v '^$' "$T_DIR/plain.calls" | sort -u | tr '\n' ' ' | sed 's/ $//')"

check_durable() {
    local name=$1 calls=$2
    check "$name starts write-back while it downloads" grep -qx writeback "$calls"
    # The first commit must come after an fsync (the partial file's), and an fsync must follow it (the directory's).
    check_eq "$name fsyncs the file before it takes its name, and the directory after" "fsync commit fsync" \
        "$(grep -v writeback "$calls" | grep -A1 -B1 -m1 commit | tr '\n' ' ' | sed 's/ $//')"
}

traced_get "$T_DIR/durable" "$CLIENT" --fsync
check_status "--fsync downloads big.bin" 0 $? "$T_DIR/durable.out" "$T_DIR/durable.err"
check_eq "... with the served SHA-256" "$want" "$(sha "$T_DIR/durable/big.bin" 2> /dev/null)"
summarize "$T_DIR/durable.trace" > "$T_DIR/durable.calls"
check_durable "--fsync" "$T_DIR/durable.calls"

PDM_FSYNC=1 traced_get "$T_DIR/env" "$CLIENT"
check_status "PDM_FSYNC=1 downloads big.bin" 0 $? "$T_DIR/env.out" "$T_DIR/env.err"
check_eq "... with the served SHA-256" "$want" "$(sha "$T_DIR/env/big.bin" 2> /dev/null)"
summarize "$T_DIR/env.trace" > "$T_DIR/env.calls"
check_durable "PDM_FSYNC=1" "$T_DIR/env.calls"

stop_server
done_testing
