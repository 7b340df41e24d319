//! Domain types that parse, not validate: once a value exists it is valid, so handlers and
//! workers never re-check it.

mod alert;
mod email_address;
mod frequency;
mod invalid;
mod money;
mod search_phrase;

pub use alert::{AlertChanges, AlertDraft, BuyingOptions, Condition, PriceFilter};
pub use email_address::EmailAddress;
pub use frequency::Frequency;
pub use invalid::Invalid;
pub use money::{Currency, Price};
pub use search_phrase::SearchPhrase;
