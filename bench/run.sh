#!/usr/bin/env bash
# Benchmark `provcheck check` against the floor (reading the wheel once) and a naive
# pipeline (git archive + unzip + diff -r), side by side in one run.
#
#   bash bench/run.sh [OUT_DIR]     (default bench/out; needs python3, git, unzip, diff)
#
# Prints the median of 5 runs of each, the ratios, and peak memory (max RSS).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/bench/out}"
runs="${RUNS:-5}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/provcheck"
if [ ! -f "$out/bench_pkg-1.0.0-py3-none-any.whl" ]; then
  python3 "$root/bench/gen_case.py" "$out"
fi
wheel="$out/bench_pkg-1.0.0-py3-none-any.whl"
repo="$out/repo"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { # command... -> seconds (median of $runs)
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
  done | median
}
peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

floor() { unzip -p "$wheel" >/dev/null; }
provcheck() { "$bin" check "$wheel" --repo "$repo" --format json >/dev/null; }
naive() {
  local tmp; tmp=$(mktemp -d)
  mkdir "$tmp/src" "$tmp/whl"
  git -C "$repo" archive v1.0.0 | tar -x -C "$tmp/src"
  unzip -q "$wheel" -d "$tmp/whl"
  diff -r "$tmp/src/src" "$tmp/whl" >/dev/null || true
  rm -rf "$tmp"
}

# Warm the page cache once so every contender reads from memory.
cat "$wheel" >/dev/null; git -C "$repo" count-objects >/dev/null
"$bin" check "$wheel" --repo "$repo" -q >/dev/null || { echo "provcheck did not verify the case"; exit 1; }

t_floor=$(time_it floor)
t_prov=$(time_it provcheck)
t_naive=$(time_it naive)
largest=$(unzip -Zl "$wheel" | awk 'NR>2 && $4 ~ /^[0-9]+$/ {if ($4>m) m=$4} END {print m}')
m_prov=$(peak_kb "$bin" check "$wheel" --repo "$repo" --format json)

printf 'case: %s (%s files)\n' "$(du -h "$wheel" | cut -f1)" "$(unzip -Z1 "$wheel" | wc -l)"
printf 'floor (unzip -p)          %8.3f s\n' "$t_floor"
printf 'provcheck check           %8.3f s   %.2fx the floor (target <= 2x)\n' "$t_prov" "$(echo "$t_prov / $t_floor" | bc -l)"
printf 'naive (archive+unzip+diff) %7.3f s   provcheck is %.1fx faster (target >= 5x)\n' "$t_naive" "$(echo "$t_naive / $t_prov" | bc -l)"
printf 'provcheck peak memory     %8.1f MB  (target <= 64 MB + largest file %.1f MB)\n' "$(echo "$m_prov / 1024" | bc -l)" "$(echo "$largest / 1048576" | bc -l)"
