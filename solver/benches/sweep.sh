#!/usr/bin/env bash
# Benchmark of `sourcing-opt sweep`: a 101-point policy cost curve on the shipped instance,
# solved by one sweep with --jobs 1, with --jobs 2, and by the equivalent shell loop of 101
# `solve --set ... --ranging off --format json` runs. Prints wall times and ratios; it is a
# script that prints numbers, not a timed test (nothing fails on a slow machine).
#
#   solver/benches/sweep.sh                       # defaults below
#   KEY=targets.li_usmca.max_import_share RANGE=0:1:0.02 RUNS=3 solver/benches/sweep.sh
#
# KEY/RANGE choose the swept cap; RUNS > 1 reports the median of that many runs of each.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
instance="${INSTANCE:-instances/usmca_critical_minerals.toml}"
key="${KEY:-targets.ree_usmca.max_import_share}"
range="${RANGE:-0:1:0.01}"
runs="${RUNS:-1}"

echo "building release..." >&2
cargo build --release --quiet
bin="$root/target/release/sourcing-opt"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# time_of CMD...: wall seconds of one run (stdout discarded; a failing run stops the script).
time_of() {
  local t0 t1
  t0=$(now)
  "$@" >/dev/null
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

sweep_args=(sweep "$instance" --param "$key" --range "$range" --ranging off --quiet)
"$bin" "${sweep_args[@]}" --jobs 1 --output "$tmp/jobs1.csv"
"$bin" "${sweep_args[@]}" --jobs 2 --output "$tmp/jobs2.csv"
cmp -s "$tmp/jobs1.csv" "$tmp/jobs2.csv" || { echo "error: --jobs 1 and --jobs 2 tables differ" >&2; exit 1; }
points=$(($(wc -l <"$tmp/jobs1.csv") - 1))
mapfile -t values < <(tail -n +2 "$tmp/jobs1.csv" | cut -d, -f1)
statuses=$(tail -n +2 "$tmp/jobs1.csv" | cut -d, -f2 | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep = ", "}')

loop() {
  local v code
  for v in "${values[@]}"; do
    code=0
    "$bin" solve "$instance" --set "$key=$v" --ranging off --format json --quiet >/dev/null || code=$?
    # 3 = infeasible is an answer, like a sweep row; anything else is a failure.
    if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then
      echo "error: solve --set $key=$v exited $code" >&2
      return 1
    fi
  done
}

j1=(); j2=(); lp=()
for _ in $(seq "$runs"); do
  j1+=("$(time_of "$bin" "${sweep_args[@]}" --jobs 1)")
  j2+=("$(time_of "$bin" "${sweep_args[@]}" --jobs 2)")
  lp+=("$(time_of loop)")
done
t_j1=$(printf '%s\n' "${j1[@]}" | median)
t_j2=$(printf '%s\n' "${j2[@]}" | median)
t_lp=$(printf '%s\n' "${lp[@]}" | median)

echo "instance: $instance"
echo "sweep:    --param $key --range $range ($points points: $statuses)"
echo "machine:  $(nproc) cores; median of $runs run(s); release build"
printf '%-44s %8s\n' "run" "wall s"
printf '%-44s %8.2f\n' "sweep --jobs 1" "$t_j1"
printf '%-44s %8.2f\n' "sweep --jobs 2" "$t_j2"
printf '%-44s %8.2f\n' "shell loop of $points x solve --ranging off" "$t_lp"
awk -v l="$t_lp" -v a="$t_j1" -v b="$t_j2" -v n="$points" 'BEGIN {
  printf "loop / jobs1 = %.2f   jobs1 / jobs2 = %.2f   loop / jobs2 = %.2f\n", l / a, a / b, l / b
  printf "per point: jobs1 %.1f ms, jobs2 %.1f ms, loop %.1f ms\n", 1000 * a / n, 1000 * b / n, 1000 * l / n
}'
