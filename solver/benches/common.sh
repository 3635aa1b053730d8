# Helpers of the benchmark scripts (sourced by scale.sh and periods.sh, not run): time a
# process and its peak memory, solve an MPS file with HiGHS (highspy), read a JSON report.
# They read the caller's `python` (a Python with highspy) and `time_limit` (seconds per
# solve); `bench_tools` sets `have_highspy` and `have_time`, `bench_tmpdir` sets `tmp`.

# bench_tools: which of highspy (at $python) and GNU time (/usr/bin/time) this machine has.
bench_tools() {
  have_highspy=0
  if [[ -x "$python" ]] && "$python" -c 'import highspy' 2>/dev/null; then
    have_highspy=1
  else
    echo "note: no highspy at $python (run .ci/run once, or set SOURCING_OPT_PYTHON); the HiGHS column stays empty" >&2
  fi
  have_time=0
  if [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null; then
    have_time=1
  fi
}

# json FILE EXPR: a value of a JSON report (python3 expression over `r`).
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

# run_timed OUT_PREFIX CMD...: run CMD, leave wall seconds in $wall, peak RSS (MB) in $rss and
# the exit status in $code (CMD's stdout goes to OUT_PREFIX.out, its stderr to OUT_PREFIX.err).
# The wall time is taken by a Python parent around the process (no shell or `date` processes
# in between); the peak RSS comes from GNU time (/usr/bin/time -v) when present, which adds
# its own small start to the wall time. (A Python parent's own `wait4` cannot give it: the
# child's RSS before its exec, a copy of Python's 14 MB, counts in its maximum.)
run_timed() {
  local prefix="$1"
  shift
  read -r wall rss code < <(python3 - "$prefix" "$have_time" "$@" <<'PY'
import re, subprocess, sys, time
prefix, have_time, cmd = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
if have_time:
    cmd = ["/usr/bin/time", "-v", "-o", prefix + ".time"] + cmd
with open(prefix + ".out", "wb") as out, open(prefix + ".err", "wb") as err:
    t = time.perf_counter()
    code = subprocess.run(cmd, stdout=out, stderr=err).returncode
    wall = time.perf_counter() - t
rss = "?"
if have_time:
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(prefix + ".time").read())
    rss = f"{int(m.group(1)) / 1024:.0f}" if m else "?"
print(f"{wall:.3f} {rss} {code}")
PY
)
}

# highs_on_mps FILE N: "SECONDS OBJECTIVE": the median seconds of HiGHS run() on FILE over N
# fresh solves (reading excluded) and the objective; "-" without highspy, "SECONDS(STATUS) -"
# when HiGHS does not reach optimality.
highs_on_mps() {
  [[ $have_highspy == 1 ]] || { echo "- -"; return; }
  # The last line: HiGHS prints its banner on stdout before output_flag can be set.
  "$python" - "$1" "$time_limit" "$2" 2>/dev/null <<'PY' | tail -n 1 || echo "- -"
import statistics, sys, time, highspy
times = []
for _ in range(int(sys.argv[3])):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(sys.argv[2]))
    h.readModel(sys.argv[1])
    t = time.perf_counter()
    h.run()
    dt = time.perf_counter() - t
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        print(f"{dt:.0f}({status}) -")
        sys.exit()
    times.append(dt)
print(f"{statistics.median(times):.3f} {h.getInfo().objective_function_value!r}")
PY
}

# bench_tmpdir: `tmp`, the working directory of the run: $KEEP when set (kept), else a new
# temporary directory removed on exit.
bench_tmpdir() {
  if [[ -n "${KEEP:-}" ]]; then
    tmp="$KEEP"
    mkdir -p "$tmp"
  else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
  fi
}
