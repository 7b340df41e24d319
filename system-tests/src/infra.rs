//! The private infrastructure of a run: a PostgreSQL cluster, a `redis-server` and the child
//! processes of the services, all under one temporary directory that is removed at the end.
//!
//! Everything here can be stopped and restarted on the same port, which is what the fault
//! scenarios do; nothing touches the machine's shared Postgres or Redis.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database};
use testkit::RedisServer;

/// A free TCP port on loopback (racy by nature, like every such helper).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A random hex string.
pub fn random_hex(len: usize) -> String {
    let mut text = String::new();
    while text.len() < len {
        text.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    text.truncate(len);
    text
}

/// Whether this process runs as root (Postgres refuses to; its tools then run as `postgres`).
fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The shared infrastructure of one run.
pub struct Infra {
    /// The temporary directory everything lives in.
    pub work: PathBuf,
    /// Where the workspace's binaries are (next to this executable).
    pub bin_dir: PathBuf,
    /// The Postgres cluster.
    pub postgres: PgCluster,
    /// The Redis server (behind a lock: scenarios stop and restart it).
    pub redis: Mutex<RedisServer>,
    next_id: AtomicUsize,
    keep: bool,
}

impl Infra {
    /// Creates the work directory and starts Postgres and Redis.
    pub async fn start() -> anyhow::Result<Self> {
        let bin_dir = std::env::current_exe()?
            .parent()
            .context("the executable has no directory")?
            .to_path_buf();
        for bin in [
            "alerts-service",
            "analytics-service",
            "ebay-mock",
            "smtp-sink",
        ] {
            if !bin_dir.join(bin).is_file() {
                bail!(
                    "{} is missing: build the services first (scripts/soak.sh does)",
                    bin_dir.join(bin).display()
                );
            }
        }
        let work = std::env::temp_dir().join(format!("ebay-alerts-soak-{}", random_hex(8)));
        std::fs::create_dir_all(work.join("logs"))?;
        println!("[soak] work directory {}", work.display());
        let keep = std::env::var("SOAK_KEEP").is_ok_and(|v| v == "1");
        // Built before anything starts, so a failure below still cleans up the directory.
        // Durable (append-only file synced on every write), so a kill loses nothing acknowledged.
        let redis = RedisServer::durable_in(&work.join("redis"))?;
        let infra = Self {
            postgres: PgCluster::new(&work)?,
            redis: Mutex::new(redis),
            work,
            bin_dir,
            next_id: AtomicUsize::new(0),
            keep,
        };
        infra.postgres.init()?;
        infra.postgres.start()?;
        infra.redis_mut(RedisServer::restart)?;
        println!(
            "[soak] private Postgres on port {}, Redis on port {}",
            infra.postgres.port,
            infra.redis_port()
        );
        Ok(infra)
    }

    /// A number unique within the run (names of databases, prefixes, logs).
    pub fn next_id(&self) -> usize {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs `f` on the Redis server.
    pub fn redis_mut<T>(&self, f: impl FnOnce(&mut RedisServer) -> T) -> T {
        let mut guard = match self.redis.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The Redis port.
    pub fn redis_port(&self) -> u16 {
        self.redis_mut(|r| r.port)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn redis_url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.redis_port())
    }

    /// Stops everything and removes the work directory (kept with `SOAK_KEEP=1`).
    pub async fn stop(self) {
        // Drop does the work; this only makes the end of a run explicit.
        drop(self);
    }
}

impl Drop for Infra {
    fn drop(&mut self) {
        self.redis_mut(|r| r.stop());
        self.postgres.stop_now();
        if self.keep {
            println!("[soak] kept {}", self.work.display());
        } else if std::fs::remove_dir_all(&self.work).is_err() {
            eprintln!("[soak] warning: could not remove {}", self.work.display());
        }
    }
}

/// A private PostgreSQL cluster in the work directory, on a free port and a Unix socket there.
pub struct PgCluster {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    log: PathBuf,
    as_postgres: bool,
    running: AtomicBool,
}

impl PgCluster {
    fn new(work: &Path) -> anyhow::Result<Self> {
        let bin = postgres_bin_dir()?;
        let root = work.join("pg");
        std::fs::create_dir_all(root.join("sock"))?;
        Ok(Self {
            port: free_port()?,
            bin,
            data: root.join("data"),
            socket_dir: root.join("sock"),
            log: root.join("postgres.log"),
            as_postgres: running_as_root(),
            running: AtomicBool::new(false),
        })
    }

    /// Runs a Postgres tool, as the `postgres` user when we are root.
    fn tool(&self, name: &str, args: &[String]) -> anyhow::Result<()> {
        let program = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            std::process::Command::new(&program)
        };
        let output = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", program.display()))?;
        if !output.status.success() {
            bail!(
                "{name} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    fn init(&self) -> anyhow::Result<()> {
        if self.as_postgres {
            let root = self.data.parent().context("no parent")?;
            let status = std::process::Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(root)
                .status()?;
            if !status.success() {
                bail!("cannot hand {} to the postgres user", root.display());
            }
        }
        let data = self.data.display().to_string();
        self.tool(
            "initdb",
            &[
                "-D".into(),
                data,
                "-A".into(),
                "trust".into(),
                "-U".into(),
                "postgres".into(),
                "-E".into(),
                "UTF8".into(),
                "--no-sync".into(),
                "--no-instructions".into(),
            ],
        )
    }

    /// Starts the cluster and waits until it accepts connections.
    pub fn start(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB",
            self.port,
            self.socket_dir.display()
        );
        self.tool(
            "pg_ctl",
            &[
                "-D".into(),
                self.data.display().to_string(),
                "-l".into(),
                self.log.display().to_string(),
                "-o".into(),
                options,
                "-w".into(),
                "-t".into(),
                "60".into(),
                "start".into(),
            ],
        )?;
        self.running.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Stops the cluster: `fast` (clean shutdown) or `immediate` (like a crash).
    pub fn stop(&self, mode: &str) -> anyhow::Result<()> {
        self.tool(
            "pg_ctl",
            &[
                "-D".into(),
                self.data.display().to_string(),
                "-m".into(),
                mode.into(),
                "-w".into(),
                "-t".into(),
                "60".into(),
                "stop".into(),
            ],
        )?;
        self.running.store(false, Ordering::Relaxed);
        Ok(())
    }

    fn stop_now(&self) {
        if self.running.load(Ordering::Relaxed) && self.stop("immediate").is_err() {
            eprintln!(
                "[soak] warning: could not stop the private Postgres in {}",
                self.data.display()
            );
        }
    }

    /// The URL of database `db`.
    ///
    /// Over the cluster's Unix socket, as the compose topology connects: over loopback TCP
    /// sqlx 0.9 stalls on Nagle's algorithm (see BENCHMARKS.md, runner cycle), which would
    /// measure the transport rather than the services. `SOAK_PG_TCP=1` uses TCP instead.
    pub fn url(&self, db: &str) -> String {
        if std::env::var("SOAK_PG_TCP").is_ok_and(|v| v == "1") {
            format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
        } else {
            format!(
                "postgres://postgres@localhost:{}/{db}?host={}",
                self.port,
                self.socket_dir.display()
            )
        }
    }

    /// Runs statements on the `postgres` database.
    pub async fn admin(&self, statements: &[String]) -> anyhow::Result<()> {
        let admin = Database::connect(self.url("postgres")).await?;
        for statement in statements {
            admin
                .execute_unprepared(statement)
                .await
                .with_context(|| format!("{statement} failed"))?;
        }
        admin.close().await.ok();
        Ok(())
    }
}

fn postgres_bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(output) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates
        .pop()
        .context("no PostgreSQL server binaries (initdb) in `pg_config --bindir` or /usr/lib/postgresql/*/bin")
}

/// A child process of the suite with its output in a log file; killed when dropped.
pub struct Proc {
    /// A name for messages.
    pub name: String,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
    child: tokio::process::Child,
}

impl Proc {
    /// Starts `program` with exactly the environment given (plus PATH and HOME) in `cwd`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        env: &[(String, String)],
        log: PathBuf,
        cwd: &Path,
    ) -> anyhow::Result<Self> {
        let out = File::options().create(true).append(true).open(&log)?;
        let err = out.try_clone()?;
        let child = tokio::process::Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "HOME",
                std::env::var("HOME").unwrap_or_else(|_| "/root".into()),
            )
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", program.display()))?;
        Ok(Self {
            name: name.to_owned(),
            log,
            child,
        })
    }

    /// Its process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// How it ended, once it has (without waiting).
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGKILL, and reaps it.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// SIGTERM, then SIGKILL after 15 s.
    pub async fn terminate(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = tokio::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
            if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
                .await
                .is_ok()
            {
                return;
            }
        }
        self.kill().await;
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        peak_rss_kib(self.pid()?)
    }

    /// The last `n` lines of its log.
    pub fn tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Its whole log.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// VmHWM of a process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
