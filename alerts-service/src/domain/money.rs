use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::Invalid;

/// A non-negative amount with at most two decimal places, below a billion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(Decimal);

impl Price {
    /// Parses a JSON value: a decimal string (`"12.50"`, preferred) or a number.
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(Invalid::NotADecimal),
        };
        Self::parse(&text)
    }

    /// Parses a decimal string.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        // Plain notation only: `1e3` or `0x10` are not how people write prices.
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || digits.matches('.').count() > 1
        {
            return Err(Invalid::NotADecimal);
        }
        let value = Decimal::from_str(text).map_err(|_| Invalid::NotADecimal)?;
        if value.is_sign_negative() && !value.is_zero() {
            return Err(Invalid::Negative);
        }
        if value.normalize().scale() > 2 {
            return Err(Invalid::TooManyDecimals);
        }
        if value >= Decimal::from(1_000_000_000) {
            return Err(Invalid::TooLarge);
        }
        Ok(Self(value.normalize().abs()))
    }

    /// The amount.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// Canonical text with two decimals, as stored and sent (`"12.50"`).
    pub fn to_canonical(self) -> String {
        format!("{:.2}", self.0)
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

/// An ISO 4217 currency code, upper-case, from the standard's list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    /// Parses a code (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = text.trim().to_ascii_uppercase();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            Err(Invalid::NotACurrencyCode)
        } else if super::iso_codes::CURRENCIES
            .binary_search(&code.as_str())
            .is_err()
        {
            Err(Invalid::UnknownCurrency)
        } else {
            Ok(Self(code))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Currency {
    fn default() -> Self {
        Self("USD".into())
    }
}

/// Symbols the dashboard's `Intl.NumberFormat('en-US', {style: 'currency'})` uses; other codes
/// are written before the amount ("CHF 12.50"). Emails and the dashboard format money the same
/// way (`frontend/src/lib/format.ts` mirrors this table).
const SYMBOLS: &[(&str, &str)] = &[
    ("AUD", "A$"),
    ("BRL", "R$"),
    ("CAD", "CA$"),
    ("CNY", "CN¥"),
    ("EUR", "€"),
    ("GBP", "£"),
    ("HKD", "HK$"),
    ("ILS", "₪"),
    ("INR", "₹"),
    ("JPY", "¥"),
    ("KRW", "₩"),
    ("MXN", "MX$"),
    ("NZD", "NZ$"),
    ("PHP", "₱"),
    ("TWD", "NT$"),
    ("USD", "$"),
    ("VND", "₫"),
];

/// Currencies written without decimals (ISO 4217 minor unit 0).
const WHOLE: &[&str] = &[
    "CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND", "XAF", "XOF",
];

/// "$1,234.50", "€12.00", "¥1,235", "CHF 12.50": one way of writing money everywhere.
pub fn format_money(value: Decimal, currency: &str) -> String {
    let decimals = if WHOLE.contains(&currency) { 0 } else { 2 };
    let rounded = value.round_dp_with_strategy(
        decimals,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    );
    let text = format!("{:.*}", decimals as usize, rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let number = if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped}.{fraction}")
    };
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    match SYMBOLS.iter().find(|(code, _)| *code == currency) {
        Some((_, symbol)) => format!("{sign}{symbol}{number}"),
        None => format!("{sign}{currency}\u{a0}{number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_accept_decimal_strings_and_numbers() {
        assert_eq!(
            Price::parse_json(&json!("12.5")).unwrap().to_canonical(),
            "12.50"
        );
        assert_eq!(
            Price::parse_json(&json!(" 0 ")).unwrap().to_canonical(),
            "0.00"
        );
        assert_eq!(
            Price::parse_json(&json!(19.99)).unwrap().to_canonical(),
            "19.99"
        );
        assert_eq!(
            Price::parse_json(&json!("100.000")).unwrap().to_canonical(),
            "100.00"
        );
    }

    #[test]
    fn impossible_prices_are_rejected_with_a_reason() {
        for (bad, reason) in [
            (json!("-1"), "negative"),
            (json!("1.234"), "two decimal places"),
            (json!("abc"), "decimal string"),
            (json!(true), "decimal string"),
            (json!("1000000000"), "below"),
            (json!("1e3"), "decimal string"),
        ] {
            let error = Price::parse_json(&bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad}: {error}");
        }
    }

    #[test]
    fn money_is_written_as_the_dashboard_writes_it() {
        use rust_decimal_macros::dec;
        for (value, currency, text) in [
            (dec!(89), "USD", "$89.00"),
            (dec!(1234.5), "USD", "$1,234.50"),
            (dec!(1234567.891), "EUR", "€1,234,567.89"),
            (dec!(1234.5), "JPY", "¥1,235"),
            (dec!(12.5), "CHF", "CHF\u{a0}12.50"),
            (dec!(0), "GBP", "£0.00"),
            (dec!(100), "CAD", "CA$100.00"),
        ] {
            assert_eq!(format_money(value, currency), text);
        }
    }

    #[test]
    fn currencies_are_upper_cased_three_letter_codes() {
        assert_eq!(Currency::parse("eur").unwrap().as_str(), "EUR");
        for bad in ["", "US", "USDD", "U$D", "12A"] {
            assert_eq!(
                Currency::parse(bad),
                Err(Invalid::NotACurrencyCode),
                "{bad}"
            );
        }
        for unknown in ["XYZ", "ABC", "EUA"] {
            assert_eq!(
                Currency::parse(unknown),
                Err(Invalid::UnknownCurrency),
                "{unknown}"
            );
        }
    }
}
