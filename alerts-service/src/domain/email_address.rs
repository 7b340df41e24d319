use std::fmt;

use super::Invalid;

/// A syntactically plausible email address, trimmed and lower-cased (so one person is one user
/// whatever case they type).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses user input.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(Invalid::Empty);
        }
        if value.len() > 254 {
            return Err(Invalid::TooLong(254));
        }
        if value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>()[],;:\\\"".contains(c))
        {
            return Err(Invalid::NotAPlainAddress);
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(Invalid::MissingAt);
        };
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return Err(Invalid::NotAPlainAddress);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
        {
            return Err(Invalid::NotADomain);
        }
        Ok(Self(value))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn implausible_addresses_are_rejected() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "a b@example.com",
            "ada@@example.com",
            "ada@example.com\r\nBcc: x@y.z",
            "<ada@example.com>",
            "ada@-example.com",
            "ada@example..com",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
