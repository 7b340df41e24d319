//! [`EbayClient`]: sends searches with a valid token, retries, re-authenticates on a 401,
//! and walks pages with [`SearchPager`].

use std::collections::HashSet;
use std::sync::Arc;

use redis::aio::ConnectionManager;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use tokio::time::Instant;
use url::Url;

use crate::config::EbayConfig;
use crate::error::{ApiErrorBody, ApiErrorDetail, EbayError, snippet};
use crate::model::{ItemSummary, SearchResponse};
use crate::retry::retry_after;
use crate::search::{MAX_LIMIT, MAX_RESULT_WINDOW, SearchRequest};
use crate::token::{AccessToken, TokenProvider};

/// The header that selects the eBay marketplace.
pub const MARKETPLACE_HEADER: &str = "X-EBAY-C-MARKETPLACE-ID";

/// Builds the HTTP client the SDK uses: rustls, no redirects (a redirected token request could
/// leak the client credentials; see the `oauth2` crate's SSRF note), the configured timeout.
pub fn build_http_client(config: &EbayConfig) -> Result<reqwest::Client, EbayError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.request_timeout)
        .connect_timeout(
            config
                .request_timeout
                .min(std::time::Duration::from_secs(5)),
        )
        .user_agent(concat!("ebay-alerts-sdk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| EbayError::Config(format!("cannot build the HTTP client: {e}")))
}

/// A typed client for eBay's Browse API. Cheap to clone (shared state behind an `Arc`).
#[derive(Clone, Debug)]
pub struct EbayClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: EbayConfig,
    search_url: Url,
    http: reqwest::Client,
    tokens: TokenProvider,
}

impl EbayClient {
    /// A client with an in-process token cache.
    pub fn new(config: EbayConfig) -> Result<Self, EbayError> {
        Self::build(config, None)
    }

    /// A client whose token is shared with every other client (in any process) that uses the
    /// same Redis and `key_prefix`, so a fleet of replicas fetches one token, not one each.
    pub fn with_shared_token_cache(
        config: EbayConfig,
        redis: ConnectionManager,
        key_prefix: &str,
    ) -> Result<Self, EbayError> {
        Self::build(config, Some((redis, key_prefix)))
    }

    fn build(
        config: EbayConfig,
        shared: Option<(ConnectionManager, &str)>,
    ) -> Result<Self, EbayError> {
        config.validate()?;
        let http = build_http_client(&config)?;
        let mut tokens = TokenProvider::new(&config, http.clone())?;
        if let Some((redis, prefix)) = shared {
            tokens = tokens.with_shared_cache(redis, prefix);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                search_url: config.search_url()?,
                config,
                http,
                tokens,
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &EbayConfig {
        &self.inner.config
    }

    /// The token provider (for diagnostics such as [`TokenProvider::token_requests`]).
    pub fn token_provider(&self) -> &TokenProvider {
        &self.inner.tokens
    }

    /// Runs one search page.
    ///
    /// 429, 5xx, timeouts and connection failures are retried per the configured
    /// [`crate::RetryPolicy`]; a 401 discards the token, gets a new one and retries (once, or
    /// twice with a shared token cache: the first replacement may be another replica's token
    /// that is just as stale).
    /// Warnings eBay returns with a 200 are in [`SearchResponse::warnings`].
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EbayError> {
        request.validate()?;
        let policy = &self.inner.config.retry;
        let started = Instant::now();
        let mut attempts: u32 = 0;
        // With a shared cache, the token a re-authentication picks up may be one another
        // replica stored that eBay rejects too (all tokens go stale together when eBay revokes
        // them or its clock jumps). Rejecting that one deletes it from the cache, so a second
        // re-authentication fetches a fresh token. Without one, a fresh token rejected again
        // is not a stale-token problem, and more token calls would only spend the daily quota.
        let reauthentication_limit = if self.inner.tokens.shared_key().is_some() {
            2
        } else {
            1
        };
        let mut reauthentications = 0;
        loop {
            let token = self.inner.tokens.access_token().await?;
            let outcome = self.send(request, &token).await;
            match outcome {
                Ok(response) => {
                    if !response.warnings.is_empty() {
                        tracing::info!(
                            search = %request,
                            warnings = ?response.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
                            "eBay returned warnings"
                        );
                    }
                    return Ok(response);
                }
                Err(error)
                    if error.status() == Some(401)
                        && reauthentications < reauthentication_limit =>
                {
                    // Not counted against the retry budget: it is a different failure mode.
                    tracing::info!("eBay rejected the access token; re-authenticating");
                    reauthentications += 1;
                    self.inner.tokens.invalidate(&token).await;
                }
                Err(error) if error.is_retryable() => {
                    attempts += 1;
                    match policy.next_delay(attempts, started.elapsed(), error.retry_after()) {
                        Some(delay) => {
                            tracing::warn!(%error, attempt = attempts, ?delay, "eBay search failed; retrying");
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
                Err(error) => return Err(error),
            }
        }
    }

    /// Walks the result pages of `request` from its offset until `max_results` listings were
    /// returned, the results run out, or eBay's 10,000-result window ends.
    pub fn pager(&self, request: SearchRequest, max_results: u32) -> SearchPager {
        SearchPager {
            client: self.clone(),
            next_offset: request.offset,
            request,
            max_results,
            returned: 0,
            done: false,
        }
    }

    async fn send(
        &self,
        request: &SearchRequest,
        token: &AccessToken,
    ) -> Result<SearchResponse, EbayError> {
        let marketplace = request
            .marketplace
            .as_deref()
            .unwrap_or(&self.inner.config.marketplace);
        let response = self
            .inner
            .http
            .get(self.inner.search_url.clone())
            .query(&request.query_pairs())
            .bearer_auth(token.secret())
            .header(MARKETPLACE_HEADER, marketplace)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|source| EbayError::Transport { source })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|source| EbayError::Transport { source })?;
        decode_search_response(status, &headers, &body)
    }
}

/// Turns a search HTTP response into the typed page or the matching error.
pub(crate) fn decode_search_response(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<SearchResponse, EbayError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let looks_like_json = content_type.to_ascii_lowercase().contains("json")
        || body.trim_ascii_start().first() == Some(&b'{');
    if (200..300).contains(&status) {
        if body.trim_ascii().is_empty() || !looks_like_json {
            return Err(EbayError::UnexpectedBody {
                status,
                content_type,
                snippet: snippet(body),
                retry_after: None,
            });
        }
        return serde_json::from_slice::<SearchResponse>(body).map_err(|source| {
            EbayError::Decode {
                status,
                source,
                snippet: snippet(body),
            }
        });
    }
    let retry_after = retry_after(headers);
    if looks_like_json && let Ok(parsed) = serde_json::from_slice::<ApiErrorBody>(body) {
        return Err(EbayError::Api {
            status,
            errors: parsed.errors,
            retry_after,
        });
    }
    Err(EbayError::UnexpectedBody {
        status,
        content_type,
        snippet: snippet(body),
        retry_after,
    })
}

/// Pages through a search. Create it with [`EbayClient::pager`].
#[derive(Debug)]
pub struct SearchPager {
    client: EbayClient,
    request: SearchRequest,
    max_results: u32,
    next_offset: u32,
    returned: u32,
    done: bool,
}

/// Everything a [`SearchPager`] collected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectedResults {
    /// The listings, in page order, without duplicates (a listing can shift onto the next page
    /// while paging).
    pub items: Vec<ItemSummary>,
    /// eBay's `total` from the last page.
    pub total: u64,
    /// All warnings from all pages, without duplicates.
    pub warnings: Vec<ApiErrorDetail>,
    /// How many pages were fetched.
    pub pages: u32,
}

impl SearchPager {
    /// The next page, or `None` when the cap or the end of the results is reached.
    pub async fn next_page(&mut self) -> Result<Option<SearchResponse>, EbayError> {
        let remaining = self.max_results.saturating_sub(self.returned);
        let window_left = MAX_RESULT_WINDOW.saturating_sub(self.next_offset);
        if self.done || remaining == 0 || window_left == 0 {
            self.done = true;
            return Ok(None);
        }
        let limit = self
            .request
            .limit
            .clamp(1, MAX_LIMIT)
            .min(remaining)
            .min(window_left);
        let page_request = self
            .request
            .clone()
            .with_offset(self.next_offset)
            .with_limit(limit);
        let mut page = self.client.search(&page_request).await?;
        // A misbehaving server could return more than asked for; never exceed the cap.
        page.item_summaries.truncate(limit as usize);
        let count = u32::try_from(page.item_summaries.len()).unwrap_or(u32::MAX);
        self.returned = self.returned.saturating_add(count);
        self.next_offset = self.next_offset.saturating_add(count);
        if count == 0 || page.next.is_none() || u64::from(self.next_offset) >= page.total {
            self.done = true;
        }
        Ok(Some(page))
    }

    /// Fetches all remaining pages and merges them.
    pub async fn collect(mut self) -> Result<CollectedResults, EbayError> {
        let mut collected = CollectedResults::default();
        let mut seen = HashSet::new();
        while let Some(page) = self.next_page().await? {
            collected.pages += 1;
            collected.total = page.total;
            for warning in page.warnings {
                if !collected.warnings.contains(&warning) {
                    collected.warnings.push(warning);
                }
            }
            for item in page.item_summaries {
                if seen.insert(item.item_id.clone()) {
                    collected.items.push(item);
                }
            }
        }
        Ok(collected)
    }
}
