//! `--emit slurm` and `--emit k8s`: a ready job script for a sharded `sweep` or `stress` run.
//!
//! - Slurm: a bash script that submits an array job, one task per shard (the array index is
//!   the shard index), then the merge as a job that starts once every task has succeeded
//!   (`--dependency=afterok:`, cancelled if one fails: `--kill-on-invalid-dep=yes`). Its first
//!   argument may be `--array=LIST` (the shards `merge` names to run again); any other
//!   argument goes to both `sbatch` calls (`--partition`, `--time`, `--wait`).
//! - Kubernetes: an Indexed Job (`completionMode: Indexed`), one pod per shard, the shard
//!   index from `JOB_COMPLETION_INDEX`. Kubernetes has no dependent jobs: each pod tries the
//!   merge after its shard, and the one that finishes last writes the merged output.
//!
//! Every task runs with `--resume`, so a task run again keeps the points it solved. Paths are
//! written as given, relative to the directory the script is submitted from (Slurm) or the
//! volume (Kubernetes).

use super::choices::Scheduler;
use super::common::{exit, Failure, InputArgs};
use std::fmt::Write as _;
use std::path::Path;

/// What the script runs.
pub struct Job {
    /// `sweep` or `stress`.
    pub command: &'static str,
    /// The arguments of one shard's run after the binary, without the shard options (the
    /// script adds `--shards`, `--shard-dir`, `--resume` and `--jobs`).
    pub shard_args: Vec<String>,
    /// The arguments of the merge after `COMMAND merge DIR`.
    pub merge_args: Vec<String>,
    pub shards: usize,
    /// `--shard-dir` as given.
    pub dir: String,
    /// The number of points (grid points, cases) of the run.
    pub points: usize,
    /// `--jobs`, or `None` for one core a task.
    pub jobs: Option<usize>,
    /// The input files (instance, scenario), checked before submitting.
    pub inputs: Vec<String>,
    /// The merged output.
    pub output: String,
}

/// A shell word that stays one word: as it is when it is plain, else single-quoted.
pub fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn words(args: &[String]) -> String {
    args.iter().map(|a| sh_quote(a)).collect::<Vec<_>>().join(" ")
}

/// The script or manifest for `scheduler`.
pub fn script(scheduler: Scheduler, job: &Job, binary: &str) -> String {
    match scheduler {
        Scheduler::Slurm => slurm(job, binary),
        Scheduler::K8s => k8s(job),
    }
}

/// The shard's command line after the binary; `jobs` is the shell text of `--jobs`'s value.
fn shard_line(job: &Job, jobs: &str) -> String {
    format!(
        "{} --shards {} --shard-dir {} --resume --jobs {jobs}",
        words(&job.shard_args),
        job.shards,
        sh_quote(&job.dir)
    )
}

fn merge_line(job: &Job) -> String {
    let mut args = vec![job.command.to_string(), "merge".into(), job.dir.clone()];
    args.extend(job.merge_args.iter().cloned());
    words(&args)
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The Slurm submission script (see the module documentation).
pub fn slurm(job: &Job, binary: &str) -> String {
    let n = job.shards;
    let c = job.command;
    let dir = sh_quote(&job.dir);
    let cpus = job.jobs.unwrap_or(1);
    let jobs = match job.jobs {
        Some(j) => j.to_string(),
        None => "\"${SLURM_CPUS_PER_TASK:-1}\"".into(),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"#!/bin/bash
# sourcing-opt {c} on Slurm: {points} in {shards}, as an array job (one task per shard),
# then the merge as a job that starts once every shard has succeeded.
# Written by `sourcing-opt {c} ... --emit slurm` (sourcing-opt {version}).
#
#   bash THIS_FILE                  submit the shards (--array=0-{last}) and the merge
#   bash THIS_FILE --array=1,3      submit only the shards `sourcing-opt {c} merge` names
#                                   (it prints the list), and the merge
#   bash THIS_FILE [--array=LIST] OPTION...
#                                   pass sbatch options to both jobs: --partition=P,
#                                   --time=T, --account=A, --wait (return when done)
#
# Submit it from the directory you ran --emit in: the paths below are relative to it.
# Task I solves shard I of {n} (its SLURM_ARRAY_TASK_ID, from 0) into {dir_text}/shard-I-of-{n}.jsonl,
# keeping what an earlier task of the same shard solved (--resume), and logs to
# {dir_text}/slurm-JOB_I.out. The merge checks that every point is there once, from the
# same instance and options, and writes {output_text}: the bytes an unsharded run writes.
# If a shard fails the merge job is cancelled: `sourcing-opt {c} merge {dir_text}` then says
# which shards to submit again. SOURCING_OPT in the environment replaces the binary below.
set -euo pipefail
array=--array=0-{last}
if [ $# -gt 0 ] && [[ $1 == --array=* ]]; then array=$1; shift; fi
for f in {inputs}; do
  [ -e "$f" ] || {{ echo "error: $f not found: submit from the directory you ran --emit in" >&2; exit 1; }}
done
mkdir -p {dir}
if ! shards=$(sbatch --parsable "$array" --job-name=sourcing-opt-{c} --cpus-per-task={cpus} \
    --output={dir}/slurm-%A_%a.out "$@" <<'EOF'
#!/bin/bash
bin={binary}
[ -z "${{SOURCING_OPT:-}}" ] || bin=$SOURCING_OPT
exec "$bin" {shard}
EOF
); then
  echo "error: the shards were not submitted, or (with --wait) one failed: \`sourcing-opt {c} merge {dir_text}\` says which to submit again" >&2
  exit 1
fi
merge=$(sbatch --parsable --dependency="afterok:${{shards%%;*}}" --kill-on-invalid-dep=yes \
    --job-name=sourcing-opt-{c}-merge --output={dir}/merge-%j.out "$@" <<'EOF'
#!/bin/bash
bin={binary}
[ -z "${{SOURCING_OPT:-}}" ] || bin=$SOURCING_OPT
exec "$bin" {merge}
EOF
)
echo "submitted shards $array as job ${{shards%%;*}}, and the merge (after every shard succeeds) as job ${{merge%%;*}}"
"#,
        points = plural(job.points, "point"),
        shards = plural(n, "shard"),
        version = crate::whatif::records::VERSION,
        last = n - 1,
        dir_text = job.dir,
        output_text = job.output,
        binary = sh_quote(binary),
        inputs = words(&job.inputs),
        shard = shard_line(job, &jobs),
        merge = merge_line(job),
    );
    s
}

/// A YAML double-quoted string.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The Kubernetes Indexed Job manifest (see the module documentation).
pub fn k8s(job: &Job) -> String {
    let n = job.shards;
    let c = job.command;
    let cpus = job.jobs.unwrap_or(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"# sourcing-opt {c} as a Kubernetes Indexed Job: {points} in {shards}, one pod per shard.
# Written by `sourcing-opt {c} ... --emit k8s` (sourcing-opt {version}).
#
# Pod I solves shard I of {n} (JOB_COMPLETION_INDEX, set by Kubernetes, from 0) into
# {dir}/shard-I-of-{n}.jsonl, keeping what a failed pod of the same shard solved (--resume),
# then tries the merge: the pod that finishes last writes {output}, the bytes an unsharded
# run writes (the others find shards still running and say so in their log). If a shard
# fails for good, `sourcing-opt {c} merge {dir}` says which.
#
# Before `kubectl apply -f THIS_FILE`, fill in the two EDIT lines: an image with sourcing-opt
# on its PATH, and a volume that every pod shares (ReadWriteMany) holding the input files at
# the paths below, relative to /data.
apiVersion: batch/v1
kind: Job
metadata:
  name: sourcing-opt-{c}
spec:
  completionMode: Indexed
  completions: {n}
  parallelism: {n}
  backoffLimit: {backoff}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: shard
          image: sourcing-opt  # EDIT: an image with sourcing-opt on its PATH
          workingDir: /data
          resources:
            requests:
              cpu: {cpu}
          command:
            - /bin/sh
            - -c
            - |
              set -e
              sourcing-opt {shard}
              sourcing-opt {merge} || echo "merge: not every shard is done; the pod that finishes last merges"
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: sourcing-opt-data  # EDIT: a volume every pod shares
"#,
        points = plural(job.points, "point"),
        shards = plural(n, "shard"),
        version = crate::whatif::records::VERSION,
        dir = job.dir,
        output = job.output,
        backoff = 3 * n,
        cpu = yaml_string(&cpus.to_string()),
        shard = shard_line(job, &cpus.to_string()),
        merge = merge_line(job),
    );
    s
}

/// A path as text for a script; a path that is not UTF-8 cannot be written into one.
pub fn utf8(path: &Path, what: &str) -> Result<String, Failure> {
    path.to_str().map(String::from).ok_or_else(|| Failure {
        code: exit::USAGE,
        message: format!(
            "error: {what} `{}` is not valid UTF-8: a job script cannot name it; rename it",
            path.display()
        ),
    })
}

/// `--scenario` and `--set` as arguments of a job script.
pub fn input_args(input: &InputArgs) -> Result<Vec<String>, Failure> {
    let mut out = Vec::new();
    if let Some(s) = &input.scenario {
        out.extend(["--scenario".to_string(), utf8(s, "--scenario")?]);
    }
    for s in &input.sets {
        out.extend(["--set".to_string(), s.clone()]);
    }
    Ok(out)
}

/// The files a job script checks before submitting: the instance and the scenario.
pub fn input_files(input: &InputArgs) -> Result<Vec<String>, Failure> {
    let mut out = vec![utf8(&input.instance, "the instance")?];
    if let Some(s) = &input.scenario {
        out.push(utf8(s, "--scenario")?);
    }
    Ok(out)
}

/// This binary's path, for a job script (`sourcing-opt` when it cannot be known).
pub fn current_binary() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(String::from))
        .unwrap_or_else(|| "sourcing-opt".into())
}

/// Test support: fails unless the options of `cmd` are exactly `handled` (the ones
/// [`script`]'s caller passes on to the shards, or deliberately leaves out).
#[cfg(test)]
pub fn assert_options_are(cmd: clap::Command, handled: &[&str]) {
    let mut ids: Vec<&str> = cmd.get_arguments().map(|a| a.get_id().as_str()).collect();
    let mut want = handled.to_vec();
    ids.sort();
    want.sort();
    assert_eq!(ids, want, "an option --emit does not pass on, or one that is gone");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job {
            command: "sweep",
            shard_args: vec![
                "sweep".into(),
                "my instance.toml".into(),
                "--param".into(),
                "targets.x.max_import_share".into(),
                "--values".into(),
                "0.1,0.2".into(),
                "--set".into(),
                "it's=1".into(),
            ],
            merge_args: vec!["--output".into(), "out.csv".into()],
            shards: 4,
            dir: "runs/a".into(),
            points: 2,
            jobs: None,
            inputs: vec!["my instance.toml".into()],
            output: "out.csv".into(),
        }
    }

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(sh_quote("a/b.toml"), "a/b.toml");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("demands.*.quantity*=1"), "'demands.*.quantity*=1'");
        assert_eq!(sh_quote("$HOME"), "'$HOME'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn the_slurm_script_submits_an_array_and_a_dependent_merge() {
        let s = slurm(&job(), "/opt/bin/sourcing-opt");
        assert!(s.starts_with("#!/bin/bash\n"));
        assert!(s.contains("array=--array=0-3\n"), "{s}");
        assert!(
            s.contains("--dependency=\"afterok:${shards%%;*}\" --kill-on-invalid-dep=yes"),
            "{s}"
        );
        assert!(
            s.contains(
                "exec \"$bin\" sweep 'my instance.toml' --param targets.x.max_import_share --values 0.1,0.2 \
                 --set 'it'\\''s=1' --shards 4 --shard-dir runs/a --resume --jobs \"${SLURM_CPUS_PER_TASK:-1}\"\n"
            ),
            "{s}"
        );
        assert!(s.contains("bin=/opt/bin/sourcing-opt\n"), "{s}");
        assert!(s.contains("exec \"$bin\" sweep merge runs/a --output out.csv\n"), "{s}");
        // The job scripts are quoted heredocs: nothing in them expands at submission.
        assert_eq!(s.matches("<<'EOF'").count(), 2);
        assert!(s.contains("--cpus-per-task=1 "), "{s}");
    }

    #[test]
    fn the_k8s_manifest_is_an_indexed_job_of_one_pod_per_shard() {
        let mut j = job();
        j.jobs = Some(2);
        let s = k8s(&j);
        for want in [
            "kind: Job\n",
            "  completionMode: Indexed\n",
            "  completions: 4\n",
            "  parallelism: 4\n",
            "      restartPolicy: Never\n",
            "              cpu: \"2\"\n",
            "--shards 4 --shard-dir runs/a --resume --jobs 2\n",
            "sourcing-opt sweep merge runs/a --output out.csv || echo",
        ] {
            assert!(s.contains(want), "{want:?} not in\n{s}");
        }
        assert!(!s.contains("--shard "), "{s}");
    }
}
