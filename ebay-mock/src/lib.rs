//! A faithful local stand-in for eBay's OAuth token endpoint and Browse API search and
//! `getItem`, for development, tests and benchmarks.
//!
//! It issues application tokens through the client-credentials grant and only accepts those
//! tokens until they expire; each search phrase has a deterministic catalogue of listings whose
//! prices drift over time (a seeded random walk), with listings appearing and ending; it
//! honours `limit`, `offset`, `sort` and `filter` with the error ids, warnings and marketplaces
//! eBay's OpenAPI document lists (tests in `ebay-sdk/tests/contract/` validate every kind of
//! answer against that document), and can inject 429/5xx/latency.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ebay_mock::MockError> {
//! let mock = ebay_mock::MockServer::start(ebay_mock::MockConfig::for_tests())?;
//! println!("EBAY_BASE_URL={}", mock.base_url());
//! mock.stop().await;
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! | method and path | does |
//! |---|---|
//! | `POST /identity/v1/oauth2/token` | client-credentials grant (Basic auth, form body) |
//! | `GET /buy/browse/v1/item_summary/search` | search; headers `Authorization: Bearer`, `X-EBAY-C-MARKETPLACE-ID` (any Browse marketplace; unknown values fall back to `EBAY_US`, other eBay marketplaces get 409), optional `X-Mock-Time` (RFC 3339) and `X-Mock-Fault` (`429`, `500`, `latency=MS`, `retry-after=S`) |
//! | `GET /buy/browse/v1/item/{item_id}` | getItem of a listing a search has shown, priced at the request's time; 404 (11001) once it has ended or for an id never shown; same headers |
//! | `GET /` | health |
//! | `GET`/`POST /mock/clock` | read, advance (`{"advance_secs": N}`), set (`{"now": …}`) or reset (`{"reset": true}`) the clock |
//! | `GET`/`POST /mock/faults` | read or change fault rates and latency; queue faults for the next searches (`{"queue": ["429"]}`) |
//! | `GET /mock/stats`, `DELETE /mock/stats` (or `POST /mock/stats/reset`) | counters by endpoint and status |
//! | `POST /mock/tokens/revoke` (or `DELETE /mock/tokens`) | forget every issued token |
//!
//! # Layout
//!
//! * [`config`]: [`MockConfig`] and [`FaultSettings`].
//! * [`server`]: [`MockServer`], which binds its own listener (port 0 in tests).
//! * [`routes`]: the HTTP handlers: `token`, `search`, `item` (getItem), `control`, and
//!   `browse`, what the two Browse endpoints share (marketplaces, faults, JSON shapes).
//! * [`catalogue`]: the deterministic listings of a query and their prices at a given time,
//!   categories, markdowns, and conversion from a foreign seller's currency on `EBAY_US`.
//! * [`filter`]: eBay's `filter` syntax, parsed and applied.
//! * [`state`]: tokens, clock, faults, counters, and where each listing shown lives (for
//!   getItem), shared by the workers.
//! * [`ebay_error`]: eBay's error and warning shapes.
//! * [`hash`]: stable hashing (FNV-1a, SplitMix64) that seeds everything.

pub mod catalogue;
pub mod config;
pub mod ebay_error;
pub mod filter;
pub mod hash;
pub mod routes;
pub mod server;
pub mod state;

pub use config::{DEFAULT_LISTEN, FaultSettings, MockConfig};
pub use server::{MockError, MockServer};
pub use state::{FaultPlan, MockState, StatsSnapshot};
