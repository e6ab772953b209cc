#!/bin/sh
# scripts/run.sh - what "make run" does: serve resources/ with bin/server in
# the background (each connection limited, so the progress bars visibly
# move), run bin/client in the foreground on input.txt, and stop the
# server when the client ends (q, Ctrl-C, or an error).
#
#   PORT=9000 RATE=8M make run
set -u
cd "$(dirname "$0")/.." || exit 2
port=${PORT:-8080}
rate=${RATE:-4M}
log=build/run/server.log
mkdir -p build/run data
# A log left by the previous run must not pass for this server's "listening on".
rm -f "$log"

bin/server --port "$port" --bind 127.0.0.1 --root resources --catalog text.txt \
    --limit-rate "$rate" > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT INT TERM

# Wait for "listening on ...": the catalog is written by then.
i=0
until [ -f "$log" ] && head -n 1 "$log" | grep -q '^listening on '; do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "run: the server did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then
        echo "run: the server did not start within 30 s (see $log)" >&2
        exit 1
    fi
    sleep 0.1
done
echo "run: $(head -n 1 "$log") (access log: $log, $rate per connection)"

bin/client --server "http://127.0.0.1:$port" --input input.txt --dir data
status=$?
echo "run: the client exited with status $status; stopping the server"
exit "$status"
