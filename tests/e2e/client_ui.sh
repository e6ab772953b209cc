#!/usr/bin/env bash
# tests/e2e/client_ui.sh - the full-screen display, used as a person would:
# bin/client runs in a tmux terminal; the screen is read with capture-pane;
# the per-connection bars and the file bar are there and move; the window
# is resized; q quits and the terminal is as it was before.
. "$(dirname "$0")/lib.sh"
: "${CLIENT:?CLIENT must name the bin/client to test}"

tmx() { tmux -L "pdm-ui-$$" "$@"; }
screen() { tmx capture-pane -p -t ui; }
cleanup_tmux() { tmx kill-server 2> /dev/null; }
trap 'cleanup_tmux; t_cleanup' EXIT

root=$T_DIR/root
mkdir -p "$root" "$T_DIR/data"
big=$(big_size)
mkfile "$root/big.bin" "$big" 41
printf 'small\n' > "$root/small.txt"
printf 'small.txt\nbig.bin\nnot-there.bin\n' > "$T_DIR/input.txt"
# About 20 s for big.bin over 4 connections: time to look at it, resize
# and quit while it downloads, even on a loaded machine (q ends it
# sooner). Each of bin/server's answers starts with a burst of an eighth
# of a second's worth, and the client asks for pieces, so it goes a
# little faster than 4 x the rate.
start_server "$root" --limit-rate $((big / 80)) || done_testing

# wait_for SECS PATTERN: until the screen shows PATTERN (grep -E)
wait_for() {
    local i
    for i in $(seq $(($1 * 10))); do
        screen | grep -Eq "$2" && return 0
        sleep 0.1
    done
    return 1
}
percent() { screen | sed -n 's/.* \([0-9.]*\)%.*/\1/p' | head -n 1; }
widest() { # in characters, not bytes: the bars are UTF-8
    screen | python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in sys.stdin), default=0))'
}

tmx new-session -d -s ui -x 80 -y 24 "env -i PATH=$PATH HOME=$T_DIR TERM=screen LANG=C.UTF-8 PS1='$ ' bash --norc --noprofile"
tmx set -g window-size manual > /dev/null 2>&1
wait_for 5 '^\$' || not_ok "the shell in tmux starts"
tmx send-keys -t ui "cd $T_DIR && stty -g > stty.before" Enter
tmx send-keys -t ui "$CLIENT --server $BASE --input input.txt --dir data; echo \$? > status; stty -g > stty.after" Enter

check "the display comes up and shows big.bin from the server" wait_for 20 "big.bin +from 127.0.0.1:$PORT"
sleep 1
screen > "$T_DIR/screen1"
check "it shows one bar per connection, each with its range and speed" \
    test "$(grep -Ec '^ +[1-4] .*[0-9.]+%.*/s +running +[0-9.]+ [KMG]?i?B-[0-9.]+ [KMG]?i?B' "$T_DIR/screen1")" -eq 4
check "it shows a bar for the file with percent, speed and ETA" \
    grep -Eq '[0-9.]+%.*/s +ETA [0-9]+' "$T_DIR/screen1"
check "the header counts the queue" grep -Eq 'waiting .*active .*verified .*failed' "$T_DIR/screen1"
check "the queue lists the entries with their state" \
    grep -Eq 'big.bin .*downloading' "$T_DIR/screen1"
check "an entry not in the catalog says so" grep -Eq 'not-there.bin .*not in catalog' "$T_DIR/screen1"
check "a finished entry shows verified" grep -Eq 'small.txt .*verified' "$T_DIR/screen1"
check "nothing is drawn past 80 columns" test "$(widest)" -le 80
p1=$(percent)
sleep 2
p2=$(percent)
check "the bars move ($p1% then $p2%)" python3 -c "import sys; sys.exit(0 if float('$p2') > float('$p1') else 1)"

tmx resize-window -t ui -x 60 -y 15
sleep 1
screen > "$T_DIR/screen2"
check "after a resize to 60x15 the display is redrawn to fit" test "$(widest)" -le 60
check "... and still shows the file's progress" grep -Eq '[0-9.]+%' "$T_DIR/screen2"
check "... and the queue" grep -Eq 'Queue' "$T_DIR/screen2"
tmx resize-window -t ui -x 80 -y 24
sleep 1
check "back at 80x24 the connection bars return" \
    test "$(screen | grep -Ec '^ +[1-4] .*%')" -eq 4

tmx send-keys -t ui q
for i in $(seq 100); do [ -s "$T_DIR/stty.after" ] && break; sleep 0.1; done
check_eq "q quits the client with status 0" 0 "$(cat "$T_DIR/status" 2> /dev/null)"
check_eq "the terminal is left in its normal screen" 0 "$(tmx display -p -t ui '#{alternate_on}')"
check_eq "the cursor is visible again" 1 "$(tmx display -p -t ui '#{cursor_flag}')"
check_eq "the terminal modes are as before (stty -g)" "$(cat "$T_DIR/stty.before")" "$(cat "$T_DIR/stty.after")"
check "the result lines are printed after the screen is restored" \
    bash -c "tmux -L pdm-ui-$$ capture-pane -p -t ui | grep -q '^small.txt .*sha256 ok'"
check "the partial download is kept for next time" test -f "$T_DIR/data/.big.bin.part.state"

cleanup_tmux
stop_server
done_testing
