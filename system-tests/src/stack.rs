//! One deployment of the system on the private infrastructure: its own two databases, Redis key
//! prefix and mail directory; ebay-mock, smtp-sink, one or more alerts-service replicas and
//! analytics-service instances as real processes. Also the queries the scenarios check with.

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

use crate::infra::{Infra, Proc, free_port, random_hex};

/// The streams both services share (before the key prefix).
pub const ALERT_CONFIG_TOPIC: &str = "ebay-alerts.alert-config";
/// See [`ALERT_CONFIG_TOPIC`].
pub const PRODUCT_PRICES_TOPIC: &str = "ebay-alerts.product-prices";

/// What to start.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// alerts-service replicas (all with every role).
    pub alerts_replicas: usize,
    /// analytics-service instances (one consumer group).
    pub analytics_replicas: usize,
    /// Extra environment of ebay-mock (fault rates, token lifetime).
    pub mock_env: Vec<(String, String)>,
    /// Extra environment of alerts-service.
    pub alerts_env: Vec<(String, String)>,
    /// Start alerts-service without its scheduler (runs are started by the scenario).
    pub scheduler: bool,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            alerts_replicas: 1,
            analytics_replicas: 1,
            mock_env: Vec::new(),
            alerts_env: Vec::new(),
            scheduler: true,
        }
    }
}

/// A service process and how to start it again.
pub struct Service {
    /// The process (None while stopped).
    pub proc: Option<Proc>,
    /// Its HTTP port.
    pub port: u16,
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    name: String,
    log: PathBuf,
    ready: Readiness,
}

/// How a service shows it is up.
#[derive(Debug, Clone, Copy)]
enum Readiness {
    /// `GET http://127.0.0.1:<port><path>` answers 2xx.
    Http(&'static str),
    /// Its port accepts TCP connections (smtp-sink speaks no HTTP).
    Tcp,
}

/// Tries of a service that exits at start before the stack gives up. Each retry is on a new
/// port: the usual cause is that the free port it was given was taken meanwhile by another
/// process on the machine, and a few tries make that race vanishingly rare without hiding a
/// service that cannot start at all.
const START_ATTEMPTS: usize = 3;
/// Lines of a service's log shown when it exits at start.
const LOG_LINES_SHOWN: usize = 20;

/// Why a service did not come up.
#[derive(Debug)]
enum StartFailure {
    /// The process ended during start-up: the status and the last lines of its log.
    Exited(String),
    /// It kept running but never became ready, or could not be started at all.
    Other(anyhow::Error),
}

impl Service {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self, cwd: &std::path::Path) -> anyhow::Result<()> {
        self.proc = Some(Proc::spawn(
            &self.name,
            &self.binary,
            &self.args,
            &self.env,
            self.log.clone(),
            cwd,
        )?);
        Ok(())
    }

    /// Peak RSS in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.proc.as_ref().and_then(Proc::peak_rss_kib)
    }

    /// Starts the process and waits until it is ready, noticing at once if it exits meanwhile
    /// (waiting out the deadline for a process that is gone only delays the same failure).
    async fn start_once(
        &mut self,
        cwd: &std::path::Path,
        http: &reqwest::Client,
    ) -> Result<(), StartFailure> {
        self.spawn(cwd).map_err(StartFailure::Other)?;
        let (limit, what) = match self.ready {
            Readiness::Http(path) => (Duration::from_secs(120), format!("{}{path}", self.url())),
            Readiness::Tcp => (Duration::from_secs(20), format!("127.0.0.1:{}", self.port)),
        };
        let deadline = Instant::now() + limit;
        loop {
            let ready = match self.ready {
                Readiness::Http(path) => http
                    .get(format!("{}{path}", self.url()))
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success()),
                Readiness::Tcp => tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                    .await
                    .is_ok(),
            };
            if ready {
                return Ok(());
            }
            if let Some(proc) = self.proc.as_mut()
                && let Some(status) = proc.exit_status()
            {
                let tail = proc.tail(LOG_LINES_SHOWN);
                self.proc = None;
                return Err(StartFailure::Exited(format!(
                    "{} exited at start ({status}); the last lines of {}:\n{tail}",
                    self.name,
                    self.log.display()
                )));
            }
            if Instant::now() > deadline {
                return Err(StartFailure::Other(anyhow::anyhow!(
                    "{} did not answer {what} within {} s",
                    self.name,
                    limit.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Moves every mention of `127.0.0.1:<old>` in its settings, and its own port, to `new`.
    fn repoint(&mut self, old: u16, new: u16) {
        if self.port == old {
            self.port = new;
        }
        for arg in &mut self.args {
            *arg = replace_port(arg, old, new);
        }
        for (_, value) in &mut self.env {
            *value = replace_port(value, old, new);
        }
    }
}

/// `text` with every `127.0.0.1:<old>` (as a whole port number) made `127.0.0.1:<new>`.
fn replace_port(text: &str, old: u16, new: u16) -> String {
    let needle = format!("127.0.0.1:{old}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let end = at + needle.len();
        out.push_str(&rest[..at]);
        // `127.0.0.1:80` must not rewrite `127.0.0.1:8080`.
        if rest[end..].starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&needle);
        } else {
            out.push_str(&format!("127.0.0.1:{new}"));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Starts `service`; when it exits during start-up and `may_move`, it tries again on a new port,
/// up to [`START_ATTEMPTS`] times. Returns the port moves made (old, new), which the caller must
/// apply to the services that refer to it.
async fn start_service(
    service: &mut Service,
    cwd: &std::path::Path,
    http: &reqwest::Client,
    may_move: bool,
) -> anyhow::Result<Vec<(u16, u16)>> {
    let mut moves = Vec::new();
    for attempt in 1..=START_ATTEMPTS {
        match service.start_once(cwd, http).await {
            Ok(()) => return Ok(moves),
            Err(StartFailure::Exited(report)) if may_move && attempt < START_ATTEMPTS => {
                let (old, new) = (service.port, free_port()?);
                println!(
                    "  [stack] {report}\n  [stack] trying {} again on port {new} (attempt {} of {START_ATTEMPTS})",
                    service.name,
                    attempt + 1
                );
                service.repoint(old, new);
                moves.push((old, new));
            }
            Err(StartFailure::Exited(report)) => bail!("{report}"),
            Err(StartFailure::Other(error)) => return Err(error),
        }
    }
    bail!("{} did not start", service.name)
}

/// One of the stack's services.
#[derive(Debug, Clone, Copy)]
enum Which {
    Smtp,
    Mock,
    Analytics(usize),
    Alerts(usize),
}

/// A running deployment.
pub struct Stack<'a> {
    /// The infrastructure it runs on.
    pub infra: &'a Infra,
    /// Short name (logs, databases).
    pub name: String,
    /// Redis key prefix of both services.
    pub prefix: String,
    /// alerts-service's database name.
    pub alerts_db_name: String,
    /// analytics-service's database name.
    pub analytics_db_name: String,
    /// Connection to alerts-service's database.
    pub alerts_db: DatabaseConnection,
    /// Connection to analytics-service's database.
    pub analytics_db: DatabaseConnection,
    /// Where smtp-sink writes messages.
    pub mail_dir: PathBuf,
    /// smtp-sink.
    pub smtp: Service,
    /// ebay-mock.
    pub mock: Service,
    /// alerts-service replicas.
    pub alerts: Vec<Service>,
    /// analytics-service instances.
    pub analytics: Vec<Service>,
    /// HTTP client for the scenarios.
    pub http: reqwest::Client,
    /// The secret between the services (checked absent from logs).
    pub analytics_token: String,
    /// Emails left `sending` by a fault (handed to SMTP, not yet recorded as sent) count as
    /// settled: they wait for their 5-minute lease (see `postgres-restart`).
    pub sending_in_doubt: bool,
    cwd: PathBuf,
}

impl<'a> Stack<'a> {
    /// Creates the databases and starts every process, waiting until each answers.
    pub async fn start(
        infra: &'a Infra,
        label: &str,
        options: StackOptions,
    ) -> anyhow::Result<Self> {
        let id = infra.next_id();
        let name = format!("{label}-{id}");
        let db_tag = format!("{}_{id}", label.replace('-', "_"));
        let alerts_db_name = format!("alerts_{db_tag}");
        let analytics_db_name = format!("analytics_{db_tag}");
        infra
            .postgres
            .admin(&[
                format!("CREATE DATABASE {alerts_db_name}"),
                format!("CREATE DATABASE {analytics_db_name}"),
            ])
            .await?;
        let cwd = infra.work.join(&name);
        let mail_dir = cwd.join("mail");
        std::fs::create_dir_all(&mail_dir)?;
        let prefix = format!("soak:{}:", random_hex(8));
        let analytics_token = random_hex(32);
        let redis_url = infra.redis_url();
        let log = |n: &str| infra.work.join("logs").join(format!("{name}-{n}.log"));
        let bin = |b: &str| infra.bin_dir.join(b);

        let smtp_port = free_port()?;
        let smtp = Service {
            proc: None,
            port: smtp_port,
            binary: bin("smtp-sink"),
            args: vec![
                "--listen".into(),
                format!("127.0.0.1:{smtp_port}"),
                "--dir".into(),
                mail_dir.display().to_string(),
            ],
            env: Vec::new(),
            name: "smtp-sink".into(),
            log: log("smtp-sink"),
            ready: Readiness::Tcp,
        };
        let mock_port = free_port()?;
        let mut mock_env = vec![
            (
                "EBAY_MOCK_LISTEN".to_owned(),
                format!("127.0.0.1:{mock_port}"),
            ),
            ("EBAY_MOCK_WORKERS".to_owned(), "2".to_owned()),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
            // Cycles advance the mock's clock by hours, which would expire eBay tokens long before
            // the services expect (like a revocation: see docs/system-tests.md, findings); tokens
            // live 30 mock days unless a scenario sets its own lifetime or SOAK_MOCK_TOKEN_TTL does.
            (
                "EBAY_MOCK_TOKEN_TTL_SECS".to_owned(),
                std::env::var("SOAK_MOCK_TOKEN_TTL").unwrap_or_else(|_| "2592000".to_owned()),
            ),
        ];
        mock_env.extend(options.mock_env.iter().cloned());
        let mock = Service {
            proc: None,
            port: mock_port,
            binary: bin("ebay-mock"),
            args: Vec::new(),
            env: mock_env,
            name: "ebay-mock".into(),
            log: log("ebay-mock"),
            ready: Readiness::Http("/"),
        };
        let public_url = "http://127.0.0.1:9".to_owned();
        let common = |extra: Vec<(&str, String)>| -> Vec<(String, String)> {
            let mut env: Vec<(String, String)> = vec![
                ("REDIS_URL".into(), redis_url.clone()),
                ("REDIS_KEY_PREFIX".into(), prefix.clone()),
                ("PUBSUB_TRANSPORT".into(), "streams".into()),
                ("SMTP_URL".into(), format!("smtp://127.0.0.1:{smtp_port}")),
                ("MAIL_FROM".into(), "eBay Alerts <alerts@localhost>".into()),
                ("ANALYTICS_API_TOKEN".into(), analytics_token.clone()),
                ("RUST_LOG".into(), "info,sqlx=warn,sea_orm=warn".into()),
                ("LOG_FORMAT".into(), "text".into()),
            ];
            env.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
            env
        };

        let mut analytics = Vec::new();
        for i in 0..options.analytics_replicas {
            let port = free_port()?;
            analytics.push(Service {
                proc: None,
                port,
                binary: bin("analytics-service"),
                args: vec!["serve".into()],
                env: common(vec![
                    (
                        "ANALYTICS_DATABASE_URL",
                        infra.postgres.url(&analytics_db_name),
                    ),
                    ("ANALYTICS_DATABASE_MAX_CONNECTIONS", "8".into()),
                    ("ANALYTICS_LISTEN", format!("127.0.0.1:{port}")),
                    ("PUBLIC_URL", public_url.clone()),
                    // Insight emails would mix with the alert emails the scenarios count.
                    ("INSIGHTS_CRON", "0 0 0 1 1 *".into()),
                    // A killed instance's pending messages are reclaimed soon.
                    ("ANALYTICS_RECLAIM_IDLE_SECS", "5".into()),
                ]),
                name: format!("analytics-{i}"),
                log: log(&format!("analytics-{i}")),
                ready: Readiness::Http("/healthz"),
            });
        }
        let analytics_url = analytics
            .first()
            .map(Service::url)
            .unwrap_or_else(|| "http://127.0.0.1:9".into());
        let mut alerts = Vec::new();
        for i in 0..options.alerts_replicas {
            let port = free_port()?;
            let mut env = common(vec![
                ("ALERTS_DATABASE_URL", infra.postgres.url(&alerts_db_name)),
                ("ALERTS_DATABASE_MAX_CONNECTIONS", "10".into()),
                ("ALERTS_LISTEN", format!("127.0.0.1:{port}")),
                ("PUBLIC_URL", format!("http://127.0.0.1:{port}")),
                ("ANALYTICS_URL", analytics_url.clone()),
                ("EBAY_ENV", "mock".into()),
                ("EBAY_BASE_URL", format!("http://127.0.0.1:{mock_port}")),
                ("EBAY_DAILY_CALL_BUDGET", "10000000".into()),
                ("SCHEDULER_TICK_SECS", "1".into()),
                (
                    "FRONTEND_DIST",
                    cwd.join("no-dashboard").display().to_string(),
                ),
            ]);
            env.extend(options.alerts_env.iter().cloned());
            let mut args = vec!["serve".to_owned()];
            if !options.scheduler {
                args.push("--no-scheduler".into());
            }
            alerts.push(Service {
                proc: None,
                port,
                binary: bin("alerts-service"),
                args,
                env,
                name: format!("alerts-{i}"),
                log: log(&format!("alerts-{i}")),
                ready: Readiness::Http("/healthz"),
            });
        }

        let mut stack = Self {
            infra,
            name,
            prefix,
            alerts_db: Database::connect(infra.postgres.url(&alerts_db_name)).await?,
            analytics_db: Database::connect(infra.postgres.url(&analytics_db_name)).await?,
            alerts_db_name,
            analytics_db_name,
            mail_dir,
            smtp,
            mock,
            alerts,
            analytics,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                // actix-web closes a keep-alive connection after 5 s idle; a request that
                // reuses one just as it closes fails with "connection closed before message
                // completed" (seen once in ebay-faults), so idle connections are dropped first.
                .pool_idle_timeout(Duration::from_secs(2))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            analytics_token,
            sending_in_doubt: false,
            cwd,
        };
        // In dependency order, so a service that must move to a new port is moved before any
        // process that refers to it has read its address.
        stack.launch(Which::Smtp, true).await?;
        stack.launch(Which::Mock, true).await?;
        for i in 0..stack.analytics.len() {
            stack.launch(Which::Analytics(i), true).await?;
        }
        for i in 0..stack.alerts.len() {
            stack.launch(Which::Alerts(i), true).await?;
        }
        println!("  [stack] {} up", stack.name);
        Ok(stack)
    }

    /// The first alerts-service replica's URL.
    pub fn alerts_url(&self) -> String {
        self.alerts.first().map(Service::url).unwrap_or_default()
    }

    fn service_mut(&mut self, which: Which) -> &mut Service {
        match which {
            Which::Smtp => &mut self.smtp,
            Which::Mock => &mut self.mock,
            Which::Analytics(i) => &mut self.analytics[i],
            Which::Alerts(i) => &mut self.alerts[i],
        }
    }

    /// Starts one service and waits until it is ready. `may_move` is true only while the stack
    /// starts: a service that exits then is retried on a new port and every other service's
    /// settings follow it, which is safe because none that refers to it runs yet. A restart
    /// later keeps its port (running processes know it), so an exit is reported at once.
    async fn launch(&mut self, which: Which, may_move: bool) -> anyhow::Result<()> {
        let cwd = self.cwd.clone();
        let http = self.http.clone();
        let moves = start_service(self.service_mut(which), &cwd, &http, may_move).await?;
        for (old, new) in moves {
            let others = std::iter::once(&mut self.smtp)
                .chain(std::iter::once(&mut self.mock))
                .chain(self.analytics.iter_mut())
                .chain(self.alerts.iter_mut());
            for service in others {
                service.repoint(old, new);
            }
        }
        Ok(())
    }

    /// Starts (or restarts) smtp-sink on its port.
    pub async fn start_smtp(&mut self) -> anyhow::Result<()> {
        self.launch(Which::Smtp, false).await
    }

    /// Kills smtp-sink.
    pub async fn stop_smtp(&mut self) {
        if let Some(mut proc) = self.smtp.proc.take() {
            proc.kill().await;
        }
    }

    /// Starts (or restarts) analytics instance `i` and waits for `/healthz`.
    pub async fn start_analytics(&mut self, i: usize) -> anyhow::Result<()> {
        self.launch(Which::Analytics(i), false).await
    }

    /// Starts (or restarts) alerts replica `i` and waits for `/healthz`.
    pub async fn start_alerts(&mut self, i: usize) -> anyhow::Result<()> {
        self.launch(Which::Alerts(i), false).await
    }

    /// SIGKILLs analytics instance `i`.
    pub async fn kill_analytics(&mut self, i: usize) {
        if let Some(mut proc) = self.analytics[i].proc.take() {
            proc.kill().await;
        }
    }

    /// Restarts alerts replica `i` with other arguments (e.g. with or without the scheduler).
    pub async fn restart_alerts_with(&mut self, i: usize, args: &[&str]) -> anyhow::Result<()> {
        if let Some(mut proc) = self.alerts[i].proc.take() {
            proc.terminate().await;
        }
        self.alerts[i].args = args.iter().map(|a| (*a).to_owned()).collect();
        self.start_alerts(i).await
    }

    /// Every process of the stack, for log checks.
    pub fn procs(&self) -> impl Iterator<Item = &Proc> {
        self.alerts
            .iter()
            .chain(self.analytics.iter())
            .chain([&self.mock, &self.smtp])
            .filter_map(|s| s.proc.as_ref())
    }

    /// Services that died or panicked: a scenario fails on any.
    pub fn casualties(&mut self) -> Vec<String> {
        let mut dead = Vec::new();
        for service in self
            .alerts
            .iter_mut()
            .chain(self.analytics.iter_mut())
            .chain([&mut self.mock])
        {
            if let Some(proc) = service.proc.as_mut() {
                if !proc.running() {
                    dead.push(format!("{} exited:\n{}", proc.name, proc.tail(20)));
                } else if proc.log_text().contains("panicked at") {
                    dead.push(format!("{} panicked:\n{}", proc.name, proc.tail(20)));
                }
            }
        }
        dead
    }

    /// Prints the end of every log (after a failure).
    pub fn show_logs(&self) {
        for proc in self.procs() {
            println!(
                "  ---- last 15 lines of {} ----\n{}",
                proc.name,
                proc.tail(15)
            );
        }
    }

    /// Stops every process, drops the databases and deletes the Redis keys.
    pub async fn stop(mut self) {
        for service in self
            .alerts
            .iter_mut()
            .chain(self.analytics.iter_mut())
            .chain([&mut self.mock, &mut self.smtp])
        {
            if let Some(mut proc) = service.proc.take() {
                proc.terminate().await;
            }
        }
        let _ = self.alerts_db.clone().close().await;
        let _ = self.analytics_db.clone().close().await;
        let _ = self
            .infra
            .postgres
            .admin(&[
                format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.alerts_db_name
                ),
                format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.analytics_db_name
                ),
            ])
            .await;
        if let Ok(mut conn) = self.redis().await {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.prefix))
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _ = redis::cmd("DEL")
                    .arg(&keys)
                    .query_async::<()>(&mut conn)
                    .await;
            }
        }
    }

    // ------------------------------------------------------------------ operations

    /// A bearer token for `email` from `alerts-service token create`.
    pub async fn token(&self, email: &str) -> anyhow::Result<String> {
        let service = self.alerts.first().context("no alerts-service")?;
        let output = tokio::process::Command::new(&service.binary)
            .args(["token", "create", "--email", email])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(service.env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn")
            .current_dir(&self.cwd)
            .output()
            .await?;
        if !output.status.success() {
            bail!(
                "token create failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if token.is_empty() || token.contains(char::is_whitespace) {
            bail!("token create printed {token:?}");
        }
        Ok(token)
    }

    /// Creates `n` alerts for the token's user, `concurrency` requests at a time; returns ids.
    pub async fn create_alerts(
        &self,
        token: &str,
        n: usize,
        distinct_queries: usize,
        concurrency: usize,
    ) -> anyhow::Result<Vec<String>> {
        self.create_alerts_with(token, n, distinct_queries, concurrency, &json!({}))
            .await
    }

    /// [`create_alerts`](Self::create_alerts) with more fields in every alert's body (e.g.
    /// `{"channels": [...]}`).
    pub async fn create_alerts_with(
        &self,
        token: &str,
        n: usize,
        distinct_queries: usize,
        concurrency: usize,
        extra: &Value,
    ) -> anyhow::Result<Vec<String>> {
        let url = format!("{}/api/v1/alerts", self.alerts_url());
        let results: Vec<anyhow::Result<String>> = futures::stream::iter(0..n)
            .map(|i| {
                let url = url.clone();
                let mut body = json!({
                    "search_phrase": format!("soak query {}", i % distinct_queries.max(1)),
                    "frequency_minutes": 1440,
                });
                if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                    body.extend(extra.clone());
                }
                async move {
                    let response = self
                        .http
                        .post(&url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await?;
                    let status = response.status();
                    let body: Value = response.json().await.unwrap_or(Value::Null);
                    if status != reqwest::StatusCode::CREATED {
                        bail!("creating an alert: {status} {body}");
                    }
                    body["id"]
                        .as_str()
                        .map(str::to_owned)
                        .context("no id in the created alert")
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Makes every unpaused, unleased alert due now (the scheduler picks them up on its tick).
    pub async fn make_due(&self) -> anyhow::Result<()> {
        self.alerts_exec(
            "UPDATE alerts SET next_run_at = now() - interval '1 second' \
             WHERE NOT paused AND (leased_until IS NULL OR leased_until < now())",
        )
        .await
    }

    /// Advances the mock's clock, so listings appear, end and change price.
    pub async fn advance_mock_clock(&self, secs: u64) -> anyhow::Result<()> {
        let response = self
            .http
            .post(format!("{}/mock/clock", self.mock.url()))
            .json(&json!({"advance_secs": secs}))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("POST /mock/clock: {}", response.status());
        }
        Ok(())
    }

    /// The mock's counters (`GET /mock/stats`).
    pub async fn mock_stats(&self) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{}/mock/stats", self.mock.url()))
            .send()
            .await?
            .json()
            .await?)
    }

    /// A Redis connection to the private server.
    pub async fn redis(&self) -> anyhow::Result<redis::aio::MultiplexedConnection> {
        let client = redis::Client::open(self.infra.redis_url())?;
        Ok(client.get_multiplexed_async_connection().await?)
    }

    /// Runs a statement on alerts-service's database.
    pub async fn alerts_exec(&self, sql: &str) -> anyhow::Result<()> {
        self.alerts_db.execute_unprepared(sql).await?;
        Ok(())
    }

    /// One `bigint` from alerts-service's database (column `n`).
    pub async fn alerts_count(&self, sql: &str) -> anyhow::Result<i64> {
        count(&self.alerts_db, sql).await
    }

    /// One text value from alerts-service's database (column `t`).
    pub async fn alerts_text(&self, sql: &str) -> anyhow::Result<String> {
        let row = self
            .alerts_db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?
            .context("no row")?;
        Ok(row.try_get::<Option<String>>("", "t")?.unwrap_or_default())
    }

    /// One `bigint` from analytics-service's database (column `n`).
    pub async fn analytics_count(&self, sql: &str) -> anyhow::Result<i64> {
        count(&self.analytics_db, sql).await
    }

    // ------------------------------------------------------------------ what the checks read

    /// Runs recorded by alerts-service (any status).
    pub async fn runs(&self) -> anyhow::Result<i64> {
        self.alerts_count("SELECT count(*)::bigint AS n FROM alert_runs")
            .await
    }

    /// Alerts whose latest run failed.
    pub async fn alerts_whose_latest_run_failed(&self) -> anyhow::Result<i64> {
        self.alerts_count(
            "SELECT count(*)::bigint AS n FROM alerts WHERE last_run_status = 'error'",
        )
        .await
    }

    /// Runs that failed.
    pub async fn failed_runs(&self) -> anyhow::Result<i64> {
        self.alerts_count("SELECT count(*)::bigint AS n FROM alert_runs WHERE status = 'error'")
            .await
    }

    /// Observations in the `products.observed` events alerts-service wrote (published or not).
    pub async fn observations_published(&self) -> anyhow::Result<i64> {
        self.alerts_count(
            "SELECT coalesce(sum(jsonb_array_length((payload::jsonb)->'data'->'items')), 0)::bigint AS n \
             FROM event_outbox WHERE payload::jsonb->>'type' = 'products.observed'",
        )
        .await
    }

    /// Events not yet published by the relay.
    pub async fn outbox_backlog(&self) -> anyhow::Result<i64> {
        self.alerts_count(
            "SELECT count(*)::bigint AS n FROM event_outbox WHERE published_at IS NULL",
        )
        .await
    }

    /// All events written to the outbox.
    pub async fn outbox_events(&self) -> anyhow::Result<i64> {
        self.alerts_count("SELECT count(*)::bigint AS n FROM event_outbox")
            .await
    }

    /// Observations stored by analytics.
    pub async fn observations_stored(&self) -> anyhow::Result<i64> {
        self.analytics_count("SELECT count(*)::bigint AS n FROM fact_price_observation")
            .await
    }

    /// Distinct (run, listing) pairs among them: less than the total means one stored twice.
    pub async fn observations_distinct(&self) -> anyhow::Result<i64> {
        self.analytics_count(
            "SELECT count(*)::bigint AS n FROM (SELECT DISTINCT run_id, item_key FROM fact_price_observation) d",
        )
        .await
    }

    /// Events analytics recorded as processed.
    pub async fn events_processed(&self) -> anyhow::Result<i64> {
        self.analytics_count("SELECT count(*)::bigint AS n FROM inbox")
            .await
    }

    /// Alert emails (any kind) alerts-service recorded as sent, and all it queued.
    pub async fn emails_in_outbox(&self) -> anyhow::Result<(i64, i64)> {
        let sent = self
            .alerts_count("SELECT count(*)::bigint AS n FROM email_outbox WHERE status = 'sent'")
            .await?;
        let all = self
            .alerts_count("SELECT count(*)::bigint AS n FROM email_outbox")
            .await?;
        Ok((sent, all))
    }

    /// Messages smtp-sink received: (files, distinct Message-IDs).
    pub fn mail_received(&self) -> anyhow::Result<(usize, usize)> {
        let mut files = 0;
        let mut ids = HashSet::new();
        for entry in std::fs::read_dir(&self.mail_dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "eml") {
                files += 1;
                let bytes = std::fs::read(&path)?;
                let id = mail_parser::MessageParser::default()
                    .parse(&bytes)
                    .and_then(|m| m.message_id().map(str::to_owned))
                    .unwrap_or_else(|| format!("(none: {})", path.display()));
                ids.insert(id);
            }
        }
        Ok((files, ids.len()))
    }

    /// The received messages, parsed lazily by the caller.
    pub fn mail_files(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.mail_dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "eml") {
                out.push(std::fs::read(&path)?);
            }
        }
        Ok(out)
    }

    /// Reads a counter from a service's `/metrics` (sum over label sets).
    pub async fn metric(&self, base_url: &str, name: &str) -> anyhow::Result<f64> {
        let text = self
            .http
            .get(format!("{base_url}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter(|l| {
                l.starts_with(name)
                    && l[name.len()..].starts_with([' ', '{'])
                    && !l.starts_with('#')
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .fold(0.0, |sum, v| sum + v))
    }

    /// Waits until every alert ran at least `runs_each` times in total (`runs` ≥ target).
    pub async fn wait_runs(&self, target: i64, timeout: Duration) -> anyhow::Result<i64> {
        wait_for("alert runs", timeout, || async {
            let runs = self.runs().await?;
            Ok((runs >= target).then_some(runs))
        })
        .await
    }

    /// Waits until the outbox is empty and analytics processed every event written, and the
    /// email outbox has nothing queued.
    pub async fn wait_settled(&self, timeout: Duration) -> anyhow::Result<()> {
        wait_for("events published and consumed, emails sent", timeout, || async {
            let backlog = self.outbox_backlog().await?;
            let written = self.outbox_events().await?;
            let processed = self.events_processed().await?;
            let pending_mail = self
                .alerts_count(if self.sending_in_doubt {
                    "SELECT count(*)::bigint AS n FROM email_outbox WHERE status = 'queued'"
                } else {
                    "SELECT count(*)::bigint AS n FROM email_outbox WHERE status IN ('queued', 'sending')"
                })
                .await?;
            Ok((backlog == 0 && processed >= written && pending_mail == 0).then_some(()))
        })
        .await
    }
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .context("no row")?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// Polls `probe` (every 250 ms) until it yields a value; errors count as "not yet" (a server may
/// be down on purpose) until the timeout, which reports the last error.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => last_error = Some(error),
        }
        if Instant::now() > deadline {
            match last_error {
                Some(error) => bail!("timed out after {timeout:?} waiting for {what}: {error:#}"),
                None => bail!("timed out after {timeout:?} waiting for {what}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::Path;

    use super::*;

    /// A service run by `program args…` that must accept TCP connections on `port`.
    fn stub(dir: &Path, program: &str, args: &[&str], port: u16) -> Service {
        Service {
            proc: None,
            port,
            binary: PathBuf::from(program),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
            name: "stub".into(),
            log: dir.join("stub.log"),
            ready: Readiness::Tcp,
        }
    }

    fn scratch_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("soak-stack-test-{}", random_hex(12)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn a_service_whose_port_was_taken_exits_at_once_and_starts_again_on_a_new_port() {
        // A real listener in a few lines: it binds the port it is given or dies saying why,
        // as the services do. Perl because it is nearly everywhere (git's own scripts need it);
        // without it the test is skipped rather than failed.
        let Ok(perl) = which("perl") else {
            eprintln!("skipped: no perl on PATH");
            return;
        };
        let dir = scratch_dir();
        // Bound but not listening: the stub's bind fails as it would against any other process,
        // while the readiness probe is refused rather than answered by the squatter.
        let taken = tokio::net::TcpSocket::new_v4().unwrap();
        taken.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = taken.local_addr().unwrap().port();
        let address = format!("127.0.0.1:{port}");
        let script = "use IO::Socket::INET; $| = 1; \
            my $s = IO::Socket::INET->new(LocalAddr => $ARGV[0], Listen => 5) \
              or die \"cannot listen on $ARGV[0]: $!\\n\"; \
            print \"listening on $ARGV[0]\\n\"; sleep 60;";
        let mut service = stub(&dir, &perl, &["-e", script, &address], port);
        let started = Instant::now();

        let moves = start_service(&mut service, &dir, &reqwest::Client::new(), true)
            .await
            .unwrap();

        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the exit was noticed at once, not after the start-up deadline: {:?}",
            started.elapsed()
        );
        assert_eq!(moves.len(), 1, "one retry: {moves:?}");
        assert_eq!(moves[0].0, port);
        assert_ne!(service.port, port);
        assert_eq!(service.args[2], format!("127.0.0.1:{}", service.port));
        let log = std::fs::read_to_string(&service.log).unwrap();
        assert!(
            log.contains(&format!("cannot listen on {address}")),
            "{log}"
        );
        assert!(
            log.contains(&format!("listening on 127.0.0.1:{}", service.port)),
            "{log}"
        );
        if let Some(mut proc) = service.proc.take() {
            proc.kill().await;
        }
        drop(taken);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_service_that_always_exits_is_reported_with_its_log_after_a_bounded_number_of_tries()
    {
        let dir = scratch_dir();
        let port = free_port().unwrap();
        let mut service = stub(
            &dir,
            "/bin/sh",
            &[
                "-c",
                "echo \"bad configuration (try on $0)\" >&2; exit 3",
                &format!("127.0.0.1:{port}"),
            ],
            port,
        );
        let started = Instant::now();

        let error = start_service(&mut service, &dir, &reqwest::Client::new(), true)
            .await
            .unwrap_err()
            .to_string();

        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(error.contains("stub exited at start"), "{error}");
        assert!(error.contains("exit status: 3"), "{error}");
        assert!(
            error.contains("bad configuration"),
            "the log's last lines: {error}"
        );
        let log = std::fs::read_to_string(&service.log).unwrap();
        assert_eq!(
            log.matches("bad configuration").count(),
            START_ATTEMPTS,
            "{log}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_restart_keeps_its_port_and_fails_at_once() {
        let dir = scratch_dir();
        let port = free_port().unwrap();
        let mut service = stub(&dir, "/bin/sh", &["-c", "exit 1"], port);

        let error = start_service(&mut service, &dir, &reqwest::Client::new(), false)
            .await
            .unwrap_err()
            .to_string();

        assert!(error.contains("stub exited at start"), "{error}");
        assert_eq!(service.port, port);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_whole_port_numbers_are_rewritten() {
        assert_eq!(
            replace_port("http://127.0.0.1:80/x 127.0.0.1:8080 127.0.0.1:80", 80, 9),
            "http://127.0.0.1:9/x 127.0.0.1:8080 127.0.0.1:9"
        );
    }

    /// The full path of `program` on PATH.
    fn which(program: &str) -> Result<String, ()> {
        std::env::var("PATH")
            .unwrap_or_default()
            .split(':')
            .map(|dir| Path::new(dir).join(program))
            .find(|path| path.is_file())
            .map(|path| path.display().to_string())
            .ok_or(())
    }
}
