//! The README's Slurm job-array recipe ("Sweeps", "On a cluster") run against a real single-node
//! Slurm: the test starts munged (with a key of its own), slurmctld and slurmd in a temporary
//! folder, submits the README's `sweep.sbatch` as an array and its `merge.sbatch` after it, and
//! compares the merged tables byte for byte with a local `aidc sweep` of the same plan.
//!
//! The two scripts are read from README.md, so the recipe and the test cannot drift: only the
//! array size, the shard count and the CPUs per task are made small (each replacement is
//! asserted, so a README edit that moves them fails here). Skipped, with the reason printed,
//! where Slurm or munge is not installed (Debian: `apt-get install slurm-wlm munge`) or the test
//! does not run as root (the daemons run as root with a private munge key). The daemons are
//! stopped by a guard's `Drop`, on failure too.

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// Shards of the test's array (the README's runs 50).
const SHARDS: usize = 3;
/// How long the array and the merge may take before the test gives up.
const DEADLINE: Duration = Duration::from_secs(180);

/// The plan: 6 LHS points x 2 replications of 3-day classroom runs (12 runs, a few ms each).
const PLAN: &str = r#"design = "lhs"
samples = 6
replications = 2
design_seed = 7
[[set]]
path = "simulation.horizon"
values = "3d"
[[set]]
path = "scheduler.policy"
values = ["fifo", "backfill"]
[[set]]
path = "workload.classes[name=debug].rate"
values = "30/d..90/d"
"#;

/// The programs the test needs, found on PATH or in /usr/sbin (where Debian puts the daemons).
fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Why the test cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    let missing: Vec<&str> =
        ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "srun"].into_iter().filter(|p| program(p).is_none()).collect();
    if !missing.is_empty() {
        return Some(format!("{} not installed (Debian: apt-get install slurm-wlm munge)", missing.join(", ")));
    }
    let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if uid != "0" {
        return Some("not root: the test starts slurmctld, slurmd and munged as root".into());
    }
    None
}

/// The ```sh blocks of the README's "On a cluster" section, in order.
fn readme_scripts() -> Vec<String> {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("### On a cluster").nth(1).expect("README has a section \"### On a cluster\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    section.split("```sh\n").skip(1).map(|b| b.split("\n```").next().unwrap_or(b).to_string() + "\n").collect()
}

/// `script` with the line starting `from` replaced by `to` (asserted present).
fn replace_line(script: &str, from: &str, to: &str) -> String {
    assert!(script.lines().any(|l| l.starts_with(from)), "the README's recipe has no line starting {from:?}:\n{script}");
    script.lines().map(|l| if l.starts_with(from) { to.to_string() } else { l.to_string() }).collect::<Vec<_>>().join("\n") + "\n"
}

/// A free TCP port on this machine (bound, then released for the daemon).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The daemons of a one-node cluster; dropping it stops them.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    daemons: Vec<(&'static str, Child)>,
}

impl Cluster {
    /// Starts munged, slurmctld and slurmd with their files under `dir`.
    fn start(dir: &Path) -> Cluster {
        for d in ["state", "spool"] {
            fs::create_dir_all(dir.join(d)).unwrap();
        }
        let key = dir.join("munge.key");
        // A fresh key: munge needs 32 bytes at least; /dev/urandom is on every Linux with munge.
        let mut bytes = vec![0u8; 1024];
        fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).unwrap();
        fs::write(&key, bytes).unwrap();
        set_mode(&key, "400");
        set_mode(dir, "700");
        let socket = dir.join("munge.socket");
        let mut cluster = Cluster { dir: dir.to_path_buf(), conf: dir.join("slurm.conf"), daemons: Vec::new() };
        let munged = Command::new(program("munged").unwrap())
            .args(["--foreground", "--force"])
            .arg(format!("--key-file={}", key.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("munged.pid").display()))
            .arg(format!("--log-file={}", dir.join("munged.log").display()))
            .arg(format!("--seed-file={}", dir.join("munge.seed").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        cluster.daemons.push(("munged", munged));
        wait_for(|| socket.exists(), Duration::from_secs(10), "munged's socket");
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let d = dir.display();
        let conf = format!(
            "ClusterName=aidctest\nSlurmctldHost=localhost(127.0.0.1)\nSlurmUser=root\nSlurmdUser=root\n\
             SlurmctldPort={}\nSlurmdPort={}\nAuthType=auth/munge\nAuthInfo=socket={}\nCredType=cred/munge\n\
             StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\nSlurmctldPidFile={d}/slurmctld.pid\n\
             SlurmdPidFile={d}/slurmd.pid\nSlurmctldLogFile={d}/slurmctld.log\nSlurmdLogFile={d}/slurmd.log\n\
             ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n\
             SelectTypeParameters=CR_CPU\nSchedulerType=sched/builtin\nReturnToService=2\nMpiDefault=none\n\
             JobCompType=jobcomp/none\nAccountingStorageType=accounting_storage/none\n\
             JobAcctGatherType=jobacct_gather/none\nMaxJobCount=100\n\
             NodeName=aidcnode NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=1000 State=UNKNOWN\n\
             PartitionName=aidc Nodes=aidcnode Default=YES MaxTime=60 State=UP\n",
            free_port(),
            free_port(),
            socket.display(),
        );
        fs::write(&cluster.conf, conf).unwrap();
        for (name, args) in [("slurmctld", vec!["-D", "-i"]), ("slurmd", vec!["-D", "-N", "aidcnode"])] {
            let child = Command::new(program(name).unwrap())
                .args(args)
                .arg("-f")
                .arg(&cluster.conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            cluster.daemons.push((name, child));
        }
        let idle = || cluster.slurm("sinfo", &["-h", "-o", "%T"]).map(|o| stdout(&o).trim() == "idle").unwrap_or(false);
        if !wait_until(idle, Duration::from_secs(30)) {
            panic!("the node did not come up idle\n{}", cluster.logs());
        }
        cluster
    }

    /// A Slurm client command against this cluster, run from the cluster's folder.
    fn slurm(&self, program_name: &str, args: &[&str]) -> Option<Output> {
        self.client(program_name, args, &self.dir).output().ok()
    }

    /// A Slurm client command against this cluster, not yet run, from `cwd`; `aidc` is on its
    /// PATH (the jobs inherit the environment, as `sbatch` does by default).
    fn client(&self, program_name: &str, args: &[&str], cwd: &Path) -> Command {
        let mut c = Command::new(program(program_name).unwrap());
        let bin_dir = Path::new(BIN).parent().unwrap().to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths([bin_dir].into_iter().chain(std::env::split_paths(&path))).unwrap();
        c.args(args).current_dir(cwd).env("SLURM_CONF", &self.conf).env("PATH", path);
        c.env_remove("AIDC_MAX_MEMORY").env_remove("AIDC_MAX_OUTPUT");
        c
    }

    /// The tails of the daemons' logs, for a failure's message.
    fn logs(&self) -> String {
        ["slurmctld.log", "slurmd.log", "munged.log"]
            .iter()
            .map(|f| {
                let text = fs::read_to_string(self.dir.join(f)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                format!("== {f}\n{}\n", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.slurm("scancel", &["--full", "-u", "root"]);
        // slurmd first (it ends the job steps it started), then the controller, then munged.
        for (_, child) in self.daemons.iter_mut().rev() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let stopped = wait_until(|| matches!(child.try_wait(), Ok(Some(_))), Duration::from_secs(10));
            if !stopped {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn set_mode(p: &Path, mode: &str) {
    let ok = Command::new("chmod").arg(mode).arg(p).status().map(|s| s.success()).unwrap_or(false);
    assert!(ok, "chmod {mode} {}", p.display());
}

/// Polls `done` every 200 ms until it holds or `limit` passes; whether it held.
fn wait_until(mut done: impl FnMut() -> bool, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    done()
}

fn wait_for(done: impl FnMut() -> bool, limit: Duration, what: &str) {
    assert!(wait_until(done, limit), "{what} did not appear within {limit:?}");
}

/// `sbatch --parsable` of `script` from `work`, with `extra` options; the job id.
fn submit(cluster: &Cluster, work: &Path, script: &str, extra: &[&str]) -> String {
    let mut args = vec!["--parsable"];
    args.extend_from_slice(extra);
    args.push(script);
    let o = cluster.client("sbatch", &args, work).output().unwrap();
    assert!(o.status.success(), "sbatch {script}: {}\n{}", printed(&o), cluster.logs());
    stdout(&o).trim().split(';').next().unwrap_or_default().to_string()
}

#[test]
fn the_readme_job_array_on_a_real_slurm_merges_to_the_local_sweep_byte_for_byte() {
    if let Some(why) = skip_reason() {
        eprintln!("slurm: skipped: {why}");
        return;
    }
    let scripts = readme_scripts();
    assert!(scripts.len() >= 2, "the README's \"On a cluster\" section holds sweep.sbatch and merge.sbatch");
    let sweep = replace_line(&scripts[0], "#SBATCH --array=", &format!("#SBATCH --array=1-{SHARDS}"));
    let sweep = replace_line(&sweep, "#SBATCH --cpus-per-task=", "#SBATCH --cpus-per-task=1");
    let sweep = replace_line(&sweep, "SHARDS=", &format!("SHARDS={SHARDS}"));
    assert!(sweep.contains("srun aidc sweep") && scripts[1].contains("aidc sweep merge"), "{sweep}\n{}", scripts[1]);

    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    fs::create_dir_all(work.join("scenarios")).unwrap();
    fs::create_dir_all(work.join("logs")).unwrap();
    fs::copy(root().join("scenarios/classroom.toml"), work.join("scenarios/classroom.toml")).unwrap();
    fs::write(work.join("sweep.toml"), PLAN).unwrap();
    fs::write(work.join("sweep.sbatch"), &sweep).unwrap();
    fs::write(work.join("merge.sbatch"), &scripts[1]).unwrap();

    let cluster = Cluster::start(&tmp.path().join("slurm"));
    let array = submit(&cluster, &work, "sweep.sbatch", &[]);
    let dependency = format!("--dependency=afterok:{array}");
    submit(&cluster, &work, "merge.sbatch", &[&dependency]);
    let drained =
        wait_until(|| cluster.slurm("squeue", &["-h"]).is_some_and(|o| o.status.success() && stdout(&o).trim().is_empty()), DEADLINE);
    let job_logs: String = fs::read_dir(work.join("logs"))
        .map(|d| d.flatten().map(|e| format!("== {}\n{}", e.path().display(), fs::read_to_string(e.path()).unwrap_or_default())).collect())
        .unwrap_or_default();
    assert!(drained, "the jobs did not finish within {DEADLINE:?}\n{job_logs}\n{}", cluster.logs());
    let merged = work.join("results/merged");
    assert!(merged.join("sweep.csv").is_file(), "no merged sweep.csv\n{job_logs}\n{}", cluster.logs());
    drop(cluster);

    let local = work.join("local");
    let o = aidc_in(&work, ["sweep", "scenarios/classroom.toml", "--plan", "sweep.toml", "--quiet", "--out", s(&local)]);
    assert_ok(&o);
    assert_eq!(csv_rows(&local.join("sweep.csv")).len(), 1 + 12, "6 points x 2 replications");
    for f in ["sweep.csv", "sweep_summary.csv"] {
        let (a, b) = (fs::read(local.join(f)).unwrap(), fs::read(merged.join(f)).unwrap());
        assert!(a == b, "{f} of the Slurm array differs from the local sweep's");
    }
    for k in 1..=SHARDS {
        assert!(work.join(format!("results/shard-{k}/sweep.csv")).is_file(), "shard {k} wrote its table");
    }
}
