"""Prints `--set KEY=VALUE` pairs (one token a line) applying an infeasible report's relaxations.

The diagnosis's `required` values are rounded to 4 significant digits and can fall just short
of the exact requirement; each is rounded away from `current` to a tidy value: shares to the
next 0.001 (capped at 1), other quantities to 3 significant digits.
Used by instances/answers.sh and mirrored in instances/calibration/render_readme.py.
"""

import json
import math
import sys


def relaxed_value(r):
    cur, req = r["current"], r["required"]
    up = req >= cur
    if r.get("unit") == "share":
        step = 1e-3
    else:
        step = 10 ** (math.floor(math.log10(abs(req))) - 2) if req != 0 else 1e-3
    n = req / step
    n = math.floor(n + 1e-9) + 1 if up else math.ceil(n - 1e-9) - 1
    v = n * step
    if r.get("unit") == "share":
        v = min(max(v, 0.0), 1.0)
    return float(f"{v:.6g}")


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        for r in json.load(f)["diagnosis"]["relaxations"]:
            print("--set")
            print(f"{r['constraint']}={relaxed_value(r)!r}")
