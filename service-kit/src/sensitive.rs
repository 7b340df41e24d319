//! [`Sensitive`]: settings that hold secrets are wrapped so that printing the settings (a
//! `Debug` log line, a panic message) can never reveal them.

use std::fmt;

/// A value whose `Debug` never shows it (URLs with passwords, tokens, keys).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself; call only where it is used, never to log.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret, for the one place that hands it on.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl std::str::FromStr for Sensitive<String> {
    type Err = std::convert::Infallible;

    /// Lets clap parse a secret flag straight into a `Sensitive<String>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::Sensitive;

    #[test]
    fn debug_output_never_contains_the_secret() {
        let cases = [
            "redis://:hunter2@redis:6379",
            "smtps://user:pass@mail:465",
            "",
        ];
        for secret in cases {
            let wrapped = Sensitive::new(secret.to_owned());
            let shown = format!("{wrapped:?} {:?}", Some(&wrapped));
            assert_eq!(shown, "[redacted] Some([redacted])");
            assert_eq!(wrapped.expose(), secret);
        }
    }
}
