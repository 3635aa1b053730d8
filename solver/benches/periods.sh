#!/usr/bin/env bash
# Benchmark of a multi-period instance (schema 2): `sourcing-opt generate --periods 6` at the
# scale of about 600,000 LP variables (K = 100: ~100k variables per period), solved end to
# end by `solve` with its default options and with --ranging off, and by HiGHS (highspy) on
# the MPS file `export` writes, in the same run. It prints numbers; it is not a timed test
# (nothing fails on a slow machine).
#
#   solver/benches/periods.sh                       # seed 1, K = 100, 6 periods
#   SCALE=10 PERIODS=3 solver/benches/periods.sh    # a quick one
#   ORIGIN=1 PERIODS=1 SCALE=92 solver/benches/periods.sh   # origin tracking, ~300k variables
#
# Knobs: SEED (1), SCALE (100), PERIODS (6), ORIGIN (0; 1 = `generate --origin`: three origin
# classes and the geological-origin rule, model contract section 7), REPEAT (runs of each solve and HiGHS solves,
# default 1; the run of median time is shown), TIME_LIMIT (seconds per solve, 1800),
# SOURCING_OPT_PYTHON (a Python with highspy; else PYTHON, else .ci/venv/bin/python, created by
# .ci/run), KEEP=DIR (keep the instance, reports and MPS file there).
#
# Rows: `solve (default)` is `solve INSTANCE --format json --output FILE` (the default
# backend, ranging and diagnosis; JSON to a file so its timing fields can be read),
# `solve --ranging off` the same without ranging. e2e = wall time of the whole process and its
# peak RSS (see run_timed in common.sh); read/validate/build/solve/duals/ranging = the
# report's `solver` timings; highs = HiGHS run() alone on the MPS file (reading excluded);
# ratio = e2e / highs. The objectives are compared with HiGHS's (relative difference).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
seed="${SEED:-1}"
scale="${SCALE:-100}"
periods="${PERIODS:-6}"
origin="${ORIGIN:-0}"
repeat="${REPEAT:-1}"
time_limit="${TIME_LIMIT:-1800}"
for v in seed scale periods repeat origin; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "error: ${v^^} must be a whole number, got '${!v}'" >&2; exit 2; }
done
python="${SOURCING_OPT_PYTHON:-${PYTHON:-$root/.ci/venv/bin/python}}"

echo "building release..." >&2
cargo build --release --quiet -p sourcing-opt
bin="$root/target/release/sourcing-opt"
# shellcheck source=solver/benches/common.sh
source "$root/solver/benches/common.sh"
bench_tools
bench_tmpdir

inst="$tmp/gen_s${seed}_k${scale}_p${periods}_o${origin}.toml"
origin_flag=()
[[ $origin == 0 ]] || origin_flag=(--origin)
echo "generating seed $seed scale $scale periods $periods origin $origin..." >&2
"$bin" generate --seed "$seed" --scale "$scale" --periods "$periods" "${origin_flag[@]}" --output "$inst" --quiet
"$bin" check "$inst" >"$tmp/check.out" 2>"$tmp/check.err" ||
  { echo "error: check failed on $inst" >&2; cat "$tmp/check.err" >&2; exit 1; }
[[ ! -s "$tmp/check.err" ]] || { echo "warning: check printed diagnostics:" >&2; cat "$tmp/check.err" >&2; }
read -r vars cons nnz < <(awk '/^variables:/ {v=$2} /^constraints:/ {c=$2} /^nonzeros:/ {n=$2} END {print v, c, n}' "$tmp/check.out")
echo "$vars variables, $cons constraints, $nnz nonzeros; exporting MPS..." >&2

run_timed "$tmp/export" "$bin" export "$inst" --format mps --output "$tmp/inst.mps" --quiet
[[ $code == 0 ]] || { echo "error: export failed" >&2; cat "$tmp/export.err" >&2; exit 1; }
export_s=$wall
echo "HiGHS on the MPS ($repeat solve(s))..." >&2
read -r highs highs_obj < <(highs_on_mps "$tmp/inst.mps" "$repeat")

rows=()
header="run|status|backend|objective|vs HiGHS|e2e s|read s|validate s|build s|solve s|duals s|ranging s|RSS MB|ratio"
# solve_row LABEL ARGS...: REPEAT runs of `solve $inst ARGS`, the median one as a row.
solve_row() {
  local label="$1"
  shift
  local runs=() r out
  for ((r = 1; r <= repeat; r++)); do
    echo "$label ($r/$repeat)..." >&2
    out="$tmp/${label//[^a-z]/_}_$r.json"
    rm -f "$out"
    run_timed "$tmp/${label//[^a-z]/_}_$r" "$bin" solve "$inst" --format json --output "$out" --quiet \
      --time-limit "$time_limit" "$@"
    if [[ ! -s "$out" ]]; then
      rows+=("$label|exit $code|-|-|-|$wall|-|-|-|-|-|-|$rss|-")
      return
    fi
    runs+=("$wall $rss $out")
  done
  read -r wall rss out < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
  local fields
  fields=$(json "$out" "'|'.join([r['status'], r['solver']['backend'], \
    '%.6g' % r['objective'] if r['objective'] is not None else '-', \
    ('%.1e' % (abs(r['objective'] - float('$highs_obj')) / max(1.0, abs(float('$highs_obj'))))) \
      if r['objective'] is not None and '$highs_obj' not in ('', '-') else '-', \
    '$wall', *['%.3f' % (r['solver'][k] / 1e3) for k in \
      ('read_ms', 'validate_ms', 'build_ms', 'solve_ms', 'duals_ms', 'ranging_ms')]])")
  local ratio
  ratio=$(awk -v w="$wall" -v h="$highs" 'BEGIN {print (h ~ /^[0-9.]+$/ && h > 0) ? sprintf("%.2f", w / h) : "-"}')
  rows+=("$label|$fields|$rss|$ratio")
}
solve_row "solve (default)"
solve_row "solve --ranging off" --ranging off
highs_shown=$(awk -v x="$highs_obj" 'BEGIN {print (x ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) ? sprintf("%.6g", x) : "-"}')
highs_ratio=$([[ $highs =~ ^[0-9.]+$ ]] && echo 1 || echo -)
rows+=("HiGHS run() on MPS|-|highspy|$highs_shown|-|-|-|-|-|$highs|-|-|-|$highs_ratio")

printf '\nseed %s, scale %s, %s periods, origin %s: %s variables, %s constraints, %s nonzeros (export %s s)\n' \
  "$seed" "$scale" "$periods" "$origin" "$vars" "$cons" "$nnz" "$export_s"
printf '%s, %s cores, load average %s; time limit %s s per solve, %s run(s) each\n\n' \
  "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" "$time_limit" "$repeat"
{
  echo "$header"
  printf '%s\n' "${rows[@]}"
} | column -t -s '|'
