//! Parsing alert create and update bodies into valid drafts, reporting every bad field at once.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{
    Conditions, Currency, Delivery, DigestHour, EndingWithin, ExcludeSellers, ExcludeWords,
    FeedbackPercent, Frequency, Invalid, NotifyOn, Price, PriceBasis, SearchPhrase,
};
use crate::error::{ApiError, FieldError};

/// The old single condition filter (still accepted; [`Conditions`] is what an alert keeps).
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
    /// Condition groups wanted.
    pub conditions: Conditions,
    /// Buying option filter.
    pub buying_options: BuyingOptions,
    /// The precise part: exclusions, price basis, auctions ending soon, what to notify on.
    pub refinements: Refinements,
    /// Created paused?
    pub paused: bool,
    /// Whether alert emails are sent (off after an unsubscribe from them).
    pub alert_emails: bool,
    /// Whether insight emails are sent (off after an unsubscribe from them).
    pub insight_emails: bool,
    /// Immediate notifications or a daily digest.
    pub delivery: Delivery,
    /// When a digest alert's daily message goes out (the owner's time zone).
    pub digest_hour: DigestHour,
}

/// The filters that make an alert precise, beyond phrase, prices, conditions and format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refinements {
    /// Titles with one of these words or phrases are dropped.
    pub exclude_words: ExcludeWords,
    /// Listings of these sellers are dropped.
    pub exclude_sellers: ExcludeSellers,
    /// Sellers below this positive feedback are dropped.
    pub min_seller_feedback_percent: Option<FeedbackPercent>,
    /// What the prices are compared with.
    pub price_basis: PriceBasis,
    /// Report auctions ending within this many hours.
    pub ending_within_hours: Option<EndingWithin>,
    /// What is worth a notification.
    pub notify_on: NotifyOn,
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
    /// New condition groups (also from the old `condition`).
    pub conditions: Option<Conditions>,
    /// New buying option filter.
    pub buying_options: Option<BuyingOptions>,
    /// New excluded words.
    pub exclude_words: Option<ExcludeWords>,
    /// New excluded sellers.
    pub exclude_sellers: Option<ExcludeSellers>,
    /// New feedback floor (or clear it).
    pub min_seller_feedback_percent: Option<Option<FeedbackPercent>>,
    /// New price basis.
    pub price_basis: Option<PriceBasis>,
    /// New ending-soon window (or clear it).
    pub ending_within_hours: Option<Option<EndingWithin>>,
    /// New notification rule.
    pub notify_on: Option<NotifyOn>,
    /// Pause or resume.
    pub paused: Option<bool>,
    /// Alert emails on or off.
    pub alert_emails: Option<bool>,
    /// Insight emails on or off.
    pub insight_emails: Option<bool>,
    /// New delivery.
    pub delivery: Option<Delivery>,
    /// New digest hour.
    pub digest_hour: Option<DigestHour>,
}

const FIELDS: [&str; 20] = [
    "search_phrase",
    "frequency_minutes",
    "min_price",
    "max_price",
    "target_price",
    "currency",
    "condition",
    "conditions",
    "buying_options",
    "exclude_words",
    "exclude_sellers",
    "min_seller_feedback_percent",
    "price_basis",
    "ending_within_hours",
    "notify_on",
    "paused",
    "alert_emails",
    "insight_emails",
    "delivery",
    "digest_hour",
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

    /// A field parsed from its JSON value (lists, numbers).
    fn json<T>(
        &mut self,
        field: &str,
        parse: impl Fn(&Value) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        let value = self.raw(field)?;
        let Some(value) = value else {
            return Some(None);
        };
        match parse(value) {
            Ok(parsed) => Some(Some(parsed)),
            Err(reason) => {
                self.fail(field, reason.to_string());
                None
            }
        }
    }

    fn hours(&mut self, field: &str) -> Option<Option<EndingWithin>> {
        self.json(field, |v| {
            v.as_i64()
                .ok_or(Invalid::NotHoursWithin)
                .and_then(EndingWithin::parse)
        })
    }

    /// `conditions`, or the old `condition` mapped onto it; both at once is ambiguous.
    fn conditions(&mut self) -> Option<Option<Conditions>> {
        let groups = self.json("conditions", Conditions::parse_json);
        let legacy = self.string("condition", Condition::parse);
        if self.raw("conditions").is_some() && self.raw("condition").is_some() {
            self.fail(
                "condition",
                "send either condition (the old field) or conditions, not both",
            );
            return None;
        }
        match (groups, legacy) {
            (Some(g), _) => Some(g),
            (None, Some(c)) => Some(c.map(Conditions::from_legacy)),
            (None, None) => None,
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
        let conditions = r.conditions();
        let field = if r.raw("conditions").is_some() {
            "conditions"
        } else {
            "condition"
        };
        let conditions = r.not_null(field, conditions);
        let buying_options = r.string("buying_options", BuyingOptions::parse);
        let buying_options = r.not_null("buying_options", buying_options);
        // An empty list is how a client clears exclusions; null is taken the same way.
        let exclude_words = r
            .json("exclude_words", ExcludeWords::parse_json)
            .map(Option::unwrap_or_default);
        let exclude_sellers = r
            .json("exclude_sellers", ExcludeSellers::parse_json)
            .map(Option::unwrap_or_default);
        let min_seller_feedback_percent =
            r.json("min_seller_feedback_percent", FeedbackPercent::parse_json);
        let price_basis = r.string("price_basis", PriceBasis::parse);
        let price_basis = r.not_null("price_basis", price_basis);
        let ending_within_hours = r.hours("ending_within_hours");
        let notify_on = r.string("notify_on", NotifyOn::parse);
        let notify_on = r.not_null("notify_on", notify_on);
        let paused = r.boolean("paused");
        let paused = r.not_null("paused", paused);
        let alert_emails = r.boolean("alert_emails");
        let alert_emails = r.not_null("alert_emails", alert_emails);
        let insight_emails = r.boolean("insight_emails");
        let insight_emails = r.not_null("insight_emails", insight_emails);
        let delivery = r.string("delivery", Delivery::parse);
        let delivery = r.not_null("delivery", delivery);
        let digest_hour = r.json("digest_hour", DigestHour::parse_json);
        let digest_hour = r.not_null("digest_hour", digest_hour);
        let changes = Self {
            search_phrase,
            frequency,
            min_price: r.price("min_price"),
            max_price: r.price("max_price"),
            target_price: r.price("target_price"),
            currency,
            conditions,
            buying_options,
            exclude_words,
            exclude_sellers,
            min_seller_feedback_percent,
            price_basis,
            ending_within_hours,
            notify_on,
            paused,
            alert_emails,
            insight_emails,
            delivery,
            digest_hour,
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
        if let Some(c) = &self.conditions {
            next.conditions = c.clone();
        }
        if let Some(b) = self.buying_options {
            next.buying_options = b;
        }
        let refine = &mut next.refinements;
        if let Some(w) = &self.exclude_words {
            refine.exclude_words = w.clone();
        }
        if let Some(s) = &self.exclude_sellers {
            refine.exclude_sellers = s.clone();
        }
        if let Some(f) = self.min_seller_feedback_percent {
            refine.min_seller_feedback_percent = f;
        }
        if let Some(b) = self.price_basis {
            refine.price_basis = b;
        }
        if let Some(h) = self.ending_within_hours {
            refine.ending_within_hours = h;
        }
        if let Some(n) = self.notify_on {
            refine.notify_on = n;
        }
        if let Some(p) = self.paused {
            next.paused = p;
        }
        if let Some(e) = self.alert_emails {
            next.alert_emails = e;
        }
        if let Some(e) = self.insight_emails {
            next.insight_emails = e;
        }
        if let Some(d) = self.delivery {
            next.delivery = d;
        }
        if let Some(h) = self.digest_hour {
            next.digest_hour = h;
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
        let conditions = r.conditions().flatten().unwrap_or_default();
        let buying_options = r
            .string("buying_options", BuyingOptions::parse)
            .flatten()
            .unwrap_or_default();
        let refinements = Refinements {
            exclude_words: r
                .json("exclude_words", ExcludeWords::parse_json)
                .flatten()
                .unwrap_or_default(),
            exclude_sellers: r
                .json("exclude_sellers", ExcludeSellers::parse_json)
                .flatten()
                .unwrap_or_default(),
            min_seller_feedback_percent: r
                .json("min_seller_feedback_percent", FeedbackPercent::parse_json)
                .flatten(),
            price_basis: r
                .string("price_basis", PriceBasis::parse)
                .flatten()
                .unwrap_or_default(),
            ending_within_hours: r.hours("ending_within_hours").flatten(),
            notify_on: r
                .string("notify_on", NotifyOn::parse)
                .flatten()
                .unwrap_or_default(),
        };
        let paused = r.boolean("paused").flatten().unwrap_or(false);
        let alert_emails = r.boolean("alert_emails").flatten().unwrap_or(true);
        let insight_emails = r.boolean("insight_emails").flatten().unwrap_or(true);
        let delivery = r
            .string("delivery", Delivery::parse)
            .flatten()
            .unwrap_or_default();
        let digest_hour = r
            .json("digest_hour", DigestHour::parse_json)
            .flatten()
            .unwrap_or(DigestHour::DEFAULT);
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
            conditions,
            buying_options,
            refinements,
            paused,
            alert_emails,
            insight_emails,
            delivery,
            digest_hour,
        };
        draft.check_range()?;
        Ok(draft)
    }

    /// The rules that span fields, each reported on the field a person would change.
    fn check_range(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if let (Some(min), Some(max)) = (self.prices.min_price, self.prices.max_price)
            && min > max
        {
            errors.push(FieldError::new(
                "min_price",
                "must not be greater than max_price",
            ));
        }
        if let (Some(target), Some(max)) = (self.prices.target_price, self.prices.max_price)
            && target > max
        {
            // Nothing above max_price is ever found, so such a target could never be hit.
            errors.push(FieldError::new(
                "target_price",
                "must not be greater than max_price (nothing above max_price is searched)",
            ));
        }
        if self.refinements.ending_within_hours.is_some()
            && self.buying_options == BuyingOptions::FixedPrice
        {
            errors.push(FieldError::new(
                "ending_within_hours",
                "needs buying_options auction or any (only auctions end)",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(errors))
        }
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
        assert_eq!(draft.conditions, Conditions::default());
        assert_eq!(draft.refinements, Refinements::default());
        assert!(draft.alert_emails && draft.insight_emails);
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

    #[test]
    fn every_new_field_rejects_bad_values_with_its_name() {
        let base = json!({"search_phrase": "switch oled", "frequency_minutes": 10});
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (
                json!({"conditions": []}),
                "conditions: must name at least one",
            ),
            (json!({"conditions": "used"}), "conditions: must be a list"),
            (
                json!({"conditions": ["mint"]}),
                "conditions: must be one of new, open_box",
            ),
            (json!({"conditions": [1]}), "conditions: must be one of"),
            (
                json!({"condition": "new", "conditions": ["new"]}),
                "condition: send either",
            ),
            (
                json!({"exclude_words": "lot"}),
                "exclude_words: must be a list",
            ),
            (
                json!({"exclude_words": [""]}),
                "exclude_words: must not contain empty",
            ),
            (
                json!({"exclude_words": ["x".repeat(51)]}),
                "exclude_words: entries must be at most 50",
            ),
            (
                json!({"exclude_words": vec!["w"; 21]}),
                "exclude_words: must have at most 20",
            ),
            (
                json!({"exclude_words": ["a\nb"]}),
                "exclude_words: must not contain control",
            ),
            (
                json!({"exclude_sellers": ["two words"]}),
                "exclude_sellers: must be eBay user names",
            ),
            (
                json!({"exclude_sellers": vec!["s"; 51]}),
                "exclude_sellers: must have at most 50",
            ),
            (
                json!({"exclude_sellers": [7]}),
                "exclude_sellers: must be a list of strings",
            ),
            (
                json!({"min_seller_feedback_percent": 101}),
                "min_seller_feedback_percent: must be a number from 0 to 100",
            ),
            (
                json!({"min_seller_feedback_percent": -5}),
                "min_seller_feedback_percent: must be a number",
            ),
            (
                json!({"min_seller_feedback_percent": "high"}),
                "min_seller_feedback_percent: must be a number",
            ),
            (
                json!({"price_basis": "total"}),
                "price_basis: must be one of with_shipping, item",
            ),
            (
                json!({"delivery": "hourly"}),
                "delivery: must be one of immediate, digest",
            ),
            (
                json!({"digest_hour": 24}),
                "digest_hour: must be a whole hour from 0 to 23",
            ),
            (
                json!({"digest_hour": "8"}),
                "digest_hour: must be a whole hour from 0 to 23",
            ),
            (
                json!({"ending_within_hours": 0, "buying_options": "auction"}),
                "ending_within_hours: must be a whole number of hours from 1 to 72",
            ),
            (
                json!({"ending_within_hours": 73, "buying_options": "any"}),
                "ending_within_hours: must be a whole number",
            ),
            (
                json!({"ending_within_hours": 1.5, "buying_options": "any"}),
                "ending_within_hours: must be a whole number",
            ),
            (
                json!({"ending_within_hours": 6}),
                "ending_within_hours: needs buying_options auction or any",
            ),
            (
                json!({"notify_on": "everything"}),
                "notify_on: must be one of new_listings, deals_only",
            ),
            (
                json!({"currency": "XYZ"}),
                "currency: is not an ISO 4217 currency code",
            ),
            (
                json!({"max_price": "100", "target_price": "120"}),
                "target_price: must not be greater than max_price",
            ),
            (
                json!({"alert_emails": "no"}),
                "alert_emails: must be true or false",
            ),
        ];
        for (extra, expected) in cases {
            let mut body = base.clone();
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let found = fields(AlertDraft::parse(&body).unwrap_err());
            assert!(
                found.iter().any(|f| f.starts_with(expected)),
                "{extra}: {found:?}"
            );
            let patch = AlertChanges::parse(&extra)
                .and_then(|c| c.apply_to(&AlertDraft::parse(&base).unwrap()));
            let found = fields(patch.unwrap_err());
            assert!(
                found.iter().any(|f| f.starts_with(expected)),
                "PATCH {extra}: {found:?}"
            );
        }
    }

    #[test]
    fn the_old_condition_field_maps_onto_condition_groups() {
        let draft = AlertDraft::parse(
            &json!({"search_phrase": "x", "frequency_minutes": 10, "condition": "used"}),
        )
        .unwrap();
        assert_eq!(draft.conditions.names(), ["used"]);
        let changes = AlertChanges::parse(&json!({"condition": "any"})).unwrap();
        assert_eq!(
            changes.apply_to(&draft).unwrap().conditions,
            Conditions::default()
        );
    }

    #[test]
    fn precise_fields_parse_and_a_patch_clears_them() {
        let draft = AlertDraft::parse(&json!({
            "search_phrase": "switch oled", "frequency_minutes": 10,
            "conditions": ["used", "refurbished"], "exclude_words": ["lot", "for parts"],
            "exclude_sellers": ["BadSeller"], "min_seller_feedback_percent": 98.5,
            "price_basis": "item", "ending_within_hours": 6, "buying_options": "any",
            "notify_on": "deals_only", "max_price": "300", "target_price": "250"
        }))
        .unwrap();
        let r = &draft.refinements;
        assert_eq!(draft.conditions.names(), ["refurbished", "used"]);
        assert_eq!(r.exclude_words.as_slice(), ["lot", "for parts"]);
        assert_eq!(r.exclude_sellers.as_slice(), ["badseller"]);
        assert_eq!(r.price_basis, PriceBasis::Item);
        assert_eq!(r.ending_within_hours.map(EndingWithin::hours), Some(6));
        assert_eq!(r.notify_on, NotifyOn::DealsOnly);
        let cleared = AlertChanges::parse(&json!({
            "exclude_words": [], "exclude_sellers": null, "min_seller_feedback_percent": null,
            "ending_within_hours": null
        }))
        .unwrap()
        .apply_to(&draft)
        .unwrap();
        assert!(cleared.refinements.exclude_words.as_slice().is_empty());
        assert!(cleared.refinements.exclude_sellers.as_slice().is_empty());
        assert_eq!(cleared.refinements.min_seller_feedback_percent, None);
        assert_eq!(cleared.refinements.ending_within_hours, None);
    }

    #[test]
    fn delivery_defaults_to_immediate_at_eight_and_a_patch_changes_it() {
        let draft =
            AlertDraft::parse(&json!({"search_phrase": "x", "frequency_minutes": 10})).unwrap();
        assert_eq!(draft.delivery, Delivery::Immediate);
        assert_eq!(draft.digest_hour, DigestHour::DEFAULT);
        assert_eq!(draft.digest_hour.get(), 8);
        let digest = AlertChanges::parse(&json!({"delivery": "digest", "digest_hour": 19}))
            .unwrap()
            .apply_to(&draft)
            .unwrap();
        assert_eq!(digest.delivery, Delivery::Digest);
        assert_eq!(digest.digest_hour.get(), 19);
        let created = AlertDraft::parse(&json!({
            "search_phrase": "x", "frequency_minutes": 10, "delivery": "digest", "digest_hour": 0
        }))
        .unwrap();
        assert_eq!(
            (created.delivery, created.digest_hour.get()),
            (Delivery::Digest, 0)
        );
        for (patch, expected) in [
            (json!({"delivery": null}), "delivery: must not be null"),
            (
                json!({"digest_hour": null}),
                "digest_hour: must not be null",
            ),
        ] {
            assert_eq!(fields(AlertChanges::parse(&patch).unwrap_err()), [expected]);
        }
    }
}
