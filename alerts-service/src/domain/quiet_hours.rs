//! Quiet hours and daily digests (issue #18, DESIGN §12): when a held notification may go out.
//!
//! All times are the user's wall-clock times in an IANA time zone, turned into instants with
//! chrono-tz, so daylight-saving changes are handled where they happen:
//! * a local time that does not exist (02:30 on a spring-forward night) resolves to the first
//!   instant after the gap, when the wall clock jumps past it;
//! * a local time that exists twice (02:30 on a fall-back night) resolves to its first
//!   occurrence, when the wall clock first shows it.
//!
//! A quiet window is an interval of instants (from its start to its end), not a test on the
//! wall clock, so a window that ended at the first 02:30 of a fall-back night does not start
//! again when the clock shows 02:00 a second time.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Invalid;

/// How an alert's notifications go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// As soon as a run finds something (held while the account's quiet hours last).
    #[default]
    Immediate,
    /// Collected into one message a day at the alert's `digest_hour`.
    Digest,
}

impl Delivery {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Digest => "digest",
        }
    }

    /// Parses the stored/wire name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text {
            "immediate" => Ok(Self::Immediate),
            "digest" => Ok(Self::Digest),
            _ => Err(Invalid::NotOneOf("immediate, digest")),
        }
    }
}

/// Why quiet hours or a digest hour do not parse; `Display` completes a sentence that starts
/// with the field's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuietHoursInvalid {
    /// Not `HH:MM` on a 24-hour clock.
    #[error("must be a time of day as \"HH:MM\" (24-hour clock, e.g. \"22:00\")")]
    NotATime,
    /// Not a name in the IANA time zone database.
    #[error("must be an IANA time zone name such as \"Europe/Berlin\" or \"America/New_York\"")]
    UnknownTimeZone,
    /// The window would be empty.
    #[error("must differ from start (send quiet_hours: null for no quiet hours)")]
    EmptyWindow,
}

/// Parses `HH:MM` (24-hour clock; seconds are not offered).
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime, QuietHoursInvalid> {
    let (h, m) = text.split_once(':').ok_or(QuietHoursInvalid::NotATime)?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return Err(QuietHoursInvalid::NotATime);
    }
    let (h, m) = (
        h.parse::<u32>().map_err(|_| QuietHoursInvalid::NotATime)?,
        m.parse::<u32>().map_err(|_| QuietHoursInvalid::NotATime)?,
    );
    NaiveTime::from_hms_opt(h, m, 0).ok_or(QuietHoursInvalid::NotATime)
}

/// Parses an IANA time zone name (`Europe/Berlin`, `UTC`).
pub fn parse_time_zone(text: &str) -> Result<Tz, QuietHoursInvalid> {
    text.parse::<Tz>()
        .map_err(|_| QuietHoursInvalid::UnknownTimeZone)
}

/// A digest hour: a whole hour of the user's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestHour(u8);

impl DigestHour {
    /// 08:00 in the user's time zone: a morning summary of the day before.
    pub const DEFAULT: DigestHour = DigestHour(8);

    /// Parses 0–23.
    pub fn parse(hour: i64) -> Result<Self, Invalid> {
        u8::try_from(hour)
            .ok()
            .filter(|h| *h < 24)
            .map(Self)
            .ok_or(Invalid::NotAnHour)
    }

    /// Parses a JSON number 0–23.
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, Invalid> {
        value
            .as_i64()
            .ok_or(Invalid::NotAnHour)
            .and_then(Self::parse)
    }

    /// The hour, 0–23.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// An account's quiet hours: notifications made from `start` to `end` (local wall-clock times
/// in `time_zone`) are held and sent as one digest when the window ends. `end` before `start`
/// crosses midnight (22:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
    time_zone: Tz,
}

impl QuietHours {
    /// Parses the three fields; errors are per field (`start`, `end`, `time_zone`).
    pub fn parse(
        start: &str,
        end: &str,
        time_zone: &str,
    ) -> Result<Self, Vec<(&'static str, QuietHoursInvalid)>> {
        let mut errors = Vec::new();
        let start = parse_time_of_day(start).map_err(|e| errors.push(("start", e)));
        let end = parse_time_of_day(end).map_err(|e| errors.push(("end", e)));
        let time_zone = parse_time_zone(time_zone).map_err(|e| errors.push(("time_zone", e)));
        if let (Ok(s), Ok(e)) = (start, end)
            && s == e
        {
            errors.push(("end", QuietHoursInvalid::EmptyWindow));
        }
        match (start, end, time_zone) {
            (Ok(start), Ok(end), Ok(time_zone)) if errors.is_empty() => Ok(Self {
                start,
                end,
                time_zone,
            }),
            _ => Err(errors),
        }
    }

    /// Quiet hours from already-valid parts (stored rows, tests). `start == end` means no
    /// quiet hours at all: [`QuietHours::quiet_until`] is then always `None`.
    pub fn new(start: NaiveTime, end: NaiveTime, time_zone: Tz) -> Self {
        Self {
            start,
            end,
            time_zone,
        }
    }

    /// Start, as `HH:MM`.
    pub fn start_text(&self) -> String {
        self.start.format("%H:%M").to_string()
    }

    /// End, as `HH:MM`.
    pub fn end_text(&self) -> String {
        self.end.format("%H:%M").to_string()
    }

    /// The IANA name of the time zone.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// If `at` falls within quiet hours, the instant they end (when the held notifications
    /// go out as one digest); `None` outside quiet hours.
    pub fn quiet_until(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.start == self.end {
            return None;
        }
        let today = at.with_timezone(&self.time_zone).date_naive();
        // A window that covers `at` started today or, crossing midnight, yesterday.
        [today.pred_opt()?, today]
            .into_iter()
            .map(|day| self.window_starting_on(day))
            .find(|(from, to)| *from <= at && at < *to)
            .map(|(_, to)| to)
    }

    /// The window that starts on local date `day`, as instants.
    fn window_starting_on(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let end_day = if self.end > self.start {
            day
        } else {
            day.succ_opt().unwrap_or(day)
        };
        (
            resolve(self.time_zone, day, self.start),
            resolve(self.time_zone, end_day, self.end),
        )
    }
}

/// The first instant after `after` at which the wall clock in `time_zone` shows `hour`:00 —
/// exactly one per local day, also on the days the clocks change.
pub fn next_digest_at(after: DateTime<Utc>, hour: DigestHour, time_zone: Tz) -> DateTime<Utc> {
    let at = NaiveTime::from_hms_opt(u32::from(hour.get()), 0, 0).unwrap_or(NaiveTime::MIN);
    let mut day = after.with_timezone(&time_zone).date_naive();
    // Today's digest may still be ahead; otherwise tomorrow's is (a day never lacks one).
    for _ in 0..3 {
        let instant = resolve(time_zone, day, at);
        if instant > after {
            return instant;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    after + Duration::days(1)
}

/// The instant the wall clock in `time_zone` shows `time` on `day`: its first occurrence when
/// it shows it twice, or the end of the gap when the clock skips it.
fn resolve(time_zone: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    match time_zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Inside a gap: the first whole minute that exists is where the clock jumped to.
            // Gaps are at most a few hours, and start on whole minutes in every zone.
            let from = local.with_second(0).unwrap_or(local);
            (1..=24 * 60)
                .map(|m| from + Duration::minutes(m))
                .find_map(|t| time_zone.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&Utc))
                // Unreachable for real zones: fall back to reading the local time as UTC.
                .unwrap_or_else(|| Utc.from_utc_datetime(&local))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn hours(start: &str, end: &str, tz: &str) -> QuietHours {
        QuietHours::parse(start, end, tz).unwrap()
    }

    #[test]
    fn quiet_windows_end_at_the_local_end_time_dst_included() {
        // (start, end, zone, now in UTC, expected end in UTC or None when not quiet)
        let cases = [
            // Crossing midnight, Berlin in winter (UTC+1): 23:00 local is quiet until 07:00.
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-01-10T22:00:00Z",
                Some("2026-01-11T06:00:00Z"),
            ),
            // 06:59 local, still quiet (yesterday's window).
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-01-11T05:59:00Z",
                Some("2026-01-11T06:00:00Z"),
            ),
            // 07:00 local: the window has ended (end is exclusive).
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-01-11T06:00:00Z",
                None,
            ),
            // 22:00 local: the window starts (start is inclusive).
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-01-10T21:00:00Z",
                Some("2026-01-11T06:00:00Z"),
            ),
            // Noon local: not quiet.
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-01-10T11:00:00Z",
                None,
            ),
            // Same-day window 12:00–14:00 in New York winter (UTC-5).
            (
                "12:00",
                "14:00",
                "America/New_York",
                "2026-01-10T17:30:00Z",
                Some("2026-01-10T19:00:00Z"),
            ),
            (
                "12:00",
                "14:00",
                "America/New_York",
                "2026-01-10T19:00:00Z",
                None,
            ),
            // start == end: no quiet hours at all.
            (
                "07:00",
                "07:00",
                "Europe/Berlin",
                "2026-01-10T06:00:00Z",
                None,
            ),
            // Berlin spring forward 2026-03-29: 02:00 CET -> 03:00 CEST. The window 22:00-07:00
            // that started at 21:00Z ends at 07:00 CEST = 05:00Z (one hour shorter).
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-03-29T00:30:00Z",
                Some("2026-03-29T05:00:00Z"),
            ),
            // An end of 02:30 does not exist that night: the window ends when the clock jumps,
            // 03:00 CEST = 01:00Z.
            (
                "22:00",
                "02:30",
                "Europe/Berlin",
                "2026-03-28T23:00:00Z",
                Some("2026-03-29T01:00:00Z"),
            ),
            (
                "22:00",
                "02:30",
                "Europe/Berlin",
                "2026-03-29T01:00:00Z",
                None,
            ),
            // A start of 02:30 does not exist: the window starts at the jump (01:00Z).
            (
                "02:30",
                "06:00",
                "Europe/Berlin",
                "2026-03-29T00:59:00Z",
                None,
            ),
            (
                "02:30",
                "06:00",
                "Europe/Berlin",
                "2026-03-29T01:00:00Z",
                Some("2026-03-29T04:00:00Z"),
            ),
            // Berlin fall back 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30Z and
            // 01:30Z. The window ends at the first 02:30 and does not start again at the second.
            (
                "22:00",
                "02:30",
                "Europe/Berlin",
                "2026-10-25T00:00:00Z",
                Some("2026-10-25T00:30:00Z"),
            ),
            (
                "22:00",
                "02:30",
                "Europe/Berlin",
                "2026-10-25T01:00:00Z",
                None,
            ),
            (
                "22:00",
                "02:30",
                "Europe/Berlin",
                "2026-10-25T01:15:00Z",
                None,
            ),
            // 22:00-07:00 across the fall-back night is an hour longer: 07:00 CET = 06:00Z.
            (
                "22:00",
                "07:00",
                "Europe/Berlin",
                "2026-10-25T03:00:00Z",
                Some("2026-10-25T06:00:00Z"),
            ),
            // New York spring forward 2026-03-08: 02:00 EST -> 03:00 EDT (07:00Z).
            (
                "22:00",
                "07:00",
                "America/New_York",
                "2026-03-08T06:00:00Z",
                Some("2026-03-08T11:00:00Z"),
            ),
            (
                "01:00",
                "02:30",
                "America/New_York",
                "2026-03-08T06:30:00Z",
                Some("2026-03-08T07:00:00Z"),
            ),
            // New York fall back 2026-11-01: 02:00 EDT -> 01:00 EST; 01:30 happens at 05:30Z and
            // 06:30Z. A window 23:00-01:30 ends at the first.
            (
                "23:00",
                "01:30",
                "America/New_York",
                "2026-11-01T05:00:00Z",
                Some("2026-11-01T05:30:00Z"),
            ),
            (
                "23:00",
                "01:30",
                "America/New_York",
                "2026-11-01T06:00:00Z",
                None,
            ),
            (
                "23:00",
                "01:30",
                "America/New_York",
                "2026-11-01T06:45:00Z",
                None,
            ),
        ];
        for (start, end, tz, now, expected) in cases {
            let q = QuietHours::new(
                parse_time_of_day(start).unwrap(),
                parse_time_of_day(end).unwrap(),
                parse_time_zone(tz).unwrap(),
            );
            assert_eq!(
                q.quiet_until(utc(now)),
                expected.map(utc),
                "{start}-{end} {tz} at {now}"
            );
        }
    }

    #[test]
    fn digests_go_out_once_a_local_day_at_the_chosen_hour_dst_included() {
        // (hour, zone, after in UTC, expected next digest in UTC)
        let cases = [
            (
                8,
                "Europe/Berlin",
                "2026-01-10T06:00:00Z",
                "2026-01-10T07:00:00Z",
            ),
            // Exactly at the digest instant: the next one is tomorrow's.
            (
                8,
                "Europe/Berlin",
                "2026-01-10T07:00:00Z",
                "2026-01-11T07:00:00Z",
            ),
            (
                8,
                "Europe/Berlin",
                "2026-01-10T23:30:00Z",
                "2026-01-11T07:00:00Z",
            ),
            // Summer time (UTC+2).
            (
                8,
                "Europe/Berlin",
                "2026-07-01T00:00:00Z",
                "2026-07-01T06:00:00Z",
            ),
            // The spring-forward day still has its 08:00, now at UTC+2.
            (
                8,
                "Europe/Berlin",
                "2026-03-28T07:00:00Z",
                "2026-03-29T06:00:00Z",
            ),
            // 02:00 does not exist on 2026-03-29 in Berlin: the digest goes at the jump, 01:00Z.
            (
                2,
                "Europe/Berlin",
                "2026-03-28T01:00:00Z",
                "2026-03-29T01:00:00Z",
            ),
            // 02:00 exists twice on 2026-10-25 in Berlin: the first, 00:00Z, and only once.
            (
                2,
                "Europe/Berlin",
                "2026-10-24T12:00:00Z",
                "2026-10-25T00:00:00Z",
            ),
            (
                2,
                "Europe/Berlin",
                "2026-10-25T00:00:00Z",
                "2026-10-26T01:00:00Z",
            ),
            // New York: 02:00 skipped on 2026-03-08 (jump at 07:00Z), 01:00 twice on 2026-11-01.
            (
                2,
                "America/New_York",
                "2026-03-07T12:00:00Z",
                "2026-03-08T07:00:00Z",
            ),
            (
                1,
                "America/New_York",
                "2026-10-31T12:00:00Z",
                "2026-11-01T05:00:00Z",
            ),
            (
                1,
                "America/New_York",
                "2026-11-01T05:00:00Z",
                "2026-11-02T06:00:00Z",
            ),
            // Midnight digests.
            (
                0,
                "America/New_York",
                "2026-01-10T04:59:00Z",
                "2026-01-10T05:00:00Z",
            ),
        ];
        for (hour, tz, after, expected) in cases {
            let got = next_digest_at(
                utc(after),
                DigestHour::parse(hour).unwrap(),
                parse_time_zone(tz).unwrap(),
            );
            assert_eq!(got, utc(expected), "{hour}:00 {tz} after {after}");
        }
    }

    #[test]
    fn bad_quiet_hours_name_each_field() {
        let cases: [(&str, &str, &str, &[&str]); 6] = [
            ("25:00", "07:00", "Europe/Berlin", &["start"]),
            ("22:00", "7", "Europe/Berlin", &["end"]),
            ("22:00", "07:00", "Mars/Olympus", &["time_zone"]),
            ("22:00", "22:00", "UTC", &["end"]),
            ("x", "y", "", &["start", "end", "time_zone"]),
            ("22:60", "07:00", "europe/berlin", &["start", "time_zone"]),
        ];
        for (start, end, tz, fields) in cases {
            let errors = QuietHours::parse(start, end, tz).unwrap_err();
            let got: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
            assert_eq!(got, fields, "{start}-{end} {tz}");
        }
        let ok = hours("22:00", "07:00", "Europe/Berlin");
        assert_eq!(
            (ok.start_text(), ok.end_text()),
            ("22:00".into(), "07:00".into())
        );
        assert_eq!(ok.time_zone().name(), "Europe/Berlin");
    }

    #[test]
    fn digest_hours_are_whole_hours_of_the_day() {
        for ok in [0, 8, 23] {
            assert_eq!(i64::from(DigestHour::parse(ok).unwrap().get()), ok);
        }
        for bad in [-1, 24, 300] {
            assert_eq!(DigestHour::parse(bad), Err(Invalid::NotAnHour));
        }
        assert_eq!(
            DigestHour::parse_json(&serde_json::json!("8")),
            Err(Invalid::NotAnHour)
        );
    }

    #[test]
    fn deliveries_are_immediate_or_digest() {
        for d in [Delivery::Immediate, Delivery::Digest] {
            assert_eq!(Delivery::parse(d.as_str()), Ok(d));
        }
        assert_eq!(
            Delivery::parse("hourly").unwrap_err().to_string(),
            "must be one of immediate, digest"
        );
    }
}
