"""The geological-origin answers of instances/README.md (model contract section 7), from the
path's reports: (a) the USMCA preference only for USMCA-mined material, (b) the same rare-earth
cut counted by origin and at the border, (c) Chinese ore refined in Mexico under each rule.

Used by render_path.py. Standard library only; rounded as render_path.py rounds.
"""

import tomllib

ORIGIN_SCENARIOS = [
    "geological_origin",
    "cn_ore_via_mexico",
    "cn_ore_via_mexico_geological_origin",
    "ree_crossing_cap",
    "ree_origin_cap",
]


def musd(x):
    return f"{x / 1e6:,.1f}"


def signed(x):
    return ("+" if x >= 0 else "") + musd(x)


def tonnes(x):
    return f"{x:,.0f}"


def region_country(instance):
    with open(instance, "rb") as f:
        data = tomllib.load(f)
    return {r["id"]: r["country"] for r in data["regions"]}


def last_year(report):
    return report["periods"][-1]["year"]


def shipments(report, year, keep):
    """{(material, origin): t/yr} of the shipments of `year` that `keep(s)` selects."""
    out = {}
    for s in report["shipments"]:
        if s["period"] == year and keep(s):
            k = (s["material"], s.get("origin"))
            out[k] = out.get(k, 0.0) + s["tonnes"]
    return out


def usmca_share(report, material, year):
    """The share of USMCA use of `material` in `year` mined in USMCA (origin_shares)."""
    for s in report.get("origin_shares") or []:
        if s["period"] == year and s["scope"] == "usmca" and s["material"] == material:
            return s["shares"]["usmca"]
    return None


def target(report, tid, year):
    return next(t for t in report["targets"] if t["id"] == tid and t["period"] == year)


def fmt_flows(flows):
    items = [f"{tonnes(t)} t/yr of `{m}` (origin `{o}`)" for (m, o), t in sorted(flows.items()) if t > 0.5]
    return ", ".join(items) if items else "nothing"


def lines(instance, cmd, scen_dir, base, runs):
    country = region_country(instance)
    y = last_year(base)
    b = base["objective"]
    into_us_from_partner = lambda s: country[s["from"]] in ("CA", "MX") and country[s["to"]] == "US"
    out = ["### Geological origin: what tracking where the ore was mined changes", ""]
    out.append(
        "The path tracks three origin classes (`usmca`, `allied`, `other`), and its origin-aware "
        "tariff and caps are set to today's rules, so its plan is the one without tracking. In "
        f"{y}, the share of USMCA use mined in USMCA: "
        + ", ".join(
            f"`{m}` {100 * usmca_share(base, m, y):.1f}%"
            for m in ["ree_oxide", "graphite_anode", "li_carbonate", "cobalt", "hf"]
            if usmca_share(base, m, y) is not None
        )
        + " (the report's `origin_shares`; text and Markdown show it per final material)."
    )
    out.append("")
    geo = runs["geological_origin"]
    lost = shipments(geo, y, lambda s: into_us_from_partner(s) and s.get("origin") != "usmca")
    was = shipments(base, y, lambda s: into_us_from_partner(s) and s.get("origin") != "usmca")
    out.append(
        f"- **(a) The USMCA preference only for USMCA-mined material** (`geological_origin`): "
        f"{signed(geo['objective'] - b)} M USD over the path, of which tariffs "
        f"{signed(geo['costs']['tariffs'] - base['costs']['tariffs'])} M USD. Goods from Canada and "
        f"Mexico into the US not mined in USMCA, {y}: {fmt_flows(was)} under today's rules; under "
        f"the rule, where it would pay 25%: {fmt_flows(lost)}."
    )
    cn, cn_geo = runs["cn_ore_via_mexico"], runs["cn_ore_via_mexico_geological_origin"]
    lane = lambda s: s["lane"] == "cn_mx_bulk"

    def koura(r):
        p = next(p for p in r["plants"] if p["id"] == "koura_matamoros" and p["period"] == y)
        return p["input_by_origin"]["other"]

    out.append(
        f"- **(c) Chinese ore through Mexico**: with a direct China-Altamira lane "
        f"(`cn_ore_via_mexico`), today's rules save {musd(b - cn['objective'])} M USD over the path "
        f"(tariffs {signed(cn['costs']['tariffs'] - base['costs']['tariffs'])} M USD): the lane "
        f"carries {fmt_flows(shipments(cn, y, lane))} in {y}, and Koura Matamoros refines "
        f"{tonnes(koura(cn))} t/yr of Chinese fluorspar (Mexican fluorspar is cheaper); what "
        f"crosses on into the US from Mexico not mined in USMCA: "
        f"{fmt_flows(shipments(cn, y, lambda s: into_us_from_partner(s) and s.get('origin') == 'other'))}. "
        f"Under the geological-origin rule (`cn_ore_via_mexico_geological_origin`) the same lane "
        f"saves {musd(geo['objective'] - cn_geo['objective'])} M USD against the rule without it "
        f"(the path costs {signed(cn_geo['objective'] - b)} M USD against today's), and carries "
        f"{fmt_flows(shipments(cn_geo, y, lane))}."
    )
    cross, orig = runs["ree_crossing_cap"], runs["ree_origin_cap"]
    tc, to = target(cross, "ree_usmca_origin", y), target(orig, "ree_usmca_crossing", y)
    out.append(
        f"- **(b) The same rare-earth cut, counted at the border or by origin**: "
        f"`ree_crossing_cap` {signed(cross['objective'] - b)} M USD, `ree_origin_cap` "
        f"{signed(orig['objective'] - b)} M USD. Under the border count the share of USMCA use mined "
        f"outside USMCA is {100 * tc['achieved_share']:.1f}% in {y} (cap "
        f"{100 * target(cross, 'ree_usmca_crossing', y)['max_import_share']:.1f}%): the processing "
        f"laundering the border count misses is {100 * (tc['achieved_share'] - target(cross, 'ree_usmca_crossing', y)['achieved_share']):.1f} "
        "points, because the only imported concentrate (Australian, `allied`) costs more than "
        "separating Mountain Pass ore at home; the two counts differ where a plan refines imported "
        f"ore in North America, as graphite does: {100 * (1 - usmca_share(base, 'graphite_anode', y)):.1f}% of USMCA's "
        f"anode use in {y} is mined outside USMCA, while `graphite_usmca`, which counts anode crossing "
        f"from non-allied countries, sees {100 * target(base, 'graphite_usmca', y)['achieved_share']:.1f}%."
    )
    out.append("")
    for n in ORIGIN_SCENARIOS:
        with open(f"{scen_dir}/{n}.toml", "rb") as f:
            spec = tomllib.load(f)
        r = runs[n]
        out.append(f"#### {spec.get('name', n)}")
        out.append("")
        out.append(" ".join(spec.get("description", "").split()))
        out.append("")
        out.append(f"```sh\n{cmd} --scenario {scen_dir}/{n}.toml\n```")
        out.append("")
        out.append(f"Cost of the path **{musd(r['objective'])} M USD** ({signed(r['objective'] - b)} M USD).")
        out.append("")
    return out
