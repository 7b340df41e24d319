//! A typed client for eBay's Browse API `item_summary/search`, with an OAuth
//! client-credentials token provider (built on the `oauth2` crate) that caches its token in
//! process and, optionally, in Redis for all replicas, and with retries that honour
//! `Retry-After`.
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
//! * [`search`]: [`SearchRequest`] and its filters; renders eBay's `filter` syntax.
//! * [`model`]: the response DTOs ([`SearchResponse`], [`ItemSummary`], [`Amount`], ...),
//!   tolerant of absent and unknown fields; prices are exact decimals.
//! * [`token`]: [`TokenProvider`]: single-flight refresh, shared Redis cache and lock,
//!   invalidation after a 401.
//! * [`retry`]: [`RetryPolicy`]: exponential back-off with jitter, `Retry-After`, a total budget.
//! * [`client`]: [`EbayClient`] (search with retries and one re-authentication) and
//!   [`SearchPager`].
//! * [`error`]: [`EbayError`], carrying the HTTP status and eBay's parsed `errors[]`.

pub mod client;
pub mod config;
pub mod error;
pub mod model;
pub mod retry;
pub mod search;
pub mod token;

pub use client::{CollectedResults, EbayClient, MARKETPLACE_HEADER, SearchPager};
pub use config::{API_SCOPE, DEFAULT_MARKETPLACE, EbayConfig, Environment, Secret};
pub use error::{ApiErrorDetail, EbayError, ErrorParameter};
pub use model::{Amount, Image, ItemLocation, ItemSummary, SearchResponse, Seller, ShippingOption};
pub use retry::RetryPolicy;
pub use search::{
    BuyingOption, Condition, MAX_LIMIT, MAX_RESULT_WINDOW, PriceRange, SearchRequest, SortOrder,
};
pub use token::{AccessToken, TokenProvider};
