#!/bin/sh
# scripts/deps.sh - make sure the Debian packages a job needs are installed.
#
#   scripts/deps.sh build   compilers and libraries (make, make all)
#   scripts/deps.sh test    the above, plus what the tests drive (make test)
#   scripts/deps.sh bench   the above, plus the tools benchmarks compare with
#
# Missing packages are installed with apt-get when running as root;
# otherwise the exact command is printed and the script fails. Optional
# packages (chromium, for the browser test) are tried the same way, but
# a failure only says so: the tests that need them are skipped.
set -u
job=${1:-build}
missing=""
optional=""

want_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
want_opt() { command -v "$1" >/dev/null 2>&1 || optional="$optional $2"; }
want_pc() {
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$1" 2>/dev/null; then
        missing="$missing $2"
    fi
}

want_cmd cc build-essential
want_cmd make build-essential
want_cmd pkg-config pkg-config
want_pc libcrypto libssl-dev
want_pc libcurl libcurl4-openssl-dev
want_pc ncursesw libncurses-dev
want_pc readline libreadline-dev
want_pc expat libexpat1-dev
if [ "$job" = test ] || [ "$job" = bench ]; then
    want_pc cmocka libcmocka-dev
    want_cmd clang clang
    want_cmd clang-format clang-format
    want_cmd curl curl
    want_cmd wget wget
    want_cmd aria2c aria2
    want_cmd python3 python3
    want_cmd tmux tmux
    want_cmd strace strace
    want_cmd wget2 wget2
    want_cmd sha256sum coreutils
    want_opt xmllint libxml2-utils # server_metalink_test.py skips that check without it
    want_opt strace strace         # ... and the check that a second run opens no file
    want_opt chromium chromium # tests/e2e/index_browser_test.py skips without it
fi
if [ "$job" = bench ]; then
    want_cmd nginx nginx-light
    want_cmd axel axel
    want_cmd hyperfine hyperfine
    want_cmd wget2 wget2
    want_cmd wrk wrk
    want_cmd gnuplot gnuplot-nox
    want_cmd openssl openssl
    want_cmd pgrep procps
    [ -x /usr/bin/time ] || missing="$missing time" # bash's time keyword is not it
    want_opt shellcheck shellcheck                  # to lint bench/*.sh
fi

# One name per package, in a stable order.
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
missing=${missing% }
optional=$(printf '%s\n' $optional | sort -u | tr '\n' ' ')
optional=${optional% }
[ -z "$missing" ] && [ -z "$optional" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    if [ -n "$optional" ]; then
        echo "deps: optional Debian packages not installed: $optional" >&2
        echo "deps: the tests that need them will be skipped" >&2
    fi
    [ -z "$missing" ] && exit 0
    if [ "$(id -u)" != 0 ]; then
        echo "deps: missing Debian packages for '$job': $missing" >&2
        echo "deps: install them with:" >&2
        echo "    sudo apt-get install -y $missing" >&2
    else
        echo "deps: missing packages ($missing) and no apt-get to install them" >&2
    fi
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
    echo "deps: installing $missing" >&2
    apt-get update -qq >&2 || exit 1
    # shellcheck disable=SC2086 # the list is meant to split into words
    apt-get install -y -qq --no-install-recommends $missing >&2 || exit 1
fi
if [ -n "$optional" ]; then
    echo "deps: installing $optional (optional)" >&2
    [ -n "$missing" ] || apt-get update -qq >&2 || true
    # shellcheck disable=SC2086
    if ! apt-get install -y -qq --no-install-recommends $optional >&2; then
        echo "deps: could not install $optional; the tests that need it will be skipped" >&2
    fi
fi
exit 0
