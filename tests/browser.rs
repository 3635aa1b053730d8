//! The HTML reports as a person sees them: each page is opened in headless Chromium, which
//! must load it with no console message (an error, a blocked request and a failed script all
//! log one) and no resource fetched; the numbers of the summary, read back from the DOM after
//! the page ran, must equal the JSON report's; and a screenshot of each page is kept in
//! `target/tmp/browser/` (not committed) for a reader to look at.
//!
//! Chromium is driven through its own command line (`--headless --dump-dom`, `--screenshot`,
//! console messages on stderr with `--enable-logging=stderr`), so the test needs nothing but
//! the browser: Debian's `chromium` (which `.ci/run` installs), or `SOURCING_OPT_CHROMIUM`
//! naming a binary. Without one it fails with that message; it never skips.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";
const INFEASIBLE: &str = "instances/infeasible_ree_cap.toml";

/// The Chromium binary: `SOURCING_OPT_CHROMIUM`, else the first of Debian's and Ubuntu's names
/// on the PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("SOURCING_OPT_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "headless Chromium not found: install Debian's `chromium` \
         (`apt-get install -y --no-install-recommends chromium`, as .ci/run does) or set \
         SOURCING_OPT_CHROMIUM to a Chromium binary"
    );
}

/// Where the screenshots go: the test's scratch directory in cargo's target dir.
fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What Chromium made of a page: the DOM after the scripts ran, and the console's messages.
struct Loaded {
    dom: String,
    console: Vec<String>,
}

fn chromium_run(page: &Path, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            // Nothing may leave the machine even if the page asked: every host is unresolvable.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", chromium().display()));
    assert!(
        out.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Load a page, and take its screenshot as `NAME.png`.
fn load(page: &Path, name: &str) -> Loaded {
    let (dom, log) = chromium_run(page, &["--dump-dom".to_string()]);
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    let shot = shots().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    chromium_run(
        page,
        &[
            "--window-size=1400,1000".to_string(),
            format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(shot.metadata().is_ok_and(|m| m.len() > 0), "no screenshot of {name}");
    Loaded { dom, console }
}

/// The page loaded as it should: no console message, its script ran to its end, and it
/// fetched no resource (the script records how many the page loaded).
fn assert_clean(name: &str, l: &Loaded) {
    assert!(
        l.console.is_empty(),
        "{name}: console messages:\n{}",
        l.console.join("\n")
    );
    assert!(
        l.dom.contains("data-script=\"ran\""),
        "{name}: the page's script did not run to its end"
    );
    assert!(
        l.dom.contains("data-resources=\"0\""),
        "{name}: the page fetched resources"
    );
}

/// Every `data-key="K" data-value="V"` pair on the page.
fn values(dom: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for part in dom.split("data-key=\"").skip(1) {
        let key = &part[..part.find('"').unwrap()];
        let rest = &part[key.len()..];
        if let Some(v) = rest.strip_prefix("\" data-value=\"") {
            let v = &v[..v.find('"').unwrap()];
            out.push((key.replace("&amp;", "&"), v.parse().unwrap_or(f64::NAN)));
        }
    }
    out
}

fn value(vals: &[(String, f64)], key: &str) -> f64 {
    vals.iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no `{key}` on the page"))
        .1
}

fn solve_to(dir: &Path, instance: &str, format: &str, name: &str) -> PathBuf {
    let path = dir.join(name);
    let r = run(&["solve", instance, "--format", format, "--quiet"]);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
    std::fs::write(&path, r.stdout).unwrap();
    path
}

/// A test of the checks themselves: a page with a remote image and a failing script is caught.
#[test]
fn a_page_with_a_request_or_a_script_error_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"https://example.invalid/x.png\"><script>undefinedFn();</script></body></html>",
    )
    .unwrap();
    let l = load(&page, "bad");
    assert!(!l.console.is_empty(), "the console showed nothing");
    assert!(std::panic::catch_unwind(|| assert_clean("bad", &l)).is_err());
}

#[test]
fn the_shipped_report_loads_clean_and_shows_the_json_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let page = solve_to(dir.path(), SHIPPED, "html", "shipped.html");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(solve_to(dir.path(), SHIPPED, "json", "s.json")).unwrap())
            .unwrap();
    let l = load(&page, "shipped");
    assert_clean("shipped", &l);
    let vals = values(&l.dom);
    assert_eq!(value(&vals, "objective"), json["objective"].as_f64().unwrap());
    for (k, v) in json["costs"].as_object().unwrap() {
        if let Some(x) = vals.iter().find(|(key, _)| key == &format!("costs.{k}")) {
            assert_eq!(x.1, v.as_f64().unwrap(), "costs.{k}");
        }
    }
    // Each final material's supply: its concentration rows summed over the stages.
    let mut materials = 0;
    for (key, shown) in vals.iter().filter(|(k, _)| k.starts_with("supply.")) {
        let m = &key["supply.".len()..];
        let total: f64 = json["concentration"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["material"] == m)
            .map(|c| c["total_t"].as_f64().unwrap())
            .sum();
        assert!(
            (shown - total).abs() <= 1e-9 * total.max(1.0),
            "{m}: {shown} on the page, {total} in the JSON"
        );
        materials += 1;
    }
    let finals: std::collections::BTreeSet<&str> = json["demands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["material"].as_str().unwrap())
        .collect();
    assert_eq!(materials, finals.len(), "one supply row per final material");
    // The targets shown, field by field.
    for t in json["targets"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        for f in ["achieved_share", "max_import_share", "marginal_value_per_point"] {
            if let Some(x) = vals.iter().find(|(k, _)| k == &format!("target.{id}.{f}")) {
                // A value the report does not know (null) is NaN on the page, never a number.
                match t[f].as_f64() {
                    Some(v) => assert_eq!(x.1, v, "{id}.{f}"),
                    None => assert!(x.1.is_nan(), "{id}.{f}: {} on the page, null in the JSON", x.1),
                }
            }
        }
    }
    // The binding limits: the first of `binding` with a value, each its `marginal_value`.
    let limits: Vec<&(String, f64)> = vals.iter().filter(|(k, _)| k.starts_with("limit.")).collect();
    assert_eq!(limits.len(), 5);
    let binding: Vec<&str> = json["binding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    for (key, v) in limits {
        let name = &key["limit.".len()..];
        assert!(binding[..10].contains(&name), "{name}");
        let c = json["constraints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        assert_eq!(*v, c["marginal_value"].as_f64().unwrap(), "{name}");
    }
}

#[test]
fn the_infeasible_report_shows_its_diagnosis() {
    let dir = tempfile::tempdir().unwrap();
    let page = solve_to(dir.path(), INFEASIBLE, "html", "infeasible.html");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(solve_to(dir.path(), INFEASIBLE, "json", "i.json")).unwrap())
            .unwrap();
    let l = load(&page, "infeasible");
    assert_clean("infeasible", &l);
    assert!(l.dom.contains("Why the plan is infeasible"));
    let vals = values(&l.dom);
    let relaxations = json["diagnosis"]["relaxations"].as_array().unwrap();
    assert!(!relaxations.is_empty());
    for x in relaxations {
        let name = x["constraint"].as_str().unwrap();
        assert_eq!(
            value(&vals, &format!("relax.{name}.current")),
            x["current"].as_f64().unwrap()
        );
        assert_eq!(
            value(&vals, &format!("relax.{name}.required")),
            x["required"].as_f64().unwrap()
        );
    }
}

#[test]
fn the_comparison_shows_both_plans() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let base = [
        "solve",
        SHIPPED,
        "--format",
        "json",
        "--ranging",
        "off",
        "--quiet",
        "--output",
    ];
    assert_eq!(run(&[&base[..], &[a.to_str().unwrap()]].concat()).code, 0);
    let cut = ["--set", "targets.ree_usmca.max_import_share=0.5"];
    assert_eq!(run(&[&base[..], &[b.to_str().unwrap()], &cut[..]].concat()).code, 0);
    let page = dir.path().join("compare.html");
    let r = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let l = load(&page, "compare");
    assert_clean("compare", &l);
    let vals = values(&l.dom);
    let obj = |p: &Path| -> f64 {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v["objective"].as_f64().unwrap()
    };
    assert_eq!(value(&vals, "objective.a"), obj(&a));
    assert_eq!(value(&vals, "objective.b"), obj(&b));
}
