//! `--time-limit` bounds the whole run: the solve, the duals, the ranging and the diagnosis
//! of an infeasible plan end by one deadline, the report says what is missing, and the exit
//! status is 5 whenever the limit cut anything short.

mod common;

use common::*;
use serde_json::Value;
use sourcing_opt::diagnose;
use sourcing_opt::model::formulate;
use sourcing_opt::solve::backend::{Deadline, MiniLp};
use std::time::{Duration, Instant};

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";

fn report(r: &Run, args: &[&str]) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not a JSON report ({e})\n{}", r.describe(args)))
}

/// A limit the run never reaches gives the report of a run without one (timing aside).
#[test]
fn a_generous_time_limit_changes_nothing() {
    for instance in [
        SHIPPED,
        "instances/textbook/import_cap_binding.toml",
        "instances/infeasible_ree_cap.toml",
    ] {
        let plain = ["solve", instance, "--format", "json", "--quiet"];
        let limited = ["solve", instance, "--format", "json", "--quiet", "--time-limit", "600"];
        let (a, b) = (run(&plain), run(&limited));
        assert_eq!(a.code, b.code, "{instance}: {}", b.describe(&limited));
        assert_eq!(mask_timing(&a.stdout), mask_timing(&b.stdout), "{instance}");
        assert!(report(&b, &limited)["message"].is_null() || a.code != 0, "{instance}");
    }
}

/// The shipped instance solves in well under a second, and so does its ranging by the basis;
/// by auxiliary LPs (`SOURCING_OPT_PRICES=lp`, 60 LPs for one-sided prices) it takes seconds:
/// a limit of 1 s stops that ranging, keeps the plan (objective, flows, duals) and exits 5,
/// saying what is missing.
#[test]
fn a_time_limit_hit_during_ranging_keeps_the_plan_and_exits_5() {
    let limit = 1.0;
    let args = [
        "solve",
        SHIPPED,
        "--ranging",
        "on",
        "--time-limit",
        "1",
        "--format",
        "json",
        "--quiet",
    ];
    let started = Instant::now();
    let r = run_env(&args, &[("SOURCING_OPT_PRICES", "lp")]);
    let wall = started.elapsed().as_secs_f64();
    // Loose: 10x the limit plus process start and the report (a debug build), against
    // several seconds for a complete ranging.
    assert!(wall < 10.0 * limit + 2.0, "took {wall:.1} s with --time-limit {limit}");
    assert_eq!(r.code, 5, "{}", r.describe(&args));
    let v = report(&r, &args);
    assert_eq!(v["status"], "optimal", "{}", r.describe(&args));
    assert!(v["objective"].as_f64().is_some_and(|o| o > 0.0));
    assert!(!v["shipments"].as_array().unwrap().is_empty());
    assert!(v["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["dual"].is_number()));
    let ranging = v["solver"]["ranging"].as_str().unwrap();
    assert!(ranging.contains("ranging stopped at the time limit after"), "{ranging}");
    assert!(ranging.contains("null"), "{ranging}");
    assert!(v["message"].as_str().unwrap().contains("time limit"));
    // The one-sided prices ranging could not compute are null, the others are there: the
    // marginal values of binding limits and targets, and the delivered prices. Which ones are
    // missing depends on how far ranging got, so both kinds are looked at together.
    let constraints = v["constraints"].as_array().unwrap();
    let limits = constraints
        .iter()
        .filter(|c| c["binding"] == true && c["sense"] == "<=")
        .map(|c| &c["marginal_value"]);
    let prices = v["prices"].as_array().unwrap().iter().map(|p| &p["marginal_cost"]);
    let values: Vec<&Value> = limits.chain(prices).collect();
    assert!(values.iter().any(|x| x.is_null()), "nothing is missing?");
    assert!(values.iter().any(|x| x.is_number()), "nothing was priced?");
    assert!(r.stderr.contains("time limit"), "{}", r.stderr);
}

/// A solve that cannot finish in time: no plan, exit 5, as before.
#[test]
fn a_solve_over_the_time_limit_exits_5_without_a_plan() {
    let over = |format: &'static str| {
        let args = [
            "solve",
            SHIPPED,
            "--time-limit",
            "0.000001",
            "--format",
            format,
            "--quiet",
        ];
        let r = run(&args);
        assert_eq!(r.code, 5, "{}", r.describe(&args));
        (r, args)
    };
    let (r, args) = over("json");
    let v = report(&r, &args);
    assert_eq!(v["status"], "error");
    assert!(v["objective"].is_null());
    // The limit used and the fix.
    let m = v["message"].as_str().unwrap();
    assert!(
        m.contains("the time limit (0.000001 s)") && m.contains("raise --time-limit"),
        "{m}"
    );
    // The page's heading reads as English ("The plan is error" before).
    let (r, _) = over("html");
    assert!(
        r.stdout.contains("No plan: the solve did not finish</h2>"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("The plan is error"), "{}", r.stdout);
}

/// The diagnosis of an infeasible plan ends by the deadline too, and says what it left out.
#[test]
fn the_diagnosis_stops_at_the_deadline_and_says_so() {
    let src = std::fs::read_to_string(root().join("instances/infeasible_ree_cap.toml")).unwrap();
    let inst = sourcing_models::load_str(&src).instance.unwrap();
    let model = formulate::build(&inst);
    let full = diagnose::diagnose(&inst, &model, &MiniLp);
    assert!(full.incomplete.is_none());
    assert!(!full.relaxations.is_empty());
    let cut = diagnose::diagnose_until(&inst, &model, &MiniLp, Deadline::after(Some(Duration::ZERO)));
    let why = cut.incomplete.as_deref().expect("the diagnosis says it was cut short");
    assert!(why.contains("time limit"), "{why}");
    assert!(cut.relaxations.is_empty() && cut.conflict.is_empty(), "{cut:?}");
    assert_eq!(cut.structural, full.structural, "the structural checks need no LP");
}

/// `stress` and `permits` take `--time-limit` for every case, the base case included: a base
/// case that cannot finish ranks nothing and says why (exit 5, no output file), a limit never
/// reached changes nothing, and a limit that is not a positive number is a usage error.
#[test]
fn stress_and_permits_bound_each_case_by_the_time_limit() {
    const PATH: &str = "instances/usmca_2025_2030.toml";
    let tmp = tempfile::tempdir().expect("a temporary directory");
    for (command, instance) in [
        ("stress", "tests/fixtures/stress/single_point_of_failure.toml"),
        ("permits", "instances/textbook/lead_time_imports.toml"),
    ] {
        let out = tmp.path().join(format!("{command}.txt"));
        let args = [
            command,
            PATH,
            "--time-limit",
            "0.000001",
            "--quiet",
            "--output",
            out.to_str().unwrap(),
        ];
        let r = run(&args);
        assert_eq!(r.code, 5, "{}", r.describe(&args));
        assert!(
            r.stderr
                .contains("the base case was not solved (the time limit (0.000001 s)")
                && r.stderr.contains("raise --time-limit"),
            "{}",
            r.describe(&args)
        );
        assert!(!out.exists(), "nothing is ranked, nothing is written");

        let unlimited = [command, instance, "--format", "json", "--quiet"];
        let free = run(&unlimited);
        assert_eq!(free.code, 0, "{}", free.describe(&unlimited));
        let limited = [command, instance, "--format", "json", "--quiet", "--time-limit", "600"];
        let bounded = run(&limited);
        assert_eq!(bounded.code, 0, "{}", bounded.describe(&limited));
        assert_eq!(bounded.stdout, free.stdout, "a limit never reached changes nothing");

        for bad in ["0", "-3", "nan"] {
            let args = [command, instance, "--time-limit", bad];
            let r = run(&args);
            assert_eq!(r.code, 2, "{}", r.describe(&args));
            assert!(
                r.stderr.contains("--time-limit must be a positive number of seconds"),
                "{}",
                r.describe(&args)
            );
        }
    }
}

/// A sweep point cut by the time limit is an error on stderr, which `--quiet` (no warnings,
/// no notes) does not silence; the exit status is 5.
#[test]
fn a_sweep_point_that_was_not_solved_is_an_error_even_with_quiet() {
    let args = [
        "sweep",
        "instances/textbook/import_cap_binding.toml",
        "--param",
        "meta.carrying_rate",
        "--values",
        "0.5",
        "--time-limit",
        "0.000001",
        "--quiet",
    ];
    let r = run(&args);
    assert_eq!(r.code, 5, "{}", r.describe(&args));
    assert!(
        r.stderr
            .starts_with("error: point 1 (meta.carrying_rate=0.5) was not solved: the time limit"),
        "{}",
        r.describe(&args)
    );
    assert!(!r.stderr.contains("warning"), "{}", r.describe(&args));
}
