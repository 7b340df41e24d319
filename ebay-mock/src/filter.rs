//! Parses eBay's `filter` parameter (`price:[10..50],priceCurrency:USD,conditions:{NEW}`)
//! and applies it to listings. Like eBay, filters it cannot use are ignored and reported as
//! warnings rather than failing the call.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::catalogue::Listing;
use crate::condition;
use crate::ebay_error::ErrorEntry;

/// eBay's documented maximum of user names in `excludeSellers`.
pub const MAX_EXCLUDED_SELLERS: usize = 250;

/// A parsed `filter`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilter {
    /// Lowest price in cents, inclusive.
    pub min_cents: Option<u64>,
    /// Highest price in cents, inclusive.
    pub max_cents: Option<u64>,
    /// `priceCurrency`.
    pub currency: Option<String>,
    /// `conditions` (`NEW`, `USED`, `UNSPECIFIED`); `None` = any.
    pub conditions: Option<Vec<&'static str>>,
    /// `conditionIds`; `None` = any.
    pub condition_ids: Option<Vec<u16>>,
    /// `buyingOptions`; `None` = eBay's default, fixed price only.
    pub buying_options: Option<Vec<BuyingOptionName>>,
    /// `sellers`; `None` = any.
    pub sellers: Option<Vec<String>>,
    /// `excludeSellers`; empty = none excluded.
    pub exclude_sellers: Vec<String>,
}

/// A buying option named in the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuyingOptionName {
    /// `FIXED_PRICE`
    FixedPrice,
    /// `AUCTION`
    Auction,
    /// `BEST_OFFER`
    BestOffer,
    /// `CLASSIFIED_AD` (the mock has none).
    ClassifiedAd,
}

impl SearchFilter {
    /// Parses the parameter; the second value lists the warnings for ignored parts.
    pub fn parse(raw: &str) -> (Self, Vec<ErrorEntry>) {
        let mut filter = Self::default();
        let mut warnings = Vec::new();
        let mut has_price = false;
        for part in split_unescaped(raw, ',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((key, value)) = split_once_unescaped(part, ':') else {
                warnings.push(with_reason(
                    ErrorEntry::invalid_filter(part),
                    "The filter has no value and was ignored.",
                ));
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            let result = match key {
                "price" => parse_price(value).map(|(min, max)| {
                    has_price = true;
                    filter.min_cents = min;
                    filter.max_cents = max;
                }),
                "priceCurrency" => {
                    if value.len() == 3 && value.chars().all(|c| c.is_ascii_uppercase()) {
                        filter.currency = Some(value.to_owned());
                        Ok(())
                    } else {
                        Err(format!("'{value}' is not a currency code."))
                    }
                }
                "conditions" => parse_set(value).and_then(|values| {
                    values
                        .iter()
                        .map(|v| match v.as_str() {
                            "NEW" => Ok("NEW"),
                            "USED" => Ok("USED"),
                            "UNSPECIFIED" => Ok("UNSPECIFIED"),
                            other => Err(format!("'{other}' is not a valid condition.")),
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|groups| filter.conditions = Some(groups))
                }),
                "conditionIds" => parse_set(value).and_then(|values| {
                    values
                        .iter()
                        .map(|v| {
                            v.parse::<u16>()
                                .map_err(|_| format!("'{v}' is not a condition id."))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|ids| filter.condition_ids = Some(ids))
                }),
                "buyingOptions" => parse_set(value).and_then(|values| {
                    values
                        .iter()
                        .map(|v| match v.as_str() {
                            "FIXED_PRICE" => Ok(BuyingOptionName::FixedPrice),
                            "AUCTION" => Ok(BuyingOptionName::Auction),
                            "BEST_OFFER" => Ok(BuyingOptionName::BestOffer),
                            "CLASSIFIED_AD" => Ok(BuyingOptionName::ClassifiedAd),
                            other => Err(format!("'{other}' is not a valid buying option.")),
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|options| filter.buying_options = Some(options))
                }),
                "sellers" => parse_set(value).map(|values| filter.sellers = Some(values)),
                "excludeSellers" => parse_set(value).and_then(|values| {
                    if values.len() > MAX_EXCLUDED_SELLERS {
                        Err(format!(
                            "{} sellers are more than the {MAX_EXCLUDED_SELLERS} allowed.",
                            values.len()
                        ))
                    } else {
                        filter.exclude_sellers = values;
                        Ok(())
                    }
                }),
                other => Err(format!("The filter '{other}' is not supported.")),
            };
            if let Err(reason) = result {
                warnings.push(with_reason(
                    ErrorEntry::invalid_filter(key),
                    &format!("{reason} The filter was ignored."),
                ));
            }
        }
        if has_price && filter.currency.is_none() {
            warnings.push(ErrorEntry::price_needs_currency());
            filter.min_cents = None;
            filter.max_cents = None;
        }
        (filter, warnings)
    }

    /// Whether a listing passes the filter (including eBay's fixed-price-only default).
    pub fn matches(&self, listing: &Listing, seller_username: impl Fn(u64) -> String) -> bool {
        if let Some(min) = self.min_cents
            && listing.price_cents < min
        {
            return false;
        }
        if let Some(max) = self.max_cents
            && listing.price_cents > max
        {
            return false;
        }
        // eBay: with both, `conditionIds` decides.
        if let Some(ids) = &self.condition_ids {
            if !listing.condition_id.is_some_and(|id| ids.contains(&id)) {
                return false;
            }
        } else if let Some(groups) = &self.conditions
            && !groups.contains(&condition::coarse_name(listing.condition_id))
        {
            return false;
        }
        let options = listing.options;
        let buying_ok = match &self.buying_options {
            None => options.fixed_price,
            Some(wanted) => wanted.iter().any(|w| match w {
                BuyingOptionName::FixedPrice => options.fixed_price,
                BuyingOptionName::Auction => options.auction,
                BuyingOptionName::BestOffer => options.best_offer,
                BuyingOptionName::ClassifiedAd => false,
            }),
        };
        if !buying_ok {
            return false;
        }
        if self.sellers.is_some() || !self.exclude_sellers.is_empty() {
            // eBay user names are case-insensitive.
            let name = seller_username(listing.seller_index);
            if let Some(sellers) = &self.sellers
                && !sellers.iter().any(|s| s.eq_ignore_ascii_case(&name))
            {
                return false;
            }
            if self
                .exclude_sellers
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&name))
            {
                return false;
            }
        }
        true
    }
}

/// eBay's warning text is generic; the mock says what exactly it could not use in
/// `longMessage`, which helps whoever reads a test failure.
fn with_reason(mut entry: ErrorEntry, reason: &str) -> ErrorEntry {
    entry.long_message = Some(format!("{} {reason}", entry.message));
    entry
}

/// `[10..50]`, `[10..]`, `[10]` (lower bound only, as eBay documents), `[..50]`.
fn parse_price(value: &str) -> Result<(Option<u64>, Option<u64>), String> {
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or_else(|| format!("'{value}' is not a range like [10..50]."))?;
    let (low, high) = match inner.split_once("..") {
        Some((low, high)) => (low.trim(), high.trim()),
        None => (inner.trim(), ""),
    };
    let bound = |text: &str, round_up: bool| -> Result<Option<u64>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        let amount = Decimal::from_str(text).map_err(|_| format!("'{text}' is not a price."))?;
        if amount.is_sign_negative() {
            return Err(format!("'{text}' is negative."));
        }
        let cents = amount * Decimal::from(100);
        let cents = if round_up {
            cents.ceil()
        } else {
            cents.floor()
        };
        cents
            .to_u64()
            .map(Some)
            .ok_or_else(|| format!("'{text}' is out of range."))
    };
    let min = bound(low, true)?;
    let max = bound(high, false)?;
    if min.is_none() && max.is_none() {
        return Err(format!("'{value}' has no bounds."));
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(format!("'{value}' has its minimum above its maximum."));
    }
    Ok((min, max))
}

/// `{A|B}` into its unescaped values.
fn parse_set(value: &str) -> Result<Vec<String>, String> {
    let inner = value
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .ok_or_else(|| format!("'{value}' is not a set like {{A|B}}."))?;
    let values: Vec<String> = split_unescaped(inner, '|')
        .into_iter()
        .map(|v| unescape(v.trim()))
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Err(format!("'{value}' is empty."));
    }
    Ok(values)
}

/// Splits at `separator` outside brackets/braces and not preceded by a backslash.
fn split_unescaped(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut escaped = false;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            c if c == separator && depth <= 0 => {
                parts.push(&text[start..index]);
                start = index + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn split_once_unescaped(text: &str, separator: char) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
        } else if c == separator {
            return Some((&text[..index], &text[index + c.len_utf8()..]));
        }
    }
    None
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escaped = false;
    for c in text.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_filter_syntax_parses_without_warnings() {
        let (filter, warnings) = SearchFilter::parse(
            "price:[10..50],priceCurrency:USD,conditions:{NEW|USED},buyingOptions:{FIXED_PRICE|AUCTION}",
        );

        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(filter.min_cents, Some(1000));
        assert_eq!(filter.max_cents, Some(5000));
        assert_eq!(filter.currency.as_deref(), Some("USD"));
        assert_eq!(filter.conditions, Some(vec!["NEW", "USED"]));
        assert_eq!(
            filter.buying_options,
            Some(vec![
                BuyingOptionName::FixedPrice,
                BuyingOptionName::Auction
            ])
        );
    }

    #[test]
    fn open_and_single_bound_price_ranges_parse() {
        let cases = [
            ("[10..]", Some(1000), None),
            ("[10]", Some(1000), None),
            ("[..50]", None, Some(5000)),
            ("[9.995..10.005]", Some(1000), Some(1000)),
        ];
        for (range, min, max) in cases {
            assert_eq!(parse_price(range), Ok((min, max)), "{range}");
        }
        assert!(parse_price("[..]").is_err());
        assert!(parse_price("[abc..5]").is_err());
        assert!(parse_price("[50..10]").is_err());
    }

    #[test]
    fn unknown_or_malformed_filters_become_warnings() {
        let (filter, warnings) =
            SearchFilter::parse("colour:{RED},conditions:{SHINY},price:[5..6]");

        let ids: Vec<u32> = warnings.iter().map(|w| w.error_id).collect();
        assert_eq!(ids, vec![12002, 12002, 12012], "{warnings:?}");
        assert_eq!(warnings[0].parameters[0].value, "colour");
        assert_eq!(warnings[1].parameters[0].value, "conditions");
        assert_eq!(filter.conditions, None);
        assert_eq!(filter.min_cents, None, "price without currency is ignored");
    }

    #[test]
    fn escaped_separators_stay_inside_seller_names() {
        let (filter, warnings) = SearchFilter::parse(r"sellers:{a\|b|c\,d},conditions:{NEW}");

        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            filter.sellers,
            Some(vec!["a|b".to_owned(), "c,d".to_owned()])
        );
    }

    #[test]
    fn condition_ids_and_excluded_sellers_parse() {
        let (filter, warnings) = SearchFilter::parse(
            "conditionIds:{1000|1500|7000},excludeSellers:{bad_seller|Flipper}",
        );

        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(filter.condition_ids, Some(vec![1000, 1500, 7000]));
        assert_eq!(filter.exclude_sellers, vec!["bad_seller", "Flipper"]);
    }

    #[test]
    fn bad_condition_ids_and_too_many_excluded_sellers_are_ignored_with_warnings() {
        let many = (0..251)
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join("|");
        let cases = [
            "conditionIds:{new}".to_owned(),
            "conditionIds:{1000|x}".to_owned(),
            "conditionIds:{}".to_owned(),
            "excludeSellers:{}".to_owned(),
            format!("excludeSellers:{{{many}}}"),
        ];
        for raw in cases {
            let (filter, warnings) = SearchFilter::parse(&raw);
            assert_eq!(warnings.len(), 1, "{raw}");
            assert_eq!(warnings[0].error_id, 12002, "{raw}");
            assert_eq!(filter.condition_ids, None, "{raw}");
            assert!(filter.exclude_sellers.is_empty(), "{raw}");
        }
    }
}
