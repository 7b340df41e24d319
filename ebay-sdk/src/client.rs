//! [`EbayClient`]: sends searches and item look-ups with a valid token, retries,
//! re-authenticates on a 401, and walks pages with [`SearchPager`].

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use redis::aio::ConnectionManager;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::EbayConfig;
use crate::error::{ApiErrorBody, ApiErrorDetail, EbayError, snippet};
use crate::model::{Item, ItemSummary, SearchResponse, SkippedItem};
use crate::retry::{retry_after, retrying};
use crate::search::{DeliveryLocation, END_USER_CONTEXT_HEADER, MAX_RESULT_WINDOW, SearchRequest};
use crate::token::{AccessToken, TokenProvider};

/// eBay's error id for "the specified item ID was not found" (`getItem`).
const ITEM_NOT_FOUND: i64 = 11001;

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
    item_url_prefix: Url,
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
                item_url_prefix: config.item_url_prefix()?,
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
    /// 5xx, timeouts and connection failures are retried per the configured
    /// [`crate::RetryPolicy`]; a 429 is not: eBay's Browse limits are daily quotas, so it
    /// fails at once with [`EbayError::QuotaExhausted`]. A 401 discards the token, gets a new
    /// one and retries (once, or twice with a shared token cache: the first replacement may be
    /// another replica's token that is just as stale).
    /// Warnings eBay returns with a 200 are in [`SearchResponse::warnings`]; listings that could
    /// not be read are left out, logged, and listed in [`SearchResponse::skipped_items`].
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EbayError> {
        request.validate()?;
        let marketplace = self.marketplace(request.marketplace.as_deref());
        let query = request.query_pairs();
        let end_user_context = request.end_user_context();
        let reauthentications = AtomicU32::new(0);
        let response: SearchResponse = retrying(&self.inner.config.retry, "eBay search", || {
            self.get_with_token(
                &self.inner.search_url,
                &query,
                marketplace,
                end_user_context.as_deref(),
                &reauthentications,
            )
        })
        .await?;
        if !response.warnings.is_empty() {
            tracing::info!(
                search = %request,
                warnings = ?response.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "eBay returned warnings"
            );
        }
        if !response.skipped_items.is_empty() {
            tracing::warn!(
                search = %request,
                skipped = response.skipped_items.len(),
                items = ?response.skipped_items,
                "left out listings that could not be read"
            );
        }
        Ok(response)
    }

    /// Looks one listing up by its RESTful id (`v1|123456789012|0`, as in
    /// [`ItemSummary::item_id`]) with eBay's `getItem`.
    ///
    /// `Ok(None)` means eBay does not know the id (any more): the listing ended and was
    /// removed, or never existed. An ended listing eBay still knows comes back with its
    /// `item_end_date` in the past; see [`Item::is_available`]. Retries, 429 and 401 are
    /// handled as for [`EbayClient::search`].
    pub async fn get_item(
        &self,
        item_id: &str,
        marketplace: Option<&str>,
    ) -> Result<Option<Item>, EbayError> {
        self.get_item_delivered_to(item_id, marketplace, None).await
    }

    /// [`EbayClient::get_item`] for a buyer at `delivery` (sent as `X-EBAY-C-ENDUSERCTX`),
    /// so the listing's shipping options carry that buyer's costs, as a search with the
    /// same location does.
    pub async fn get_item_delivered_to(
        &self,
        item_id: &str,
        marketplace: Option<&str>,
        delivery: Option<&DeliveryLocation>,
    ) -> Result<Option<Item>, EbayError> {
        if let Some(delivery) = delivery {
            delivery.validate()?;
        }
        let end_user_context = delivery.map(DeliveryLocation::header_value);
        let item_id = item_id.trim();
        if item_id.is_empty() || item_id.chars().any(char::is_control) {
            return Err(EbayError::InvalidRequest(format!(
                "{item_id:?} is not an eBay item id"
            )));
        }
        let mut url = self.inner.item_url_prefix.clone();
        let path = format!("{}{}", url.path(), escape_path_segment(item_id));
        url.set_path(&path);
        let marketplace = self.marketplace(marketplace);
        let reauthentications = AtomicU32::new(0);
        let outcome = retrying(&self.inner.config.retry, "eBay getItem", || {
            self.get_with_token::<Item>(
                &url,
                &[],
                marketplace,
                end_user_context.as_deref(),
                &reauthentications,
            )
        })
        .await;
        match outcome {
            Ok(item) => Ok(Some(item)),
            Err(EbayError::Api { status, errors, .. })
                if status == 404 || errors.iter().any(|e| e.error_id == Some(ITEM_NOT_FOUND)) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Walks the result pages of `request` from its offset until `max_results` listings were
    /// returned, eBay stops offering a `next` page, or eBay's 10,000-result window ends.
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

    fn marketplace<'a>(&'a self, requested: Option<&'a str>) -> &'a str {
        requested.unwrap_or(&self.inner.config.marketplace)
    }

    /// One GET with the current token; a 401 re-authenticates and tries again straight away
    /// (not counted against the retry budget: it is a different failure mode).
    async fn get_with_token<T: DeserializeOwned>(
        &self,
        url: &Url,
        query: &[(&'static str, String)],
        marketplace: &str,
        end_user_context: Option<&str>,
        reauthentications: &AtomicU32,
    ) -> Result<T, EbayError> {
        // With a shared cache, the token a re-authentication picks up may be one another
        // replica stored that eBay rejects too (all tokens go stale together when eBay revokes
        // them or its clock jumps). Rejecting that one deletes it from the cache, so a second
        // re-authentication fetches a fresh token. Without one, a fresh token rejected again
        // is not a stale-token problem, and more token calls would only spend the daily quota.
        let limit = if self.inner.tokens.shared_key().is_some() {
            2
        } else {
            1
        };
        loop {
            let token = self.inner.tokens.access_token().await?;
            match self
                .send(url, query, marketplace, end_user_context, &token)
                .await
            {
                Err(error)
                    if error.status() == Some(401)
                        && reauthentications.load(Ordering::Relaxed) < limit =>
                {
                    tracing::info!("eBay rejected the access token; re-authenticating");
                    reauthentications.fetch_add(1, Ordering::Relaxed);
                    self.inner.tokens.invalidate(&token).await;
                }
                outcome => return outcome,
            }
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        url: &Url,
        query: &[(&'static str, String)],
        marketplace: &str,
        end_user_context: Option<&str>,
        token: &AccessToken,
    ) -> Result<T, EbayError> {
        let mut request = self
            .inner
            .http
            .get(url.clone())
            .query(query)
            .bearer_auth(token.secret())
            .header(MARKETPLACE_HEADER, marketplace)
            .header(ACCEPT, "application/json");
        if let Some(context) = end_user_context {
            request = request.header(END_USER_CONTEXT_HEADER, context);
        }
        let response = request
            .send()
            .await
            .map_err(|source| EbayError::Transport { source })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|source| EbayError::Transport { source })?;
        decode_response(status, &headers, &body)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so `v1|123|0` becomes
/// `v1%7C123%7C0` as in eBay's own `itemHref`.
fn escape_path_segment(segment: &str) -> String {
    let mut escaped = String::with_capacity(segment.len() + 8);
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("%{byte:02X}"));
        }
    }
    escaped
}

/// Turns a Browse API HTTP response into the typed body or the matching error.
pub(crate) fn decode_response<T: DeserializeOwned>(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, EbayError> {
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
        return serde_json::from_slice::<T>(body).map_err(|source| EbayError::Decode {
            status,
            source,
            snippet: snippet(body),
        });
    }
    let parsed = looks_like_json
        .then(|| serde_json::from_slice::<ApiErrorBody>(body).ok())
        .flatten();
    if status == 429 {
        return Err(EbayError::QuotaExhausted {
            errors: parsed.map(|p| p.errors).unwrap_or_default(),
        });
    }
    let retry_after = retry_after(headers);
    if let Some(parsed) = parsed {
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
///
/// Offsets are what eBay accepts: the request's own offset (0 or a multiple of its limit), then
/// steps of exactly `limit`. The page size never shrinks for the last page (an offset that is
/// not a multiple of the limit is a 400, errorId 12515); surplus listings are trimmed here
/// instead. Paging continues while eBay offers a `next` page: eBay says not to page by
/// `total`, which is an estimate.
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
    /// eBay's `total` from the last page (an estimate; not used for paging).
    pub total: u64,
    /// All warnings from all pages, without duplicates.
    pub warnings: Vec<ApiErrorDetail>,
    /// How many pages were fetched.
    pub pages: u32,
    /// Listings left out of their pages because they could not be read.
    pub skipped_items: Vec<SkippedItem>,
}

impl SearchPager {
    /// The next page, or `None` when the cap, eBay's last page or the result window is reached.
    pub async fn next_page(&mut self) -> Result<Option<SearchResponse>, EbayError> {
        let remaining = self.max_results.saturating_sub(self.returned);
        if self.done || remaining == 0 || self.next_offset >= MAX_RESULT_WINDOW {
            self.done = true;
            return Ok(None);
        }
        let limit = self.request.limit;
        let page_request = self.request.clone().with_offset(self.next_offset);
        let mut page = self.client.search(&page_request).await?;
        // Asked for a full page so the offset stays a multiple of the limit; keep only what
        // the cap allows (and never more than a page, whatever a server sends).
        page.item_summaries.truncate(remaining.min(limit) as usize);
        let count = u32::try_from(page.item_summaries.len()).unwrap_or(u32::MAX);
        self.returned = self.returned.saturating_add(count);
        self.next_offset = self.next_offset.saturating_add(limit);
        let received_nothing = page.item_summaries.is_empty() && page.skipped_items.is_empty();
        if page.next.is_none() || received_nothing {
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
            collected.skipped_items.extend(page.skipped_items);
        }
        Ok(collected)
    }
}
