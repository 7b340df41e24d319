//! CSV exports (RFC 4180), pure: the insight history per day and segment, and the listings an
//! alert saw. Fields are quoted when they hold a comma, a quote or a line break; a field that a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
//! return) gets a leading `'`, because titles come from eBay sellers. Prices are plain decimal
//! numbers without currency symbols; dates are ISO 8601.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::compute::{SegmentRollupDay, money};

/// Header of `insights.csv`.
pub const INSIGHTS_HEADER: &str =
    "date,segment,count,min,p25,median,p75,max,new_listings,robust_low,without_shipping";

/// Header of `listings.csv`.
pub const LISTINGS_HEADER: &str = "item_id,title,condition,segment,first_seen,last_seen,last_price,lowest_price,currency,item_url";

/// One listing as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingRow {
    /// eBay's item id.
    pub item_id: String,
    /// Title.
    pub title: String,
    /// eBay's condition label, when given.
    pub condition: Option<String>,
    /// Segment of its latest sighting, when it had one.
    pub segment: Option<String>,
    /// First sighting by this alert.
    pub first_seen: DateTime<Utc>,
    /// Latest sighting in the window.
    pub last_seen: DateTime<Utc>,
    /// Asking price at the latest sighting.
    pub last_price: Decimal,
    /// Lowest asking price in the window.
    pub lowest_price: Decimal,
    /// Currency of both prices.
    pub currency: String,
    /// Page on eBay.
    pub item_url: String,
}

/// `insights.csv`: one row per day and segment, oldest day first, segments in name order.
pub fn insights_csv(days: &[SegmentRollupDay]) -> String {
    let mut rows: Vec<&SegmentRollupDay> = days.iter().collect();
    rows.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then(a.segment.key().cmp(&b.segment.key()))
    });
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(INSIGHTS_HEADER);
    out.push_str("\r\n");
    for d in rows {
        let s = &d.stats;
        let fields = [
            d.date.to_string(),
            d.segment.key(),
            s.count.to_string(),
            money(s.min).to_string(),
            money(s.p25).to_string(),
            money(s.median).to_string(),
            money(s.p75).to_string(),
            money(s.max).to_string(),
            d.new_listings.to_string(),
            money(d.robust_low).to_string(),
            d.without_shipping.to_string(),
        ];
        push_row(&mut out, &fields);
    }
    out
}

/// `listings.csv`: one row per listing, most recently seen first.
pub fn listings_csv(listings: &[ListingRow]) -> String {
    let mut rows: Vec<&ListingRow> = listings.iter().collect();
    rows.sort_by(|a, b| {
        b.last_seen
            .cmp(&a.last_seen)
            .then(a.item_id.cmp(&b.item_id))
    });
    let mut out = String::with_capacity(128 * (rows.len() + 1));
    out.push_str(LISTINGS_HEADER);
    out.push_str("\r\n");
    for l in rows {
        let fields = [
            l.item_id.clone(),
            l.title.clone(),
            l.condition.clone().unwrap_or_default(),
            l.segment.clone().unwrap_or_default(),
            l.first_seen
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            l.last_seen
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            money(l.last_price).to_string(),
            money(l.lowest_price).to_string(),
            l.currency.clone(),
            l.item_url.clone(),
        ];
        push_row(&mut out, &fields);
    }
    out
}

/// The download's file name, e.g. `insights-lego-42100-2026-11-23.csv`.
pub fn file_name(kind: &str, phrase: Option<&str>, day: NaiveDate) -> String {
    let slug: String = phrase
        .unwrap_or("alert")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug: Vec<&str> = slug.split('-').filter(|p| !p.is_empty()).collect();
    let slug = if slug.is_empty() {
        "alert".to_owned()
    } else {
        slug.join("-").chars().take(40).collect()
    };
    format!("{kind}-{slug}-{day}.csv")
}

fn push_row(out: &mut String, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&escape(field));
    }
    out.push_str("\r\n");
}

/// One field, quoted and defused as the module doc says.
pub fn escape(field: &str) -> String {
    let defused = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        // A negative number is data, not a formula.
        if field.parse::<Decimal>().is_ok() {
            field.to_owned()
        } else {
            format!("'{field}")
        }
    } else {
        field.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::ingest::rollup::DayStats;
    use crate::insights::segments::Segment;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1 phone", "'+1 phone"),
            ("@home", "'@home"),
            ("-12.50", "-12.50"),
            ("", ""),
        ];
        for (field, want) in cases {
            assert_eq!(escape(field), want, "{field}");
        }
    }

    #[test]
    fn insights_rows_are_per_day_and_segment_with_every_column() {
        let day = |d: u32, segment: &str, median: Decimal| SegmentRollupDay {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            segment: Segment::parse(segment).unwrap(),
            stats: DayStats {
                count: 4,
                min: median - dec!(10),
                p25: median - dec!(5),
                median,
                p75: median + dec!(5),
                mean: median,
                max: median + dec!(10.5),
            },
            robust_low: median - dec!(10),
            without_shipping: 1,
            low_listing: None,
            new_listings: 2,
        };
        let csv = insights_csv(&[
            day(22, "used/fixed_price", dec!(100)),
            day(21, "used/fixed_price", dec!(99.5)),
            day(21, "lot/fixed_price", dec!(300)),
        ]);
        assert_eq!(
            csv,
            "date,segment,count,min,p25,median,p75,max,new_listings,robust_low,without_shipping\r\n\
             2026-11-21,lot/fixed_price,4,290.00,295.00,300.00,305.00,310.50,2,290.00,1\r\n\
             2026-11-21,used/fixed_price,4,89.50,94.50,99.50,104.50,110.00,2,89.50,1\r\n\
             2026-11-22,used/fixed_price,4,90.00,95.00,100.00,105.00,110.50,2,90.00,1\r\n"
        );
        assert_eq!(insights_csv(&[]), format!("{INSIGHTS_HEADER}\r\n"));
    }

    #[test]
    fn listings_rows_say_when_and_at_what_price() {
        let at = |h| Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap();
        let csv = listings_csv(&[ListingRow {
            item_id: "v1|1|0".into(),
            title: "Switch OLED, boxed".into(),
            condition: Some("Used".into()),
            segment: Some("used/fixed_price".into()),
            first_seen: at(1),
            last_seen: at(9),
            last_price: dec!(210),
            lowest_price: dec!(199.5),
            currency: "USD".into(),
            item_url: "https://www.ebay.com/itm/1".into(),
        }]);
        assert_eq!(
            csv,
            format!(
                "{LISTINGS_HEADER}\r\nv1|1|0,\"Switch OLED, boxed\",Used,used/fixed_price,\
                 2026-11-23T01:00:00Z,2026-11-23T09:00:00Z,210.00,199.50,USD,https://www.ebay.com/itm/1\r\n"
            )
        );
    }

    #[test]
    fn file_names_are_safe_slugs() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            file_name("insights", Some("LEGO 42100 \"Liebherr\"/R9800"), day),
            "insights-lego-42100-liebherr-r9800-2026-11-23.csv"
        );
        assert_eq!(
            file_name("listings", None, day),
            "listings-alert-2026-11-23.csv"
        );
        assert_eq!(
            file_name("listings", Some("日本"), day),
            "listings-alert-2026-11-23.csv"
        );
    }
}
