//! Timestamps in JSON responses: the same RFC 3339 text chrono's `Serialize` writes
//! (`2026-11-24T09:30:00.123456Z`: fraction only when non-zero, in 3, 6 or 9 digits), formatted
//! into a stack buffer. chrono goes through `fmt::Write` one character at a time, which was a
//! twentieth of the service's CPU on the list endpoint (four timestamps per alert, 20 alerts
//! per page; BENCHMARKS.md).

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// `#[serde(serialize_with = "crate::timestamp::serialize")]`
pub fn serialize<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match format(time, &mut buf) {
        Some(text) => serializer.serialize_str(text),
        // Years outside 0–9999 and leap seconds: chrono knows how.
        None => time.serialize(serializer),
    }
}

/// `#[serde(serialize_with = "crate::timestamp::serialize_option")]`
pub fn serialize_option<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serialize(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// Writes `time` into `buf`; `None` where chrono's own formatting is needed.
fn format<'b>(time: &DateTime<Utc>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
    let year = u32::try_from(time.year()).ok().filter(|y| *y <= 9999)?;
    let nano = time.nanosecond();
    if nano >= 1_000_000_000 {
        return None;
    }
    let (fraction, fraction_digits) = match nano {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut text = Text { buf, len: 0 };
    text.digits(year, 4);
    text.byte(b'-');
    text.digits(time.month(), 2);
    text.byte(b'-');
    text.digits(time.day(), 2);
    text.byte(b'T');
    text.digits(time.hour(), 2);
    text.byte(b':');
    text.digits(time.minute(), 2);
    text.byte(b':');
    text.digits(time.second(), 2);
    if fraction_digits > 0 {
        text.byte(b'.');
        text.digits(fraction, fraction_digits);
    }
    text.byte(b'Z');
    let len = text.len;
    std::str::from_utf8(&buf[..len]).ok()
}

/// An ASCII buffer being filled.
struct Text<'b> {
    buf: &'b mut [u8; 30],
    len: usize,
}

impl Text<'_> {
    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    /// `value` zero-padded to `width` digits (its lowest ones if it has more).
    fn digits(&mut self, mut value: u32, width: usize) {
        for i in (0..width).rev() {
            // value % 10 is one digit, so the cast cannot truncate.
            self.buf[self.len + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ours(time: DateTime<Utc>) -> String {
        #[derive(Serialize)]
        struct T(#[serde(serialize_with = "serialize")] DateTime<Utc>);
        serde_json::to_string(&T(time)).unwrap()
    }

    #[test]
    fn writes_exactly_what_chrono_writes() {
        let base = Utc.with_ymd_and_hms(2026, 11, 24, 9, 5, 7).unwrap();
        let nanos = [
            0,
            1,
            999,
            1_000,
            120_000,
            123_456_000,
            500_000_000,
            123_456_789,
            999_999_999,
        ];
        let mut times: Vec<DateTime<Utc>> = nanos
            .iter()
            .map(|n| base + chrono::Duration::nanoseconds(*n))
            .collect();
        times.push(Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap());
        times.push(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap());
        times.push(Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap());
        // Out of the fast path's range: chrono formats these.
        times.push(Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap());
        times.push(Utc.with_ymd_and_hms(-1, 6, 30, 12, 0, 0).unwrap());
        for time in times {
            assert_eq!(
                ours(time),
                serde_json::to_string(&time).unwrap(),
                "{time:?}"
            );
        }
    }

    #[test]
    fn leap_seconds_fall_back_to_chrono() {
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        assert_eq!(ours(leap), serde_json::to_string(&leap).unwrap());
    }

    #[test]
    fn none_is_null() {
        #[derive(Serialize)]
        struct T(#[serde(serialize_with = "serialize_option")] Option<DateTime<Utc>>);
        assert_eq!(serde_json::to_string(&T(None)).unwrap(), "null");
    }
}
