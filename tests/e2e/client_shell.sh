#!/usr/bin/env bash
# tests/e2e/client_shell.sh - client shell against bin/server: a scripted
# session through standard input covering every command (no prompt, errors
# with line numbers, the exit status), then one driven through tmux as a
# person would: readline's prompt, Ctrl-C at the prompt, Ctrl-C during a
# DOWNLOAD (the download stops, its partial file is kept, the shell goes
# on), and Ctrl-D at the prompt ending the session.
. "$(dirname "$0")/lib.sh"
: "${CLIENT:?CLIENT must name the bin/client to test}"

tmx() { tmux -L "pdm-sh-$$" "$@"; }
screen() { tmx capture-pane -p -t sh; }
cleanup_tmux() { tmx kill-server 2> /dev/null; }
trap 'cleanup_tmux; t_cleanup' EXIT

root=$T_DIR/root
mkdir -p "$root" "$T_DIR/data"
big=$(big_size)
mkfile "$root/big.bin" "$big" 5
mkfile "$root/hello.bin" 100000 3
printf 'notes\n' > "$root/notes on it.txt"
mkfile "$T_DIR/local.bin" 300000 9
echo "s3cret-Token_1" > "$T_DIR/token"
export XDG_STATE_HOME=$T_DIR/state
# The tmux part needs a download slow enough to interrupt: about 20 s.
start_server "$root" --token-file "$T_DIR/token" --limit-rate $((big / 80)) || done_testing
net=(--server "$BASE" --token-file "$T_DIR/token" --dir "$T_DIR/data")

# Does this bin/server take uploads yet?
uploads=1
if ! "$CLIENT" put "$T_DIR/token" probe.txt "${net[@]}" > /dev/null 2> "$T_DIR/probe.err"; then
    grep -q '405' "$T_DIR/probe.err" && uploads=0
fi

# --- a scripted session -----------------------------------------------
{
    echo 'HELP'
    echo 'list'
    echo 'DOWNLOAD "notes on it.txt"'
    echo 'download hello.bin'
    if [ $uploads = 1 ]; then
        echo "UPLOAD $T_DIR/local.bin \"up dir/local copy.bin\""
        echo 'LIST'
        echo "Delete 'up dir/local copy.bin'"
    fi
    echo '# a comment, and a blank line'
    echo ''
    echo 'bogus command'
    echo 'DOWNLOAD'
    echo 'LOGOUT'
    echo 'HELP'
} > "$T_DIR/script"
"$CLIENT" shell "${net[@]}" < "$T_DIR/script" > "$T_DIR/out" 2> "$T_DIR/err"
rc=$?
check_status "a session with two bad lines exits 1" 1 "$rc" "$T_DIR/out" "$T_DIR/err"
check "HELP lists the commands" grep -q 'UPLOAD path \[name\]' "$T_DIR/out"
check "there is no prompt when standard input is not a terminal" bash -c "! grep -q '^> ' '$T_DIR/out'"
check "LIST shows the catalog" grep -Eq '^hello\.bin +97\.7 KiB' "$T_DIR/out"
check_eq "DOWNLOAD of a name with a space verifies it" "$(sha "$root/notes on it.txt")" \
    "$(sha "$T_DIR/data/notes on it.txt" 2> /dev/null)"
check_eq "download (lower case) fetches hello.bin" "$(sha "$root/hello.bin")" \
    "$(sha "$T_DIR/data/hello.bin" 2> /dev/null)"
check "DOWNLOAD reports sha256 ok" grep -q '^hello.bin .*sha256 ok' "$T_DIR/out"
if [ $uploads = 1 ]; then
    check "UPLOAD reports the verdict" grep -q '^up dir/local copy.bin .*created (201)' "$T_DIR/out"
    check "DELETE reports the verdict" grep -q '^up dir/local copy.bin: deleted (204)' "$T_DIR/out"
    check "... and the file is gone" test ! -e "$root/up dir/local copy.bin"
else
    echo "ok $((T_N += 1)) # SKIP bin/server answers PUT with 405: UPLOAD and DELETE not tried"
fi
n_bogus=$(grep -n '^bogus command' "$T_DIR/script" | cut -d: -f1)
check "an unknown command is reported with its line number" \
    grep -q "^client: line $n_bogus: unknown command 'bogus'" "$T_DIR/err"
check "a missing argument is explained" grep -q 'DOWNLOAD needs a name: DOWNLOAD name' "$T_DIR/err"
check "the client's stderr has no sanitizer report" sanitizer_clean "$T_DIR/err"
check "nothing runs after LOGOUT" test "$(grep -c 'UPLOAD path \[name\]' "$T_DIR/out")" -eq 1
printf 'HELP\nLIST\n' | "$CLIENT" shell "${net[@]}" > /dev/null 2>&1
check_eq "a session that ends at end of input with no failure exits 0" 0 "$?"

# --- a person at a terminal -------------------------------------------
wait_for() { # SECS PATTERN: until the screen shows PATTERN (grep -E)
    local i
    for i in $(seq $(($1 * 10))); do
        screen | grep -Eq "$2" && return 0
        sleep 0.1
    done
    return 1
}
rm -f "$T_DIR/data/big.bin"
tmx new-session -d -s sh -x 100 -y 30 "env -i PATH=$PATH HOME=$T_DIR XDG_STATE_HOME=$T_DIR/state TERM=screen LANG=C.UTF-8 PS1='$ ' bash --norc --noprofile"
tmx set -g window-size manual > /dev/null 2>&1
wait_for 5 '^\$' || not_ok "the shell in tmux starts"
tmx send-keys -t sh "cd $T_DIR && stty -g > stty.before" Enter
tmx send-keys -t sh "$CLIENT shell --server $BASE --dir data 2> >(tee -a shell.err >&2); echo \$? > status; stty -g > stty.after" Enter
check "the session greets and shows the prompt" wait_for 10 '^> ?$'
tmx send-keys -t sh "this line is typed, then dropped"
sleep 0.3
tmx send-keys -t sh C-c
check "Ctrl-C at the prompt drops the line and shows a new prompt" wait_for 5 'dropped\^C'
tmx send-keys -t sh "help" Enter
check "HELP (typed in lower case) answers" wait_for 5 'DOWNLOAD name +fetch NAME'
tmx send-keys -t sh "DOWNLOAD big.bin" Enter
check "DOWNLOAD shows the watch mode's display, a bar per connection" \
    wait_for 20 "big.bin +from 127.0.0.1:$PORT"
sleep 1
tmx send-keys -t sh C-c
check "Ctrl-C stops the download and returns to the prompt" wait_for 20 '^> ?$'
check "... saying the download is not finished" wait_for 2 'big.bin: not finished'
check "... keeping the partial download for next time" test -f "$T_DIR/data/.big.bin.part.state"
check "... without the file taking its name" test ! -e "$T_DIR/data/big.bin"
tmx send-keys -t sh "list" Enter
check "the session goes on after the interrupted command (LIST)" wait_for 10 'files?, '
tmx send-keys -t sh Up Up Enter
check "history: Up Up brings back DOWNLOAD, which resumes" wait_for 20 "big.bin +from 127.0.0.1:$PORT"
tmx send-keys -t sh C-c
wait_for 20 '^> ?$' || not_ok "the prompt comes back after the second Ctrl-C"
tmx send-keys -t sh C-d
for i in $(seq 100); do [ -s "$T_DIR/stty.after" ] && break; sleep 0.1; done
check_eq "Ctrl-D at the prompt ends the session (status 1: two commands were stopped)" 1 \
    "$(cat "$T_DIR/status" 2> /dev/null)"
check_eq "the terminal modes are as before (stty -g)" "$(cat "$T_DIR/stty.before")" \
    "$(cat "$T_DIR/stty.after" 2> /dev/null)"
check "the client's stderr in tmux has no sanitizer report" sanitizer_clean "$T_DIR/shell.err"

cleanup_tmux
stop_server
done_testing
