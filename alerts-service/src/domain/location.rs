//! Where a user receives parcels: sent to eBay so shipping costs are theirs (DESIGN §6).

use super::Invalid;
use super::iso_codes::{COUNTRIES, POSTAL_SHAPES, fits_shape};

/// An ISO 3166-1 alpha-2 country code, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Country(String);

impl Country {
    /// Parses a code (case-insensitive). "UK" is the one common mistake, and is taken as GB.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = text.trim().to_ascii_uppercase();
        let code = if code == "UK" { "GB".to_owned() } else { code };
        if COUNTRIES.binary_search(&code.as_str()).is_ok() {
            Ok(Self(code))
        } else {
            Err(Invalid::NotACountry)
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal code of a sane shape for its country, upper-cased with single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostalCode(String);

impl PostalCode {
    /// Parses a postal code for `country`.
    pub fn parse(text: &str, country: &Country) -> Result<Self, Invalid> {
        let code = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        let compact = code.replace(' ', "");
        match POSTAL_SHAPES
            .iter()
            .find(|(c, _, _)| *c == country.as_str())
        {
            Some((_, shapes, example)) => {
                if shapes.iter().any(|s| fits_shape(&compact, s)) {
                    Ok(Self(code))
                } else {
                    Err(Invalid::NotAPostalCode(example))
                }
            }
            None => {
                let sane = (2..=10).contains(&compact.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
                    && compact.bytes().any(|b| b.is_ascii_alphanumeric());
                if sane {
                    Ok(Self(code))
                } else {
                    Err(Invalid::NotAPostalCode("2–10 letters and digits"))
                }
            }
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_iso_codes() {
        assert_eq!(Country::parse(" de ").unwrap().as_str(), "DE");
        assert_eq!(Country::parse("uk").unwrap().as_str(), "GB");
        for bad in ["", "USA", "XX", "D", "ZZ"] {
            assert_eq!(Country::parse(bad), Err(Invalid::NotACountry), "{bad}");
        }
    }

    #[test]
    fn postal_codes_have_their_countrys_shape() {
        let cases = [
            ("US", "94105", Some("94105")),
            ("US", "94105-1234", Some("94105-1234")),
            ("US", "9410", None),
            ("US", "ABCDE", None),
            ("GB", "sw1a  1aa", Some("SW1A 1AA")),
            ("GB", "SW1A1AA", Some("SW1A1AA")),
            ("GB", "12345", None),
            ("CA", "k1a 0b1", Some("K1A 0B1")),
            ("DE", "10115", Some("10115")),
            ("DE", "1011", None),
            ("NL", "1012 ab", Some("1012 AB")),
            ("BS", "N-4820", Some("N-4820")),
            ("BS", "!!", None),
        ];
        for (country, text, expected) in cases {
            let parsed = PostalCode::parse(text, &Country::parse(country).unwrap());
            assert_eq!(
                parsed.as_ref().ok().map(PostalCode::as_str),
                expected,
                "{country} {text}"
            );
        }
    }
}
