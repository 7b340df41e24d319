//! The alert email: the listings an owner has not been told about, most important first. Every
//! listing says what a buyer decides on: condition, price with shipping ("$89.00 + $12.50
//! shipping"), buying format, time left and seller feedback; the subject leads with target hits
//! and drops ("3 at or under your target, 12 new — nintendo switch oled").

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::matching::{EMAIL_CAP, Listing, Notice, Reason};
use crate::alerts::EmailKind;
use crate::channels::message::{ListingRef, Notification};
use crate::db::entities::alert;
use crate::domain::{ConditionGroup, PriceBasis, format_money};
use crate::email::QueuedEmail;
use crate::event_outbox;
use crate::state::AppState;

#[derive(Serialize)]
struct Item {
    badge: &'static str,
    title: String,
    url: String,
    image_url: Option<String>,
    /// "$89.00 + $12.50 shipping", "Current bid $40.00 (3 bids), free shipping", …
    price_line: String,
    /// "$101.50 total" when shipping adds to the price.
    total: Option<String>,
    previous_price: Option<String>,
    change: Option<String>,
    /// "Used", "Refurbished", … (eBay's own label when it has no group).
    condition: Option<String>,
    /// "Buy It Now" or "Auction".
    format: &'static str,
    /// "ends in 3h 20m".
    time_left: Option<String>,
    /// "seller_name · 99.2% positive".
    seller: Option<String>,
    /// The deal verdict's badge: "Lowest in 30 days", "18.0 % below typical".
    deal: Option<String>,
}

/// The deal verdicts of a run's listings, as the email shows them.
#[derive(Debug, Clone, Copy)]
pub enum Verdicts<'a> {
    /// Analytics answered: badges for the listings it judged deals.
    Known(&'a crate::verdicts::Deals),
    /// Analytics could not answer in time: no badges, and a `deals_only` alert says so.
    Unavailable {
        /// The alert asked for deals only, and gets every listing instead.
        deals_only: bool,
    },
}

/// Human name of a condition group, as the dashboard writes it.
pub fn condition_label(group: ConditionGroup) -> &'static str {
    match group {
        ConditionGroup::New => "New",
        ConditionGroup::OpenBox => "Open box",
        ConditionGroup::Refurbished => "Refurbished",
        ConditionGroup::Used => "Used",
        ConditionGroup::ForParts => "For parts or not working",
    }
}

/// The price as a buyer reads it: never a bid shown as an asking price, never unknown
/// shipping shown as free.
pub(crate) fn price_line(l: &Listing) -> String {
    let price = format_money(l.price, &l.currency);
    let head = if l.is_auction() {
        match l.bid_count {
            Some(1) => format!("Current bid {price} (1 bid)"),
            Some(n) => format!("Current bid {price} ({n} bids)"),
            None => format!("Current bid {price}"),
        }
    } else {
        price
    };
    match l.shipping {
        Some(s) if s.is_zero() => format!("{head}, free shipping"),
        Some(s) => format!("{head} + {} shipping", format_money(s, &l.currency)),
        None => format!("{head} + shipping unknown"),
    }
}

/// "ends in 2d 4h", "ends in 3h 20m", "ends in 12m", or `None` when it has no end.
pub fn time_left(ends_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<String> {
    let minutes = (ends_at? - now).num_minutes();
    Some(if minutes <= 0 {
        "ending now".to_owned()
    } else if minutes >= 24 * 60 {
        format!(
            "ends in {}d {}h",
            minutes / (24 * 60),
            minutes % (24 * 60) / 60
        )
    } else if minutes >= 60 {
        format!("ends in {}h {}m", minutes / 60, minutes % 60)
    } else {
        format!("ends in {minutes}m")
    })
}

/// "seller_name · 99.2% positive", "seller_name · no feedback yet" for a seller nobody has
/// rated, or the name alone when eBay does not say.
pub(crate) fn seller_line(l: &Listing) -> Option<String> {
    l.seller.as_ref().map(
        |s| match (l.seller_feedback_percent, l.seller_feedback_score) {
            (Some(f), _) => format!("{s} · {}% positive", f.normalize()),
            (None, Some(0)) => format!("{s} · no feedback yet"),
            (None, _) => s.clone(),
        },
    )
}

/// The subject: what matters most first, then the phrase.
pub(crate) fn subject(counts: [usize; 4], phrase: &str) -> String {
    let [targets, drops, ending, fresh] = counts;
    let mut parts = Vec::new();
    if targets > 0 {
        parts.push(format!("{targets} at or under your target"));
    }
    if drops > 0 {
        parts.push(format!("{drops} price {}", plural(drops, "drop", "drops")));
    }
    if ending > 0 {
        parts.push(format!("{ending} ending soon"));
    }
    if fresh > 0 {
        parts.push(format!("{fresh} new"));
    }
    format!("{} — {phrase}", parts.join(", "))
}

/// Renders the email for one run's notices. `candidates` is how many listings were worth
/// mentioning before a first run's cut.
#[allow(clippy::too_many_arguments)]
pub fn render(
    state: &AppState,
    alert: &alert::Model,
    listings: &[Listing],
    notices: &[Notice],
    owner_email: &str,
    run_id: Uuid,
    basis: PriceBasis,
    candidates: usize,
    verdicts: Verdicts<'_>,
) -> Result<QueuedEmail, tera::Error> {
    let now = Utc::now();
    let items: Vec<Item> = notices
        .iter()
        .take(EMAIL_CAP)
        .map(|n| {
            let l = &listings[n.index];
            let compared = l.compared(basis);
            Item {
                badge: match n.reason {
                    Reason::New => "New",
                    Reason::PriceDrop => "Price drop",
                    Reason::Target => "Target price",
                    Reason::EndingSoon => "Ending soon",
                },
                title: l.title.clone(),
                url: l.item_url.clone(),
                image_url: l
                    .image_url
                    .clone()
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                price_line: price_line(l),
                total: l
                    .total()
                    .filter(|_| l.shipping.is_some_and(|s| !s.is_zero()))
                    .map(|t| format!("{} total", format_money(t, &l.currency))),
                previous_price: n.previous_price.map(|p| format_money(p, &l.currency)),
                change: n
                    .previous_price
                    .zip(compared)
                    .and_then(|(p, c)| change(p, c)),
                condition: l
                    .condition_group
                    .map(|g| condition_label(g).to_owned())
                    .or_else(|| l.condition.clone()),
                format: if l.is_auction() {
                    "Auction"
                } else {
                    "Buy It Now"
                },
                time_left: time_left(l.ends_at, now),
                seller: seller_line(l),
                deal: match verdicts {
                    Verdicts::Known(deals) => deals.get(&l.item_id).map(|d| d.badge()),
                    Verdicts::Unavailable { .. } => None,
                },
            }
        })
        .collect();
    let count = |r: Reason| notices.iter().filter(|n| n.reason == r).count();
    let subject = subject(
        [
            count(Reason::Target),
            count(Reason::PriceDrop),
            count(Reason::EndingSoon),
            count(Reason::New),
        ],
        &shorten(&alert.search_phrase, 60),
    );
    let deals_note = match verdicts {
        Verdicts::Unavailable { deals_only: true } => Some(
            "Deal checks are unavailable right now, so this email lists every new listing \
             instead of deals only.",
        ),
        _ => None,
    };
    let body = Body {
        total: candidates.max(notices.len()),
        items,
        basis,
        note: deals_note,
    };
    let mut email = finish(state, alert, owner_email, subject, body)?;
    email.run_id = Some(run_id);
    Ok(email)
}

/// Why held alert emails go out together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestReason {
    /// The alert asked for one email a day.
    Daily,
    /// They were made during the owner's quiet hours, which are over.
    QuietHours,
}

/// Renders the digest email of one alert: `digest` combines its held notifications
/// ([`crate::channels::digest::combine`]); times left are as of `now`, when it is sent.
pub fn render_digest(
    state: &AppState,
    alert: &alert::Model,
    digest: &Notification,
    reason: DigestReason,
    owner_email: &str,
    now: DateTime<Utc>,
) -> Result<QueuedEmail, tera::Error> {
    let items: Vec<Item> = digest
        .listings
        .iter()
        .take(EMAIL_CAP)
        .map(|l| digest_item(l, now))
        .collect();
    let c = digest.counts;
    let counts = subject(
        [c.at_target, c.price_drops, c.ending_soon, c.new],
        &shorten(&alert.search_phrase, 60),
    );
    let (subject, note) = match reason {
        DigestReason::Daily => (
            format!("Daily digest: {counts}"),
            "Your daily digest for this alert: everything found since the last one.",
        ),
        DigestReason::QuietHours => (
            format!("While you were away: {counts}"),
            "These were held during your quiet hours and sent when they ended.",
        ),
    };
    let body = Body {
        total: c.total.max(items.len()),
        items,
        basis: PriceBasis::parse(&alert.price_basis).unwrap_or_default(),
        note: Some(note),
    };
    let mut email = finish(state, alert, owner_email, subject, body)?;
    email.kind = "alert_digest";
    Ok(email)
}

/// A held listing as the email shows it; an auction that ended while it was held says so.
fn digest_item(l: &ListingRef, now: DateTime<Utc>) -> Item {
    let money = |text: &Option<String>| text.as_deref().and_then(|v| v.parse::<Decimal>().ok());
    Item {
        badge: match l.reason.as_str() {
            "price_drop" => "Price drop",
            "target" => "Target price",
            "ending_soon" => "Ending soon",
            _ => "New",
        },
        title: l.title.clone(),
        url: l.url.clone(),
        image_url: l
            .image_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        price_line: l.price_line.clone(),
        total: money(&l.total_price)
            .filter(|_| money(&l.shipping_cost).is_some_and(|s| !s.is_zero()))
            .map(|t| format!("{} total", format_money(t, &l.currency))),
        previous_price: l.previous_price.clone(),
        change: None,
        condition: l.condition.clone(),
        format: if l.buying_option == "auction" {
            "Auction"
        } else {
            "Buy It Now"
        },
        time_left: match l.ends_at {
            Some(end) if end <= now => Some("auction ended".to_owned()),
            end => time_left(end, now),
        },
        seller: l.seller.clone(),
        deal: l.deal.clone(),
    }
}

/// What differs between an alert email and a digest.
struct Body {
    items: Vec<Item>,
    /// Listings worth telling, shown or not.
    total: usize,
    basis: PriceBasis,
    /// A line under the headline.
    note: Option<&'static str>,
}

/// Renders an alert email (or digest) with the alert's links and unsubscribe header.
fn finish(
    state: &AppState,
    alert: &alert::Model,
    owner_email: &str,
    subject: String,
    body: Body,
) -> Result<QueuedEmail, tera::Error> {
    let unsubscribe_url =
        event_outbox::unsubscribe_url(&state.settings, &alert.unsubscribe_token, EmailKind::Alerts);
    let mut context = tera::Context::new();
    context.insert("headline", &subject);
    context.insert("shown", &body.items.len());
    context.insert("total", &body.total);
    context.insert("more", &body.total.saturating_sub(body.items.len()));
    context.insert("items", &body.items);
    context.insert(
        "basis_note",
        match body.basis {
            PriceBasis::WithShipping => "Prices are compared with shipping to you included.",
            PriceBasis::Item => "Prices are compared without shipping.",
        },
    );
    context.insert("note", &body.note);
    context.insert("phrase", &alert.search_phrase);
    context.insert(
        "alert_url",
        &state.settings.public_link(&format!("/alerts/{}", alert.id)),
    );
    context.insert("unsubscribe_url", &unsubscribe_url);
    let (text, html) = state.templates.render("alert", &context)?;
    Ok(QueuedEmail {
        kind: "alert",
        run_id: None,
        alert_id: Some(alert.id),
        recipient: owner_email.to_owned(),
        subject,
        text,
        html: Some(html),
        unsubscribe_url: Some(unsubscribe_url),
        hold: None,
    })
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

/// `-12.5%` style change from `before` to `after`.
fn change(before: Decimal, after: Decimal) -> Option<String> {
    if before.is_zero() {
        return None;
    }
    let pct = (after - before) / before * Decimal::from(100);
    Some(format!(
        "{}{:.1}%",
        if pct.is_sign_positive() { "+" } else { "" },
        pct
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::matching::tests::listing;
    use rust_decimal_macros::dec;

    #[test]
    fn changes_are_signed_percentages() {
        assert_eq!(change(dec!(100), dec!(87.5)).as_deref(), Some("-12.5%"));
        assert_eq!(change(dec!(0), dec!(1)), None);
    }

    #[test]
    fn long_phrases_are_shortened_for_subjects() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn subjects_lead_with_targets_and_drops() {
        assert_eq!(
            subject([3, 0, 0, 12], "nintendo switch oled"),
            "3 at or under your target, 12 new — nintendo switch oled"
        );
        assert_eq!(
            subject([0, 1, 2, 0], "x"),
            "1 price drop, 2 ending soon — x"
        );
    }

    #[test]
    fn sellers_show_their_feedback_or_that_they_have_none_yet() {
        // (name, percent, score, expected)
        let cases = [
            (
                Some("ann"),
                Some(dec!(99.20)),
                Some(1200),
                Some("ann · 99.2% positive"),
            ),
            (Some("bob"), None, Some(0), Some("bob · no feedback yet")),
            (Some("cy"), None, None, Some("cy")),
            (
                Some("di"),
                Some(dec!(100.0)),
                None,
                Some("di · 100% positive"),
            ),
            (None, Some(dec!(99)), Some(5), None),
        ];
        for (name, percent, score, expected) in cases {
            let mut l = listing("a", dec!(1));
            l.seller = name.map(str::to_owned);
            l.seller_feedback_percent = percent;
            l.seller_feedback_score = score;
            assert_eq!(
                seller_line(&l).as_deref(),
                expected,
                "{name:?} {percent:?} {score:?}"
            );
        }
    }

    #[test]
    fn prices_say_shipping_and_bids_plainly() {
        let mut l = listing("a", dec!(89));
        l.shipping = Some(dec!(12.5));
        assert_eq!(price_line(&l), "$89.00 + $12.50 shipping");
        l.shipping = Some(dec!(0));
        assert_eq!(price_line(&l), "$89.00, free shipping");
        l.shipping = None;
        assert_eq!(price_line(&l), "$89.00 + shipping unknown");
        l.buying_options = vec!["AUCTION".into()];
        l.bid_count = Some(3);
        assert_eq!(
            price_line(&l),
            "Current bid $89.00 (3 bids) + shipping unknown"
        );
    }

    #[test]
    fn time_left_is_short_and_readable() {
        let now = Utc::now();
        let at = |m: i64| Some(now + chrono::Duration::minutes(m));
        assert_eq!(time_left(at(12), now).as_deref(), Some("ends in 12m"));
        assert_eq!(time_left(at(200), now).as_deref(), Some("ends in 3h 20m"));
        assert_eq!(time_left(at(3000), now).as_deref(), Some("ends in 2d 2h"));
        assert_eq!(time_left(None, now), None);
    }
}
