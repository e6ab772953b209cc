#!/usr/bin/env bash
# tests/e2e/server_files.sh - bin/server publishes a directory correctly:
# the catalog matches sha256sum of the tree, every file comes back whole
# and in ranges with the right bytes (curl, wget, aria2c), 32 ranged
# downloads at once reassemble to the right hash, keep-alive reuses the
# connection, and nothing outside the root is ever served.
. "$(dirname "$0")/lib.sh"

root=$T_DIR/root
mkdir -p "$root"
big=$(big_size)
mkfile "$root/big.bin" "$big" 11
mkfile "$root/small.bin" 100000 12
mkfile "$root/notes on it.txt" 5000 13
: > "$root/empty.dat"
printf 'héllo wörld\n' > "$root/ünïcode.txt"
printf 'secret\n' > "$root/.hidden"
printf 'tab\n' > "$root/bad$(printf '\t')name"
ln -s /etc/passwd "$root/passwd-link"
mkdir "$root/subdir"
printf 'x\n' > "$root/subdir/inner.txt"

start_server "$root" || done_testing

# --- the catalog -----------------------------------------------------------
published=(big.bin empty.dat "notes on it.txt" small.bin subdir/inner.txt "ünïcode.txt")
expected=$T_DIR/expected.txt
{
    printf '# name\tsize\tsha256\n'
    for f in "${published[@]}"; do
        printf '%s\t%s\t%s\n' "$f" "$(stat -c %s "$root/$f")" "$(sha "$root/$f")"
    done | LC_ALL=C sort
} > "$expected"
check "the catalog file equals sha256sum of the published files" cmp -s "$expected" "$T_DIR/text.txt"
curl -sf "$BASE/text.txt" -o "$T_DIR/served.txt"
check "GET /text.txt serves the same catalog" cmp -s "$expected" "$T_DIR/served.txt"
check "the hidden file is not published" bash -c "! grep -q hidden '$T_DIR/text.txt'"
check "a name with a TAB is not published" bash -c "! grep -q '^bad' '$T_DIR/text.txt'"
check "the TAB name is reported on stderr" grep -q "not publishing 'bad" "$T_DIR/server.err"
check "the symlink is reported as not followed" grep -q "passwd-link.*symbolic" "$T_DIR/server.err"
check "a file in a subdirectory is published under its path" grep -q "^subdir/inner.txt$(printf '\t')" "$T_DIR/text.txt"

# --- whole files -------------------------------------------------------------
for f in "${published[@]}"; do
    url="$BASE/$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$f")"
    rm -f "$T_DIR/got"
    curl -sf "$url" -o "$T_DIR/got"
    check_eq "curl gets $f whole with the right SHA-256" "$(sha "$root/$f")" "$(sha "$T_DIR/got")"
done
wget -q -O "$T_DIR/wget.bin" "$BASE/small.bin"
check_eq "wget gets small.bin with the right SHA-256" "$(sha "$root/small.bin")" "$(sha "$T_DIR/wget.bin")"

# --- ranges ------------------------------------------------------------------
# range_check FILE SPEC FIRST LAST: curl -r SPEC must return bytes FIRST..LAST
range_check() {
    local f=$1 spec=$2 first=$3 last=$4 status
    status=$(curl -s -r "$spec" -o "$T_DIR/part" -w '%{http_code}' "$BASE/$f")
    tail -c +$((first + 1)) "$root/$f" | head -c $((last - first + 1)) > "$T_DIR/want"
    if [ "$status" = 206 ] && cmp -s "$T_DIR/want" "$T_DIR/part"; then
        ok "Range $spec of $f gives 206 and bytes $first-$last"
    else
        not_ok "Range $spec of $f gives 206 and bytes $first-$last" "status $status, $(wc -c < "$T_DIR/part") bytes"
    fi
}
range_check small.bin 0-0 0 0
range_check small.bin 0-99 0 99
range_check small.bin 99999-99999 99999 99999
range_check small.bin 50000- 50000 99999
range_check small.bin -100 99900 99999
range_check small.bin -200000 0 99999
range_check small.bin 12345-999999999 12345 99999
range_check big.bin $((big / 2))-$((big / 2 + 1048575)) $((big / 2)) $((big / 2 + 1048575))

status=$(curl -s -D "$T_DIR/h416" -r 100000- -o /dev/null -w '%{http_code}' "$BASE/small.bin")
check_eq "a range starting at the size gives 416" 416 "$status"
check "the 416 says Content-Range: bytes */100000" grep -qi '^content-range: bytes \*/100000' "$T_DIR/h416"
status=$(curl -s -H 'Range: bytes=5-1' -o "$T_DIR/got" -w '%{http_code}' "$BASE/small.bin")
check_eq "a malformed Range is ignored: 200" 200 "$status"
check_eq "... with the whole file" "$(sha "$root/small.bin")" "$(sha "$T_DIR/got")"

# --- headers -------------------------------------------------------------------
curl -sI "$BASE/small.bin" > "$T_DIR/head"
check "HEAD gives Content-Length" grep -qi '^content-length: 100000' "$T_DIR/head"
check "HEAD gives Accept-Ranges: bytes" grep -qi '^accept-ranges: bytes' "$T_DIR/head"
check "HEAD gives a strong ETag" grep -qi '^etag: "' "$T_DIR/head"
check "HEAD gives Last-Modified" grep -qi '^last-modified: ' "$T_DIR/head"
b64=$(python3 -c 'import base64,hashlib,sys
print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$root/small.bin")
check "Repr-Digest carries the file's SHA-256" grep -qi "^repr-digest: sha-256=:$b64:" "$T_DIR/head"
check "Digest carries it too (RFC 3230, for aria2)" grep -qi "^digest: SHA-256=$b64" "$T_DIR/head"

# --- 32 concurrent ranged downloads of one file ----------------------------------
n=32
chunk=$(((big + n - 1) / n))
pids=()
for i in $(seq 0 $((n - 1))); do
    first=$((i * chunk))
    last=$((first + chunk - 1))
    [ "$last" -ge "$big" ] && last=$((big - 1))
    curl -s -r "$first-$last" -o "$T_DIR/part.$i" "$BASE/big.bin" &
    pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 0 $((n - 1))); do cat "$T_DIR/part.$i"; done > "$T_DIR/assembled"
check_eq "32 concurrent ranged downloads reassemble to big.bin's SHA-256" "$(sha "$root/big.bin")" "$(sha "$T_DIR/assembled")"

# --- keep-alive ------------------------------------------------------------------
connects=$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' \
    "$BASE/small.bin" "$BASE/empty.dat" "$BASE/text.txt")
check_eq "three requests with curl use one connection (keep-alive)" "1 0 0 " "$connects"

# --- traversal: nothing outside the root ------------------------------------------
for path in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/..%2f..%2fetc%2fpasswd' \
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/..%252f..%252fetc%252fpasswd' '/.hidden' '/%2ehidden' \
    '/passwd-link' '/subdir' '/subdir/' '/subdir/nope' '/nodir/inner.txt' '/%00' '/small.bin%00.txt' \
    '/..\..\etc\passwd' '//etc/passwd' '/bad%09name' '/nonexistent'; do
    status=$(curl -s --path-as-is -o "$T_DIR/trav" -w '%{http_code}' "$BASE$path")
    if { [ "$status" = 400 ] || [ "$status" = 404 ]; } && ! grep -q 'root:\|secret' "$T_DIR/trav"; then
        ok "GET $path is refused ($status) and leaks nothing"
    else
        not_ok "GET $path is refused and leaks nothing" "status $status" "$(head -c 200 "$T_DIR/trav")"
    fi
done

# --- aria2c with 4 connections ---------------------------------------------------------
if aria2c -q -x4 -s4 -k1M --allow-overwrite=true --auto-file-renaming=false \
    --file-allocation=none -d "$T_DIR" -o aria.bin "$BASE/big.bin"; then
    check_eq "aria2c -x4 downloads big.bin with the right SHA-256" "$(sha "$root/big.bin")" "$(sha "$T_DIR/aria.bin")"
else
    not_ok "aria2c -x4 downloads big.bin"
fi
ranged=$(grep -c 'GET /big.bin 206 .* bytes=' "$T_DIR/server.out")
check "aria2c used several range requests ($ranged)" test "$ranged" -ge 2

# --- the access log ------------------------------------------------------------------
check "the access log has one line per request with method, path, status, bytes, range, time" \
    grep -Eq '^[0-9T:.-]+Z 127\.0\.0\.1:[0-9]+ GET /small\.bin 206 100 bytes=0-99 [0-9.]+s$' "$T_DIR/server.out"

stop_server
done_testing
