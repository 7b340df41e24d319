//! Who is calling: sign-in links, sessions, API tokens, the CSRF check and login rate limits.

mod extractor;
mod rate_limit;
mod secret;

pub use extractor::{AuthMethod, CurrentUser, SESSION_COOKIE};
pub use rate_limit::RateLimiter;
pub use secret::{Secret, hash_token};
