use std::time::Duration;

use super::Invalid;

/// How often an alert runs: one of the minutes the product offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frequency(u32);

impl Frequency {
    /// The choices: the original system's 2, 10 and 30 minutes, plus hourly and daily.
    pub const CHOICES: [u32; 5] = [2, 10, 30, 60, 1440];

    /// Parses a number of minutes.
    pub fn parse(minutes: i64) -> Result<Self, Invalid> {
        Self::CHOICES
            .iter()
            .find(|&&m| i64::from(m) == minutes)
            .map(|&m| Self(m))
            .ok_or(Invalid::NotOneOf("2, 10, 30, 60, 1440"))
    }

    /// Minutes between runs.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// Time between runs.
    pub fn interval(self) -> Duration {
        Duration::from_secs(u64::from(self.0) * 60)
    }
}

#[cfg(test)]
mod tests {
    use super::Frequency;

    #[test]
    fn only_the_offered_frequencies_parse() {
        for ok in [2, 10, 30, 60, 1440] {
            assert_eq!(Frequency::parse(ok).unwrap().minutes() as i64, ok);
        }
        for bad in [0, 1, 5, 15, 120, -10, 1441] {
            assert!(Frequency::parse(bad).is_err(), "{bad}");
        }
    }
}
