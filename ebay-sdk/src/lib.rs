//! A typed client for eBay's Browse API `item_summary/search` and `item/{item_id}`
//! (`getItem`), with an OAuth client-credentials token provider (built on the `oauth2` crate)
//! that caches its token in process and, optionally, in Redis for all replicas, and with
//! retries of transient failures that honour `Retry-After`. A Browse 429 means eBay's daily
//! quota is used up; it is reported as [`EbayError::QuotaExhausted`], never retried.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ebay_sdk::EbayError> {
//! use ebay_sdk::{Condition, EbayClient, EbayConfig, Environment, SearchRequest, SortOrder};
//!
//! let config = EbayConfig::new(Environment::Sandbox, "my-app-id", "my-cert-id");
//! let client = EbayClient::new(config)?;
//! let page = client
//!     .search(
//!         &SearchRequest::new("lego 42100")
//!             .with_conditions([Condition::New])
//!             .with_sort(SortOrder::PriceAscending),
//!     )
//!     .await?;
//! for item in &page.item_summaries {
//!     println!("{} {:?}", item.title, item.price);
//! }
//! for warning in &page.warnings {
//!     eprintln!("eBay warning: {warning}");
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! * [`config`]: [`EbayConfig`] (environment, base URL, credentials, marketplace, timeouts),
//!   [`Environment`], and [`Secret`], whose `Debug` hides client secrets.
//! * [`search`]: [`SearchRequest`] and its filters; renders eBay's `filter` syntax
//!   (`conditionIds`, `excludeSellers`, ...) and the `X-EBAY-C-ENDUSERCTX` delivery location
//!   ([`DeliveryLocation`]); refuses an offset that is not 0 or a multiple of the limit, as
//!   eBay does.
//! * [`condition`]: eBay's documented condition ids and the five [`ConditionGroup`]s
//!   (new, open box, refurbished, used, for parts) they fall into ([`condition_group`]).
//! * [`model`]: the response DTOs ([`SearchResponse`], [`ItemSummary`], [`Item`], [`Amount`]
//!   with eBay's converted-from amount, ...), tolerant of absent and unknown fields; prices
//!   are exact decimals; a listing that cannot be read is skipped and counted
//!   ([`SkippedItem`]), never fails its page.
//! * [`token`]: [`TokenProvider`]: single-flight refresh, shared Redis cache and lock,
//!   invalidation after a 401.
//! * [`retry`]: [`RetryPolicy`]: exponential back-off with jitter, `Retry-After`, a total
//!   budget, and the one retry loop that searches, item look-ups and token calls share.
//! * [`client`]: [`EbayClient`] (search and `getItem` with retries and one
//!   re-authentication) and [`SearchPager`] (offsets in steps of `limit`, follows `next`).
//! * [`error`]: [`EbayError`], carrying the HTTP status and eBay's parsed `errors[]`.

pub mod client;
pub mod condition;
pub mod config;
pub mod error;
pub mod model;
pub mod retry;
pub mod search;
pub mod token;

pub use client::{CollectedResults, EbayClient, MARKETPLACE_HEADER, SearchPager};
pub use condition::{
    ConditionGroup, DOCUMENTED_CONDITION_IDS, condition_group, condition_name,
    is_documented_condition_id,
};
pub use config::{API_SCOPE, DEFAULT_MARKETPLACE, EbayConfig, Environment, Secret};
pub use error::{ApiErrorDetail, EbayError, ErrorParameter};
pub use model::{
    Amount, Category, EstimatedAvailability, Image, Item, ItemLocation, ItemSummary,
    MarketingPrice, SearchResponse, Seller, ShippingOption, SkippedItem,
};
pub use retry::RetryPolicy;
pub use search::{
    BuyingOption, Condition, DeliveryLocation, END_USER_CONTEXT_HEADER, MAX_CONDITION_IDS,
    MAX_EXCLUDED_SELLERS, MAX_LIMIT, MAX_RESULT_WINDOW, PriceRange, SearchRequest, SortOrder,
};
pub use token::{AccessToken, TokenProvider};
