//! Sharded runs on a real Slurm cluster: the scripts of `sweep --emit slurm` and `stress
//! --emit slurm` are submitted as they are (`bash SCRIPT --wait`), their array jobs solve the
//! shards and their dependent jobs merge them, and the merged outputs are byte for byte what
//! the unsharded runs write. Then one shard's file is removed: `merge` names it
//! (`--array=I`), the script resubmits just that shard and the merge, and the output is
//! whole again.
//!
//! This test needs a Slurm cluster that `sbatch` reaches and `SOURCING_OPT_SLURM=1`: `.ci/run`
//! starts a single-node cluster on this machine (`.ci/slurm start`) and sets both. Without
//! them it fails; it never skips.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";
const SPOF: &str = "tests/fixtures/stress/single_point_of_failure.toml";

/// Fail loudly unless a Slurm cluster is there to take jobs.
fn require_slurm() {
    if std::env::var("SOURCING_OPT_SLURM").as_deref() != Ok("1") {
        panic!(
            "SOURCING_OPT_SLURM is not 1: this test submits jobs to a Slurm cluster. Run the tests through \
             `.ci/run`, which starts a single-node cluster on this machine and sets it; or, as root with Debian's \
             slurm-wlm and munge installed: `eval \"$(.ci/slurm start $(mktemp -d))\"` then `cargo test --test slurm` \
             (and `.ci/slurm stop DIR` after)"
        );
    }
    let sinfo = Command::new("sinfo").args(["-h", "-o", "%T"]).output();
    match sinfo {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {}
        Ok(out) => panic!(
            "SOURCING_OPT_SLURM=1 but `sinfo` does not reach a cluster (exit {:?}): {}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("SOURCING_OPT_SLURM=1 but `sinfo` cannot run: {e}; is slurm-wlm installed?"),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The unsharded run's output.
fn unsharded(args: &[&str], out: &Path) -> String {
    let mut all = args.to_vec();
    all.extend(["--output", s(out), "--quiet"]);
    let r = run_env(&all, &[]);
    assert_eq!(r.code, 0, "{}", r.describe(&all));
    read(out)
}

/// Write the `--emit slurm` script of `args` to `script`.
fn emit(args: &[&str], shards: &str, dir: &Path, out: &Path, script: &Path) {
    let mut all = args.to_vec();
    all.extend([
        "--emit",
        "slurm",
        "--shards",
        shards,
        "--shard-dir",
        s(dir),
        "--output",
        s(out),
        "--quiet",
    ]);
    let r = run_env(&all, &[]);
    assert_eq!(r.code, 0, "{}", r.describe(&all));
    std::fs::write(script, r.stdout).expect("the script is written");
}

/// Start `bash SCRIPT EXTRA... --wait` from the workspace root (the script's paths are
/// relative to it).
fn submit(script: &Path, extra: &[&str]) -> std::process::Child {
    Command::new("bash")
        .arg(script)
        .args(extra)
        .arg("--wait")
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs the script")
}

/// Wait for a submission; it must succeed. The Slurm logs of `dir` are shown on failure.
fn finish(child: std::process::Child, dir: &Path) {
    let out = child.wait_with_output().expect("the submission ends");
    let logs: String = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".out"))
                .map(|e| format!("--- {} ---\n{}", e.path().display(), read(&e.path())))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        out.status.success(),
        "the submission failed ({:?})\n{}{}\n{logs}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sharded_sweep_and_stress_run_as_slurm_array_jobs_and_merge_byte_for_byte() {
    require_slurm();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let t = tmp.path();
    let mut sweep = vec!["sweep", SHIPPED];
    sweep.extend(SHIPPED_GRID);
    let stress = ["stress", SPOF, "--format", "json"];
    let sweep_whole = unsharded(&sweep, &t.join("sweep-whole.csv"));
    let stress_whole = unsharded(&stress, &t.join("stress-whole.json"));

    let (sweep_dir, sweep_out, sweep_sh) = (t.join("sweep"), t.join("sweep.csv"), t.join("sweep.sh"));
    let (stress_dir, stress_out, stress_sh) = (t.join("stress"), t.join("stress.json"), t.join("stress.sh"));
    emit(&sweep, "4", &sweep_dir, &sweep_out, &sweep_sh);
    emit(&stress, "3", &stress_dir, &stress_out, &stress_sh);
    // Both runs at once, as a cluster would take them.
    let (a, b) = (submit(&sweep_sh, &[]), submit(&stress_sh, &[]));
    finish(a, &sweep_dir);
    finish(b, &stress_dir);
    assert_eq!(read(&sweep_out), sweep_whole, "the sweep merged on Slurm");
    assert_eq!(read(&stress_out), stress_whole, "the stress ranking merged on Slurm");
    for i in 0..4 {
        assert!(sweep_dir.join(format!("shard-{i}-of-4.jsonl")).exists());
    }

    // One shard lost: `merge` names it, the script submits it and the merge again.
    std::fs::remove_file(sweep_dir.join("shard-2-of-4.jsonl")).unwrap();
    std::fs::remove_file(&sweep_out).unwrap();
    let r = run_env(&["sweep", "merge", s(&sweep_dir)], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let at = r.stderr.find("--array=").expect("merge names the shards to run again") + "--array=".len();
    let list = r.stderr[at..].split_whitespace().next().unwrap();
    assert_eq!(list, "2", "{}", r.stderr);
    let array = format!("--array={list}");
    finish(submit(&sweep_sh, &[&array]), &sweep_dir);
    assert_eq!(
        read(&sweep_out),
        sweep_whole,
        "the sweep merged again after the resubmission"
    );
}
