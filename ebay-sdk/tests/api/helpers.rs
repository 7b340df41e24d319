//! Shared set-up: an in-process `ebay-mock` on a free port, SDK configs pointing at it, and a
//! private Redis key prefix per test.

use std::time::Duration;

use anyhow::{Context, Result};
use ebay_mock::{MockConfig, MockServer, StatsSnapshot};
use ebay_sdk::{EbayClient, EbayConfig, Environment, RetryPolicy};
use redis::aio::ConnectionManager;
use url::Url;

/// A retry policy fast enough for tests but with the production shape.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        multiplier: 2.0,
        max_elapsed: Duration::from_secs(20),
    }
}

/// An SDK configuration for the mock at `base_url`.
pub fn config_for(base_url: &str) -> Result<EbayConfig> {
    Ok(
        EbayConfig::new(Environment::Mock, "test-app", "test-secret")
            .with_base_url(Url::parse(base_url)?)
            .with_retry(quick_retries()),
    )
}

/// A running mock.
pub struct TestMock {
    pub server: MockServer,
}

impl TestMock {
    /// A mock with test defaults (7200 s tokens).
    pub fn spawn() -> Result<Self> {
        Self::spawn_with(MockConfig::for_tests())
    }

    /// A mock with the given configuration.
    pub fn spawn_with(config: MockConfig) -> Result<Self> {
        Ok(Self {
            server: MockServer::start(config)?,
        })
    }

    /// A fresh SDK client (own in-process token cache) for this mock.
    pub fn client(&self) -> Result<EbayClient> {
        Ok(EbayClient::new(config_for(self.server.base_url())?)?)
    }

    /// The mock's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.server.state().stats()
    }

    /// Search responses with `status` so far.
    pub fn searches_with_status(&self, status: u16) -> u64 {
        self.stats()
            .search_status
            .get(&status)
            .copied()
            .unwrap_or(0)
    }

    /// `POST` JSON to one of the mock's control endpoints, over HTTP like an operator would.
    pub async fn control(&self, path: &str, body: serde_json::Value) -> Result<()> {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.server.base_url()))
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        Ok(())
    }
}

/// A Redis connection and a key prefix no other test uses. Call [`RedisScope::cleanup`] at
/// the end of the test.
pub struct RedisScope {
    pub conn: ConnectionManager,
    pub prefix: String,
}

impl RedisScope {
    /// Connects to `TEST_REDIS_URL` (default `redis://127.0.0.1:6379`).
    pub async fn new() -> Result<Self> {
        let url =
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let client = redis::Client::open(url.as_str())?;
        let conn = tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new(client))
            .await
            .with_context(|| format!("Redis at {url} did not answer; set TEST_REDIS_URL"))??;
        Ok(Self {
            conn,
            prefix: format!("ebay-sdk-test:{:016x}:", rand::random::<u64>()),
        })
    }

    /// Keys under this test's prefix.
    pub async fn keys(&self) -> Result<Vec<String>> {
        let mut conn = self.conn.clone();
        let mut keys = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}*", self.prefix))
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            keys.extend(batch);
            if next == 0 {
                return Ok(keys);
            }
            cursor = next;
        }
    }

    /// Deletes every key under this test's prefix.
    pub async fn cleanup(&self) -> Result<()> {
        let keys = self.keys().await?;
        if !keys.is_empty() {
            let mut conn = self.conn.clone();
            redis::cmd("DEL")
                .arg(keys)
                .query_async::<()>(&mut conn)
                .await?;
        }
        Ok(())
    }
}
