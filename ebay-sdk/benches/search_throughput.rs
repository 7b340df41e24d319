//! Throughput of searches through the SDK against `ebay-mock`, and of the mock on its own.
//!
//! ```text
//! cargo bench -p ebay-sdk --bench search_throughput
//! ```
//!
//! Starts the mock in process on a loopback port (or uses `BENCH_MOCK_URL`, e.g. a separately
//! started release `ebay-mock`), then for `BENCH_SECS` seconds (default 10) each phase runs
//! `BENCH_CONCURRENCY` callers (default 32) in a loop over 5,000 distinct search phrases:
//!
//! 1. `sdk`: `EbayClient::search` (token cache, retries, JSON decoding into typed DTOs);
//! 2. `raw`: plain reqwest GETs with a bearer token, the body read but not parsed: the mock's
//!    own capacity as seen by one client process.
//!
//! Every loop is bounded by the time limit and talks to loopback only.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ebay_mock::{MockConfig, MockServer};
use ebay_sdk::{EbayClient, EbayConfig, Environment, RetryPolicy, SearchRequest};
use url::Url;

const PHRASES: usize = 5_000;
const LIMIT: u32 = 50;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn phrase(i: usize) -> String {
    const WORDS: &[&str] = &[
        "lego", "nikon", "vintage", "rolex", "camera", "lens", "guitar", "pokemon", "card",
        "watch", "iphone", "cable", "drone", "keyboard", "jacket", "boots", "vinyl", "record",
    ];
    let a = WORDS[i % WORDS.len()];
    let b = WORDS[(i / WORDS.len()) % WORDS.len()];
    format!("{a} {b} {}", i % 997)
}

struct Report {
    requests: u64,
    errors: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Report {
    fn print(&mut self, name: &str, concurrency: usize) {
        self.latencies.sort_unstable();
        let quantile = |q: f64| -> Duration {
            if self.latencies.is_empty() {
                return Duration::ZERO;
            }
            let index = ((self.latencies.len() - 1) as f64 * q).round() as usize;
            self.latencies[index]
        };
        println!(
            "{name:<4} concurrency={concurrency} requests={} errors={} elapsed={:.1}s throughput={:.0} req/s p50={:.2}ms p99={:.2}ms",
            self.requests,
            self.errors,
            self.elapsed.as_secs_f64(),
            self.requests as f64 / self.elapsed.as_secs_f64(),
            quantile(0.5).as_secs_f64() * 1e3,
            quantile(0.99).as_secs_f64() * 1e3,
        );
    }
}

/// Runs `concurrency` loops of `call` until `duration` has passed.
async fn drive<F, Fut>(concurrency: usize, duration: Duration, call: F) -> Result<Report>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let call = Arc::clone(&call);
        let stop = Arc::clone(&stop);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut i = worker * 997;
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                if !call(i % PHRASES).await {
                    errors += 1;
                }
                latencies.push(sent.elapsed());
                i += 1;
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut report = Report {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (latencies, errors) = task.await?;
        report.requests += latencies.len() as u64;
        report.errors += errors;
        report.latencies.extend(latencies);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn run() -> Result<()> {
    let seconds = env_number("BENCH_SECS", 10);
    let concurrency = usize::try_from(env_number("BENCH_CONCURRENCY", 32))?;
    let duration = Duration::from_secs(seconds);

    let (_server, base_url) = match std::env::var("BENCH_MOCK_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            let workers = usize::try_from(env_number("BENCH_MOCK_WORKERS", 2))?;
            let server = MockServer::start(MockConfig {
                workers: Some(workers),
                ..MockConfig::for_tests()
            })?;
            let url = server.base_url().to_owned();
            (Some(server), url)
        }
    };
    println!("mock at {base_url}; {concurrency} callers; {seconds}s per phase; limit={LIMIT}");

    // Phase 1: through the SDK.
    let config = EbayConfig::new(Environment::Mock, "bench-app", "bench-secret")
        .with_base_url(Url::parse(&base_url)?)
        .with_retry(RetryPolicy::none());
    let client = EbayClient::new(config)?;
    client.search(&SearchRequest::new("warm up")).await?;
    let sdk_client = client.clone();
    let mut sdk = drive(concurrency, duration, move |i| {
        let client = sdk_client.clone();
        async move {
            client
                .search(&SearchRequest::new(phrase(i)).with_limit(LIMIT))
                .await
                .is_ok()
        }
    })
    .await?;
    sdk.print("sdk", concurrency);
    println!(
        "sdk  token requests during the run: {}",
        client.token_provider().token_requests()
    );

    // Phase 2: the mock alone, with a plain HTTP client.
    let token = client.token_provider().access_token().await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let search_url = format!("{base_url}/buy/browse/v1/item_summary/search");
    let bearer = format!("Bearer {}", token.secret());
    let mut raw = drive(concurrency, duration, move |i| {
        let request = http
            .get(&search_url)
            .query(&[("q", phrase(i)), ("limit", LIMIT.to_string())])
            .header("Authorization", bearer.clone());
        async move {
            match request.send().await {
                Ok(response) => {
                    let ok = response.status().is_success();
                    response.bytes().await.is_ok() && ok
                }
                Err(_) => false,
            }
        }
    })
    .await?;
    raw.print("raw", concurrency);
    Ok(())
}

fn main() -> Result<()> {
    // Bench harness args (e.g. `--bench`) are ignored.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the Tokio runtime")?;
    runtime.block_on(run())
}
