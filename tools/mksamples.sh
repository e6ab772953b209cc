#!/bin/sh
# tools/mksamples.sh MKSAMPLE DIR - create the sample files in DIR (once).
# Each file is written under a hidden name and renamed, so the server never
# publishes a half-written sample.
set -eu
gen=$1
dir=$2
mkdir -p "$dir"

sample() { # NAME SIZE SEED [text]
    name=$1 size=$2 seed=$3 kind=${4:-}
    if [ -f "$dir/$name" ] && [ "$(wc -c < "$dir/$name")" -eq "$size" ]; then
        return 0
    fi
    "$gen" "$size" "$seed" $kind > "$dir/.$name.tmp"
    mv "$dir/.$name.tmp" "$dir/$name"
    echo "samples: made $dir/$name ($size bytes)"
}

sample "hello.txt" 4096 1 text
sample "notes on it.txt" 40000 2 text
sample "empty.dat" 0 3
sample "small.bin" 1048576 4
sample "medium.bin" 33554432 5
sample "big.iso" 314572800 6
