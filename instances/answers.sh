#!/usr/bin/env bash
# Regenerates instances/README.md from fresh runs of the tool, so every number in it is the
# tool's own output for the commands it shows.
#
#   bash instances/answers.sh           build the release binary, run, rewrite instances/README.md
#   bash instances/answers.sh --check   run, write to a temporary file, and fail (exit 1) with a
#                                       diff if instances/README.md is stale
#
# SOURCING_OPT_BIN=/path/to/sourcing-opt skips the build and uses that binary (the test does).
# Needs bash and python3 (standard library only).
set -euo pipefail

cd "$(dirname "$0")/.."
mode=write
if [[ "${1:-}" == "--check" ]]; then
    mode=check
elif [[ $# -gt 0 ]]; then
    echo "usage: bash instances/answers.sh [--check]" >&2
    exit 2
fi

if [[ -n "${SOURCING_OPT_BIN:-}" ]]; then
    bin="$SOURCING_OPT_BIN"
else
    cargo build --release --quiet
    bin=target/release/sourcing-opt
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
instance=instances/usmca_critical_minerals.toml

# solve NAME ARGS...: writes $work/NAME.json and $work/NAME.code (the instance is $instance).
solve() {
    local name=$1
    shift
    local code=0
    "$bin" solve "$instance" "$@" --format json --quiet >"$work/$name.json" 2>"$work/$name.err" || code=$?
    echo "$code" >"$work/$name.code"
    if [[ $code -ne 0 && $code -ne 3 ]]; then
        echo "answers.sh: \`sourcing-opt solve $instance $*\` exited $code" >&2
        cat "$work/$name.err" >&2
        exit 1
    fi
}

solve baseline
solve relaxed --set 'targets.*.max_import_share=1'
for scenario in instances/scenarios/*.toml; do
    name=$(basename "$scenario" .toml)
    solve "$name" --scenario "$scenario"
    if [[ $(cat "$work/$name.code") -eq 3 ]]; then
        # Re-solve with the diagnosis's least relaxation applied: the repaired plan's prices.
        # `required` is printed to 4 significant digits, which can fall short of the exact
        # requirement, so each value moves 0.1% further from `current` (shares capped at 1).
        mapfile -t sets < <(python3 instances/calibration/relaxation_flags.py "$work/$name.json")
        solve "$name.repaired" --scenario "$scenario" "${sets[@]}"
    fi
done

# The 2025-2030 path (schema 2) and its scenarios, with default options: every one solves
# (tests/calibration.rs checks it), so none needs a repair.
instance=instances/usmca_2025_2030.toml
solve path
for scenario in instances/scenarios/2025_2030/*.toml; do
    solve "path.$(basename "$scenario" .toml)" --scenario "$scenario"
done

python3 instances/calibration/render_readme.py "$work" >"$work/README.md"

if [[ $mode == check ]]; then
    if ! diff -u instances/README.md "$work/README.md"; then
        echo "instances/README.md is stale: run \`bash instances/answers.sh\` and commit it" >&2
        exit 1
    fi
else
    cp "$work/README.md" instances/README.md
    echo "wrote instances/README.md" >&2
fi
