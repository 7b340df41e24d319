//! The insight email: subject, plain text and HTML (tera templates beside this file) and the
//! chart as an inline PNG (`cid:`).
//!
//! The HTML template is autoescaped (tera escapes templates whose name ends in `.html`): the
//! search phrase and listing titles are user and seller input. Values are formatted here, so the
//! templates only place strings.

use pubsub::insights::InsightReport;
use rust_decimal::Decimal;
use serde::Serialize;
use tera::{Context, Tera};

use super::chart;

/// Content id of the chart inside the email.
pub const CHART_CID: &str = "insight-chart";

const TEXT_TEMPLATE: &str = "insight.txt";
const HTML_TEMPLATE: &str = "insight.html";

/// Why an email could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// A template failed to parse or render.
    #[error("email template: {0}")]
    Template(String),
    /// The chart failed.
    #[error(transparent)]
    Chart(#[from] chart::ChartError),
}

/// What the report itself does not carry.
#[derive(Debug, Clone)]
pub struct EmailDetails<'a> {
    /// The alert's search phrase.
    pub search_phrase: &'a str,
    /// `PUBLIC_URL`, for the "manage this alert" link.
    pub public_url: &'a str,
    /// One-click unsubscribe link.
    pub unsubscribe_url: Option<&'a str>,
}

/// A rendered email.
#[derive(Debug, Clone)]
pub struct RenderedEmail {
    /// Subject line.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
    /// The chart, referenced by the HTML as `cid:insight-chart`.
    pub chart_png: Option<Vec<u8>>,
}

impl RenderedEmail {
    /// The email for the mailer.
    pub fn into_outgoing(
        self,
        to: &str,
        unsubscribe_url: Option<&str>,
        message_id: &str,
    ) -> mailer::OutgoingEmail {
        mailer::OutgoingEmail {
            to: to.to_owned(),
            subject: self.subject,
            text: self.text,
            html: Some(self.html),
            inline_images: self
                .chart_png
                .map(|bytes| mailer::InlineImage {
                    content_id: CHART_CID.into(),
                    content_type: "image/png".into(),
                    bytes,
                })
                .into_iter()
                .collect(),
            unsubscribe_url: unsubscribe_url.map(str::to_owned),
            message_id: Some(message_id.to_owned()),
        }
    }
}

/// The compiled templates; build once and share.
pub struct EmailRenderer {
    tera: Tera,
}

impl std::fmt::Debug for EmailRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailRenderer")
    }
}

#[derive(Serialize)]
struct View {
    phrase: String,
    currency: String,
    days: u32,
    window: String,
    enough_data: bool,
    message: String,
    first_week_median: String,
    second_week_median: String,
    change: String,
    change_color: &'static str,
    lowest: Option<LinkView>,
    good_deals: Vec<LinkView>,
    drops: Vec<DropView>,
    /// "Used, fixed price": what the headline figures describe (empty before segments).
    main_label: String,
    /// What the week-over-week change compares, in a sentence.
    change_explained: String,
    /// Every segment, when the alert saw more than one.
    segments: Vec<SegmentView>,
    new_listings: u64,
    series: Vec<PointView>,
    has_chart: bool,
    chart_cid: &'static str,
    manage_url: String,
    unsubscribe_url: String,
}

#[derive(Serialize)]
struct LinkView {
    title: String,
    url: String,
    price: String,
    date: String,
    /// The deal verdict's badge ("Lowest in 30 days"), when there is one.
    badge: String,
}

#[derive(Serialize)]
struct SegmentView {
    label: String,
    typical: String,
    lowest: String,
    count: u64,
    deals: usize,
    comparable: bool,
}

#[derive(Serialize)]
struct DropView {
    title: String,
    url: String,
    from: String,
    to: String,
    pct: String,
}

#[derive(Serialize)]
struct PointView {
    date: String,
    median: String,
    min: String,
    max: String,
    count: u64,
}

impl EmailRenderer {
    /// Compiles the templates.
    pub fn new() -> Result<Self, EmailError> {
        let mut tera = Tera::new();
        tera.add_raw_templates(vec![
            (TEXT_TEMPLATE, include_str!("templates/insight.txt")),
            (HTML_TEMPLATE, include_str!("templates/insight.html")),
        ])
        .map_err(|e| EmailError::Template(e.to_string()))?;
        Ok(Self { tera })
    }

    /// Renders the email of a report.
    pub fn render(
        &self,
        report: &InsightReport,
        details: &EmailDetails<'_>,
    ) -> Result<RenderedEmail, EmailError> {
        let chart_png = chart::render_png(report)?;
        let view = view(report, details, chart_png.is_some());
        let context =
            Context::from_serialize(&view).map_err(|e| EmailError::Template(e.to_string()))?;
        let text = self
            .tera
            .render(TEXT_TEMPLATE, &context)
            .map_err(|e| EmailError::Template(e.to_string()))?;
        let html = self
            .tera
            .render(HTML_TEMPLATE, &context)
            .map_err(|e| EmailError::Template(e.to_string()))?;
        Ok(RenderedEmail {
            subject: subject(report, details.search_phrase),
            text,
            html,
            chart_png,
        })
    }
}

fn subject(report: &InsightReport, phrase: &str) -> String {
    let trend = if !report.enough_data {
        "not enough data yet".to_owned()
    } else {
        match report.summary.median_change_pct {
            Some(pct) if pct.is_sign_negative() && !pct.is_zero() => {
                format!("median down {} % this week", pct.abs())
            }
            Some(pct) if !pct.is_zero() => format!("median up {pct} % this week"),
            Some(_) => "median unchanged this week".to_owned(),
            None => format!("{}-day summary", report.days),
        }
    };
    // Curly quotes around the phrase, as the dashboard writes it.
    format!("Price insights for “{phrase}”: {trend}")
}

/// `$12.99`, `€12.99`, `£12.99`, otherwise `12.99 CHF`.
pub fn price(amount: Decimal, currency: &str) -> String {
    let amount = super::compute::money(amount);
    match currency {
        "USD" => format!("${amount}"),
        "EUR" => format!("€{amount}"),
        "GBP" => format!("£{amount}"),
        other => format!("{amount} {other}"),
    }
}

fn view(report: &InsightReport, details: &EmailDetails<'_>, has_chart: bool) -> View {
    let c = report.currency.as_str();
    let s = &report.summary;
    let main = report
        .main_segment
        .as_ref()
        .and_then(|key| report.segments.iter().find(|seg| &seg.segment == key));
    let (change, change_color) = match s.median_change_pct {
        Some(pct) if pct.is_sign_negative() && !pct.is_zero() => {
            (format!("down {} %", pct.abs()), "#15803d")
        }
        Some(pct) if !pct.is_zero() => (format!("up {pct} %"), "#b91c1c"),
        Some(_) => ("unchanged".to_owned(), "#52525b"),
        None => (String::new(), "#52525b"),
    };
    let or_dash = |v: Option<Decimal>| v.map_or_else(|| "–".to_owned(), |v| price(v, c));
    View {
        phrase: details.search_phrase.to_owned(),
        currency: c.to_owned(),
        days: report.days,
        window: format!(
            "{} – {}",
            report.window_start.format("%b %-d"),
            report.window_end.format("%b %-d, %Y")
        ),
        enough_data: report.enough_data,
        message: report.message.clone().unwrap_or_default(),
        first_week_median: or_dash(s.first_week_median),
        second_week_median: or_dash(s.second_week_median),
        change,
        change_color,
        lowest: s.lowest.as_ref().map(|l| LinkView {
            title: l.title.clone(),
            url: l.item_url.clone(),
            price: price(l.price, c),
            date: l.date.format("%b %-d").to_string(),
            badge: String::new(),
        }),
        good_deals: s
            .good_deals
            .iter()
            .map(|d| LinkView {
                title: d.title.clone(),
                url: d.item_url.clone(),
                price: price(d.price, c),
                date: d.date.format("%b %-d").to_string(),
                badge: main
                    .and_then(|m| m.deals.iter().find(|v| v.item_id == d.item_id))
                    .map(|v| v.deal.badge())
                    .unwrap_or_default(),
            })
            .collect(),
        main_label: main.map(|m| m.label.clone()).unwrap_or_default(),
        change_explained: main
            .and_then(|m| m.change_explained.clone())
            .unwrap_or_default(),
        segments: if report.segments.len() > 1 {
            report
                .segments
                .iter()
                .map(|seg| SegmentView {
                    label: seg.label.clone(),
                    typical: seg.typical.map_or_else(|| "—".to_owned(), |t| price(t, c)),
                    lowest: seg
                        .lowest
                        .as_ref()
                        .map_or_else(|| "—".to_owned(), |l| price(l.price, c)),
                    count: seg.count,
                    deals: seg.deals.len(),
                    comparable: seg.comparable,
                })
                .collect()
        } else {
            Vec::new()
        },
        drops: s
            .biggest_drops
            .iter()
            .map(|d| DropView {
                title: d.title.clone(),
                url: d.item_url.clone(),
                from: price(d.from, c),
                to: price(d.to, c),
                pct: format!("{} %", d.change_pct),
            })
            .collect(),
        new_listings: s.new_listings,
        series: report
            .series
            .iter()
            .map(|p| PointView {
                date: p.date.format("%b %d").to_string(),
                median: price(p.median, c),
                min: price(p.min, c),
                max: price(p.max, c),
                count: p.count,
            })
            .collect(),
        has_chart,
        chart_cid: CHART_CID,
        manage_url: format!(
            "{}/alerts/{}",
            details.public_url.trim_end_matches('/'),
            report.alert_id
        ),
        unsubscribe_url: details.unsubscribe_url.unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone, Utc};
    use pubsub::insights::{DailyPoint, InsightSummary, ListingPrice, SegmentInsight};
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::*;

    fn report(enough: bool) -> InsightReport {
        let start = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
        let evil = "<script>alert(1)</script> & \"quotes\"";
        InsightReport {
            alert_id: Uuid::nil(),
            search_phrase: Some(evil.into()),
            currency: "USD".into(),
            days: 14,
            window_start: start,
            window_end: start + Duration::days(13),
            generated_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
            days_with_data: if enough { 3 } else { 1 },
            enough_data: enough,
            message: (!enough).then(|| "Not enough data yet: …".to_owned()),
            series: vec![DailyPoint {
                date: start,
                count: 3,
                min: dec!(10),
                p25: dec!(11),
                median: dec!(12),
                p75: dec!(13),
                mean: dec!(12),
                max: dec!(14),
                new_listings: 3,
            }],
            summary: if enough {
                InsightSummary {
                    first_week_median: Some(dec!(12.00)),
                    second_week_median: Some(dec!(11.00)),
                    median_change_pct: Some(dec!(-8.3)),
                    lowest: Some(ListingPrice {
                        item_id: "v1|1|0".into(),
                        title: "<b>bold</b> seller title".into(),
                        item_url: "https://www.ebay.com/itm/1?a=1&b=2".into(),
                        image_url: None,
                        price: dec!(10),
                        date: start,
                    }),
                    ..InsightSummary::default()
                }
            } else {
                InsightSummary::default()
            },
            main_segment: None,
            segments: Vec::new(),
        }
    }

    fn details() -> EmailDetails<'static> {
        EmailDetails {
            search_phrase: "<script>alert(1)</script> & \"quotes\"",
            public_url: "https://alerts.example.com/",
            unsubscribe_url: Some("https://alerts.example.com/unsubscribe?token=t"),
        }
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_verbatim_in_text() {
        let email = EmailRenderer::new()
            .unwrap()
            .render(&report(true), &details())
            .unwrap();

        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains("&lt;script&gt;"));
        assert!(!email.html.contains("<b>bold</b>"));
        assert!(email.html.contains("cid:insight-chart"));
        assert!(
            email.text.contains("<script>alert(1)</script>"),
            "text is not HTML"
        );
        assert!(email.text.contains("$10.00"));
        assert!(email.text.contains("down 8.3 %") || email.text.contains("(down 8.3 %)"));
        assert!(email.text.contains("https://alerts.example.com/alerts/"));
        assert!(
            email.subject.contains("median down 8.3 % this week"),
            "{}",
            email.subject
        );
        assert!(email.chart_png.is_some());
    }

    fn segment(key: &str, deals: Vec<pubsub::insights::DealListing>) -> SegmentInsight {
        let segment = crate::insights::segments::Segment::parse(key).unwrap();
        SegmentInsight {
            segment: key.into(),
            label: segment.label(),
            comparable: segment.is_working_single(),
            days_with_data: 7,
            count: 40,
            without_shipping: 0,
            typical: Some(dec!(225)),
            lowest: None,
            first_week_median: Some(dec!(230)),
            second_week_median: Some(dec!(225)),
            median_change_pct: Some(dec!(-2.2)),
            change_explained: Some(
                "The typical price (the median of each day's median) fell 2.2 %.".into(),
            ),
            deals,
            series: Vec::new(),
        }
    }

    #[test]
    fn segments_are_named_and_a_week_without_real_deals_says_none() {
        let mut r = report(true);
        r.main_segment = Some("used/fixed_price".into());
        r.segments = vec![
            segment("used/fixed_price", Vec::new()),
            segment("for_parts/fixed_price", Vec::new()),
        ];
        r.summary.good_deals.clear();

        let email = EmailRenderer::new()
            .unwrap()
            .render(&r, &details())
            .unwrap();

        assert!(
            email
                .text
                .contains("Figures below are for Used, fixed price listings"),
            "{}",
            email.text
        );
        assert!(email.text.contains("fell 2.2 %"));
        assert!(email.text.contains("* Used, fixed price: typical $225.00"));
        assert!(email.text.contains(
            "* For parts or not working, fixed price: typical $225.00, lowest —, 40 prices seen (not compared with working single items)"
        ));
        assert!(
            email.text.contains("Good deals: none this week."),
            "{}",
            email.text
        );
        assert!(email.html.contains("None this week"));
        assert!(!email.text.contains("observations"));
    }

    #[test]
    fn good_deals_carry_their_verdict_badge() {
        let mut r = report(true);
        let deal = pubsub::insights::DealListing {
            item_id: "v1|2|0".into(),
            title: "Switch OLED".into(),
            item_url: "https://www.ebay.com/itm/2".into(),
            price: dec!(175),
            deal: pubsub::insights::Deal {
                kind: pubsub::insights::DealKind::LowestIn30Days,
                percent_below_typical: Some(dec!(22.2)),
            },
        };
        r.main_segment = Some("used/fixed_price".into());
        r.segments = vec![segment("used/fixed_price", vec![deal])];
        r.summary.good_deals = vec![ListingPrice {
            item_id: "v1|2|0".into(),
            title: "Switch OLED".into(),
            item_url: "https://www.ebay.com/itm/2".into(),
            image_url: None,
            price: dec!(175),
            date: r.window_end,
        }];

        let email = EmailRenderer::new()
            .unwrap()
            .render(&r, &details())
            .unwrap();

        assert!(
            email
                .text
                .contains("* $175.00 [Lowest in 30 days]  Switch OLED"),
            "{}",
            email.text
        );
        assert!(email.html.contains(">Lowest in 30 days</span>"));
        assert!(
            !email.text.contains("By kind of listing"),
            "one segment: no breakdown"
        );
    }

    #[test]
    fn too_little_data_says_so_plainly() {
        let email = EmailRenderer::new()
            .unwrap()
            .render(&report(false), &details())
            .unwrap();

        assert_eq!(
            email.subject,
            "Price insights for “<script>alert(1)</script> & \"quotes\"”: not enough data yet",
            "curly quotes around the phrase, as in the alert emails"
        );
        assert!(
            email.subject.ends_with("not enough data yet"),
            "{}",
            email.subject
        );
        assert!(email.text.contains("Not enough data yet"), "{}", email.text);
        assert!(email.html.contains("Not enough data yet"));
        assert!(!email.text.contains("Good deals"));
    }
}
