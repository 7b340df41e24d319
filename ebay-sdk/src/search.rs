//! The search request: phrase, filters, sort and paging, and how it renders eBay's `filter`
//! syntax (`price:[10..50],priceCurrency:USD,conditions:{NEW},buyingOptions:{FIXED_PRICE|AUCTION}`).

use std::fmt;

use rust_decimal::Decimal;

use crate::error::EbayError;

/// eBay's largest page size.
pub const MAX_LIMIT: u32 = 200;

/// eBay serves at most this many results per query (`offset + limit` past it fails).
pub const MAX_RESULT_WINDOW: u32 = 10_000;

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
    /// Condition groups to include; empty means any.
    pub conditions: Vec<Condition>,
    /// Buying options to include; empty means eBay's default (fixed price only).
    pub buying_options: Vec<BuyingOption>,
    /// Only these sellers (user names); empty means any.
    pub sellers: Vec<String>,
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
            buying_options: Vec::new(),
            sellers: Vec::new(),
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
        if !self.conditions.is_empty() {
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
        write!(f, " limit={} offset={}", self.limit, self.offset)
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
    let mut values: Vec<String> = values.collect();
    values.sort();
    values.dedup();
    values.join("|")
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
    fn sort_orders_use_ebays_spelling() {
        assert_eq!(SortOrder::PriceAscending.as_str(), "price");
        assert_eq!(SortOrder::PriceDescending.as_str(), "-price");
        assert_eq!(SortOrder::NewlyListed.as_str(), "newlyListed");
    }
}
