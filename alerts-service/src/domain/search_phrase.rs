use std::fmt;

use super::Invalid;

/// What a user searches eBay for: 1–200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchPhrase(String);

impl SearchPhrase {
    /// The longest phrase accepted (eBay's own limit on `q` is about 350 bytes).
    pub const MAX_CHARS: usize = 200;

    /// Parses user input.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Invalid::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::TooLong(Self::MAX_CHARS));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Invalid::ControlCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The phrase as the user wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case- and space-insensitive form: alerts with equal normalised phrases (and filters)
    /// share one eBay search.
    pub fn normalised(&self) -> String {
        self.0
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for SearchPhrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::SearchPhrase;

    #[test]
    fn phrases_are_trimmed_and_normalised() {
        let phrase = SearchPhrase::parse("  LEGO   42100 ").unwrap();
        assert_eq!(phrase.as_str(), "LEGO   42100");
        assert_eq!(phrase.normalised(), "lego 42100");
    }

    #[test]
    fn empty_long_and_multiline_phrases_are_rejected() {
        let long = "x".repeat(201);
        for bad in ["", "   ", long.as_str(), "lego\r\nBcc: a@b.c", "tab\there"] {
            assert!(SearchPhrase::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            SearchPhrase::parse(&"é".repeat(200)).is_ok(),
            "200 characters, not bytes"
        );
    }
}
