//! The filters that make an alert precise (DESIGN §6 "Wave 2 additions"): condition groups,
//! excluded words and sellers, the seller-feedback floor, the price basis, auctions ending soon
//! and what to notify on. Each parses from its JSON value into a valid value or an [`Invalid`].

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use super::Invalid;

/// A condition group: eBay's many condition ids folded into what a buyer decides on (which ids
/// form which group is eBay's business: `ebay_sdk::condition_group`, used at the boundary).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ConditionGroup {
    /// Brand new (eBay 1000, 1750).
    New,
    /// New other / open box (1500).
    OpenBox,
    /// Certified and seller refurbished (2000–2500).
    Refurbished,
    /// Pre-owned in working order (2750–6000).
    Used,
    /// For parts or not working (7000).
    ForParts,
}

impl ConditionGroup {
    /// Every group, in the order shown to people.
    pub const ALL: [Self; 5] = [
        Self::New,
        Self::OpenBox,
        Self::Refurbished,
        Self::Used,
        Self::ForParts,
    ];

    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::OpenBox => "open_box",
            Self::Refurbished => "refurbished",
            Self::Used => "used",
            Self::ForParts => "for_parts",
        }
    }

    /// Parses the stored/wire name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
            .ok_or(Invalid::NotOneOf(
                "new, open_box, refurbished, used, for_parts",
            ))
    }
}

/// The condition groups an alert wants: never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Conditions(BTreeSet<ConditionGroup>);

impl Default for Conditions {
    /// Every group but `for_parts`: broken units are what a buyer least expects.
    fn default() -> Self {
        Self(
            ConditionGroup::ALL
                .into_iter()
                .filter(|g| *g != ConditionGroup::ForParts)
                .collect(),
        )
    }
}

impl Conditions {
    /// Parses a JSON array of group names.
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        let list = value.as_array().ok_or(Invalid::NotAList)?;
        if list.is_empty() {
            return Err(Invalid::EmptyList);
        }
        let mut groups = BTreeSet::new();
        for item in list {
            let text = item.as_str().ok_or(Invalid::NotOneOf(
                "new, open_box, refurbished, used, for_parts",
            ))?;
            groups.insert(ConditionGroup::parse(text)?);
        }
        Ok(Self(groups))
    }

    /// Parses the stored form (names joined by commas).
    pub fn parse_stored(text: &str) -> Result<Self, Invalid> {
        let groups = text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(ConditionGroup::parse)
            .collect::<Result<BTreeSet<_>, _>>()?;
        if groups.is_empty() {
            return Err(Invalid::EmptyList);
        }
        Ok(Self(groups))
    }

    /// What the old single `condition` field meant.
    pub fn from_legacy(condition: super::Condition) -> Self {
        match condition {
            super::Condition::Any => Self::default(),
            super::Condition::New => Self([ConditionGroup::New].into()),
            super::Condition::Used => Self([ConditionGroup::Used].into()),
        }
    }

    /// The old `condition` that best describes these groups, for old clients and events.
    pub fn legacy(&self) -> super::Condition {
        if self.0.len() == 1 && self.0.contains(&ConditionGroup::New) {
            super::Condition::New
        } else if self.0.len() == 1 && self.0.contains(&ConditionGroup::Used) {
            super::Condition::Used
        } else {
            super::Condition::Any
        }
    }

    /// The stored form, in a canonical order (also what the query key hashes).
    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    /// The group names, canonical order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|g| g.as_str()).collect()
    }

    /// The groups, canonical order.
    pub fn groups(&self) -> impl Iterator<Item = ConditionGroup> + '_ {
        self.0.iter().copied()
    }

    /// Whether a group is wanted.
    pub fn contains(&self, group: ConditionGroup) -> bool {
        self.0.contains(&group)
    }

    /// Whether every group is wanted (no condition filter is needed at eBay).
    pub fn is_all(&self) -> bool {
        self.0.len() == ConditionGroup::ALL.len()
    }
}

/// Most words or phrases one alert may exclude.
pub const MAX_EXCLUDE_WORDS: usize = 20;
/// Longest excluded word or phrase, in characters.
pub const MAX_EXCLUDE_WORD_CHARS: usize = 50;
/// Most sellers one alert may exclude.
pub const MAX_EXCLUDE_SELLERS: usize = 50;

/// Words or phrases whose presence in a title drops the listing (eBay's `q` has no NOT, so
/// this is applied in our code). Matching ignores case and accents and respects word
/// boundaries: "lot" drops "Lot of 3" but not "Slot".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExcludeWords(Vec<String>);

impl ExcludeWords {
    /// Parses a JSON array of strings; duplicates (after folding) are kept once.
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        let list = value.as_array().ok_or(Invalid::NotAList)?;
        if list.len() > MAX_EXCLUDE_WORDS {
            return Err(Invalid::TooManyItems(MAX_EXCLUDE_WORDS));
        }
        let mut words: Vec<String> = Vec::with_capacity(list.len());
        for item in list {
            let text = item.as_str().ok_or(Invalid::NotAListOfStrings)?;
            if text.chars().any(char::is_control) {
                return Err(Invalid::ControlCharacters);
            }
            let word = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if word.is_empty() {
                return Err(Invalid::EmptyItem);
            }
            if word.chars().count() > MAX_EXCLUDE_WORD_CHARS {
                return Err(Invalid::ItemTooLong(MAX_EXCLUDE_WORD_CHARS));
            }
            if fold(&word).is_empty() {
                return Err(Invalid::NoLettersOrDigits);
            }
            if !words.iter().any(|w| fold(w) == fold(&word)) {
                words.push(word);
            }
        }
        Ok(Self(words))
    }

    /// The words as the user wrote them (white space collapsed).
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// A matcher built once per run rather than once per listing.
    pub fn matcher(&self) -> WordMatcher {
        WordMatcher(self.0.iter().map(|w| fold(w)).collect())
    }
}

/// Folded excluded words, ready to test titles.
#[derive(Debug, Clone, Default)]
pub struct WordMatcher(Vec<String>);

impl WordMatcher {
    /// Whether the title contains one of the words or phrases as whole words.
    pub fn matches(&self, title: &str) -> bool {
        if self.0.is_empty() {
            return false;
        }
        // Padding with spaces makes " word " a whole-word test, phrases included.
        let title = format!(" {} ", fold(title));
        self.0.iter().any(|w| title.contains(&format!(" {w} ")))
    }
}

/// Lower case, accents removed (NFD, combining marks dropped), every run of characters that are
/// not letters or digits turned into one space: "Café-Bundle!" → "cafe bundle".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    // The combining blocks NFD produces for Latin, Greek and Cyrillic accents.
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// eBay user names to leave out: sent to eBay as `excludeSellers` and checked again on results.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExcludeSellers(Vec<String>);

impl ExcludeSellers {
    /// Parses a JSON array of eBay user names (stored lower-cased: eBay's are case-insensitive).
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        let list = value.as_array().ok_or(Invalid::NotAList)?;
        if list.len() > MAX_EXCLUDE_SELLERS {
            return Err(Invalid::TooManyItems(MAX_EXCLUDE_SELLERS));
        }
        let mut sellers: Vec<String> = Vec::with_capacity(list.len());
        for item in list {
            let name = item
                .as_str()
                .ok_or(Invalid::NotAListOfStrings)?
                .trim()
                .to_lowercase();
            // eBay user names: 1–64 characters of letters, digits and . _ - * (no spaces, no
            // `|` or `,` which would break eBay's filter syntax).
            if name.is_empty() {
                return Err(Invalid::EmptyItem);
            }
            if name.chars().count() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*'))
            {
                return Err(Invalid::NotAUserName);
            }
            if !sellers.contains(&name) {
                sellers.push(name);
            }
        }
        sellers.sort();
        Ok(Self(sellers))
    }

    /// The names, sorted (canonical for the query key).
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether a seller is excluded (case-insensitive).
    pub fn contains(&self, seller: &str) -> bool {
        let seller = seller.to_lowercase();
        self.0.contains(&seller)
    }
}

/// Lowest acceptable positive-feedback percentage, 0–100 with at most one decimal (eBay shows
/// e.g. 99.8 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedbackPercent(Decimal);

impl FeedbackPercent {
    /// Parses a number (or a decimal string).
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        let text = match value {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.trim().to_owned(),
            _ => return Err(Invalid::NotAPercentage),
        };
        Self::parse(&text)
    }

    /// Parses the decimal text.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let plain = !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && text.matches('.').count() <= 1;
        let value: Decimal = plain
            .then(|| text.parse().ok())
            .flatten()
            .ok_or(Invalid::NotAPercentage)?;
        if value > Decimal::ONE_HUNDRED || value.normalize().scale() > 1 {
            return Err(Invalid::NotAPercentage);
        }
        Ok(Self(value.normalize()))
    }

    /// The percentage.
    pub fn value(self) -> Decimal {
        self.0
    }
}

/// What `min_price`, `max_price` and `target_price` are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    /// Item price plus the cheapest shipping to the user (unknown shipping is never free).
    #[default]
    WithShipping,
    /// The item price alone.
    Item,
}

impl PriceBasis {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WithShipping => "with_shipping",
            Self::Item => "item",
        }
    }

    /// Parses the stored/wire name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "with_shipping" => Ok(Self::WithShipping),
            "item" => Ok(Self::Item),
            _ => Err(Invalid::NotOneOf("with_shipping, item")),
        }
    }
}

/// Which listings are worth a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotifyOn {
    /// New listings, price drops and target hits.
    #[default]
    NewListings,
    /// Only listings with a deal verdict. Verdicts do not exist yet, so such an alert records
    /// its runs and listings but sends nothing.
    DealsOnly,
}

impl NotifyOn {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewListings => "new_listings",
            Self::DealsOnly => "deals_only",
        }
    }

    /// Parses the stored/wire name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "new_listings" => Ok(Self::NewListings),
            "deals_only" => Ok(Self::DealsOnly),
            _ => Err(Invalid::NotOneOf("new_listings, deals_only")),
        }
    }
}

/// Hours before an auction's end within which it is reported as "ending soon": 1–72.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndingWithin(u32);

impl EndingWithin {
    /// Parses a whole number of hours.
    pub fn parse(hours: i64) -> Result<Self, Invalid> {
        u32::try_from(hours)
            .ok()
            .filter(|h| (1..=72).contains(h))
            .map(Self)
            .ok_or(Invalid::NotHoursWithin)
    }

    /// The hours.
    pub fn hours(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_default_to_everything_but_for_parts_and_map_the_old_field() {
        let default = Conditions::default();
        assert_eq!(default.names(), ["new", "open_box", "refurbished", "used"]);
        assert_eq!(default.legacy(), super::super::Condition::Any);
        let used = Conditions::from_legacy(super::super::Condition::Used);
        assert_eq!(used.names(), ["used"]);
        assert_eq!(used.legacy(), super::super::Condition::Used);
        let parsed = Conditions::parse_json(&json!(["used", "new", "used"])).unwrap();
        assert_eq!(parsed.to_stored(), "new,used");
        assert_eq!(Conditions::parse_stored("new,used").unwrap(), parsed);
    }

    #[test]
    fn excluded_words_match_whole_words_ignoring_case_and_accents() {
        let words =
            ExcludeWords::parse_json(&json!(["lot", "for parts", "Café", "Ersatzteil"])).unwrap();
        let m = words.matcher();
        for (title, dropped) in [
            ("Nintendo Switch OLED - LOT of 3", true),
            ("Slot loader console", false),
            ("Switch OLED for-parts not working", true),
            ("Switch OLED parts for sale", false),
            ("CAFE racer edition", true),
            ("café", true),
            ("ersatzteil defekt", true),
            ("Switch OLED white", false),
        ] {
            assert_eq!(m.matches(title), dropped, "{title}");
        }
    }

    #[test]
    fn bad_excluded_words_and_sellers_say_why() {
        let long = "x".repeat(51);
        for (value, reason) in [
            (json!("lot"), Invalid::NotAList),
            (json!([1]), Invalid::NotAListOfStrings),
            (json!(["  "]), Invalid::EmptyItem),
            (json!([long]), Invalid::ItemTooLong(50)),
            (json!(["--"]), Invalid::NoLettersOrDigits),
            (json!(vec!["w"; 21]), Invalid::TooManyItems(20)),
        ] {
            assert_eq!(
                ExcludeWords::parse_json(&value).unwrap_err(),
                reason,
                "{value}"
            );
        }
        for (value, reason) in [
            (json!(["bad seller"]), Invalid::NotAUserName),
            (json!(["a|b"]), Invalid::NotAUserName),
            (json!([""]), Invalid::EmptyItem),
            (json!(vec!["s"; 51]), Invalid::TooManyItems(50)),
        ] {
            assert_eq!(
                ExcludeSellers::parse_json(&value).unwrap_err(),
                reason,
                "{value}"
            );
        }
        let sellers = ExcludeSellers::parse_json(&json!(["Zed_Shop", "acme.deals"])).unwrap();
        assert_eq!(sellers.as_slice(), ["acme.deals", "zed_shop"]);
        assert!(sellers.contains("ZED_shop"));
    }

    #[test]
    fn feedback_and_hours_are_bounded() {
        assert_eq!(
            FeedbackPercent::parse_json(&json!(98.5)).unwrap().value(),
            Decimal::new(985, 1)
        );
        assert!(FeedbackPercent::parse_json(&json!(100)).is_ok());
        for bad in [
            json!(-1),
            json!(100.1),
            json!(99.55),
            json!("abc"),
            json!(true),
        ] {
            assert!(FeedbackPercent::parse_json(&bad).is_err(), "{bad}");
        }
        assert!(EndingWithin::parse(1).is_ok() && EndingWithin::parse(72).is_ok());
        assert!(EndingWithin::parse(0).is_err() && EndingWithin::parse(73).is_err());
    }
}
