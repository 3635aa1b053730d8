//! The HTML report as a file: self-contained (no `http://` or `https://` reference, no
//! external resource), small, every instance string escaped, the diagnosis of an infeasible
//! run on the page, `compare --format html` and `sweep --plot FILE.html`. What a browser makes
//! of the pages is `tests/browser.rs`.

mod common;

use common::*;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";
const INFEASIBLE: &str = "instances/infeasible_ree_cap.toml";

/// Every `http://` or `https://` in the page (a reference to a server, or a namespace URL).
fn urls(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    for scheme in ["http://", "https://"] {
        let mut at = 0;
        while let Some(i) = lower[at..].find(scheme) {
            let start = at + i;
            let end = lower[start..]
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '<' || c == ')')
                .map_or(lower.len(), |e| start + e);
            out.push(html[start..end].to_string());
            at = end;
        }
    }
    out
}

/// What a self-contained page has: one document, an inline policy that forbids requests, and
/// no reference to any server, no `src=` or `href=` other than a fragment.
fn assert_self_contained(what: &str, html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{what}: not an HTML page");
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assert_eq!(urls(html), Vec::<String>::new(), "{what}: references a server");
    // Exact values are the JSON's numbers: no signed zero (the unmet total was `-0`).
    assert!(!html.contains("data-value=\"-0\""), "{what}: a data-value of -0");
    for attr in [" src=", " href=", "@import", "url("] {
        let outside = html.matches(attr).count() - html.matches(&format!("{attr}\"#")).count();
        assert_eq!(outside, 0, "{what}: `{attr}` loads a resource");
    }
}

fn solve_html(instance: &str, extra: &[&str]) -> Run {
    let mut args = vec!["solve", instance, "--format", "html", "--quiet"];
    args.extend(extra);
    run(&args)
}

#[test]
fn the_shipped_report_is_one_small_self_contained_page() {
    for detail in ["brief", "full"] {
        let r = solve_html(SHIPPED, &["--detail", detail]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_self_contained(detail, &r.stdout);
        assert!(r.stdout.len() < 5_000_000, "{detail}: {} bytes", r.stdout.len());
        for id in [
            "id=\"summary\"",
            "id=\"supply\"",
            "id=\"flow\"",
            "id=\"costs\"",
            "id=\"targets\"",
        ] {
            assert!(r.stdout.contains(id), "{detail}: no {id}");
        }
    }
    let brief = solve_html(SHIPPED, &[]).stdout;
    let full = solve_html(SHIPPED, &["--detail", "full"]).stdout;
    assert!(!brief.contains(">Shipments<") && full.contains(">Shipments<"));
}

/// The checks above catch what they look for (they are not vacuous).
#[test]
fn the_self_containment_check_catches_a_remote_reference() {
    let r = solve_html("instances/textbook/powerco_transport.toml", &[]);
    for bad in [
        "<script src=\"https://cdn.example/x.js\"></script>",
        "<img src=\"data.png\">",
        "<link href=\"style.css\" rel=\"stylesheet\">",
    ] {
        let page = r.stdout.replace("</body>", &format!("{bad}</body>"));
        let caught = std::panic::catch_unwind(|| assert_self_contained("tampered", &page));
        assert!(caught.is_err(), "not caught: {bad}");
    }
}

/// Names from the instance are text: a `<script>` in a name is shown, never run.
#[test]
fn instance_strings_are_escaped() {
    let text = std::fs::read_to_string(root().join("instances/textbook/import_cap_binding.toml")).unwrap();
    let evil = "<script>alert('x')</script> & \\\"q\\\"";
    let text = text
        .replace("name = \"import-cap-binding\"", &format!("name = \"{evil}\""))
        .replace("id = \"us_mine\"\n", &format!("id = \"us_mine\"\nname = \"{evil}\"\n"))
        .replace("id = \"CN\"\n", &format!("id = \"CN\"\nname = \"{evil}\"\n"));
    assert_eq!(text.matches("<script>").count(), 3, "the fixture took the names");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil.toml");
    std::fs::write(&path, text).unwrap();
    let r = solve_html(path.to_str().unwrap(), &["--detail", "full"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The page's own script is the only script element.
    assert_eq!(r.stdout.matches("<script").count(), 1, "{}", r.stdout);
    assert!(!r.stdout.contains("alert('x')"));
    let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;";
    // The title, the heading and the binding limit in words (the mine's name).
    assert!(r.stdout.matches(escaped).count() >= 3, "{}", r.stdout);
}

#[test]
fn an_infeasible_page_shows_the_diagnosis() {
    let r = solve_html(INFEASIBLE, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_self_contained("infeasible", &r.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&run(&["solve", INFEASIBLE, "--format", "json"]).stdout).unwrap();
    let d = &json["diagnosis"];
    assert!(r.stdout.contains("id=\"diagnosis\""));
    for x in d["relaxations"].as_array().unwrap() {
        let name = x["constraint"].as_str().unwrap();
        assert!(
            r.stdout.contains(&format!("data-key=\"relax.{name}.required\"")),
            "{name}"
        );
    }
    for c in d["conflict"].as_array().unwrap() {
        assert!(r.stdout.contains(&format!("<code>{}</code>", c.as_str().unwrap())));
    }
}

#[test]
fn compare_and_sweep_write_pages() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let base = ["solve", SHIPPED, "--format", "json", "--ranging", "off", "--quiet"];
    assert_eq!(run(&[&base[..], &["--output", a]].concat()).code, 0);
    let cut = ["--set", "targets.ree_usmca.max_import_share=0.5", "--output", b];
    assert_eq!(run(&[&base[..], &cut[..]].concat()).code, 0);
    let r = run(&["compare", a, b, "--format", "html"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_self_contained("compare", &r.stdout);
    assert!(r.stdout.contains("A (before)") && r.stdout.contains("B (after)"));
    // Costs judged (red up, green down), flows only marked (blue up, amber down).
    for class in ["diff-up", "diff-down", "diff-more", "diff-less"] {
        assert!(r.stdout.contains(&format!("class=\"{class}\"")), "no {class} row");
    }
    let flows = r.stdout.find("Flows and capacities").expect("a flows table");
    let after = &r.stdout[flows..];
    let flows_table = &after[..after.find("</table>").unwrap()];
    assert!(!flows_table.contains("diff-up") && !flows_table.contains("diff-down"));
    let plot = dir.path().join("curve.html");
    let args = [
        "sweep",
        "instances/textbook/import_cap_binding.toml",
        "--param",
        "targets.us_cobalt_cap.max_import_share",
        "--values",
        "0.2,0.4,0.6",
        "--plot",
        plot.to_str().unwrap(),
        "--quiet",
    ];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&plot).unwrap();
    assert_self_contained("sweep", &page);
    assert!(page.contains("<svg"));
}

/// With periods the page has each binding target's path as a chart, the investment plan and
/// the stockpile path, and stays self-contained (the line chart's SVG namespace is dropped).
#[test]
fn a_page_with_periods_shows_the_paths() {
    let r = solve_html("instances/usmca_2025_2030.toml", &["--ranging", "off"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_self_contained("2025-2030", &r.stdout);
    for what in [
        "Import share of the binding targets over the years",
        "Investment plan",
        "Stockpiles",
        "Import-dependency targets over time",
        "Supply of each final material in 2030",
    ] {
        assert!(r.stdout.contains(what), "no `{what}`");
    }
}

/// The lines of `text` that say how the plan was obtained: `solver: ...` and the `ranging:`,
/// `note:` and `method:` lines that follow it.
fn solver_lines_of_text(text: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("solver: "));
    let mut out: Vec<String> = lines.next().into_iter().map(String::from).collect();
    out.extend(
        lines
            .take_while(|l| ["ranging: ", "note: ", "method: "].iter().any(|p| l.starts_with(p)))
            .map(String::from),
    );
    out
}

/// The lines of the page's solver paragraph, unescaped.
fn solver_lines_of_page(html: &str) -> Vec<String> {
    let open = "<p class=\"meta\" data-key=\"solver\">";
    let start = html.find(open).expect("no solver paragraph") + open.len();
    let end = start + html[start..].find("</p>").unwrap();
    html[start..end]
        .split("<br>")
        .map(|l| {
            l.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// A circulated page says how its numbers were obtained and checked, as the text report does:
/// backend, size, violation, where the duals come from, the duality gap, the ranging method,
/// and the lazy lane capacities when the solve left them out.
#[test]
fn the_page_says_how_the_plan_was_solved() {
    let dir = tempfile::tempdir().unwrap();
    let dense = dir.path().join("dense.toml");
    let gen = ["generate", "--seed", "3", "--shape", "dense", "--scale", "2", "-o"];
    assert_eq!(run(&[&gen[..], &[dense.to_str().unwrap()]].concat()).code, 0);
    type Env<'a> = &'a [(&'a str, &'a str)];
    let runs: [(&str, &[&str], Env); 3] = [
        (SHIPPED, &[], &[]),
        (SHIPPED, &["--backend", "minilp", "--ranging", "off"], &[]),
        (
            dense.to_str().unwrap(),
            &["--backend", "clarabel"],
            &[("SOURCING_OPT_LAZY", "on")],
        ),
    ];
    for (instance, extra, env) in runs {
        let report = |format: &str| {
            let mut args = vec!["solve", instance, "--format", format, "--quiet"];
            args.extend(extra);
            let r = run_env(&args, env);
            assert_eq!(r.code, 0, "{instance} {extra:?}: {}", r.stderr);
            r.stdout
        };
        let text = solver_lines_of_text(&report("text"));
        let page = solver_lines_of_page(&report("html"));
        assert!(
            text[0].starts_with("solver: ") && text[0].contains("duality gap"),
            "{text:?}"
        );
        assert_eq!(page, text, "{instance} {extra:?}");
        let lazy = !env.is_empty();
        assert_eq!(
            lazy,
            text.iter().any(|l| l.starts_with("method: lazy capacities")),
            "{text:?}"
        );
        let ranged = !extra.contains(&"off");
        assert_eq!(ranged, text.iter().any(|l| l.starts_with("ranging: ")), "{text:?}");
    }
}
