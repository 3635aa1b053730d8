"""The 2025-2030 section of instances/README.md, from the JSON reports instances/answers.sh wrote.

Used by render_readme.py: `lines(load)` returns the Markdown lines, `load(name)` giving a report
and its exit code. Reports: `path` (instances/usmca_2025_2030.toml as it stands) and
`path.NAME` for each scenario file instances/scenarios/2025_2030/NAME.toml. Standard library
only; numbers are rounded (USD million to 0.1, shares to 0.1 pp, tonnes to 1 or 0.1) so that
the text is stable.
"""

import csv
import os
import tomllib

import render_origin

INSTANCE = "instances/usmca_2025_2030.toml"
SCEN_DIR = "instances/scenarios/2025_2030"
CMD = f"sourcing-opt solve {INSTANCE}"
USGS = "instances/calibration/usgs_net_import_reliance.csv"
TOL_PP = 10.0
# The materials a Chinese ban cuts, in the order of the shortage table.
BANNED = ["graphite_anode", "graphite_flake", "ree_oxide", "gallium", "germanium"]
RESERVES = ["ga", "ge", "ree", "anode"]
# The scenario files, in the order the section shows them (every file must be listed).
ORDER = [
    "seed_25pct_cut_phases",
    "fast_permits",
    "crisis_protocol",
    "china_ban_2027",
    "china_ban_2027_reserve",
    "china_ban_2027_crisis_protocol",
] + render_origin.ORIGIN_SCENARIOS


def musd(x):
    return f"{x / 1e6:,.1f}"


def signed(x):
    return ("+" if x >= 0 else "") + musd(x)


def tonnes(x):
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def years(report):
    return [p["year"] for p in report["periods"]]


def usgs_interval(value):
    if value == "E":
        return (float("-inf"), 0.0)
    if value.startswith(">"):
        return (float(value[1:]), 100.0)
    v = float(value)
    return (v, v)


def distance(x, interval):
    lo, hi = interval
    return lo - x if x < lo else x - hi if x > hi else 0.0


def target_rows(report):
    """{(id, year): row} of the `targets` entries."""
    return {(t["id"], t["period"]): t for t in report["targets"]}


def cost_table(report, out):
    ys = years(report)
    out.append("| | " + " | ".join(str(y) for y in ys) + " |")
    out.append("|---|" + "---:|" * len(ys))
    out.append("| annual cost (M USD) | " + " | ".join(musd(p["objective"]) for p in report["periods"]) + " |")
    out.append("| weight `w_p` | " + " | ".join(f"{p['weight']:.3f}" for p in report["periods"]) + " |")
    out.append("")


def builds(report, out):
    rows = [b for b in report["builds"] if b["capacity_added"] > 0.5]
    if not rows:
        out.append("Nothing is built.\n")
        return
    out.append("| facility | kind | online from | t/yr added | lead time (years) |")
    out.append("|---|---|---:|---:|---:|")
    for b in rows:
        out.append(
            f"| `{b['facility']}` | {b['kind']} | {b['period']} | {b['capacity_added']:,.0f} | {b['lead_time']:g} |"
        )
    out.append("")


def share_table(report, ids, out):
    """Achieved import share per year (cap in brackets; bold when the cap binds with a value)."""
    ys = years(report)
    rows = target_rows(report)
    out.append("| target | " + " | ".join(str(y) for y in ys) + " |")
    out.append("|---|" + "---:|" * len(ys))
    for tid in ids:
        cells = []
        for y in ys:
            t = rows[(tid, y)]
            cell = f"{100 * t['achieved_share']:.1f} ({100 * t['max_import_share']:.1f})"
            if t["binding"] and (t["marginal_value"] or 0) > 1e-9:
                cell = f"**{cell}**"
            cells.append(cell)
        out.append(f"| `{tid}` | " + " | ".join(cells) + " |")
    out.append("")


def unmet_by_material(report):
    """{material: {year: t/yr unmet}} over the demands with any unmet quantity."""
    out = {}
    for d in report["demands"]:
        if d["unmet"] > 1e-3:
            out.setdefault(d["material"], {}).setdefault(d["period"], 0.0)
            out[d["material"]][d["period"]] += d["unmet"]
    return out


def unmet_table(report, out, materials=None):
    ys = years(report)
    unmet = unmet_by_material(report)
    mats = [m for m in (materials or sorted(unmet)) if m in unmet]
    if not mats:
        out.append("All demand is served in every year.\n")
        return
    out.append("| unmet demand (t/yr) | " + " | ".join(str(y) for y in ys) + " |")
    out.append("|---|" + "---:|" * len(ys))
    for m in mats:
        out.append(f"| `{m}` | " + " | ".join(tonnes(unmet[m].get(y, 0.0)) for y in ys) + " |")
    out.append("")


def reserve_table(report, out):
    """End-of-year level of each reserve and its draws (the release plant's throughput)."""
    ys = years(report)
    levels = {(s["id"], s["period"]): s["level_t"] for s in report["stockpiles"] or []}
    draws = {(p["id"], p["period"]): p["input_t"] for p in report["plants"]}
    out.append("| reserve: level at year end, t (drawn in the year) | " + " | ".join(str(y) for y in ys) + " |")
    out.append("|---|" + "---:|" * len(ys))
    for k in RESERVES:
        cells = []
        for y in ys:
            cell = tonnes(levels[(f"{k}_reserve", y)])
            drawn = draws[(f"{k}_reserve_draw", y)]
            if drawn > 1e-3:
                cell += f" ({tonnes(drawn)})"
            cells.append(cell)
        out.append(f"| `{k}_reserve` | " + " | ".join(cells) + " |")
    out.append("")


def residual(report):
    """Value of the reserves' stock left at the end of the horizon, at the held materials'
    prices in the instance file: (undiscounted, discounted by the last period's weight)."""
    with open(INSTANCE, "rb") as f:
        inst = tomllib.load(f)
    price = {m["id"]: m["price"] for m in inst["materials"]}
    material = {s["id"]: s["material"] for s in inst["stockpiles"]}
    last = report["periods"][-1]
    value = sum(
        s["level_t"] * price[material[s["id"]]] for s in report["stockpiles"] or [] if s["period"] == last["year"]
    )
    return value, value * last["weight"] / last["length"]  # w_p / L_p = 1 / (1 + r)^(y_p - y_1)


def first_binding(report):
    """{target: first year its cap binds with a positive value}, USMCA-scope targets."""
    out = {}
    for t in report["targets"]:
        if t["scope"] == "usmca" and t["binding"] and (t["marginal_value"] or 0) > 1e-9:
            out.setdefault(t["id"], t["period"])
    return out


def first_builds(report):
    """{facility: first year it adds capacity}."""
    out = {}
    for x in report["builds"]:
        if x["capacity_added"] > 0.5:
            out.setdefault(x["facility"], x["period"])
    return out


def earlier(slow, fast):
    """The facilities `fast` first builds before `slow` does: `id` YEAR (was YEAR)."""
    a, b = first_builds(slow), first_builds(fast)
    moved = [f"`{f}` {y} (was {a[f] if f in a else 'not built'})" for f, y in b.items() if y < a.get(f, 10**9)]
    return ", ".join(moved) if moved else "nothing"


def answers(base, runs, out):
    cost = {n: r["objective"] for n, r in runs.items()}
    b = base["objective"]
    first = first_builds(base)
    left, left_pv = residual(runs["crisis_protocol"])
    out.append("Answers (each from the runs below):")
    out.append("")
    out.append(
        f"- **Cost of the path**: {musd(b)} M USD (discounted, 2025-2030). Built: "
        + ", ".join(f"`{f}` {y}" for f, y in first.items())
        + "; USMCA caps binding (first year): "
        + ", ".join(f"`{t}` {y}" for t, y in first_binding(base).items())
        + " (import shares per year: the table below)."
    )
    seed = runs["seed_25pct_cut_phases"]
    last = years(seed)[-1]
    cut = sorted({d["id"] for d in seed["demands"] if d["period"] == last and d["unmet"] > 1e-3})
    out.append(
        f"- **The seed's 25% cut on every product** (three phases): +{musd(cost['seed_25pct_cut_phases'] - b)} "
        f"M USD; where nothing can be built the caps are met by curtailing use, priced at "
        f"{musd(seed['costs'].get('unmet_penalty', 0.0))} M USD (unmet in {last}: "
        + ", ".join(f"`{d}`" for d in cut)
        + ")."
    )
    out.append(
        f"- **Fast permits** (every lead time 6 months): worth {musd(b - cost['fast_permits'])} M USD in normal "
        f"times (the path against the fast-permits run; earlier: {earlier(base, runs['fast_permits'])}) and "
        f"{musd(cost['china_ban_2027_reserve'] - cost['china_ban_2027_crisis_protocol'])} M USD under the 2027 "
        "ban (the ban with the reserve against the ban with the whole protocol; earlier: "
        f"{earlier(runs['china_ban_2027_reserve'], runs['china_ban_2027_crisis_protocol'])})."
    )
    out.append(
        f"- **The joint reserve**: worth {musd(cost['china_ban_2027'] - cost['china_ban_2027_reserve'])} M USD "
        f"under the 2027 ban (the ban costs {musd(cost['china_ban_2027'] - b)} M USD without it and "
        f"{musd(cost['china_ban_2027_reserve'] - b)} M USD with it; "
        f"{musd(cost['china_ban_2027_crisis_protocol'] - b)} M USD with the whole protocol); it costs "
        f"{musd(cost['crisis_protocol'] - cost['fast_permits'])} M USD when no crisis comes (the crisis "
        "protocol against fast permits alone), of which the stock still held at the end of 2030 "
        f"({musd(left)} M USD at 2025 prices, {musd(left_pv)} M USD discounted) is not credited. "
        "Shortages are priced at 4 x the material's price (an assumption), so both values rest on it."
    )
    out.append("")


def scenario(name):
    with open(os.path.join(SCEN_DIR, name + ".toml"), "rb") as f:
        return tomllib.load(f)


def lines(load):
    base, code = load("path")
    assert code == 0, "the 2025-2030 baseline must solve"
    names = sorted(n[:-5] for n in os.listdir(SCEN_DIR) if n.endswith(".toml"))
    assert sorted(ORDER) == names, f"render_path.ORDER must list exactly the files of {SCEN_DIR}: {names}"
    names = ORDER
    runs = {}
    for n in names:
        runs[n], c = load("path." + n)
        assert c == 0, f"{n}: every 2025-2030 scenario must solve"
    usmca = [t["id"] for t in base["targets"] if t["period"] == years(base)[0] and t["scope"] == "usmca"]

    out = ["## The 2025-2030 path (schema 2)", ""]
    out.append(
        f"Instance: `{INSTANCE}`: the annual instance above over six yearly periods, with the lead time of "
        "every project, demand growth for lithium, graphite anode and rare-earth oxide, the USMCA caps "
        "phased in to their 2030 values and a joint strategic reserve that is empty and closed unless a "
        "scenario opens it (the file's header lists every change and its source). "
        f"{base['solver']['variables']:,} variables, {base['solver']['constraints']:,} constraints; default "
        f"options (backend `{base['solver']['backend']}`). Money: the *cost of the path* is the sum over the "
        "years of each year's annual cost weighted by `w_p = 1/1.07^(year-2025)` (7% real, an assumption), "
        "in M USD of 2025; no value is credited for stock or capacity left in 2030."
    )
    out.append("")
    answers(base, runs, out)
    out.append(f"```sh\n{CMD}\n```")
    out.append("")
    out.append(f"Cost of the path **{musd(base['objective'])} M USD**. Each year's annual cost:")
    out.append("")
    cost_table(base, out)
    out.append("What is built, and when (the report's `builds`):")
    out.append("")
    builds(base, out)
    out.append(
        "USMCA import shares per year, % (cap in brackets; **bold**: the cap binds and has a value). "
        "No cap in 2025; today's dependency held in 2026-2027, half of the cut in 2028-2029, the annual "
        "instance's cap in 2030:"
    )
    out.append("")
    share_table(base, usmca, out)
    unmet_table(base, out)

    # ---- 2025 calibration of the path
    rows = target_rows(base)
    y0 = years(base)[0]
    with open(USGS) as f:
        usgs = list(csv.DictReader(f))
    out.append(f"### Its {y0} period against USGS net import reliance")
    out.append("")
    out.append(
        f"The `targets` rows with period {y0} of the run above (expansions allowed, no override: the lead "
        "times keep every project that produced nothing in 2025 out of that year), compared as in the "
        "calibration table above:"
    )
    out.append("")
    out.append(f"| commodity | target | USGS {y0} | model {y0} | gap (pp) | within 10 pp |")
    out.append("|---|---|---:|---:|---:|---|")
    for row in usgs:
        share = 100 * rows[(row["target"], y0)]["achieved_share"]
        gap = distance(share, usgs_interval(row["value"]))
        ok = "yes" if gap <= TOL_PP else "**no**"
        out.append(f"| {row['commodity']} | `{row['target']}` | {row['value']} | {share:.1f} | {gap:.1f} | {ok} |")
    out.append("")

    # ---- scenarios
    out.append("### Scenarios of the path")
    out.append("")
    out.append(
        f"Each file of `{SCEN_DIR}/` is an override set on the 2025-2030 instance. Differences are "
        f"against the path above ({musd(base['objective'])} M USD)."
    )
    out.append("")
    for n in [n for n in names if n not in render_origin.ORIGIN_SCENARIOS]:
        spec, r = scenario(n), runs[n]
        out.append(f"#### {spec.get('name', n)}")
        out.append("")
        out.append(" ".join(spec.get("description", "").split()))
        out.append("")
        out.append(f"```sh\n{CMD} --scenario {SCEN_DIR}/{n}.toml\n```")
        out.append("")
        out.append(
            f"Cost of the path **{musd(r['objective'])} M USD** ({signed(r['objective'] - base['objective'])} M USD)."
        )
        out.append("")
        builds(r, out)
        if n.startswith("seed"):
            share_table(r, usmca, out)
        if any(s["level_t"] > 1e-3 for s in r["stockpiles"] or []):
            reserve_table(r, out)
        unmet_table(r, out, BANNED if "ban" in n else None)

    out.extend(render_origin.lines(INSTANCE, CMD, SCEN_DIR, base, runs))
    return out
