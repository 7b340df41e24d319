//! The search request: phrase, filters, sort and paging, and how it renders eBay's `filter`
//! syntax (`price:[10..50],priceCurrency:USD,conditions:{NEW},buyingOptions:{FIXED_PRICE|AUCTION}`)
//! and the delivery location header (`X-EBAY-C-ENDUSERCTX: contextualLocation=…`).

use std::fmt;

use rust_decimal::Decimal;

use crate::condition::is_documented_condition_id;
use crate::error::EbayError;

/// eBay's largest page size.
pub const MAX_LIMIT: u32 = 200;

/// eBay serves at most this many results per query (`offset + limit` past it fails).
pub const MAX_RESULT_WINDOW: u32 = 10_000;

/// The most distinct ids a `conditionIds` filter may carry (eBay's filter reference).
pub const MAX_CONDITION_IDS: usize = 20;

/// The most user names an `excludeSellers` filter may carry (eBay's filter reference).
pub const MAX_EXCLUDED_SELLERS: usize = 250;

/// The header that tells eBay where the buyer is, so shipping costs and delivery estimates
/// are theirs (and calculated shipping has a cost at all).
pub const END_USER_CONTEXT_HEADER: &str = "X-EBAY-C-ENDUSERCTX";

/// Where the buyer receives parcels: sent as `X-EBAY-C-ENDUSERCTX:
/// contextualLocation=country%3DUS%2Czip%3D19406`, the value after `contextualLocation=`
/// URL-encoded as eBay's Browse API reference shows.
///
/// ```
/// use ebay_sdk::DeliveryLocation;
///
/// let location = DeliveryLocation::new("us", Some("19406".to_owned()));
/// assert_eq!(location.header_value(), "contextualLocation=country%3DUS%2Czip%3D19406");
/// assert_eq!(
///     DeliveryLocation::new("GB", Some("SW1A 1AA".to_owned())).header_value(),
///     "contextualLocation=country%3DGB%2Czip%3DSW1A%201AA"
/// );
/// assert_eq!(DeliveryLocation::new("DE", None).header_value(), "contextualLocation=country%3DDE");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryLocation {
    /// ISO 3166-1 alpha-2 country code, upper case (`US`).
    pub country: String,
    /// The postal code within that country, if known (`19406`, `SW1A 1AA`).
    pub postal_code: Option<String>,
}

impl DeliveryLocation {
    /// A location; the country is trimmed and upper-cased, the postal code trimmed
    /// ([`DeliveryLocation::validate`] checks both).
    pub fn new(country: impl Into<String>, postal_code: Option<String>) -> Self {
        Self {
            country: country.into().trim().to_ascii_uppercase(),
            postal_code: postal_code.map(|code| code.trim().to_owned()),
        }
    }

    /// Checks the country is two ASCII letters and the postal code 1–16 letters, digits,
    /// spaces or hyphens: anything else would not survive eBay's `contextualLocation` syntax.
    pub fn validate(&self) -> Result<(), EbayError> {
        let country_ok =
            self.country.len() == 2 && self.country.chars().all(|c| c.is_ascii_uppercase());
        if !country_ok {
            return Err(EbayError::InvalidRequest(format!(
                "delivery country {:?} is not a two-letter ISO 3166 code such as US",
                self.country
            )));
        }
        if let Some(code) = &self.postal_code {
            let shape_ok = (1..=16).contains(&code.len())
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
            if !shape_ok {
                return Err(EbayError::InvalidRequest(format!(
                    "delivery postal code {code:?} is not 1 to 16 letters, digits, spaces or hyphens"
                )));
            }
        }
        Ok(())
    }

    /// The `contextualLocation` value before encoding: `country=US,zip=19406`.
    pub fn contextual_location(&self) -> String {
        match &self.postal_code {
            Some(code) => format!("country={},zip={code}", self.country),
            None => format!("country={}", self.country),
        }
    }

    /// The whole `X-EBAY-C-ENDUSERCTX` header value:
    /// `contextualLocation=country%3DUS%2Czip%3D19406`.
    pub fn header_value(&self) -> String {
        format!(
            "contextualLocation={}",
            percent_encode(&self.contextual_location())
        )
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (a space becomes `%20`,
/// not `+`: this is a header, not a form).
fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len() + 8);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A listing condition group, as eBay's `conditions` filter understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Condition {
    /// New, new other, new with defects.
    New,
    /// Used, including refurbished and for-parts listings.
    Used,
    /// Listings whose seller gave no condition.
    Unspecified,
}

impl Condition {
    /// eBay's spelling in the filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Used => "USED",
            Self::Unspecified => "UNSPECIFIED",
        }
    }
}

/// How a listing can be bought, as eBay's `buyingOptions` filter understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuyingOption {
    /// Buy It Now.
    FixedPrice,
    /// Auction.
    Auction,
    /// The seller accepts offers.
    BestOffer,
}

impl BuyingOption {
    /// eBay's spelling in the filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FixedPrice => "FIXED_PRICE",
            Self::Auction => "AUCTION",
            Self::BestOffer => "BEST_OFFER",
        }
    }
}

/// Result order. eBay's default (no `sort`) is "best match".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Cheapest first (`price`, which on eBay includes shipping).
    PriceAscending,
    /// Most expensive first (`-price`).
    PriceDescending,
    /// Most recently listed first (`newlyListed`).
    NewlyListed,
    /// Ending soonest first (`endingSoonest`).
    EndingSoonest,
}

impl SortOrder {
    /// eBay's `sort` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PriceAscending => "price",
            Self::PriceDescending => "-price",
            Self::NewlyListed => "newlyListed",
            Self::EndingSoonest => "endingSoonest",
        }
    }
}

/// A price range in one currency; either end may be open.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PriceRange {
    /// Lowest price, inclusive.
    pub min: Option<Decimal>,
    /// Highest price, inclusive.
    pub max: Option<Decimal>,
    /// ISO 4217 code; eBay requires `priceCurrency` with a price filter.
    pub currency: String,
}

impl PriceRange {
    /// A range in the given currency.
    pub fn new(min: Option<Decimal>, max: Option<Decimal>, currency: impl Into<String>) -> Self {
        Self {
            min,
            max,
            currency: currency.into(),
        }
    }

    fn validate(&self) -> Result<(), EbayError> {
        let currency_ok =
            self.currency.len() == 3 && self.currency.chars().all(|c| c.is_ascii_uppercase());
        if !currency_ok {
            return Err(EbayError::InvalidRequest(format!(
                "currency {:?} is not an ISO 4217 code such as USD",
                self.currency
            )));
        }
        for bound in [self.min, self.max].into_iter().flatten() {
            if bound.is_sign_negative() {
                return Err(EbayError::InvalidRequest(format!(
                    "price bound {bound} is negative"
                )));
            }
        }
        if let (Some(min), Some(max)) = (self.min, self.max)
            && min > max
        {
            return Err(EbayError::InvalidRequest(format!(
                "minimum price {min} is above maximum price {max}"
            )));
        }
        Ok(())
    }
}

/// A search: phrase, filters, order and page.
///
/// ```
/// use ebay_sdk::{BuyingOption, Condition, PriceRange, SearchRequest, SortOrder};
/// use rust_decimal::Decimal;
///
/// let request = SearchRequest::new("lego 42100")
///     .with_price(PriceRange::new(Some(Decimal::from(10)), Some(Decimal::from(50)), "USD"))
///     .with_conditions([Condition::New])
///     .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
///     .with_sort(SortOrder::PriceAscending)
///     .with_limit(100);
/// assert_eq!(
///     request.filter().as_deref(),
///     Some("price:[10..50],priceCurrency:USD,conditions:{NEW},buyingOptions:{FIXED_PRICE|AUCTION}")
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    /// The search phrase (`q`).
    pub query: String,
    /// Optional price range.
    pub price: Option<PriceRange>,
    /// Condition groups to include (eBay's coarse `conditions` filter); empty means any.
    /// Ignored when [`SearchRequest::condition_ids`] is set.
    pub conditions: Vec<Condition>,
    /// eBay condition ids to include (`conditionIds`, e.g. 1000 new, 7000 for parts); empty
    /// means any. Finer than `conditions`, and sent instead of it when both are set.
    pub condition_ids: Vec<u32>,
    /// Buying options to include; empty means eBay's default (fixed price only).
    pub buying_options: Vec<BuyingOption>,
    /// Only these sellers (user names); empty means any.
    pub sellers: Vec<String>,
    /// Never these sellers (user names, `excludeSellers`); at most 250.
    pub exclude_sellers: Vec<String>,
    /// Where the buyer receives parcels (`X-EBAY-C-ENDUSERCTX`); `None` leaves shipping to
    /// eBay's default for the marketplace, and calculated shipping without a cost.
    pub delivery: Option<DeliveryLocation>,
    /// Result order; `None` is best match.
    pub sort: Option<SortOrder>,
    /// Page size, 1..=200 (eBay's default is 50).
    pub limit: u32,
    /// Index of the first result: 0 or a multiple of `limit`, as eBay requires.
    pub offset: u32,
    /// Overrides the client's default `X-EBAY-C-MARKETPLACE-ID`.
    pub marketplace: Option<String>,
}

impl SearchRequest {
    /// A search for `query` with no filters, 50 results per page, starting at 0.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            price: None,
            conditions: Vec::new(),
            condition_ids: Vec::new(),
            buying_options: Vec::new(),
            sellers: Vec::new(),
            exclude_sellers: Vec::new(),
            delivery: None,
            sort: None,
            limit: 50,
            offset: 0,
            marketplace: None,
        }
    }

    /// Restricts the price.
    pub fn with_price(mut self, price: PriceRange) -> Self {
        self.price = Some(price);
        self
    }

    /// Restricts the condition.
    pub fn with_conditions(mut self, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.conditions = conditions.into_iter().collect();
        self
    }

    /// Restricts the condition to these eBay condition ids (`conditionIds`); takes precedence
    /// over [`SearchRequest::with_conditions`]. See [`crate::ConditionGroup::condition_ids`].
    pub fn with_condition_ids(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.condition_ids = ids.into_iter().collect();
        self
    }

    /// Restricts the buying options.
    pub fn with_buying_options(
        mut self,
        buying_options: impl IntoIterator<Item = BuyingOption>,
    ) -> Self {
        self.buying_options = buying_options.into_iter().collect();
        self
    }

    /// Restricts the sellers.
    pub fn with_sellers<S: Into<String>>(mut self, sellers: impl IntoIterator<Item = S>) -> Self {
        self.sellers = sellers.into_iter().map(Into::into).collect();
        self
    }

    /// Leaves out these sellers (`excludeSellers`); names are trimmed.
    pub fn with_exclude_sellers(
        mut self,
        sellers: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.exclude_sellers = sellers
            .into_iter()
            .map(|seller| seller.into().trim().to_owned())
            .collect();
        self
    }

    /// Tells eBay where parcels go, so shipping costs are the buyer's; the country is
    /// upper-cased (see [`DeliveryLocation::new`]).
    pub fn with_delivery_location(
        mut self,
        country: impl Into<String>,
        postal_code: Option<String>,
    ) -> Self {
        self.delivery = Some(DeliveryLocation::new(country, postal_code));
        self
    }

    /// Sets the order.
    pub fn with_sort(mut self, sort: SortOrder) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Sets the page size (validated on send: 1..=200).
    pub fn with_limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the offset of the first result.
    pub fn with_offset(mut self, offset: u32) -> Self {
        self.offset = offset;
        self
    }

    /// Overrides the marketplace for this request.
    pub fn with_marketplace(mut self, marketplace: impl Into<String>) -> Self {
        self.marketplace = Some(marketplace.into());
        self
    }

    /// Checks the request before it costs an API call.
    pub fn validate(&self) -> Result<(), EbayError> {
        let query = self.query.trim();
        if query.is_empty() {
            return Err(EbayError::InvalidRequest(
                "the search phrase is empty".to_owned(),
            ));
        }
        if query.chars().any(char::is_control) {
            return Err(EbayError::InvalidRequest(
                "the search phrase contains control characters".to_owned(),
            ));
        }
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(EbayError::InvalidRequest(format!(
                "limit {} is outside 1..={MAX_LIMIT}",
                self.limit
            )));
        }
        if self.offset >= MAX_RESULT_WINDOW {
            return Err(EbayError::InvalidRequest(format!(
                "offset {} is past eBay's {MAX_RESULT_WINDOW}-result window",
                self.offset
            )));
        }
        // eBay answers 400 (errorId 12515) otherwise.
        if !self.offset.is_multiple_of(self.limit) {
            return Err(EbayError::InvalidRequest(format!(
                "offset {} is not 0 or a multiple of limit {}",
                self.offset, self.limit
            )));
        }
        if let Some(price) = &self.price {
            price.validate()?;
        }
        if self.sellers.iter().any(|s| s.trim().is_empty()) {
            return Err(EbayError::InvalidRequest(
                "a seller name is empty".to_owned(),
            ));
        }
        self.validate_condition_ids()?;
        self.validate_exclude_sellers()?;
        if let Some(delivery) = &self.delivery {
            delivery.validate()?;
        }
        if let Some(marketplace) = &self.marketplace
            && (marketplace.is_empty()
                || !marketplace
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(EbayError::InvalidRequest(format!(
                "marketplace {marketplace:?} is not an eBay marketplace id"
            )));
        }
        Ok(())
    }

    fn validate_condition_ids(&self) -> Result<(), EbayError> {
        if let Some(id) = self
            .condition_ids
            .iter()
            .find(|id| !is_documented_condition_id(**id))
        {
            return Err(EbayError::InvalidRequest(format!(
                "condition id {id} is not one eBay documents (1000, 1500, 1750, 2000–2500, 2750–6000, 7000)"
            )));
        }
        let mut distinct = self.condition_ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > MAX_CONDITION_IDS {
            return Err(EbayError::InvalidRequest(format!(
                "{} condition ids are more than eBay's {MAX_CONDITION_IDS}",
                distinct.len()
            )));
        }
        Ok(())
    }

    fn validate_exclude_sellers(&self) -> Result<(), EbayError> {
        for seller in &self.exclude_sellers {
            let seller = seller.trim();
            if seller.is_empty() {
                return Err(EbayError::InvalidRequest(
                    "an excluded seller name is empty".to_owned(),
                ));
            }
            // These structure the filter; eBay user names never contain them, and escaping
            // is not documented for excludeSellers, so such a name can only be a mistake.
            if let Some(bad) = seller
                .chars()
                .find(|c| matches!(c, '{' | '}' | '|' | ',') || c.is_control())
            {
                return Err(EbayError::InvalidRequest(format!(
                    "excluded seller {seller:?} contains {bad:?}, which eBay user names cannot"
                )));
            }
        }
        let distinct = sorted_distinct(self.exclude_sellers.iter().map(|s| s.trim().to_owned()));
        if distinct.len() > MAX_EXCLUDED_SELLERS {
            return Err(EbayError::InvalidRequest(format!(
                "{} excluded sellers are more than eBay's {MAX_EXCLUDED_SELLERS}",
                distinct.len()
            )));
        }
        Ok(())
    }

    /// The `X-EBAY-C-ENDUSERCTX` header value, when a delivery location is set.
    pub fn end_user_context(&self) -> Option<String> {
        self.delivery.as_ref().map(DeliveryLocation::header_value)
    }

    /// The `filter` parameter, or `None` when no filter is set.
    ///
    /// Values are sorted and de-duplicated so equal searches render equal strings (which makes
    /// the string usable as part of a cache key). Seller names are escaped; every other value
    /// is from a closed set or a number and needs no escaping.
    pub fn filter(&self) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(price) = &self.price {
            match (price.min, price.max) {
                (None, None) => {}
                (min, max) => parts.push(format!(
                    "price:[{}..{}]",
                    min.map(render_decimal).unwrap_or_default(),
                    max.map(render_decimal).unwrap_or_default()
                )),
            }
            if price.min.is_some() || price.max.is_some() {
                parts.push(format!("priceCurrency:{}", price.currency));
            }
        }
        if !self.condition_ids.is_empty() {
            let mut ids = self.condition_ids.clone();
            ids.sort_unstable();
            ids.dedup();
            let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
            parts.push(format!("conditionIds:{{{}}}", ids.join("|")));
        } else if !self.conditions.is_empty() {
            parts.push(format!(
                "conditions:{{{}}}",
                join_enum_set(&self.conditions, |c| c.as_str())
            ));
        }
        if !self.buying_options.is_empty() {
            parts.push(format!(
                "buyingOptions:{{{}}}",
                join_enum_set(&self.buying_options, |o| o.as_str())
            ));
        }
        if !self.sellers.is_empty() {
            parts.push(format!(
                "sellers:{{{}}}",
                join_set(self.sellers.iter().map(|s| escape_filter_value(s.trim())))
            ));
        }
        if !self.exclude_sellers.is_empty() {
            parts.push(format!(
                "excludeSellers:{{{}}}",
                sorted_distinct(self.exclude_sellers.iter().map(|s| s.trim().to_owned())).join("|")
            ));
        }
        if parts.is_empty() {
            None
        } else {
            Some(parts.join(","))
        }
    }

    /// The query-string pairs in the order they are sent.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("q", self.query.trim().to_owned())];
        if let Some(filter) = self.filter() {
            pairs.push(("filter", filter));
        }
        if let Some(sort) = self.sort {
            pairs.push(("sort", sort.as_str().to_owned()));
        }
        pairs.push(("limit", self.limit.to_string()));
        pairs.push(("offset", self.offset.to_string()));
        pairs
    }
}

impl fmt::Display for SearchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.query.trim())?;
        if let Some(filter) = self.filter() {
            write!(f, " filter={filter}")?;
        }
        if let Some(sort) = self.sort {
            write!(f, " sort={}", sort.as_str())?;
        }
        write!(f, " limit={} offset={}", self.limit, self.offset)?;
        if let Some(delivery) = &self.delivery {
            write!(f, " deliver_to={}", delivery.contextual_location())?;
        }
        Ok(())
    }
}

/// Renders a decimal without trailing zeros (`10.50` → `10.5`, `10.00` → `10`).
fn render_decimal(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Sorted (in declaration order, so `FIXED_PRICE|AUCTION` as in eBay's docs) and de-duplicated.
fn join_enum_set<T: Ord + Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> String {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    values.into_iter().map(name).collect::<Vec<_>>().join("|")
}

fn join_set(values: impl Iterator<Item = String>) -> String {
    sorted_distinct(values).join("|")
}

fn sorted_distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.collect();
    values.sort();
    values.dedup();
    values
}

/// Escapes the characters that structure eBay's filter syntax (`,` between filters, `|`
/// between values, the brackets and braces around them, `:` after the name, and `\` itself)
/// with a backslash, so a seller called `a|b` stays one value.
pub fn escape_filter_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '|' | '{' | '}' | '[' | ']' | ':') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn usd(min: Option<Decimal>, max: Option<Decimal>) -> PriceRange {
        PriceRange::new(min, max, "USD")
    }

    #[test]
    fn every_combination_of_filters_renders_ebays_filter_syntax() {
        let cases: Vec<(SearchRequest, Option<&str>)> = vec![
            (SearchRequest::new("x"), None),
            (
                SearchRequest::new("x").with_price(usd(Some(dec!(10)), Some(dec!(50)))),
                Some("price:[10..50],priceCurrency:USD"),
            ),
            (
                SearchRequest::new("x").with_price(usd(Some(dec!(10)), None)),
                Some("price:[10..],priceCurrency:USD"),
            ),
            (
                SearchRequest::new("x").with_price(usd(None, Some(dec!(50.00)))),
                Some("price:[..50],priceCurrency:USD"),
            ),
            (
                SearchRequest::new("x").with_price(usd(Some(dec!(9.99)), Some(dec!(10.50)))),
                Some("price:[9.99..10.5],priceCurrency:USD"),
            ),
            (SearchRequest::new("x").with_price(usd(None, None)), None),
            (
                SearchRequest::new("x").with_conditions([Condition::New]),
                Some("conditions:{NEW}"),
            ),
            (
                SearchRequest::new("x").with_conditions([Condition::Used]),
                Some("conditions:{USED}"),
            ),
            (
                SearchRequest::new("x").with_conditions([Condition::Used, Condition::New]),
                Some("conditions:{NEW|USED}"),
            ),
            (
                SearchRequest::new("x").with_buying_options([BuyingOption::FixedPrice]),
                Some("buyingOptions:{FIXED_PRICE}"),
            ),
            (
                SearchRequest::new("x").with_buying_options([BuyingOption::Auction]),
                Some("buyingOptions:{AUCTION}"),
            ),
            (
                SearchRequest::new("x")
                    .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction]),
                Some("buyingOptions:{FIXED_PRICE|AUCTION}"),
            ),
            (
                SearchRequest::new("x").with_buying_options([
                    BuyingOption::Auction,
                    BuyingOption::FixedPrice,
                    BuyingOption::Auction,
                ]),
                Some("buyingOptions:{FIXED_PRICE|AUCTION}"),
            ),
            (
                SearchRequest::new("x")
                    .with_price(usd(Some(dec!(10)), Some(dec!(50))))
                    .with_conditions([Condition::New])
                    .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction]),
                Some(
                    "price:[10..50],priceCurrency:USD,conditions:{NEW},buyingOptions:{FIXED_PRICE|AUCTION}",
                ),
            ),
            (
                SearchRequest::new("x")
                    .with_price(PriceRange::new(None, Some(dec!(20)), "EUR"))
                    .with_conditions([Condition::Used]),
                Some("price:[..20],priceCurrency:EUR,conditions:{USED}"),
            ),
            (
                SearchRequest::new("x").with_sellers(["a|b", "c,d", "plain"]),
                Some(r"sellers:{a\|b|c\,d|plain}"),
            ),
        ];

        for (request, expected) in cases {
            assert_eq!(request.filter().as_deref(), expected, "{request:?}");
        }
    }

    #[test]
    fn buying_options_sort_in_declaration_order_not_alphabetically() {
        // FIXED_PRICE before AUCTION matches eBay's own documentation examples.
        let request = SearchRequest::new("x").with_buying_options([
            BuyingOption::BestOffer,
            BuyingOption::Auction,
            BuyingOption::FixedPrice,
        ]);

        assert_eq!(
            request.filter().as_deref(),
            Some("buyingOptions:{FIXED_PRICE|AUCTION|BEST_OFFER}")
        );
    }

    #[test]
    fn invalid_requests_are_rejected_before_sending() {
        let cases = [
            SearchRequest::new("   "),
            SearchRequest::new("a\u{0007}b"),
            SearchRequest::new("x").with_limit(0),
            SearchRequest::new("x").with_limit(201),
            SearchRequest::new("x").with_offset(10_000),
            SearchRequest::new("x").with_limit(50).with_offset(30),
            SearchRequest::new("x").with_limit(50).with_offset(97),
            SearchRequest::new("x").with_price(usd(Some(dec!(50)), Some(dec!(10)))),
            SearchRequest::new("x").with_price(usd(Some(dec!(-1)), None)),
            SearchRequest::new("x").with_price(PriceRange::new(Some(dec!(1)), None, "usd")),
            SearchRequest::new("x").with_marketplace("EBAY US"),
            SearchRequest::new("x").with_sellers([" "]),
        ];
        for request in cases {
            assert!(
                matches!(request.validate(), Err(EbayError::InvalidRequest(_))),
                "{request:?}"
            );
        }
    }

    #[test]
    fn query_pairs_carry_phrase_filter_sort_and_paging() {
        let request = SearchRequest::new("  lego 42100 ")
            .with_conditions([Condition::New])
            .with_sort(SortOrder::NewlyListed)
            .with_limit(200)
            .with_offset(400);

        let pairs = request.query_pairs();

        assert_eq!(
            pairs,
            vec![
                ("q", "lego 42100".to_owned()),
                ("filter", "conditions:{NEW}".to_owned()),
                ("sort", "newlyListed".to_owned()),
                ("limit", "200".to_owned()),
                ("offset", "400".to_owned()),
            ]
        );
        assert!(request.validate().is_ok());
    }

    #[test]
    fn offsets_that_are_zero_or_a_multiple_of_the_limit_are_accepted() {
        for (limit, offset) in [
            (50, 0),
            (50, 50),
            (50, 100),
            (30, 9_990),
            (200, 9_800),
            (1, 9_999),
        ] {
            let request = SearchRequest::new("x")
                .with_limit(limit)
                .with_offset(offset);
            assert!(request.validate().is_ok(), "{request:?}");
        }
    }

    #[test]
    fn condition_ids_exclusions_and_their_mix_with_other_filters_render_ebays_syntax() {
        let cases: Vec<(SearchRequest, Option<&str>)> = vec![
            (
                SearchRequest::new("x").with_condition_ids([3000]),
                Some("conditionIds:{3000}"),
            ),
            (
                SearchRequest::new("x").with_condition_ids([7000, 1000, 1500, 1000]),
                Some("conditionIds:{1000|1500|7000}"),
            ),
            (
                SearchRequest::new("x").with_condition_ids(
                    crate::ConditionGroup::Used.condition_ids().iter().copied(),
                ),
                Some("conditionIds:{2750|2990|3000|3010|4000|5000|6000}"),
            ),
            (SearchRequest::new("x").with_condition_ids([]), None),
            // The finer filter wins when both are set; eBay would otherwise intersect them.
            (
                SearchRequest::new("x")
                    .with_conditions([Condition::Used])
                    .with_condition_ids([1000, 1500]),
                Some("conditionIds:{1000|1500}"),
            ),
            (
                SearchRequest::new("x")
                    .with_conditions([Condition::New])
                    .with_condition_ids([]),
                Some("conditions:{NEW}"),
            ),
            (
                SearchRequest::new("x").with_exclude_sellers(["rpsseller"]),
                Some("excludeSellers:{rpsseller}"),
            ),
            (
                SearchRequest::new("x").with_exclude_sellers([" bigSal ", "rpsseller", "bigSal"]),
                Some("excludeSellers:{bigSal|rpsseller}"),
            ),
            (
                SearchRequest::new("x").with_exclude_sellers(Vec::<String>::new()),
                None,
            ),
            (
                SearchRequest::new("nintendo switch oled")
                    .with_price(usd(None, Some(dec!(300))))
                    .with_condition_ids([2750, 3000])
                    .with_buying_options([BuyingOption::FixedPrice])
                    .with_sellers(["good.seller"])
                    .with_exclude_sellers(["flipper_42", "parts-guy"]),
                Some(
                    "price:[..300],priceCurrency:USD,conditionIds:{2750|3000},buyingOptions:{FIXED_PRICE},sellers:{good.seller},excludeSellers:{flipper_42|parts-guy}",
                ),
            ),
        ];

        for (request, expected) in cases {
            assert_eq!(request.filter().as_deref(), expected, "{request:?}");
            assert!(request.validate().is_ok(), "{request:?}");
        }
    }

    #[test]
    fn delivery_locations_render_the_end_user_context_header_url_encoded() {
        let cases: Vec<(&str, Option<&str>, &str)> = vec![
            (
                "US",
                Some("19406"),
                "contextualLocation=country%3DUS%2Czip%3D19406",
            ),
            (
                "us",
                Some("19406"),
                "contextualLocation=country%3DUS%2Czip%3D19406",
            ),
            (" de ", None, "contextualLocation=country%3DDE"),
            (
                "GB",
                Some("SW1A 1AA"),
                "contextualLocation=country%3DGB%2Czip%3DSW1A%201AA",
            ),
            (
                "US",
                Some("19406-1234"),
                "contextualLocation=country%3DUS%2Czip%3D19406-1234",
            ),
            (
                "CA",
                Some(" K1A 0B1 "),
                "contextualLocation=country%3DCA%2Czip%3DK1A%200B1",
            ),
        ];
        for (country, zip, header) in cases {
            let request =
                SearchRequest::new("x").with_delivery_location(country, zip.map(str::to_owned));
            assert!(request.validate().is_ok(), "{request:?}");
            assert_eq!(
                request.end_user_context().as_deref(),
                Some(header),
                "{request:?}"
            );
        }
        assert_eq!(SearchRequest::new("x").end_user_context(), None);
    }

    #[test]
    fn the_delivery_location_is_part_of_the_search_description() {
        let request =
            SearchRequest::new("x").with_delivery_location("US", Some("10001".to_owned()));

        assert_eq!(
            request.to_string(),
            r#""x" limit=50 offset=0 deliver_to=country=US,zip=10001"#
        );
    }

    #[test]
    fn bad_condition_ids_exclusions_and_delivery_locations_are_rejected_with_the_reason() {
        let too_many_sellers: Vec<String> = (0..251).map(|i| format!("seller{i}")).collect();
        let cases: Vec<(SearchRequest, &str)> = vec![
            (
                SearchRequest::new("x").with_condition_ids([1234]),
                "condition id 1234",
            ),
            (
                SearchRequest::new("x").with_condition_ids([1000, 0]),
                "condition id 0",
            ),
            (
                SearchRequest::new("x").with_condition_ids([8000]),
                "condition id 8000",
            ),
            (SearchRequest::new("x").with_exclude_sellers([""]), "empty"),
            (
                SearchRequest::new("x").with_exclude_sellers(["  "]),
                "empty",
            ),
            (SearchRequest::new("x").with_exclude_sellers(["a|b"]), "'|'"),
            (SearchRequest::new("x").with_exclude_sellers(["a,b"]), "','"),
            (SearchRequest::new("x").with_exclude_sellers(["{a"]), "'{'"),
            (SearchRequest::new("x").with_exclude_sellers(["a}"]), "'}'"),
            (
                SearchRequest::new("x").with_exclude_sellers(["a\nb"]),
                "'\\n'",
            ),
            (
                SearchRequest::new("x").with_exclude_sellers(too_many_sellers),
                "251 excluded sellers",
            ),
            (
                SearchRequest::new("x").with_delivery_location("USA", None),
                "delivery country",
            ),
            (
                SearchRequest::new("x").with_delivery_location("U", None),
                "delivery country",
            ),
            (
                SearchRequest::new("x").with_delivery_location("", None),
                "delivery country",
            ),
            (
                SearchRequest::new("x").with_delivery_location("1A", None),
                "delivery country",
            ),
            (
                SearchRequest::new("x").with_delivery_location("ÜS", None),
                "delivery country",
            ),
            (
                SearchRequest::new("x").with_delivery_location("US", Some(String::new())),
                "postal code",
            ),
            (
                SearchRequest::new("x").with_delivery_location("US", Some("   ".to_owned())),
                "postal code",
            ),
            (
                SearchRequest::new("x").with_delivery_location("US", Some("1940,6".to_owned())),
                "postal code",
            ),
            (
                SearchRequest::new("x").with_delivery_location("US", Some("19406=1".to_owned())),
                "postal code",
            ),
            (
                SearchRequest::new("x")
                    .with_delivery_location("US", Some("12345678901234567".to_owned())),
                "postal code",
            ),
        ];
        for (request, reason) in cases {
            match request.validate() {
                Err(EbayError::InvalidRequest(message)) => {
                    assert!(message.contains(reason), "{message:?} lacks {reason:?}")
                }
                other => panic!("{request:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn limits_on_condition_ids_and_exclusions_are_ebays_and_duplicates_do_not_count() {
        let all_sellers: Vec<String> = (0..250).map(|i| format!("seller{i}")).collect();
        let mut with_duplicates = all_sellers.clone();
        with_duplicates.extend(all_sellers.iter().take(10).cloned());
        let ok = [
            SearchRequest::new("x").with_exclude_sellers(all_sellers),
            SearchRequest::new("x").with_exclude_sellers(with_duplicates),
            SearchRequest::new("x").with_condition_ids(crate::DOCUMENTED_CONDITION_IDS),
            SearchRequest::new("x").with_condition_ids(
                crate::DOCUMENTED_CONDITION_IDS
                    .into_iter()
                    .chain(crate::DOCUMENTED_CONDITION_IDS),
            ),
        ];
        for request in ok {
            assert!(request.validate().is_ok(), "{request:?}");
        }
        assert_eq!(MAX_CONDITION_IDS, 20);
        assert_eq!(MAX_EXCLUDED_SELLERS, 250);
    }

    #[test]
    fn sort_orders_use_ebays_spelling() {
        assert_eq!(SortOrder::PriceAscending.as_str(), "price");
        assert_eq!(SortOrder::PriceDescending.as_str(), "-price");
        assert_eq!(SortOrder::NewlyListed.as_str(), "newlyListed");
    }
}
