//! Who is calling: sign-in links, sessions, API tokens, the CSRF check and login rate limits.
//! The accounts behind them are stored by [`crate::accounts`].

pub mod credentials;
mod extractor;
/// Login rate limits, kept in Redis so replicas share them.
pub mod rate_limit;
mod secret;

pub use extractor::{AuthMethod, CurrentUser, SESSION_COOKIE};
pub use rate_limit::RateLimiter;
pub use secret::{Secret, hash_token};
