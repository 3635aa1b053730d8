#!/usr/bin/env bash
# Scale benchmark of `sourcing-opt solve` on generated continental instances
# (`sourcing-opt generate`, about 1,000 LP variables per unit of --scale). For each size and
# backend it times `solve` end to end, splits the time into phases, records the peak memory,
# and compares with HiGHS (highspy) solving the exported MPS file alone. It prints numbers;
# it is not a timed test (nothing fails on a slow machine).
#
#   solver/benches/scale.sh                  # K = 1, 10, 100 (~1k, 10k, 100k variables)
#   SCALE_1M=1 solver/benches/scale.sh       # also K = 1000 (~1M variables; minutes, ~0.7 GB)
#   HIGHS=1 solver/benches/scale.sh          # also --backend highs (builds --features highs
#                                            # into target/rel-highs once: several minutes)
#   SCALES="1 10" SEED=7 solver/benches/scale.sh
#   SHAPE=dense SCALES="5 40" solver/benches/scale.sh   # the dense regional network
#                                            # (`generate --shape dense`, ~3,000 variables per K;
#                                            # SHAPE=corridors: hubs and long corridors)
#   SHAPE=all solver/benches/scale.sh        # every family in one run, each at ~10k and ~100k
#                                            # variables (chains K = 1 10 100, dense K = 3 33,
#                                            # corridors K = 10 100; SCALE_1M=1 adds 1000, 336, 1000)
#   DUALS=1 solver/benches/scale.sh          # also: primal vs duals vs ranging, per backend,
#                                            # on the shipped instance and each generated one
#
# Other knobs: TIME_LIMIT (seconds per solve, default 1800), MINILP_MAX_VARS (largest model
# given to minilp, default 20000: microlp takes minutes at 100k), PYTHON (a Python with
# highspy; default $SOURCING_OPT_PYTHON, else .ci/venv/bin/python, created by .ci/run),
# KEEP=DIR (keep the instances, reports and MPS files there), REPEAT (runs per size and
# backend, and HiGHS solves per size, default 3 below 1M variables and 1 from there; the row
# shown is the run of median e2e time).
#
# Columns: e2e = wall time of the whole `solve` process (--ranging off, --format json to a
# new file), timed by a Python parent around the process (see run_timed), and its peak RSS
# (GNU time; "?" without it). The report's `solver` block gives read_ms (read and
# parse the file), validate_ms, build_ms, solve_ms (presolve included) and duals_ms (duals and
# our optimality certificate). rest = e2e minus those: the independent solution check, the
# report (build, render, write, fsync) and process start/exit. not-solve = share of e2e
# outside solve_ms. highs = HiGHS `run()` alone on the MPS file (read time excluded; the median
# of REPEAT solves); ratio = e2e / highs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
seed="${SEED:-1}"
shape="${SHAPE:-chains}"
[[ "$shape" =~ ^(chains|dense|corridors|all)$ ]] ||
  { echo "error: SHAPE must be chains, dense, corridors or all, got '$shape'" >&2; exit 2; }
# The runs: "SHAPE K" pairs. SCALES applies to one family; with SHAPE=all each family gets the
# K of about 10k and 100k variables (and 1M with SCALE_1M=1).
runs_of() { # shape, its default scales, its 1M scale
  local s="$2"
  [[ "${SCALE_1M:-0}" == 1 ]] && s="$s $3"
  for k in $s; do echo "$1 $k"; done
}
if [[ "$shape" == all ]]; then
  [[ -z "${SCALES:-}" ]] || { echo "error: SCALES is for one SHAPE; SHAPE=all picks each family's" >&2; exit 2; }
  mapfile -t jobs < <(runs_of chains "1 10 100" 1000; runs_of dense "3 33" 336; runs_of corridors "10 100" 1000)
else
  one_m=1000
  [[ "$shape" == dense ]] && one_m=336
  mapfile -t jobs < <(runs_of "$shape" "${SCALES:-1 10 100}" "$one_m")
fi
time_limit="${TIME_LIMIT:-1800}"
repeat="${REPEAT:-}"
[[ -z "$repeat" || "$repeat" =~ ^[1-9][0-9]*$ ]] ||
  { echo "error: REPEAT must be a whole number of at least 1, got '$repeat'" >&2; exit 2; }
minilp_max="${MINILP_MAX_VARS:-20000}"
python="${PYTHON:-${SOURCING_OPT_PYTHON:-$root/.ci/venv/bin/python}}"

echo "building release (default features)..." >&2
cargo build --release --quiet -p sourcing-opt
bin="$root/target/release/sourcing-opt"
backends=(minilp clarabel)
highs_bin=""
if [[ "${HIGHS:-0}" == 1 ]]; then
  echo "building release with --features highs into target/rel-highs (slow the first time)..." >&2
  CARGO_TARGET_DIR="$root/target/rel-highs" cargo build --release --quiet -p sourcing-opt --features highs
  highs_bin="$root/target/rel-highs/release/sourcing-opt"
  backends+=(highs)
fi
# shellcheck source=solver/benches/common.sh
source "$root/solver/benches/common.sh"
bench_tools
bench_tmpdir

rows=()
header="shape|K|variables|rows|nonzeros|backend|status|e2e s|read s|validate s|build s|solve s|duals s|rest s|not-solve|RSS MB|highs s|ratio"
generated=()
for job in "${jobs[@]}"; do
  read -r sh k <<<"$job"
  inst="$tmp/gen_s${seed}_${sh}_k${k}.toml"
  generated+=("$inst")
  echo "$sh K=$k: generating..." >&2
  "$bin" generate --seed "$seed" --scale "$k" --shape "$sh" --output "$inst" --quiet
  run_timed "$tmp/check_$k" "$bin" check "$inst" --quiet
  [[ $code == 0 ]] || { echo "error: check failed on $inst" >&2; cat "$tmp/check_$k.err" >&2; exit 1; }
  size=$("$bin" check "$inst" --quiet | awk '/^variables:/ {v=$2} /^constraints:/ {c=$2} /^nonzeros:/ {n=$2} END {print v, c, n}')
  read -r vars cons nnz <<<"$size"
  echo "$sh K=$k: $vars variables, $cons constraints, $nnz nonzeros; HiGHS on the MPS..." >&2
  "$bin" export "$inst" --format mps --output "$tmp/${sh}_k$k.mps" --quiet
  n="$repeat"
  [[ -n "$n" ]] || { n=3; [[ $vars -ge 500000 ]] && n=1; }
  read -r highs _ < <(highs_on_mps "$tmp/${sh}_k$k.mps" "$n")
  for b in "${backends[@]}"; do
    if [[ $b == minilp && $vars -gt $minilp_max ]]; then
      continue
    fi
    exe="$bin"
    [[ $b == highs ]] && exe="$highs_bin"
    echo "$sh K=$k: solve --backend $b ($n runs)..." >&2
    # Each run writes a new file; the run of median e2e time is the one shown.
    runs=()
    failed=""
    for ((r = 1; r <= n; r++)); do
      out="$tmp/${sh}_k${k}_${b}_$r.json"
      rm -f "$out"
      run_timed "$tmp/${sh}_k${k}_${b}_$r" "$exe" solve "$inst" --backend "$b" --ranging off --format json --quiet \
        --time-limit "$time_limit" --output "$out"
      if [[ $code != 0 || ! -s "$out" ]]; then
        failed=1
        break
      fi
      runs+=("$wall $rss $out")
    done
    if [[ -z "$failed" ]]; then
      read -r wall rss out < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((n + 1) / 2))p")
    fi
    if [[ -n "$failed" ]]; then
      status="exit $code"
      rows+=("$sh|$k|$vars|$cons|$nnz|$b|$status|$wall|-|-|-|-|-|-|-|$rss|$highs|-")
      continue
    fi
    read -r status rd val build solve duals < <(json "$out" \
      "r['status'], r['solver']['read_ms']/1e3, r['solver']['validate_ms']/1e3, r['solver']['build_ms']/1e3, r['solver']['solve_ms']/1e3, r['solver']['duals_ms']/1e3")
    phases=$(awk -v w="$wall" -v rd="$rd" -v v="$val" -v b="$build" -v s="$solve" -v d="$duals" -v h="$highs" \
      'BEGIN {r = (h ~ /^[0-9.]+$/ && h > 0) ? sprintf("%.2f", w / h) : "-";
              printf "%.3f|%.3f|%.3f|%.3f|%.3f|%.3f|%.1f%%|%s", rd, v, b, s, d, w - rd - v - b - s - d, 100 * (w - s) / w, r}')
    IFS='|' read -r rv vv bl sv dv rest other ratio <<<"$phases"
    rows+=("$sh|$k|$vars|$cons|$nnz|$b|$status|$wall|$rv|$vv|$bl|$sv|$dv|$rest|$other|$rss|$highs|$ratio")
  done
done

printf '\nseed %s, shape %s, --ranging off, time limit %s s per solve; %s\n\n' "$seed" "$shape" "$time_limit" "$(uname -m), $(nproc) cores"
{
  echo "$header"
  printf '%s\n' "${rows[@]}"
} | column -t -s '|'

[[ "${DUALS:-0}" == 1 ]] || exit 0

# Primal vs duals vs ranging: the shipped instance and the generated ones, every backend,
# --ranging off then on. ranging s = ranging_ms of the report; e2e delta = wall(on) - wall(off).
echo "" >&2
echo "duals and ranging..." >&2
drows=()
dheader="instance|variables|backend|solve s|duals s|duals from|ranging s|ranging|e2e off s|e2e on s|e2e delta s"
instances=("instances/usmca_critical_minerals.toml" "${generated[@]}")
for inst in "${instances[@]}"; do
  vars=$("$bin" check "$inst" --quiet | awk '/^variables:/ {print $2}')
  for b in "${backends[@]}"; do
    if [[ $b == minilp && $vars -gt $minilp_max ]]; then
      continue
    fi
    exe="$bin"
    [[ $b == highs ]] && exe="$highs_bin"
    declare -A w=()
    for mode in off on; do
      echo "$(basename "$inst"): --backend $b --ranging $mode..." >&2
      out="$tmp/d_$(basename "$inst" .toml)_${b}_$mode.json"
      run_timed "$tmp/d_${b}_${mode}" "$exe" solve "$inst" --backend "$b" --ranging "$mode" --format json --quiet \
        --time-limit "$time_limit" --output "$out"
      w[$mode]=$wall
      [[ $code == 0 ]] || w[$mode]="$wall(exit $code)"
    done
    if [[ -s "$out" ]]; then
      # duals from: "dual-LP" (restricted dual LP, minilp) or "backend" (its own, certified);
      # ranging: the report's method up to its first colon ("exact", "ranging skipped", ...).
      IFS='|' read -r sv dv dm rv rm < <(json "$out" "'|'.join([ \
        '%.3f' % (r['solver']['solve_ms']/1e3), '%.3f' % (r['solver']['duals_ms']/1e3), \
        {'dual': 'dual-LP', 'row': 'backend'}.get((r['solver']['duals'] or '-').split(' ')[0], '-'), \
        '%.3f' % (r['solver']['ranging_ms']/1e3), (r['solver']['ranging'] or '-').split(':')[0]])")
    else
      sv=- dv=- dm=- rv=- rm=-
    fi
    delta=$(awk -v a="${w[off]%%(*}" -v b="${w[on]%%(*}" 'BEGIN {printf "%.3f", b - a}')
    drows+=("$(basename "$inst")|$vars|$b|$sv|$dv|$dm|$rv|$rm|${w[off]}|${w[on]}|$delta")
    unset w
  done
done
printf '\nprimal solve vs duals vs ranging (ranging s from the --ranging on run)\n\n'
{
  echo "$dheader"
  printf '%s\n' "${drows[@]}"
} | column -t -s '|'
