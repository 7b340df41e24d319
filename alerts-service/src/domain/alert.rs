//! Parsing alert create and update bodies into valid drafts, reporting every bad field at once.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{Currency, Frequency, Invalid, Price, SearchPhrase};
use crate::error::{ApiError, FieldError};

/// Listing condition filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Any condition.
    #[default]
    Any,
    /// New only.
    New,
    /// Used only.
    Used,
}

/// Buying option filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum BuyingOptions {
    /// Buy It Now only — eBay's own default when no filter is given.
    #[default]
    FixedPrice,
    /// Auctions only.
    Auction,
    /// Both.
    Any,
}

impl Condition {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::New => "new",
            Self::Used => "used",
        }
    }

    /// Parses the stored/wire name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "any" => Ok(Self::Any),
            "new" => Ok(Self::New),
            "used" => Ok(Self::Used),
            _ => Err(Invalid::NotOneOf("any, new, used")),
        }
    }
}

impl BuyingOptions {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FixedPrice => "fixed_price",
            Self::Auction => "auction",
            Self::Any => "any",
        }
    }

    /// Parses the stored/wire name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "fixed_price" => Ok(Self::FixedPrice),
            "auction" => Ok(Self::Auction),
            "any" => Ok(Self::Any),
            _ => Err(Invalid::NotOneOf("fixed_price, auction, any")),
        }
    }
}

impl From<Condition> for pubsub::ConditionFilter {
    fn from(c: Condition) -> Self {
        match c {
            Condition::Any => Self::Any,
            Condition::New => Self::New,
            Condition::Used => Self::Used,
        }
    }
}

impl From<BuyingOptions> for pubsub::BuyingOptionsFilter {
    fn from(b: BuyingOptions) -> Self {
        match b {
            BuyingOptions::FixedPrice => Self::FixedPrice,
            BuyingOptions::Auction => Self::Auction,
            BuyingOptions::Any => Self::Any,
        }
    }
}

/// The price part of an alert: range and target, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriceFilter {
    /// Lower bound.
    pub min_price: Option<Price>,
    /// Upper bound.
    pub max_price: Option<Price>,
    /// Notify when a listing is at or under this.
    pub target_price: Option<Price>,
    /// Currency of all three.
    pub currency: Currency,
}

/// A valid new alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    /// What to search.
    pub search_phrase: SearchPhrase,
    /// How often.
    pub frequency: Frequency,
    /// Prices.
    pub prices: PriceFilter,
    /// Condition filter.
    pub condition: Condition,
    /// Buying option filter.
    pub buying_options: BuyingOptions,
    /// Created paused?
    pub paused: bool,
}

/// A valid partial update: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertChanges {
    /// New phrase.
    pub search_phrase: Option<SearchPhrase>,
    /// New frequency.
    pub frequency: Option<Frequency>,
    /// New lower bound (or clear it).
    pub min_price: Option<Option<Price>>,
    /// New upper bound (or clear it).
    pub max_price: Option<Option<Price>>,
    /// New target (or clear it).
    pub target_price: Option<Option<Price>>,
    /// New currency.
    pub currency: Option<Currency>,
    /// New condition filter.
    pub condition: Option<Condition>,
    /// New buying option filter.
    pub buying_options: Option<BuyingOptions>,
    /// Pause or resume.
    pub paused: Option<bool>,
}

const FIELDS: [&str; 9] = [
    "search_phrase",
    "frequency_minutes",
    "min_price",
    "max_price",
    "target_price",
    "currency",
    "condition",
    "buying_options",
    "paused",
];

/// Reads fields out of a JSON object, collecting one error per bad field.
struct Reader<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn new(body: &'a Value) -> Result<Self, ApiError> {
        let object = body.as_object().ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("body", "must be a JSON object")])
        })?;
        let mut errors = Vec::new();
        for key in object.keys() {
            if !FIELDS.contains(&key.as_str()) {
                errors.push(FieldError::new(
                    key,
                    format!("is not a field of an alert (fields: {})", FIELDS.join(", ")),
                ));
            }
        }
        Ok(Self { object, errors })
    }

    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// `None` when absent; `Some(None)` when null.
    fn raw(&self, field: &str) -> Option<Option<&'a Value>> {
        self.object
            .get(field)
            .map(|v| if v.is_null() { None } else { Some(v) })
    }

    fn string<T>(
        &mut self,
        field: &str,
        parse: impl Fn(&str) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        let value = self.raw(field)?;
        let Some(value) = value else {
            return Some(None);
        };
        match value.as_str() {
            Some(text) => match parse(text) {
                Ok(parsed) => Some(Some(parsed)),
                Err(reason) => {
                    self.fail(field, reason.to_string());
                    None
                }
            },
            None => {
                self.fail(field, "must be a string");
                None
            }
        }
    }

    fn frequency(&mut self) -> Option<Option<Frequency>> {
        let value = self.raw("frequency_minutes")?;
        let Some(value) = value else {
            return Some(None);
        };
        match value.as_i64().map(Frequency::parse) {
            Some(Ok(f)) => Some(Some(f)),
            Some(Err(reason)) => {
                self.fail("frequency_minutes", reason.to_string());
                None
            }
            None => {
                self.fail("frequency_minutes", "must be one of 2, 10, 30, 60, 1440");
                None
            }
        }
    }

    fn price(&mut self, field: &str) -> Option<Option<Price>> {
        let value = self.raw(field)?;
        let Some(value) = value else {
            return Some(None);
        };
        match Price::parse_json(value) {
            Ok(p) => Some(Some(p)),
            Err(reason) => {
                self.fail(field, reason.to_string());
                None
            }
        }
    }

    fn boolean(&mut self, field: &str) -> Option<Option<bool>> {
        let value = self.raw(field)?;
        let Some(value) = value else {
            return Some(None);
        };
        match value.as_bool() {
            Some(b) => Some(Some(b)),
            None => {
                self.fail(field, "must be true or false");
                None
            }
        }
    }

    /// A non-nullable field given as null.
    fn not_null<T>(&mut self, field: &str, value: Option<Option<T>>) -> Option<T> {
        match value {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.fail(field, "must not be null");
                None
            }
            None => None,
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

impl AlertChanges {
    /// Parses a PATCH body.
    pub fn parse(body: &Value) -> Result<Self, ApiError> {
        let mut r = Reader::new(body)?;
        let search_phrase = r.string("search_phrase", SearchPhrase::parse);
        let search_phrase = r.not_null("search_phrase", search_phrase);
        let frequency = r.frequency();
        let frequency = r.not_null("frequency_minutes", frequency);
        let currency = r.string("currency", Currency::parse);
        let currency = r.not_null("currency", currency);
        let condition = r.string("condition", Condition::parse);
        let condition = r.not_null("condition", condition);
        let buying_options = r.string("buying_options", BuyingOptions::parse);
        let buying_options = r.not_null("buying_options", buying_options);
        let paused = r.boolean("paused");
        let paused = r.not_null("paused", paused);
        let changes = Self {
            search_phrase,
            frequency,
            min_price: r.price("min_price"),
            max_price: r.price("max_price"),
            target_price: r.price("target_price"),
            currency,
            condition,
            buying_options,
            paused,
        };
        if r.object.is_empty() {
            r.fail("body", "send at least one field to change");
        }
        r.finish()?;
        Ok(changes)
    }

    /// Applies the changes to a current state and checks the rules that span fields.
    pub fn apply_to(&self, current: &AlertDraft) -> Result<AlertDraft, ApiError> {
        let mut next = current.clone();
        if let Some(p) = &self.search_phrase {
            next.search_phrase = p.clone();
        }
        if let Some(f) = self.frequency {
            next.frequency = f;
        }
        if let Some(v) = self.min_price {
            next.prices.min_price = v;
        }
        if let Some(v) = self.max_price {
            next.prices.max_price = v;
        }
        if let Some(v) = self.target_price {
            next.prices.target_price = v;
        }
        if let Some(c) = &self.currency {
            next.prices.currency = c.clone();
        }
        if let Some(c) = self.condition {
            next.condition = c;
        }
        if let Some(b) = self.buying_options {
            next.buying_options = b;
        }
        if let Some(p) = self.paused {
            next.paused = p;
        }
        next.check_range()?;
        Ok(next)
    }
}

impl AlertDraft {
    /// Parses a POST body.
    pub fn parse(body: &Value) -> Result<Self, ApiError> {
        let mut r = Reader::new(body)?;
        let search_phrase = r.string("search_phrase", SearchPhrase::parse);
        let frequency = r.frequency();
        let min_price = r.price("min_price").flatten();
        let max_price = r.price("max_price").flatten();
        let target_price = r.price("target_price").flatten();
        let currency = r
            .string("currency", Currency::parse)
            .flatten()
            .unwrap_or_default();
        let condition = r
            .string("condition", Condition::parse)
            .flatten()
            .unwrap_or_default();
        let buying_options = r
            .string("buying_options", BuyingOptions::parse)
            .flatten()
            .unwrap_or_default();
        let paused = r.boolean("paused").flatten().unwrap_or(false);
        let search_phrase = match search_phrase {
            Some(Some(p)) => Some(p),
            Some(None) | None if !r.errors.iter().any(|e| e.field == "search_phrase") => {
                r.fail("search_phrase", "is required");
                None
            }
            _ => None,
        };
        let frequency = match frequency {
            Some(Some(f)) => Some(f),
            Some(None) | None if !r.errors.iter().any(|e| e.field == "frequency_minutes") => {
                r.fail(
                    "frequency_minutes",
                    "is required (one of 2, 10, 30, 60, 1440)",
                );
                None
            }
            _ => None,
        };
        r.finish()?;
        let (Some(search_phrase), Some(frequency)) = (search_phrase, frequency) else {
            return Err(ApiError::internal(
                "alert draft parsed without required fields",
            ));
        };
        let draft = Self {
            search_phrase,
            frequency,
            prices: PriceFilter {
                min_price,
                max_price,
                target_price,
                currency,
            },
            condition,
            buying_options,
            paused,
        };
        draft.check_range()?;
        Ok(draft)
    }

    fn check_range(&self) -> Result<(), ApiError> {
        if let (Some(min), Some(max)) = (self.prices.min_price, self.prices.max_price)
            && min > max
        {
            return Err(ApiError::validation(vec![FieldError::new(
                "min_price",
                "must not be greater than max_price",
            )]));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(error: ApiError) -> Vec<String> {
        error
            .details()
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect()
    }

    #[test]
    fn a_minimal_body_gets_the_defaults() {
        let draft =
            AlertDraft::parse(&json!({"search_phrase": " lego 42100 ", "frequency_minutes": 10}))
                .unwrap();
        assert_eq!(draft.search_phrase.as_str(), "lego 42100");
        assert_eq!(draft.frequency.minutes(), 10);
        assert_eq!(draft.prices.currency.as_str(), "USD");
        assert_eq!(draft.condition, Condition::Any);
        assert_eq!(draft.buying_options, BuyingOptions::FixedPrice);
        assert!(!draft.paused);
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let error = AlertDraft::parse(&json!({
            "search_phrase": "", "frequency_minutes": 5, "min_price": "-3", "currency": "dollars",
            "condition": "mint", "buying_options": 7, "paused": "yes", "colour": "red"
        }))
        .unwrap_err();
        let fields = fields(error);
        for field in [
            "search_phrase",
            "frequency_minutes",
            "min_price",
            "currency",
            "condition",
            "buying_options",
            "paused",
            "colour",
        ] {
            assert!(
                fields.iter().any(|f| f.starts_with(&format!("{field}:"))),
                "{field} missing in {fields:?}"
            );
        }
    }

    #[test]
    fn invalid_create_bodies_name_the_field_and_the_rule() {
        let cases = [
            (
                json!({"frequency_minutes": 10}),
                "search_phrase: is required",
            ),
            (
                json!({"search_phrase": "x"}),
                "frequency_minutes: is required",
            ),
            (
                json!({"search_phrase": "x", "frequency_minutes": "10"}),
                "frequency_minutes: must be one of",
            ),
            (
                json!({"search_phrase": "x", "frequency_minutes": 10.5}),
                "frequency_minutes: must be one of",
            ),
            (
                json!({"search_phrase": "x", "frequency_minutes": 10, "min_price": "50", "max_price": "10"}),
                "min_price: must not be greater than max_price",
            ),
            (
                json!({"search_phrase": "a\nb", "frequency_minutes": 10}),
                "search_phrase: must not contain control characters",
            ),
            (
                json!({"search_phrase": null, "frequency_minutes": 10}),
                "search_phrase: is required",
            ),
            (json!([1, 2]), "body: must be a JSON object"),
        ];
        for (body, expected) in cases {
            let found = fields(AlertDraft::parse(&body).unwrap_err());
            assert!(
                found.iter().any(|f| f.starts_with(expected)),
                "{body}: {found:?}"
            );
        }
    }

    #[test]
    fn a_patch_can_clear_optional_fields_but_not_required_ones() {
        let current = AlertDraft::parse(
            &json!({"search_phrase": "x", "frequency_minutes": 10, "min_price": "5"}),
        )
        .unwrap();
        let changes = AlertChanges::parse(&json!({"min_price": null, "paused": true})).unwrap();
        let next = changes.apply_to(&current).unwrap();
        assert_eq!(next.prices.min_price, None);
        assert!(next.paused);

        let error =
            AlertChanges::parse(&json!({"search_phrase": null, "paused": null})).unwrap_err();
        assert_eq!(
            fields(error),
            vec![
                "search_phrase: must not be null",
                "paused: must not be null"
            ]
        );
        assert!(
            AlertChanges::parse(&json!({})).is_err(),
            "an empty patch changes nothing"
        );
    }

    #[test]
    fn a_patch_is_checked_against_the_current_range() {
        let current = AlertDraft::parse(
            &json!({"search_phrase": "x", "frequency_minutes": 10, "max_price": "20"}),
        )
        .unwrap();
        let changes = AlertChanges::parse(&json!({"min_price": "30"})).unwrap();
        assert!(changes.apply_to(&current).is_err());
    }
}
