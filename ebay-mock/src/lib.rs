//! A faithful local stand-in for eBay's OAuth token endpoint and Browse API search and
//! `getItem`, for development, tests and benchmarks.
//!
//! It sells like eBay: listings carry eBay's condition ids (for-parts units and lots included,
//! at the shares eBay shows for a used-goods search), free, flat-rate and calculated shipping
//! whose cost depends on where the buyer is (`X-EBAY-C-ENDUSERCTX`), auctions whose bids start
//! low and rise towards the end, and sellers with eBay-like feedback.
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
//! | `GET /buy/browse/v1/item_summary/search` | search; headers `Authorization: Bearer`, `X-EBAY-C-MARKETPLACE-ID` (any Browse marketplace; unknown values fall back to `EBAY_US`, other eBay marketplaces get 409), optional `X-EBAY-C-ENDUSERCTX` (`contextualLocation=country%3DUS%2Czip%3D19406`: shipping costs for that buyer), optional `X-Mock-Time` (RFC 3339) and `X-Mock-Fault` (`429`, `500`, `latency=MS`, `retry-after=S`) |
//! | `GET /buy/browse/v1/item/{item_id}` | getItem of a listing a search has shown, priced at the request's time; 404 (11001) once it has ended or for an id never shown; same headers |
//! | `GET /` | health |
//! | `GET`/`POST /mock/clock` | read, advance (`{"advance_secs": N}`), set (`{"now": …}`) or reset (`{"reset": true}`) the clock; in test mode (`EBAY_MOCK_TEST_MODE`, [`MockConfig::for_tests`]) also freeze it (`{"freeze": true}`, with `now` or `advance_secs` if wanted) so a simulation moves time alone |
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
//! * [`product`]: what a phrase sells (kind, new price, category) and how its listings split
//!   by condition, into lots and bundles; real price levels for the demo's phrases.
//! * [`condition`]: eBay's condition ids: names, groups, price levels.
//! * [`shipping`]: free, flat and calculated shipping, the buyer's location from
//!   `X-EBAY-C-ENDUSERCTX`, and the cost and delivery window for that buyer.
//! * [`filter`]: eBay's `filter` syntax (`price`, `conditions`, `conditionIds`,
//!   `buyingOptions`, `sellers`, `excludeSellers`), parsed and applied.
//! * [`state`]: tokens, clock, faults, counters, and where each listing shown lives (for
//!   getItem), shared by the workers.
//! * [`ebay_error`]: eBay's error and warning shapes.
//! * [`hash`]: stable hashing (FNV-1a, SplitMix64) that seeds everything.

pub mod catalogue;
pub mod condition;
pub mod config;
pub mod ebay_error;
pub mod filter;
pub mod hash;
pub mod product;
pub mod routes;
pub mod server;
pub mod shipping;
pub mod state;

pub use config::{DEFAULT_LISTEN, FaultSettings, MockConfig};
pub use server::{MockError, MockServer};
pub use state::{FaultPlan, MockState, StatsSnapshot};
