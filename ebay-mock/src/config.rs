//! The mock's settings: [`MockConfig`] and [`FaultSettings`].

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The default listen address (`EBAY_MOCK_LISTEN`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8082";

/// How the mock runs.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Address to bind; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// Lifetime of issued tokens (eBay: 7200 s). Short values let tests see expiry.
    pub token_ttl: Duration,
    /// When set, only these client ids get tokens; otherwise any id/secret pair does.
    pub allowed_client_ids: Option<Vec<String>>,
    /// Faults injected from the start; changeable at run time through `POST /mock/faults`.
    pub faults: FaultSettings,
    /// HTTP worker threads; `None` uses one per CPU.
    pub workers: Option<usize>,
    /// Whether the server stops itself on SIGINT/SIGTERM (the binary); embedded servers leave
    /// signals to their host.
    pub handle_signals: bool,
    /// Starting offset of the mock clock from real time, in seconds (e.g. to serve "last
    /// week" for a demo). Adjustable later through `POST /mock/clock`.
    pub clock_offset_secs: i64,
    /// Test mode: the clock may be frozen (`POST /mock/clock {"freeze": true}`), so tests and
    /// benchmarks simulate days with the clock standing still between their steps.
    pub test_mode: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8082)),
            token_ttl: Duration::from_secs(7200),
            allowed_client_ids: None,
            faults: FaultSettings::default(),
            workers: None,
            handle_signals: false,
            clock_offset_secs: 0,
            test_mode: false,
        }
    }
}

impl MockConfig {
    /// A configuration for tests: a free loopback port, two workers, no signal handling, test
    /// mode on.
    pub fn for_tests() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: Some(2),
            test_mode: true,
            ..Self::default()
        }
    }

    /// Sets the token lifetime.
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Restricts which client ids get tokens.
    pub fn with_allowed_client_ids(mut self, ids: Vec<String>) -> Self {
        self.allowed_client_ids = Some(ids);
        self
    }

    /// Sets the initial faults.
    pub fn with_faults(mut self, faults: FaultSettings) -> Self {
        self.faults = faults;
        self
    }

    /// Checks the values are usable; the message names the bad setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.token_ttl.is_zero() {
            return Err("the token lifetime must be at least one second".to_owned());
        }
        if self.workers == Some(0) {
            return Err("the number of workers must be at least 1".to_owned());
        }
        self.faults.validate()
    }
}

/// Injected faults. Rates are probabilities per request (0.0–1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Share of requests answered 429 with `Retry-After`.
    pub rate_429: f64,
    /// Share of requests answered 500.
    pub rate_500: f64,
    /// Delay added to every request, in milliseconds.
    pub latency_ms: u64,
    /// The `Retry-After` seconds sent with injected 429s.
    pub retry_after_secs: u64,
    /// Whether rates and latency also apply to the token endpoint (not only search).
    pub apply_to_token: bool,
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            rate_429: 0.0,
            rate_500: 0.0,
            latency_ms: 0,
            retry_after_secs: 1,
            apply_to_token: false,
        }
    }
}

impl FaultSettings {
    /// Checks the rates are probabilities that add up to at most 1.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [("rate_429", self.rate_429), ("rate_500", self.rate_500)] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if self.rate_429 + self.rate_500 > 1.0 {
            return Err("rate_429 + rate_500 must not exceed 1".to_owned());
        }
        if self.latency_ms > 60_000 {
            return Err("latency_ms must be at most 60000".to_owned());
        }
        Ok(())
    }
}
