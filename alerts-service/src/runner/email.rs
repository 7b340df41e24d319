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
                seller: l.seller.as_ref().map(|s| match l.seller_feedback_percent {
                    Some(f) => format!("{s} · {}% positive", f.normalize()),
                    None => s.clone(),
                }),
                deal: match verdicts {
                    Verdicts::Known(deals) => deals.get(&l.item_id).map(|d| d.badge()),
                    Verdicts::Unavailable { .. } => None,
                },
            }
        })
        .collect();
    let count = |r: Reason| notices.iter().filter(|n| n.reason == r).count();
    let phrase = shorten(&alert.search_phrase, 60);
    let subject = subject(
        [
            count(Reason::Target),
            count(Reason::PriceDrop),
            count(Reason::EndingSoon),
            count(Reason::New),
        ],
        &phrase,
    );
    let total = candidates.max(notices.len());
    let unsubscribe_url =
        event_outbox::unsubscribe_url(&state.settings, &alert.unsubscribe_token, EmailKind::Alerts);
    let mut context = tera::Context::new();
    context.insert("headline", &subject);
    context.insert("items", &items);
    context.insert("shown", &items.len());
    context.insert("total", &total);
    context.insert("more", &total.saturating_sub(items.len()));
    context.insert(
        "basis_note",
        match basis {
            PriceBasis::WithShipping => "Prices are compared with shipping to you included.",
            PriceBasis::Item => "Prices are compared without shipping.",
        },
    );
    context.insert(
        "deals_note",
        &match verdicts {
            Verdicts::Unavailable { deals_only: true } => Some(
                "Deal checks are unavailable right now, so this email lists every new listing \
                 instead of deals only.",
            ),
            _ => None,
        },
    );
    context.insert("phrase", &alert.search_phrase);
    context.insert(
        "alert_url",
        &state.settings.public_link(&format!("/alerts/{}", alert.id)),
    );
    context.insert("unsubscribe_url", &unsubscribe_url);
    let (text, html) = state.templates.render("alert", &context)?;
    Ok(QueuedEmail {
        kind: "alert",
        run_id: Some(run_id),
        recipient: owner_email.to_owned(),
        subject,
        text,
        html: Some(html),
        unsubscribe_url: Some(unsubscribe_url),
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
