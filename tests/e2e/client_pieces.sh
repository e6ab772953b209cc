#!/usr/bin/env bash
# tests/e2e/client_pieces.sh - how bin/client spreads one file over its
# connections, against bin/server with a per-connection rate limit: the
# connections take pieces in file order, so the SHA-256 follows the
# download instead of hashing most of the file after the last byte (the
# --plain progress lines say how much is hashed), and each connection
# still fetches about a quarter of the file, on a connection kept open
# from piece to piece; and the files of a queue share their connections
# (the server's access log names each request's client port). No speed is
# judged: the checks compare bytes and count connections.
. "$(dirname "$0")/lib.sh"
: "${CLIENT:?CLIENT must name the bin/client to test}"

root=$T_DIR/root
data=$T_DIR/data
mkdir -p "$root" "$data"
MIB=$((1 << 20))
size=$((128 * MIB))
mkfile "$root/big.bin" "$size" 51
# 6 MiB/s per connection: about 5 s over 4 connections, a progress line a second.
start_server "$root" --limit-rate $((6 * MIB)) || done_testing

printf 'big.bin\n' > "$T_DIR/input.txt"
"$CLIENT" --server "$BASE" --dir "$data" --plain --input "$T_DIR/input.txt" --once \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "big.bin downloads" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check_eq "... with the served SHA-256" "$(sha "$root/big.bin")" "$(sha "$data/big.bin" 2> /dev/null)"

# Each progress line: "big.bin  52.3%  67.0 MiB of 128.0 MiB  ...  4 connections, 60.1 MiB hashed".
# With four equal chunks the hash can follow only the first one: three
# quarters of what is written wait for the end (30 MiB of the first 40).
# With pieces in file order at most the pieces in flight do (4 x 4 MiB here).
python3 - "$T_DIR/client.out" $((40 * MIB)) $((24 * MIB)) > "$T_DIR/lag" <<'EOF'
import re, sys
units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
def size(num, unit):
    return float(num) * units[unit]
path, after, bound = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen, worst, bad = 0, 0, []
for line in open(path, errors="replace"):
    m = re.search(r" ([0-9.]+) (B|KiB|MiB|GiB) of [0-9.]+ (?:B|KiB|MiB|GiB) .*"
                  r"connections?, ([0-9.]+) (B|KiB|MiB|GiB) hashed$", line.rstrip("\n"))
    if not m:
        continue
    done, hashed = size(m.group(1), m.group(2)), size(m.group(3), m.group(4))
    if done < after:
        continue
    seen += 1
    worst = max(worst, done - hashed)
    if done - hashed > bound:
        bad.append(line.strip())
print(seen, int(worst), len(bad))
for b in bad[:3]:
    print(b)
EOF
read -r nlines worst nbad < "$T_DIR/lag"
check "progress lines past 40 MiB report how much is hashed ($nlines lines)" test "${nlines:-0}" -ge 1
check "... and the hash trails the written bytes by at most 24 MiB (at most $((${worst:-0} / MIB)) MiB)" \
    test "${nbad:-1}" -eq 0

# From the server's access log: the connections (client ports) and what each fetched.
python3 - "$T_DIR/server.out" "$size" > "$T_DIR/conns" <<'EOF'
import re, sys
per_port, nreq = {}, 0
for line in open(sys.argv[1]):
    m = re.match(r"\S+ 127\.0\.0\.1:(\d+) GET /big\.bin 206 (\d+) ", line)
    if m:
        nreq += 1
        per_port[m.group(1)] = per_port.get(m.group(1), 0) + int(m.group(2))
top = sorted(per_port.values(), reverse=True)[:4]
print(nreq, len(per_port), min(top) if len(top) == 4 else 0, max(top) if top else 0)
EOF
read -r nreq nports least most < "$T_DIR/conns"
size8=$((size / 8))
size2=$((size / 2))
check "big.bin came in pieces: $nreq range requests" test "${nreq:-0}" -ge 8
check "... over few connections kept open from piece to piece ($nports)" \
    test "${nports:-99}" -ge 4 -a "${nports:-99}" -le 8
check "... the four busiest each fetched about a quarter ($((${least:-0} / MIB))-$((${most:-0} / MIB)) MiB)" \
    test "${least:-0}" -ge "$size8" -a "${most:-0}" -le "$size2"
check "the client's stderr has no sanitizer report" sanitizer_clean "$T_DIR/client.err"

# --- a queue of small files: one connection for all of them ------------------------
stop_server
for i in $(seq -w 1 20); do mkfile "$root/s$i.bin" 65536 "$((100 + 10#$i))"; done
START_PORT=$PORT start_server "$root" || done_testing
seq -w 1 20 | sed 's/^/s/; s/$/.bin/' > "$T_DIR/small.txt"
rm -rf "$data" && mkdir -p "$data"
"$CLIENT" --server "$BASE" --dir "$data" --plain --jobs 1 --input "$T_DIR/small.txt" --once \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "20 small files download with --jobs 1" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... each with the served SHA-256" \
    bash -c "cd '$root' && sha256sum s*.bin | (cd '$data' && sha256sum -c --quiet)"
ports=$(sed -n 's|^\S* 127\.0\.0\.1:\([0-9]*\) GET /s[0-9]*\.bin .*|\1|p' "$T_DIR/server.out" | sort -u | wc -l)
files=$(grep -c ' GET /s[0-9]*\.bin 20[06] ' "$T_DIR/server.out")
check_eq "... all $files requests on one connection, kept from file to file" 1 "$ports"
check "the client's stderr has no sanitizer report" sanitizer_clean "$T_DIR/client.err"

# --- by default the queue's files share --connections ---------------------------------
# 12 small files, each paced (256 KiB/s per connection: about 0.4 s each), then
# a large one: the small ones download up to 4 at once, never over more than
# the 4 connections, and the large one gets all 4 of them.
stop_server
for i in $(seq -w 1 12); do mkfile "$root/p$i.bin" $((128 << 10)) "$((200 + 10#$i))"; done
mkfile "$root/tail.bin" $((8 * MIB)) 77
START_PORT=$PORT start_server "$root" --limit-rate $((256 << 10)) || done_testing
{ seq -w 1 12 | sed 's/^/p/; s/$/.bin/'; echo tail.bin; } > "$T_DIR/shared.txt"
rm -rf "$data" && mkdir -p "$data"
"$CLIENT" --server "$BASE" --dir "$data" --plain --input "$T_DIR/shared.txt" --once \
    > "$T_DIR/client.out" 2> "$T_DIR/client.err"
check_status "12 paced small files and a large one download by default" 0 $? "$T_DIR/client.out" "$T_DIR/client.err"
check "... each with the served SHA-256" \
    bash -c "cd '$root' && sha256sum p*.bin tail.bin | (cd '$data' && sha256sum -c --quiet)"
small_ports=$(sed -n 's|^\S* 127\.0\.0\.1:\([0-9]*\) GET /p[0-9]*\.bin .*|\1|p' "$T_DIR/server.out" | sort -u | wc -l)
all_ports=$(sed -n 's|^\S* 127\.0\.0\.1:\([0-9]*\) GET /[pt][a-z0-9]*\.bin .*|\1|p' "$T_DIR/server.out" | sort -u | wc -l)
tail_ports=$(sed -n 's|^\S* 127\.0\.0\.1:\([0-9]*\) GET /tail\.bin 206 .*|\1|p' "$T_DIR/server.out" | sort -u | wc -l)
check "... the small files several at once (over $small_ports connections, more than 1)" \
    test "$small_ports" -ge 2
check_eq "... never over more than the 4 connections (all requests came from $all_ports)" 4 "$all_ports"
check "... and the large file over all 4 of them ($tail_ports)" test "$tail_ports" -eq 4
check "the client's stderr has no sanitizer report" sanitizer_clean "$T_DIR/client.err"

stop_server
done_testing
