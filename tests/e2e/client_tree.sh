#!/usr/bin/env bash
# tests/e2e/client_tree.sh - catalog paths on the client side: files in
# subdirectories of the server's root arrive under the same paths in
# --dir, the directories are created without following a symlink planted
# in --dir (at any depth), and a catalog naming a path outside --dir is
# refused whole. Nothing is ever written outside --dir.
. "$(dirname "$0")/lib.sh"
: "${CLIENT:?CLIENT must name the bin/client to test}"

root=$T_DIR/root
data=$T_DIR/data
outside=$T_DIR/outside
mkdir -p "$root/iso" "$root/a/b c" "$root/ünï/cödé" "$outside"
mkfile "$root/iso/debian.iso" 700000 31
mkfile "$root/a/b c/d.txt" 5000 32
mkfile "$root/ünï/cödé/x.bin" 3000 33
mkfile "$root/top.bin" 1000 34
start_server "$root" || done_testing

same() { [ -f "$data/$1" ] && [ "$(sha "$root/$1")" = "$(sha "$data/$1")" ]; }
nothing_outside() { [ -z "$(ls -A "$outside")" ]; }

# --- nested names in the queue -------------------------------------------------
printf '%s\n' iso/debian.iso 'a/b c/d.txt' 'ünï/cödé/x.bin' top.bin > "$T_DIR/input.txt"
"$CLIENT" --server "$BASE" --dir "$data" --plain --once --input "$T_DIR/input.txt" \
    > "$T_DIR/out" 2> "$T_DIR/err"
check_status "a queue of nested catalog paths downloads (exit 0)" 0 $? "$T_DIR/out" "$T_DIR/err"
for f in iso/debian.iso 'a/b c/d.txt' 'ünï/cödé/x.bin' top.bin; do
    check "$f arrived under the same path with the served SHA-256" same "$f"
done
check "no partial file is left in a subdirectory" \
    bash -c "! find '$data' -name '.*' | grep -q ."

# --- get with a path --------------------------------------------------------------
"$CLIENT" get 'a/b c/d.txt' --server "$BASE" --dir "$T_DIR/get" --plain > "$T_DIR/out" 2>&1
check_status "get of a nested path exits 0" 0 $? "$T_DIR/out"
check_eq "... and writes it below --dir" "$(sha "$root/a/b c/d.txt")" "$(sha "$T_DIR/get/a/b c/d.txt")"

# --- a symlink planted in --dir is not followed ---------------------------------------
mkdir -p "$T_DIR/d2"
ln -s "$outside" "$T_DIR/d2/iso"
"$CLIENT" get iso/debian.iso --server "$BASE" --dir "$T_DIR/d2" --plain > "$T_DIR/out" 2>&1
check_status "a symlinked directory in --dir fails the download" 1 $? "$T_DIR/out"
check "... saying it is a symlink" grep -q 'symlink' "$T_DIR/out"
check "... and nothing is written where it points" nothing_outside

mkdir -p "$T_DIR/d3/a"
ln -s "$outside" "$T_DIR/d3/a/b c"
"$CLIENT" get 'a/b c/d.txt' --server "$BASE" --dir "$T_DIR/d3" --plain > "$T_DIR/out" 2>&1
check_status "a symlink one level deeper fails too" 1 $? "$T_DIR/out"
check "... and nothing is written where it points" nothing_outside

mkdir -p "$T_DIR/d4/iso"
ln -s "$outside/victim" "$T_DIR/d4/iso/debian.iso"
"$CLIENT" get iso/debian.iso --server "$BASE" --dir "$T_DIR/d4" --plain > "$T_DIR/out" 2>&1
check_status "a dangling symlink as the final name is a failure, not 'sha256 ok'" 1 $? \
    "$T_DIR/out"
check "... and the file it points to was not created" nothing_outside
check "... and no 'sha256 ok' was printed" bash -c "! grep -q 'sha256 ok' '$T_DIR/out'"

# --- a catalog with a path out of --dir is refused whole ----------------------------
evil=$T_DIR/evil
mkdir -p "$evil"
printf '../../escape.bin\t5\t%s\nok.bin\t5\t%s\n' "$(printf x | sha256sum | cut -c1-64)" \
    "$(printf x | sha256sum | cut -c1-64)" > "$evil/text.txt"
printf 'hello' > "$evil/ok.bin"
eport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$evil" "$eport" > /dev/null 2>&1 &
epid=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$eport/text.txt" && break
    sleep 0.1
done
"$CLIENT" get ok.bin --server "http://127.0.0.1:$eport" --dir "$T_DIR/d5/inner" --plain \
    > "$T_DIR/out" 2>&1
status=$?
kill "$epid" 2>/dev/null
wait "$epid" 2>/dev/null
check_status "a catalog naming ../../escape.bin is refused (exit 1)" 1 "$status" "$T_DIR/out"
check "... as not valid" grep -q 'not valid' "$T_DIR/out"
check "... and nothing appeared beside --dir" test ! -e "$T_DIR/escape.bin" -a ! -e "$T_DIR/d5/escape.bin"

done_testing
