#!/usr/bin/env bash
# Benchmark content search and `provcheck history` (run by hand, never in CI).
#
#   bash bench/history.sh [OUT_DIR]     (default bench/out/history; needs python3, git)
#
# 1. Content search: `check` of a wheel that matches no commit exactly, so every commit of
#    a 10,000-file, 5,000-commit repository is scored; the rate subtracts a `--ref` run
#    (same artifact read and comparison, no search). Target: >= 2,000 commits/s.
# 2. `history` of 100 releases (every tenth untagged) from a local PEP 691 index, once to
#    fill the cache, then timed with everything cached (--offline). Target: <= 10 s.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/bench/out/history}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/provcheck"
if [ ! -f "$out/search-0.0.1-py3-none-any.whl" ]; then
  python3 "$root/bench/gen_history.py" "$out"
fi
repo="$out/repo"
wheel="$out/search-0.0.1-py3-none-any.whl"

now() { date +%s.%N; }
first=$(git -C "$repo" rev-list --max-parents=0 HEAD)
git -C "$repo" count-objects >/dev/null; cat "$wheel" >/dev/null

start=$(now); "$bin" check "$wheel" --repo "$repo" --ref "$first" --format json >/dev/null || true; end=$(now)
t_ref=$(echo "$end - $start" | bc -l)
start=$(now); "$bin" check "$wheel" --repo "$repo" --format json >"$out/search.json" || true; end=$(now)
t_search=$(echo "$end - $start" | bc -l)
searched=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['releases'][0]['source']['score']['commits_searched'])" "$out/search.json")
rate=$(echo "$searched / ($t_search - $t_ref)" | bc -l)
printf 'content search: %d commits in %.3f s (%.3f s with --ref): %.0f commits/s (target >= 2000)\n' \
  "$searched" "$t_search" "$t_ref" "$rate"

port=$((20000 + RANDOM % 20000))
python3 "$root/bench/serve_index.py" "$out/index" "$port" &
server=$!
trap 'kill $server' EXIT
sleep 1
cache="$out/cache"
args=(history hist-pkg --repo "$repo" --index-url "http://127.0.0.1:$port/simple/" --cache-dir "$cache" -q)
"$bin" "${args[@]}" --format json >/dev/null || true   # fills the artifact cache
start=$(now); "$bin" "${args[@]}" --offline >"$out/history.txt" || true; end=$(now)
t_history=$(echo "$end - $start" | bc -l)
tail -1 "$out/history.txt"
printf 'history of %d cached releases: %.2f s (target <= 10 s)\n' \
  "$(grep -cE '^[ !~]  [0-9]' "$out/history.txt")" "$t_history"
