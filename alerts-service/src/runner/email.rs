//! The alert email: the listings an owner has not been told about, newest news first.

use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::matching::{EMAIL_CAP, Listing, Notice, Reason};
use crate::db::entities::alert;
use crate::email::QueuedEmail;
use crate::event_outbox;
use crate::state::AppState;

#[derive(Serialize)]
struct Item {
    badge: &'static str,
    title: String,
    url: String,
    image_url: Option<String>,
    price: String,
    currency: String,
    previous_price: Option<String>,
    change: Option<String>,
    condition: Option<String>,
}

/// Renders the email for one run's notices.
pub fn render(
    state: &AppState,
    alert: &alert::Model,
    listings: &[Listing],
    notices: &[Notice],
    owner_email: &str,
    run_id: Uuid,
) -> Result<QueuedEmail, tera::Error> {
    let items: Vec<Item> = notices
        .iter()
        .take(EMAIL_CAP)
        .map(|n| {
            let l = &listings[n.index];
            Item {
                badge: match n.reason {
                    Reason::New => "New",
                    Reason::PriceDrop => "Price drop",
                    Reason::Target => "Target price",
                },
                title: l.title.clone(),
                url: l.item_url.clone(),
                image_url: l
                    .image_url
                    .clone()
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                price: format!("{:.2}", l.price),
                currency: l.currency.clone(),
                previous_price: n.previous_price.map(|p| format!("{p:.2}")),
                change: n.previous_price.and_then(|p| change(p, l.price)),
                condition: l.condition.clone(),
            }
        })
        .collect();
    let drops = notices
        .iter()
        .filter(|n| n.reason == Reason::PriceDrop)
        .count();
    let fresh = notices.len() - drops;
    let phrase = shorten(&alert.search_phrase, 60);
    let subject = match (fresh, drops) {
        (f, 0) => format!(
            "{f} new {} for “{phrase}”",
            plural(f, "listing", "listings")
        ),
        (0, d) => format!("{d} price {} for “{phrase}”", plural(d, "drop", "drops")),
        (f, d) => format!(
            "{f} new {} and {d} price {} for “{phrase}”",
            plural(f, "listing", "listings"),
            plural(d, "drop", "drops")
        ),
    };
    let unsubscribe_url = event_outbox::unsubscribe_url(&state.settings, &alert.unsubscribe_token);
    let mut context = tera::Context::new();
    context.insert("headline", &subject);
    context.insert("items", &items);
    context.insert("more", &notices.len().saturating_sub(EMAIL_CAP));
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

fn shorten(text: &str, max: usize) -> String {
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
}
