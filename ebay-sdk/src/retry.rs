//! Retry policy: exponential back-off with jitter, `Retry-After`, and a total time budget,
//! and [`retrying`], the one loop that applies it (to searches, item look-ups and token calls).

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use crate::error::EbayError;

/// How failed calls (429, 5xx, timeouts, connection errors) are retried.
///
/// The delay before retry `n` (1-based) is a random value in `[d/2, d]` where
/// `d = min(max_backoff, initial_backoff * multiplier^(n-1))` ("equal jitter": spreads replicas
/// apart without ever retrying immediately). A `Retry-After` from the server replaces the
/// computed delay when it is longer. No retry starts once `max_elapsed` would be exceeded.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first; `1` disables retries.
    pub max_attempts: u32,
    /// The base delay before the first retry.
    pub initial_backoff: Duration,
    /// Upper bound on one computed delay (a server's `Retry-After` may exceed it, within the
    /// total budget).
    pub max_backoff: Duration,
    /// Growth factor between consecutive delays.
    pub multiplier: f64,
    /// Time budget for the whole call including sleeps; a retry whose delay would end after it
    /// is not attempted.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            multiplier: 2.0,
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The jittered delay before retry number `retry` (1 = the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.multiplier.max(1.0).powi(exponent);
        let ceiling = self.max_backoff.as_secs_f64();
        let full = (self.initial_backoff.as_secs_f64() * factor).min(ceiling);
        if !full.is_finite() || full <= 0.0 {
            return Duration::ZERO;
        }
        let jittered = rand::rng().random_range(full / 2.0..=full);
        Duration::from_secs_f64(jittered)
    }

    /// The delay to wait before the next attempt, or `None` if the policy says stop.
    ///
    /// `attempts` is how many requests were already sent, `elapsed` how long the call has
    /// taken so far, `retry_after` what the server asked for.
    pub fn next_delay(
        &self,
        attempts: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let computed = self.backoff(attempts);
        let delay = match retry_after {
            Some(asked) if asked > computed => asked,
            _ => computed,
        };
        if elapsed.saturating_add(delay) > self.max_elapsed {
            return None;
        }
        Some(delay)
    }
}

/// Runs `attempt` until it succeeds, fails with an error that is not
/// [`EbayError::is_retryable`], or `policy` says stop (attempts or time budget used up).
///
/// When retries were made and the policy stops, the last error comes back wrapped in
/// [`EbayError::RetriesExhausted`]; a failure of the first and only attempt comes back as is.
/// `operation` names the call in the retry log lines.
pub(crate) async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    operation: &str,
    mut attempt: F,
) -> Result<T, EbayError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, EbayError>>,
{
    let started = Instant::now();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) if error.is_retryable() => error,
            Err(error) => return Err(error),
        };
        match policy.next_delay(attempts, started.elapsed(), error.retry_after()) {
            Some(delay) => {
                tracing::warn!(%error, attempt = attempts, ?delay, "{operation} failed; retrying");
                tokio::time::sleep(delay).await;
            }
            None if attempts > 1 => {
                return Err(EbayError::RetriesExhausted {
                    attempts,
                    elapsed: started.elapsed(),
                    last: Box::new(error),
                });
            }
            None => return Err(error),
        }
    }
}

/// Reads `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            ..RetryPolicy::default()
        }
    }

    fn server_error() -> EbayError {
        EbayError::Api {
            status: 503,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    #[tokio::test]
    async fn retryable_failures_are_retried_until_one_succeeds() {
        let calls = AtomicU32::new(0);

        let outcome = retrying(&quick(5), "test call", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(server_error()),
                _ => Ok("done"),
            }
        })
        .await;

        assert_eq!(outcome.ok(), Some("done"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_final_failure_is_returned_at_once_and_exhaustion_is_wrapped() {
        let final_calls = AtomicU32::new(0);
        let quota = retrying(&quick(5), "test call", || async {
            final_calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(EbayError::QuotaExhausted { errors: Vec::new() })
        })
        .await;
        let exhausted = retrying(&quick(3), "test call", || async {
            Err::<(), _>(server_error())
        })
        .await;
        let single = retrying(&RetryPolicy::none(), "test call", || async {
            Err::<(), _>(server_error())
        })
        .await;

        assert!(matches!(quota, Err(EbayError::QuotaExhausted { .. })));
        assert_eq!(
            final_calls.load(Ordering::SeqCst),
            1,
            "a 429 is not retried"
        );
        assert!(matches!(
            exhausted,
            Err(EbayError::RetriesExhausted { attempts: 3, .. })
        ));
        assert!(matches!(single, Err(EbayError::Api { status: 503, .. })));
    }

    #[test]
    fn backoff_grows_exponentially_stays_within_jitter_bounds_and_is_capped() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            let third = policy.backoff(3);
            let tenth = policy.backoff(10);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(tenth >= Duration::from_millis(500) && tenth <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn no_retry_is_planned_past_the_attempt_limit_or_the_time_budget() {
        let policy = RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(10),
            ..RetryPolicy::default()
        };

        assert!(policy.next_delay(1, Duration::ZERO, None).is_some());
        assert!(policy.next_delay(3, Duration::ZERO, None).is_none());
        assert!(
            policy
                .next_delay(1, Duration::from_secs(5), Some(Duration::from_secs(6)))
                .is_none()
        );
        assert_eq!(
            policy.next_delay(1, Duration::ZERO, Some(Duration::from_secs(4))),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));

        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));

        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
