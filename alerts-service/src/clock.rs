//! Where the scheduler and the runner read "now": the system clock in production, a
//! [`SimulatedClock`] in tests and the `detection` benchmark, so days of scheduling can be
//! simulated in seconds with the real runner (the eBay mock's clock is set to the same instant).

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is moved; shared between replicas of a simulation.
#[derive(Debug)]
pub struct SimulatedClock {
    /// Milliseconds since the Unix epoch: one atomic, so readers never see a torn value.
    millis: AtomicI64,
}

impl SimulatedClock {
    /// A clock stopped at `at`.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self {
            millis: AtomicI64::new(at.timestamp_millis()),
        }
    }

    /// Moves the clock to `at` (also backwards, which the scheduler tolerates).
    pub fn set(&self, at: DateTime<Utc>) {
        self.millis.store(at.timestamp_millis(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.millis
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_simulated_clock_stands_still_until_it_is_moved() {
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let clock = SimulatedClock::starting_at(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::minutes(90));
        assert_eq!(clock.now(), start + chrono::Duration::minutes(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
