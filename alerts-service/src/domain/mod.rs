//! Domain types that parse, not validate: once a value exists it is valid, so handlers and
//! workers never re-check it.

mod alert;
mod email_address;
mod filters;
mod frequency;
mod invalid;
pub mod iso_codes;
mod location;
mod money;
pub mod quiet_hours;
mod search_phrase;

pub use alert::{AlertChanges, AlertDraft, BuyingOptions, Condition, PriceFilter, Refinements};
pub use email_address::EmailAddress;
pub use filters::{
    ConditionGroup, Conditions, EndingWithin, ExcludeSellers, ExcludeWords, FeedbackPercent,
    MAX_EXCLUDE_SELLERS, MAX_EXCLUDE_WORD_CHARS, MAX_EXCLUDE_WORDS, NotifyOn, PriceBasis,
    WordMatcher, fold,
};
pub use frequency::Frequency;
pub use invalid::Invalid;
pub use location::{Country, PostalCode};
pub use money::{Currency, Price, format_money};
pub use quiet_hours::{Delivery, DigestHour, QuietHours, QuietHoursInvalid};
pub use search_phrase::SearchPhrase;
