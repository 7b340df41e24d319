//! [`RetryPolicy`]: what an email outbox does after one delivery attempt. Both services keep an
//! outbox (alert and sign-in emails in alerts-service, insight emails in analytics-service) with
//! their own tables, but decide the same way: sent; or retried later, waiting twice as long each
//! time up to a cap, while the failure is transient and attempts remain; or given up.

use std::time::Duration;

use crate::MailerError;

/// What to do with an email after an attempt to send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// It was accepted: mark it sent.
    Sent,
    /// A transient failure with attempts left: try again after this long.
    RetryAfter(Duration),
    /// A permanent refusal, or the last attempt failed: mark it failed.
    GiveUp,
}

/// How an outbox retries a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles with every further attempt.
    pub first_wait: Duration,
    /// The longest wait between two attempts.
    pub max_wait: Duration,
    /// Attempts made before a transient failure is given up.
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// The wait before the next try, after `attempts` attempts: `first_wait × 2^attempts`,
    /// capped at `max_wait`.
    pub fn wait_after(&self, attempts: u32) -> Duration {
        let factor = 1u32 << attempts.min(20);
        self.first_wait
            .checked_mul(factor)
            .map_or(self.max_wait, |wait| wait.min(self.max_wait))
    }

    /// What to do after the attempt numbered `attempts` (counted before this one) ended in
    /// `result`.
    pub fn next_step<T>(&self, result: &Result<T, MailerError>, attempts: u32) -> NextStep {
        match result {
            Ok(_) => NextStep::Sent,
            Err(error) if error.is_transient() && attempts < self.max_attempts => {
                NextStep::RetryAfter(self.wait_after(attempts))
            }
            Err(_) => NextStep::GiveUp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALERTS: RetryPolicy = RetryPolicy {
        first_wait: Duration::from_secs(10),
        max_wait: Duration::from_secs(7_200),
        max_attempts: 12,
    };

    #[test]
    fn waits_double_from_the_first_up_to_the_cap() {
        for (attempts, secs) in [
            (0, 10),
            (1, 20),
            (3, 80),
            (9, 5_120),
            (10, 7_200),
            (30, 7_200),
        ] {
            assert_eq!(
                ALERTS.wait_after(attempts),
                Duration::from_secs(secs),
                "{attempts}"
            );
        }
    }

    #[test]
    fn transient_failures_retry_until_the_last_attempt_and_refusals_never() {
        let smtp = |permanent| MailerError::Smtp {
            message: "421 busy / 550 no such user".into(),
            permanent,
        };
        let transient = || -> Result<(), MailerError> { Err(smtp(false)) };
        let refused: Result<(), MailerError> = Err(smtp(true));
        let cases = [
            (Ok(()), 0, NextStep::Sent),
            (
                transient(),
                0,
                NextStep::RetryAfter(Duration::from_secs(10)),
            ),
            (
                transient(),
                11,
                NextStep::RetryAfter(Duration::from_secs(7_200)),
            ),
            (transient(), 12, NextStep::GiveUp),
            (refused, 0, NextStep::GiveUp),
        ];
        for (result, attempts, expected) in cases {
            assert_eq!(
                ALERTS.next_step(&result, attempts),
                expected,
                "{result:?} {attempts}"
            );
        }
    }
}
