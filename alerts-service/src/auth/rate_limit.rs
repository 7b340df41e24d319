use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::time::Instant;

/// Fixed-window counters shared by all replicas through Redis (`INCR` + `EXPIRE`), or kept in
/// process in the one-process mode, where there is only one replica.
#[derive(Clone)]
pub enum RateLimiter {
    /// Counters in Redis under a key prefix.
    Redis {
        /// Connection.
        conn: ConnectionManager,
        /// Key prefix.
        prefix: String,
    },
    /// Counters in this process.
    Local(Arc<Mutex<HashMap<String, (Instant, u32)>>>),
}

impl RateLimiter {
    /// An in-process limiter.
    pub fn local() -> Self {
        Self::Local(Arc::default())
    }

    /// Counts one hit on `key`; returns `Err(seconds_to_wait)` when more than `limit` hits fell
    /// in the current `window`. If Redis cannot be reached the request is allowed (and logged):
    /// a rate limit must not take sign-in down with it.
    pub async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<(), u64> {
        match self {
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let key = format!("{prefix}ratelimit:{key}");
                let result: Result<(u32, i64), redis::RedisError> = redis::pipe()
                    .atomic()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(window.as_secs())
                    .arg("NX")
                    .ignore()
                    .cmd("TTL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await;
                match result {
                    Ok((count, ttl)) if count > limit => Err(ttl.max(1) as u64),
                    Ok(_) => Ok(()),
                    Err(error) => {
                        tracing::warn!(%error, "rate limiter unavailable; allowing the request");
                        Ok(())
                    }
                }
            }
            Self::Local(map) => {
                let now = Instant::now();
                let Ok(mut map) = map.lock() else {
                    return Ok(());
                };
                if map.len() > 100_000 {
                    map.retain(|_, (start, _)| now.duration_since(*start) < window);
                }
                let entry = map.entry(key.to_owned()).or_insert((now, 0));
                if now.duration_since(entry.0) >= window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                if entry.1 > limit {
                    Err((window.saturating_sub(now.duration_since(entry.0)))
                        .as_secs()
                        .max(1))
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_local_limiter_allows_the_limit_then_refuses_until_the_window_ends() {
        tokio::time::pause();
        let limiter = RateLimiter::local();
        let window = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(limiter.hit("k", 3, window).await.is_ok());
        }
        let wait = limiter.hit("k", 3, window).await.unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(
            limiter.hit("other", 3, window).await.is_ok(),
            "keys are independent"
        );
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(limiter.hit("k", 3, window).await.is_ok());
    }
}
