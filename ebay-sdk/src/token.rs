//! Application access tokens: the OAuth client-credentials grant (through the `oauth2` crate),
//! cached in process and optionally in Redis so all replicas share one token.
//!
//! eBay's token endpoint allows only about 1,000 calls a day per application, while a busy
//! scheduler searches thousands of times, so the rules are:
//!
//! * one token per process at a time, replaced [`EbayConfig::token_refresh_margin`] before it
//!   expires;
//! * one refresh at a time: a `tokio::sync::Mutex` with a re-check after acquiring it, so 100
//!   concurrent callers on a cold cache cause one token call; while a still-valid token is being
//!   replaced, other callers keep using it instead of queueing;
//! * with Redis, the token is stored under `{prefix}ebay:token:{client_id}` with a TTL of its
//!   lifetime minus the margin, and a short `SET NX PX` lock makes one replica fetch while the
//!   others poll the key briefly;
//! * a token that eBay rejects (401) is discarded only if it is still the cached one, so a burst
//!   of 401s causes one re-acquisition, not one each.
//!
//! Redis trouble never stops searches: the provider logs it and falls back to its own token.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AsyncHttpClient, ClientId, ClientSecret, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};
use tokio::time::Instant;

use crate::config::{API_SCOPE, EbayConfig};
use crate::error::{EbayError, is_retryable_status, snippet};
use crate::retry::{RetryPolicy, retry_after, retrying};

/// eBay's documented application token lifetime, used when a response omits `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(7200);

/// How long the cross-replica refresh lock lives if its holder dies mid-fetch.
const LOCK_TTL: Duration = Duration::from_secs(15);

/// Pause between polls of the shared key while another replica refreshes.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Upper bound on one Redis round trip; past it the provider works without Redis.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

type EbayOauthClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// An application access token. `Debug` never shows the token itself.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    secret: Arc<str>,
    expires_at: DateTime<Utc>,
}

impl AccessToken {
    /// The bearer token to send.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// When eBay stops accepting it.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A token plus when to stop handing it out.
#[derive(Clone)]
struct CachedToken {
    token: AccessToken,
    /// `expires_at` minus the refresh margin: after this the token is replaced.
    refresh_at: DateTime<Utc>,
}

/// The JSON stored in the shared Redis key.
#[derive(Serialize, Deserialize)]
struct StoredToken {
    access_token: String,
    expires_at_ms: i64,
    refresh_at_ms: i64,
}

/// Where replicas share the token.
struct SharedCache {
    conn: ConnectionManager,
    key: String,
    lock_key: String,
}

/// Hands out valid application access tokens, fetching as rarely as possible.
///
/// Cheap to share behind an `Arc`; [`crate::EbayClient`] does so.
pub struct TokenProvider {
    oauth: EbayOauthClient,
    http: reqwest::Client,
    retry: RetryPolicy,
    margin: Duration,
    lock_wait: Duration,
    cache: RwLock<Option<CachedToken>>,
    /// Held by the one caller that is refreshing; others re-check the cache after it. Holds the
    /// failure of the latest refresh so callers that queued behind it share that failure
    /// instead of each calling the rate-limited token endpoint again.
    refresh: Mutex<Option<RefreshFailure>>,
    /// Refreshes finished so far; tells a waiting caller whether one ran while it waited.
    refresh_attempts: AtomicU64,
    shared: Option<SharedCache>,
    /// Token endpoint calls made by this provider (each attempt counts).
    fetches: AtomicU64,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("token_url", &self.oauth.token_uri().as_str())
            .field("client_id", &self.oauth.client_id().as_str())
            .field("shared_key", &self.shared.as_ref().map(|s| s.key.as_str()))
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for the configured environment with an in-process cache only.
    ///
    /// `http` should not follow redirects (see [`crate::client::build_http_client`]).
    pub fn new(config: &EbayConfig, http: reqwest::Client) -> Result<Self, EbayError> {
        config.validate()?;
        let token_url = TokenUrl::from_url(config.token_url()?);
        let oauth = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(config.client_secret.expose().to_owned()))
            .set_token_uri(token_url);
        Ok(Self {
            oauth,
            http,
            retry: config.retry.clone(),
            margin: config.token_refresh_margin,
            lock_wait: config.token_lock_wait,
            cache: RwLock::new(None),
            refresh: Mutex::new(None),
            refresh_attempts: AtomicU64::new(0),
            shared: None,
            fetches: AtomicU64::new(0),
        })
    }

    /// Shares the token with every replica using the same Redis and `key_prefix`
    /// (e.g. `"ebay-alerts:"`). The key is `{key_prefix}ebay:token:{client_id}`.
    pub fn with_shared_cache(mut self, conn: ConnectionManager, key_prefix: &str) -> Self {
        let key = format!("{key_prefix}ebay:token:{}", self.oauth.client_id().as_str());
        self.shared = Some(SharedCache {
            conn,
            lock_key: format!("{key}:lock"),
            key,
        });
        self
    }

    /// The Redis key holding the shared token, if a shared cache is configured.
    pub fn shared_key(&self) -> Option<&str> {
        self.shared.as_ref().map(|s| s.key.as_str())
    }

    /// How many requests this provider has sent to the token endpoint.
    pub fn token_requests(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// A token that is valid now, from the process cache, the shared cache, or eBay.
    pub async fn access_token(&self) -> Result<AccessToken, EbayError> {
        let now = Utc::now();
        let still_valid = {
            let cache = self.cache.read().await;
            match cache.as_ref() {
                Some(cached) if now < cached.refresh_at => return Ok(cached.token.clone()),
                Some(cached) if now < cached.token.expires_at => Some(cached.token.clone()),
                _ => None,
            }
        };

        // Single flight. While a still-valid token is being replaced, don't queue behind the
        // refresh: keep using the old one.
        let attempts_seen = self.refresh_attempts.load(Ordering::Acquire);
        let mut guard = match &still_valid {
            Some(token) => match self.refresh.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(token.clone()),
            },
            None => self.refresh.lock().await,
        };

        // Someone may have refreshed while we waited for the lock.
        if let Some(cached) = self.cache.read().await.as_ref()
            && Utc::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }

        // A refresh ran and failed while we waited: share its outcome rather than hammering
        // the token endpoint once per queued caller.
        if self.refresh_attempts.load(Ordering::Acquire) != attempts_seen
            && let Some(failure) = guard.as_ref()
        {
            return Err(failure.to_error());
        }

        let outcome = self.acquire().await;
        // Counted when finished, so callers that queued during this attempt see the change.
        self.refresh_attempts.fetch_add(1, Ordering::AcqRel);
        match outcome {
            Ok(fresh) => {
                let token = fresh.token.clone();
                *self.cache.write().await = Some(fresh);
                *guard = None;
                Ok(token)
            }
            Err(error) => match still_valid {
                Some(token) if Utc::now() < token.expires_at => {
                    tracing::warn!(%error, "token refresh failed; using the current token until it expires");
                    Ok(token)
                }
                _ => {
                    *guard = Some(RefreshFailure::from(&error));
                    Err(error)
                }
            },
        }
    }

    /// Discards `failed` (a token eBay just rejected) if it is still the cached one, here and in
    /// Redis, so the next [`TokenProvider::access_token`] fetches a new one. A token that was
    /// already replaced is left alone, so concurrent 401s cause one re-acquisition.
    pub async fn invalidate(&self, failed: &AccessToken) {
        {
            let mut cache = self.cache.write().await;
            if cache
                .as_ref()
                .is_some_and(|cached| cached.token.secret == failed.secret)
            {
                *cache = None;
            }
        }
        if let Some(shared) = &self.shared {
            // Compare-and-delete: never remove a newer token another replica stored.
            let script = redis::Script::new(
                r"local v = redis.call('GET', KEYS[1])
                  if v then
                    local ok, t = pcall(cjson.decode, v)
                    if (not ok) or t.access_token == ARGV[1] then
                      return redis.call('DEL', KEYS[1])
                    end
                  end
                  return 0",
            );
            let mut conn = shared.conn.clone();
            let mut invocation = script.key(&shared.key);
            invocation.arg(failed.secret());
            let result =
                tokio::time::timeout(REDIS_TIMEOUT, invocation.invoke_async::<i64>(&mut conn))
                    .await;
            match result {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, "could not drop the rejected token from Redis");
                }
                Err(_) => tracing::warn!("timed out dropping the rejected token from Redis"),
            }
        }
    }

    /// Gets a fresh token from the shared cache or from eBay (the caller holds `refresh`).
    async fn acquire(&self) -> Result<CachedToken, EbayError> {
        let Some(shared) = &self.shared else {
            return self.fetch().await;
        };
        match self.acquire_shared(shared).await {
            Ok(token) => Ok(token),
            Err(SharedError::Ebay(error)) => Err(error),
            Err(SharedError::Redis(reason)) => {
                tracing::warn!(%reason, "shared token cache unavailable; fetching a token directly");
                self.fetch().await
            }
        }
    }

    async fn acquire_shared(&self, shared: &SharedCache) -> Result<CachedToken, SharedError> {
        if let Some(token) = shared.load().await? {
            return Ok(token);
        }
        let deadline = Instant::now() + self.lock_wait;
        let lock_value = format!("{:032x}", rand::random::<u128>());
        loop {
            if shared.try_lock(&lock_value).await? {
                // Another replica may have stored a token between our read and our lock.
                let result = match shared.load().await {
                    Ok(Some(token)) => Ok(token),
                    _ => {
                        let fetched = self.fetch().await.map_err(SharedError::Ebay);
                        if let Ok(token) = &fetched
                            && let Err(error) = shared.store(token).await
                        {
                            tracing::warn!(reason = %error, "could not store the token in Redis");
                        }
                        fetched
                    }
                };
                if let Err(error) = shared.unlock(&lock_value).await {
                    tracing::warn!(reason = %error, "could not release the token lock");
                }
                return result;
            }
            if Instant::now() >= deadline {
                tracing::warn!("another replica held the token lock too long; fetching directly");
                let token = self.fetch().await.map_err(SharedError::Ebay)?;
                if let Err(error) = shared.store(&token).await {
                    tracing::warn!(reason = %error, "could not store the token in Redis");
                }
                return Ok(token);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
            if let Some(token) = shared.load().await? {
                return Ok(token);
            }
        }
    }

    /// Calls the token endpoint, retrying 429/5xx/network failures per the policy.
    async fn fetch(&self) -> Result<CachedToken, EbayError> {
        retrying(&self.retry, "eBay token request", || self.fetch_once()).await
    }

    async fn fetch_once(&self) -> Result<CachedToken, EbayError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let http = TokenHttp {
            client: self.http.clone(),
            status: AtomicU16::new(0),
        };
        let requested_at = Utc::now();
        let response = self
            .oauth
            .exchange_client_credentials()
            .add_scope(Scope::new(API_SCOPE.to_owned()))
            .request_async(&http)
            .await;
        let status = match http.status.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s),
        };
        let response = response.map_err(|e| token_error(e, status))?;
        let secret = response.access_token().secret().clone();
        if secret.is_empty() {
            return Err(EbayError::Token {
                status,
                error: "invalid_response".to_owned(),
                description: Some("the token response has an empty access_token".to_owned()),
                retry_after: None,
                retryable: false,
            });
        }
        let lifetime = response.expires_in().unwrap_or(DEFAULT_LIFETIME);
        let lifetime = chrono::Duration::from_std(lifetime)
            .unwrap_or_else(|_| chrono::Duration::seconds(7200));
        let margin = chrono::Duration::from_std(self.margin)
            .unwrap_or_else(|_| chrono::Duration::seconds(300))
            .min(lifetime / 2);
        // Count the lifetime from when we asked, not when we got the answer: errs early.
        let expires_at = requested_at + lifetime;
        tracing::debug!(%expires_at, "fetched a new eBay application token");
        Ok(CachedToken {
            token: AccessToken {
                secret: Arc::from(secret),
                expires_at,
            },
            refresh_at: expires_at - margin,
        })
    }
}

/// What a failed refresh tells the callers that waited for it (an [`EbayError`] itself is
/// not `Clone`).
struct RefreshFailure {
    status: Option<u16>,
    message: String,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl From<&EbayError> for RefreshFailure {
    fn from(error: &EbayError) -> Self {
        Self {
            status: error.status(),
            message: error.to_string(),
            retryable: error.is_retryable(),
            retry_after: error.retry_after(),
        }
    }
}

impl RefreshFailure {
    fn to_error(&self) -> EbayError {
        EbayError::Token {
            status: self.status,
            error: "token_unavailable".to_owned(),
            description: Some(format!(
                "a concurrent token refresh just failed: {}",
                self.message
            )),
            retry_after: self.retry_after,
            retryable: self.retryable,
        }
    }
}

/// Why the shared path failed: eBay itself (final), or Redis (fall back to a direct fetch).
enum SharedError {
    Ebay(EbayError),
    Redis(String),
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ebay(error) => write!(f, "{error}"),
            Self::Redis(reason) => f.write_str(reason),
        }
    }
}

impl From<redis::RedisError> for SharedError {
    fn from(error: redis::RedisError) -> Self {
        Self::Redis(error.to_string())
    }
}

async fn with_timeout<T>(
    future: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, SharedError> {
    match tokio::time::timeout(REDIS_TIMEOUT, future).await {
        Ok(result) => result.map_err(SharedError::from),
        Err(_) => Err(SharedError::Redis(
            "Redis did not answer in time".to_owned(),
        )),
    }
}

impl SharedCache {
    async fn load(&self) -> Result<Option<CachedToken>, SharedError> {
        let mut conn = self.conn.clone();
        let raw: Option<String> =
            with_timeout(redis::cmd("GET").arg(&self.key).query_async(&mut conn)).await?;
        let Some(raw) = raw else { return Ok(None) };
        let Ok(stored) = serde_json::from_str::<StoredToken>(&raw) else {
            tracing::warn!(key = %self.key, "ignoring an unreadable shared token");
            return Ok(None);
        };
        let (Some(expires_at), Some(refresh_at)) = (
            DateTime::<Utc>::from_timestamp_millis(stored.expires_at_ms),
            DateTime::<Utc>::from_timestamp_millis(stored.refresh_at_ms),
        ) else {
            return Ok(None);
        };
        if Utc::now() >= refresh_at {
            return Ok(None);
        }
        Ok(Some(CachedToken {
            token: AccessToken {
                secret: Arc::from(stored.access_token),
                expires_at,
            },
            refresh_at,
        }))
    }

    async fn store(&self, token: &CachedToken) -> Result<(), SharedError> {
        let ttl_ms = (token.refresh_at - Utc::now()).num_milliseconds();
        if ttl_ms <= 0 {
            return Ok(());
        }
        let stored = StoredToken {
            access_token: token.token.secret().to_owned(),
            expires_at_ms: token.token.expires_at.timestamp_millis(),
            refresh_at_ms: token.refresh_at.timestamp_millis(),
        };
        let json = serde_json::to_string(&stored).map_err(|e| SharedError::Redis(e.to_string()))?;
        let mut conn = self.conn.clone();
        with_timeout(
            redis::cmd("SET")
                .arg(&self.key)
                .arg(json)
                .arg("PX")
                .arg(ttl_ms)
                .query_async::<()>(&mut conn),
        )
        .await
    }

    async fn try_lock(&self, value: &str) -> Result<bool, SharedError> {
        let mut conn = self.conn.clone();
        let reply: Option<String> = with_timeout(
            redis::cmd("SET")
                .arg(&self.lock_key)
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(u64::try_from(LOCK_TTL.as_millis()).unwrap_or(15_000))
                .query_async(&mut conn),
        )
        .await?;
        Ok(reply.is_some())
    }

    async fn unlock(&self, value: &str) -> Result<(), SharedError> {
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then
                return redis.call('DEL', KEYS[1])
              end
              return 0",
        );
        let mut conn = self.conn.clone();
        let mut invocation = script.key(&self.lock_key);
        invocation.arg(value);
        with_timeout(invocation.invoke_async::<i64>(&mut conn))
            .await
            .map(|_| ())
    }
}

/// What the token endpoint's HTTP adapter reports to `oauth2` besides a response.
#[derive(Debug, thiserror::Error)]
enum TokenHttpError {
    #[error("{0}")]
    Transport(#[source] reqwest::Error),
    #[error("the token endpoint answered HTTP {status}: {snippet:?}")]
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
        snippet: String,
    },
    #[error("could not build the token request: {0}")]
    Build(String),
}

/// Adapts reqwest to `oauth2`, turning 429/5xx into errors that keep their status and
/// `Retry-After` (oauth2 would otherwise try to parse an HTML 503 page as an OAuth error), and
/// remembering the status of any other failure.
struct TokenHttp {
    client: reqwest::Client,
    status: AtomicU16,
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| TokenHttpError::Build(e.to_string()))?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(TokenHttpError::Transport)?;
            let status = response.status();
            self.status.store(status.as_u16(), Ordering::Relaxed);
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(TokenHttpError::Transport)?;
            if is_retryable_status(status.as_u16()) {
                return Err(TokenHttpError::Unavailable {
                    status: status.as_u16(),
                    retry_after: retry_after(&headers),
                    snippet: snippet(&body),
                });
            }
            let mut builder = oauth2::http::Response::builder().status(status);
            for (name, value) in &headers {
                builder = builder.header(name, value);
            }
            builder
                .body(body.to_vec())
                .map_err(|e| TokenHttpError::Build(e.to_string()))
        })
    }
}

fn token_error(
    error: RequestTokenError<TokenHttpError, oauth2::basic::BasicErrorResponse>,
    status: Option<u16>,
) -> EbayError {
    match error {
        RequestTokenError::ServerResponse(response) => EbayError::Token {
            status,
            error: response.error().as_ref().to_owned(),
            description: response.error_description().cloned(),
            retry_after: None,
            retryable: false,
        },
        RequestTokenError::Request(TokenHttpError::Transport(source)) => {
            EbayError::Transport { source }
        }
        RequestTokenError::Request(TokenHttpError::Unavailable {
            status,
            retry_after,
            snippet,
        }) => EbayError::Token {
            status: Some(status),
            error: "temporarily_unavailable".to_owned(),
            description: Some(snippet),
            retry_after,
            retryable: true,
        },
        RequestTokenError::Request(TokenHttpError::Build(reason)) => EbayError::Token {
            status,
            error: "invalid_request".to_owned(),
            description: Some(reason),
            retry_after: None,
            retryable: false,
        },
        RequestTokenError::Parse(error, body) => EbayError::Token {
            status,
            error: "invalid_response".to_owned(),
            description: Some(format!(
                "could not parse the token response ({error}); body starts {:?}",
                snippet(&body)
            )),
            retry_after: None,
            retryable: false,
        },
        RequestTokenError::Other(reason) => EbayError::Token {
            status,
            error: "invalid_response".to_owned(),
            description: Some(reason),
            retry_after: None,
            retryable: false,
        },
    }
}
