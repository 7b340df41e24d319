//! Test harness shared by the workspace's integration tests.
//!
//! Every test gets its own resources so tests run in parallel and leave nothing behind:
//!
//! * [`TestDatabase`] — a fresh Postgres database, dropped when the value is dropped.
//! * [`TestRedis`] — a unique key prefix on the shared Redis, whose keys are deleted on drop.
//! * [`RedisServer`] — a private `redis-server` on a free port, in memory or durable, for tests
//!   (and the system suite) that stop and restart Redis without disturbing anyone else.
//! * [`SmtpSink`] — a real SMTP server on a free port that keeps what it receives.
//!
//! Where the servers are comes from `TEST_DATABASE_ADMIN_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and `TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database};

mod smtp;
pub use smtp::{ReceivedMail, SmtpSink};

/// The Postgres server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The shared Redis server.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A short random name part.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// A fresh, empty Postgres database that is dropped (with any open connections) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    /// Connection URL of the new database.
    pub url: String,
    /// Its name.
    pub name: String,
    admin_url: String,
}

impl TestDatabase {
    /// Creates `ebay_alerts_test_<random>`.
    pub async fn create() -> anyhow::Result<Self> {
        let admin_url = postgres_admin_url();
        let name = format!("ebay_alerts_test_{}", unique_suffix());
        let admin = Database::connect(&admin_url).await.with_context(|| {
            format!("cannot reach Postgres at {admin_url} (is it running? `make test` starts it)")
        })?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .with_context(|| format!("cannot create test database {name}"))?;
        admin.close().await.ok();
        // Keep any query (e.g. `?host=/var/run/postgresql` for a Unix socket) after the name.
        let (base, query) = match admin_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (admin_url.as_str(), String::new()),
        };
        let url = match base.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}{query}"),
            None => bail!("TEST_DATABASE_ADMIN_URL has no database part: {admin_url}"),
        };
        Ok(Self {
            url,
            name,
            admin_url,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; a helper thread with
        // its own runtime does the async clean-up.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                admin.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// A unique key prefix on the shared Redis; every key under it is deleted on drop.
#[derive(Debug)]
pub struct TestRedis {
    /// The Redis URL.
    pub url: String,
    /// The prefix, e.g. `test:3f9c…:`.
    pub prefix: String,
}

impl TestRedis {
    /// A new prefix on the Redis at [`redis_url`].
    pub fn new() -> Self {
        Self::on(&redis_url())
    }

    /// A new prefix on the Redis at `url`.
    pub fn on(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: format!("test:{}:", unique_suffix()),
        }
    }

    /// Deletes every key under the prefix.
    pub fn clean(&self) -> anyhow::Result<()> {
        let client = redis::Client::open(self.url.as_str())?;
        let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut conn)?;
        if !keys.is_empty() {
            redis::cmd("DEL").arg(&keys).query::<()>(&mut conn)?;
        }
        Ok(())
    }
}

impl Default for TestRedis {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        // The server may be gone on purpose (restart tests); nothing to clean then.
        let _ = self.clean();
    }
}

/// A free TCP port on loopback (racy by nature, but good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// A private `redis-server` process that tests may stop and restart: in memory only
/// ([`RedisServer::start`]) or durable ([`RedisServer::durable_in`]).
#[derive(Debug)]
pub struct RedisServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where a durable server keeps its append-only file and logs.
    dir: Option<PathBuf>,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts an in-memory server on a free port and waits until it answers.
    pub fn start() -> anyhow::Result<Self> {
        let mut server = Self {
            port: free_port(),
            dir: None,
            child: None,
        };
        server.restart()?;
        Ok(server)
    }

    /// A server (not yet started: call [`RedisServer::restart`]) that keeps its data in an
    /// append-only file under `dir`, synced on every write, so a kill loses nothing it
    /// acknowledged, as a production Redis configured for durability; each start reloads it.
    /// Its log goes to a new file in `dir` per start.
    pub fn durable_in(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self {
            port: free_port(),
            dir: Some(dir.to_owned()),
            child: None,
        })
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Its process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL, like a crash: an in-memory server loses everything).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on the same port: empty, or with what its append-only file
    /// holds if it is durable.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--protected-mode", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match &self.dir {
            None => {
                command.args(["--appendonly", "no"]);
            }
            Some(dir) => {
                let log =
                    std::fs::File::create(dir.join(format!("redis-{}.log", unique_suffix())))?;
                command
                    .arg("--dir")
                    .arg(dir)
                    .args(["--appendonly", "yes", "--appendfsync", "always"])
                    .stdout(Stdio::from(log));
            }
        }
        let child = command
            .spawn()
            .context("cannot start redis-server (is it installed?)")?;
        self.child = Some(child);
        let client = redis::Client::open(self.url())?;
        // A durable server replays its append-only file before it answers.
        let patience = if self.dir.is_some() { 20 } else { 10 };
        let deadline = Instant::now() + Duration::from_secs(patience);
        loop {
            if let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("redis-server on port {} did not start", self.port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
