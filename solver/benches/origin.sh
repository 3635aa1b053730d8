#!/usr/bin/env bash
# Benchmark of origin tracking (model contract section 7) on the 2025-2030 path: the shipped
# file (three origin classes) against the same file without tracking (its `origin_classes`
# line, its origin-aware tariff and its origin-basis target removed, which leaves today's
# rules: the same plan and cost), both with `solve --ranging off` and the default backend, in
# the same run. It prints numbers; it is not a timed test.
#
#   solver/benches/origin.sh              # REPEAT=5 runs of each, the median shown
#
# Knobs: REPEAT (5), INSTANCE (instances/usmca_2025_2030.toml), BACKEND (auto).
# For a generated tracked instance against HiGHS: ORIGIN=1 PERIODS=1 SCALE=92
# solver/benches/periods.sh (about 300,000 variables).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
repeat="${REPEAT:-5}"
instance="${INSTANCE:-instances/usmca_2025_2030.toml}"
backend="${BACKEND:-auto}"
[[ "$repeat" =~ ^[0-9]+$ && $repeat -ge 1 ]] || { echo "error: REPEAT must be a whole number >= 1" >&2; exit 2; }
python="${SOURCING_OPT_PYTHON:-${PYTHON:-$root/.ci/venv/bin/python}}"
time_limit=1800

echo "building release..." >&2
cargo build --release --quiet -p sourcing-opt
bin="$root/target/release/sourcing-opt"
# shellcheck source=solver/benches/common.sh
source "$root/solver/benches/common.sh"
bench_tools
bench_tmpdir

# The untracked copy: drop `origin_classes` and every [[tariffs]] / [[targets]] entry with an
# `origin` or a `basis = "origin"` key (entries are split at their `[[` headers).
untracked="$tmp/untracked.toml"
python3 - "$instance" "$untracked" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
parts = re.split(r"(?m)^(?=\[\[)", src)
keep = []
for part in parts:
    head = part.split("\n", 1)[0]
    if head in ("[[tariffs]]", "[[targets]]") and re.search(r'(?m)^(origin = |basis = "origin")', part):
        continue
    keep.append(part)
out = re.sub(r"(?m)^origin_classes = .*\n", "", "".join(keep))
open(sys.argv[2], "w").write(out)
PY

rows=()
declare -A median obj
for label in tracked untracked; do
  file="$instance"
  [[ $label == untracked ]] && file="$untracked"
  runs=()
  for ((r = 1; r <= repeat; r++)); do
    echo "$label ($r/$repeat)..." >&2
    out="$tmp/$label.$r.json"
    run_timed "$tmp/$label.$r" "$bin" solve "$file" --ranging off --backend "$backend" --format json --output "$out" --quiet
    [[ $code == 0 ]] || { echo "error: $label run exited $code" >&2; cat "$tmp/$label.$r.err" >&2; exit 1; }
    runs+=("$wall $rss $out")
  done
  read -r wall rss out < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
  median[$label]=$wall
  obj[$label]=$(json "$out" "'%.10g' % r['objective']")
  fields=$(json "$out" "'|'.join([r['solver']['backend'], str(r['solver']['variables']), str(r['solver']['constraints']), \
    '%.3f' % (r['solver']['build_ms'] / 1e3), '%.3f' % (r['solver']['solve_ms'] / 1e3)])")
  rows+=("$label|$fields|${obj[$label]}|$wall|$rss")
done
ratio=$(awk -v a="${median[tracked]}" -v b="${median[untracked]}" 'BEGIN {printf "%.2f", a / b}')
diff=$(python3 -c "a, b = float('${obj[tracked]}'), float('${obj[untracked]}'); print('%.1e' % (abs(a - b) / max(1.0, abs(b))))")

printf '\n%s, --ranging off, backend %s, median of %s run(s)\n' "$instance" "$backend" "$repeat"
printf '%s, %s cores, load average %s\n\n' "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
{
  echo "run|backend|variables|constraints|build s|solve s|objective|e2e s|RSS MB"
  printf '%s\n' "${rows[@]}"
} | column -t -s '|'
printf '\ntracked / untracked (e2e): %s; objectives differ by %s (relative)\n' "$ratio" "$diff"
