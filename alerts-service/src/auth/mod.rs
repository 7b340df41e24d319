//! Who is calling: sign-in links, sessions, API tokens, the CSRF check and login rate limits.
//! The accounts behind them are stored by [`crate::accounts`].

pub mod credentials;
mod extractor;
/// Login and Run-now rate limits, kept in Redis so replicas share them.
pub mod rate_limit;
mod return_to;
mod secret;

pub use extractor::{AuthMethod, CurrentUser, SESSION_COOKIE};
pub use rate_limit::RateLimiter;
pub use return_to::same_origin_path;
pub use secret::{Secret, hash_token};
