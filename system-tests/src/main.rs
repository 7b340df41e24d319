//! `soak`: the system-level fault-injection, security and load suite (issue #9).
//!
//! It runs the workspace's real binaries (alerts-service, analytics-service, ebay-mock,
//! smtp-sink — found next to its own executable) against a private PostgreSQL cluster, a private
//! `redis-server` and smtp-sink processes, all of which it can stop and restart, so the faults
//! hit nothing else on the machine. Each scenario prints `PASS` or `FAIL` with the counts it
//! checked; the exit status is non-zero when any scenario failed.
//!
//! ```text
//! soak [--short | --full] [--only NAME[,NAME…]] [--list]
//! ```
//!
//! # Layout
//!
//! * [`infra`]: the private servers (Postgres cluster, Redis, smtp-sink) and child processes.
//! * [`stack`]: one deployment of the services on that infrastructure, with the queries the
//!   scenarios check against.
//! * [`scenarios`]: one module per scenario, named by what it does.
//! * [`report`]: the outcome of a scenario: its checks and figures.
//! * [`webhook`]: a webhook receiver inside the suite's own process (a notification channel's
//!   endpoint that can be down, fail or accept).
//!
//! Beside the soak binary, `tests/` holds ordinary `cargo test` tests that need both services
//! at once in one process (`tests/insights`: alerts-service's insights proxy against a real
//! analytics-service), so neither service's crate depends on the other, even in tests.

mod infra;
mod report;
mod scenarios;
mod stack;
mod webhook;

use std::process::ExitCode;
use std::time::Instant;

use report::Outcome;

/// How big and how long the scenarios are.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// `--full` (`make soak`) rather than the short version in `make test`.
    pub full: bool,
    /// Alerts the fault scenarios create.
    pub alerts: usize,
    /// How long Redis stays down in scenario 2, in seconds.
    pub redis_down_secs: u64,
    /// Cycles of scenario 5.
    pub replica_cycles: usize,
    /// Alert counts of the load runs.
    pub load_sizes: &'static [usize],
    /// schemathesis examples per operation.
    pub fuzz_examples: usize,
}

impl Scale {
    fn short() -> Self {
        Self {
            full: false,
            alerts: 12,
            redis_down_secs: 8,
            replica_cycles: 4,
            load_sizes: &[200],
            fuzz_examples: 15,
        }
    }

    fn full() -> Self {
        Self {
            full: true,
            alerts: 60,
            redis_down_secs: 60,
            replica_cycles: 100,
            load_sizes: &[1_000, 10_000, 50_000],
            fuzz_examples: 100,
        }
    }
}

struct Args {
    scale: Scale,
    only: Option<Vec<String>>,
    list: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut scale = Scale::short();
    let mut only = None;
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--short" => scale = Scale::short(),
            "--full" => scale = Scale::full(),
            "--list" => list = true,
            "--only" => {
                let value = args.next().ok_or("--only needs a list of scenario names")?;
                only = Some(value.split(',').map(str::to_owned).collect());
            }
            "-h" | "--help" => {
                return Err(format!(
                    "usage: soak [--short | --full] [--only NAME[,NAME…]] [--list]\nscenarios: {}",
                    scenarios::NAMES.join(", ")
                ));
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(Args { scale, only, list })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        for name in scenarios::NAMES {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    if let Some(only) = &args.only
        && let Some(unknown) = only
            .iter()
            .find(|n| !scenarios::NAMES.contains(&n.as_str()))
    {
        eprintln!(
            "unknown scenario {unknown:?}; known: {}",
            scenarios::NAMES.join(", ")
        );
        return ExitCode::from(2);
    }

    let started = Instant::now();
    // Ctrl-C or SIGTERM abandons the run; everything the suite started is dropped (and so
    // stopped) on the way out.
    let outcomes = tokio::select! {
        outcomes = run(args.scale, args.only) => outcomes,
        () = shutdown_signal() => {
            eprintln!("[soak] interrupted; stopping everything");
            return ExitCode::from(130);
        }
    };
    let outcomes = match outcomes {
        Ok(outcomes) => outcomes,
        Err(error) => {
            eprintln!("[soak] FAILED to set up: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    println!("\n==> summary ({} s)", started.elapsed().as_secs());
    let mut failed = 0;
    for outcome in &outcomes {
        println!("{}", outcome.summary_line());
        if !outcome.passed() {
            failed += 1;
        }
    }
    if failed > 0 {
        println!("{failed} of {} scenario(s) FAILED", outcomes.len());
        ExitCode::FAILURE
    } else {
        println!("all {} scenario(s) passed", outcomes.len());
        ExitCode::SUCCESS
    }
}

async fn run(scale: Scale, only: Option<Vec<String>>) -> anyhow::Result<Vec<Outcome>> {
    let infra = infra::Infra::start().await?;
    let mut outcomes = Vec::new();
    for name in scenarios::NAMES {
        if let Some(only) = &only
            && !only.iter().any(|n| n == name)
        {
            continue;
        }
        println!("\n==> {name}");
        let started = Instant::now();
        let mut outcome = scenarios::run(name, &infra, scale).await;
        outcome.elapsed = started.elapsed();
        println!("{}", outcome.detail());
        outcomes.push(outcome);
    }
    infra.stop().await;
    Ok(outcomes)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
