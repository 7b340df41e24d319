//! The code tables alert and account fields are checked against: ISO 4217 currencies and ISO
//! 3166-1 alpha-2 countries, with postal-code shapes for the countries most eBay buyers live in.

/// Active ISO 4217 currency codes (the standard's list one, sorted), plus none of the fund or
/// precious-metal codes (XAU, XDR …): no listing is priced in those.
pub const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// ISO 3166-1 alpha-2 country codes (officially assigned), sorted.
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Postal-code shapes per country: `9` a digit, `A` a letter, `X` either, anything else itself. Codes are
/// compared upper-cased with spaces removed, so "sw1a 1aa" and "SW1A1AA" both fit "AA9A9AA".
/// Countries not listed accept 2–10 letters, digits, spaces and hyphens.
pub const POSTAL_SHAPES: &[(&str, &[&str], &str)] = &[
    ("US", &["99999", "99999-9999"], "94105"),
    ("CA", &["A9A9A9"], "K1A 0B1"),
    (
        "GB",
        &["A99AA", "A999AA", "A9A9AA", "AA99AA", "AA999AA", "AA9A9AA"],
        "SW1A 1AA",
    ),
    ("DE", &["99999"], "10115"),
    ("FR", &["99999"], "75001"),
    ("IT", &["99999"], "00118"),
    ("ES", &["99999"], "28001"),
    ("AU", &["9999"], "2000"),
    ("AT", &["9999"], "1010"),
    ("BE", &["9999"], "1000"),
    ("CH", &["9999"], "8001"),
    ("DK", &["9999"], "1050"),
    ("NO", &["9999"], "0150"),
    ("NZ", &["9999"], "6011"),
    ("NL", &["9999AA"], "1012 AB"),
    ("PL", &["99-999"], "00-950"),
    ("PT", &["9999-999"], "1100-148"),
    ("SE", &["99999"], "114 55"),
    ("FI", &["99999"], "00100"),
    ("IE", &["A99XXXX", "A9AXXXX"], "D02 X285"),
    ("JP", &["999-9999", "9999999"], "100-0001"),
    ("IN", &["999999"], "110001"),
    ("BR", &["99999-999", "99999999"], "01310-100"),
    ("MX", &["99999"], "06000"),
];

/// Whether `code` fits `shape` (see [`POSTAL_SHAPES`]).
pub fn fits_shape(code: &str, shape: &str) -> bool {
    code.len() == shape.len()
        && code.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            b'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
            other => c == other,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_sorted_unique_codes() {
        for (table, len) in [(CURRENCIES, 3), (COUNTRIES, 2)] {
            assert!(table.windows(2).all(|w| w[0] < w[1]));
            assert!(table.iter().all(|c| c.len() == len));
        }
        assert!(COUNTRIES.len() >= 249);
        for (country, shapes, example) in POSTAL_SHAPES {
            assert!(COUNTRIES.binary_search(country).is_ok(), "{country}");
            let example = example.replace(' ', "");
            assert!(
                shapes.iter().any(|s| fits_shape(&example, s)),
                "{country} {example}"
            );
        }
    }
}
