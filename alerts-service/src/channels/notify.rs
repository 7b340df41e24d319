//! Turning a run's notices into channel outbox rows, inside the run's transaction (called by
//! [`crate::listings`] beside the email it queues), so a notification exists for every channel
//! exactly when the run that found it is committed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::message::{AlertRef, Counts, InsightRef, ListingRef, Notification};
use super::store::{self, Queued, Route};
use crate::db::entities::alert;
use crate::domain::quiet_hours::next_digest_at;
use crate::domain::{Delivery, DigestHour, QuietHours, format_money};
use crate::runner::email::{condition_label, price_line, seller_line, shorten, subject};
use crate::runner::matching::{Listing, Notice, Reason};
use crate::state::AppState;

/// Listings carried per notification (a first run may find many; the count says how many).
pub const LISTINGS_CAP: usize = 25;

/// One alert's notices from a run.
pub struct RunNotices<'a> {
    /// The alert.
    pub alert: &'a alert::Model,
    /// Its run.
    pub run_id: Uuid,
    /// What is worth telling, most important first.
    pub notices: &'a [Notice],
    /// How many were worth it before a first run's cut.
    pub candidates: usize,
    /// Deal verdicts by item id (`None`: analytics could not answer in time).
    pub deals: Option<&'a crate::verdicts::Deals>,
}

/// Builds the notification of one alert's run.
pub fn notification(
    state: &AppState,
    run: &RunNotices<'_>,
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Notification {
    let mut counts = Counts::default();
    for n in run.notices {
        match n.reason {
            Reason::New => counts.new += 1,
            Reason::PriceDrop => counts.price_drops += 1,
            Reason::Target => counts.at_target += 1,
            Reason::EndingSoon => counts.ending_soon += 1,
        }
    }
    counts.total = run.candidates.max(run.notices.len());
    let headline = subject(
        [
            counts.at_target,
            counts.price_drops,
            counts.ending_soon,
            counts.new,
        ],
        &shorten(&run.alert.search_phrase, 60),
    );
    Notification {
        kind: "alert.listings".into(),
        headline,
        alert: Some(AlertRef {
            id: run.alert.id,
            search_phrase: run.alert.search_phrase.clone(),
            url: state
                .settings
                .public_link(&format!("/alerts/{}", run.alert.id)),
        }),
        listings: run
            .notices
            .iter()
            .take(LISTINGS_CAP)
            .map(|n| {
                let l = &listings[n.index];
                ListingRef {
                    reason: match n.reason {
                        Reason::New => "new",
                        Reason::PriceDrop => "price_drop",
                        Reason::Target => "target",
                        Reason::EndingSoon => "ending_soon",
                    }
                    .into(),
                    title: l.title.clone(),
                    url: l.item_url.clone(),
                    image_url: l.image_url.clone(),
                    price: l.price.to_string(),
                    shipping_cost: l.shipping.map(|s| s.to_string()),
                    total_price: l.total().map(|t| t.to_string()),
                    currency: l.currency.clone(),
                    price_line: price_line(l),
                    previous_price: n.previous_price.map(|p| format_money(p, &l.currency)),
                    condition: l
                        .condition_group
                        .map(|g| condition_label(g).to_owned())
                        .or_else(|| l.condition.clone()),
                    seller: seller_line(l),
                    deal: run.deals.and_then(|d| d.get(&l.item_id)).map(|d| d.badge()),
                    buying_option: if l.is_auction() {
                        "auction"
                    } else {
                        "fixed_price"
                    }
                    .into(),
                    ends_at: l.ends_at,
                }
            })
            .collect(),
        counts,
        run_id: Some(run.run_id),
        created_at: now,
        insight: None,
    }
}

/// The `alert.insight` notification of analytics' `insight.generated` summary; `public_link`
/// makes the chart link absolute, `phrase` is the alert's current search phrase. Its best deal
/// is its one listing (reason `best_deal`); its trend and counts are in `insight`.
pub fn insight_notification(
    public_link: impl Fn(&str) -> String,
    phrase: &str,
    s: &pubsub::InsightGenerated,
    now: DateTime<Utc>,
) -> Notification {
    let money = |v: rust_decimal::Decimal| format_money(v, &s.currency);
    let median_line = match (
        s.enough_data,
        s.median_now,
        s.median_before,
        s.median_change_pct,
    ) {
        (false, ..) | (true, None, ..) => format!(
            "Not enough data yet: prices were seen on {} of the last {} days",
            s.days_with_data, s.days
        ),
        (true, Some(now), Some(before), Some(pct)) => {
            let compared = s.compared_with.as_deref().unwrap_or("before");
            if pct.is_zero() {
                format!("Median {}, unchanged from {compared}", money(now))
            } else {
                let direction = if pct.is_sign_negative() { "down" } else { "up" };
                format!(
                    "Median {}, {direction} {} % from {} {compared}",
                    money(now),
                    pct.abs(),
                    money(before)
                )
            }
        }
        (true, Some(now), ..) => format!("Median {}", money(now)),
    };
    let headline = match (s.enough_data, s.median_change_pct) {
        (true, Some(pct)) if !pct.is_zero() => format!(
            "Price insights: median {} {} % — {}",
            if pct.is_sign_negative() { "down" } else { "up" },
            pct.abs(),
            shorten(phrase, 60)
        ),
        (true, _) => format!("Price insights — {}", shorten(phrase, 60)),
        (false, _) => format!(
            "Price insights: not enough data yet — {}",
            shorten(phrase, 60)
        ),
    };
    let chart_url = public_link(&s.insights_path);
    let listings: Vec<ListingRef> = s
        .best_deal
        .iter()
        .map(|d| ListingRef {
            reason: "best_deal".into(),
            title: d.title.clone(),
            url: d.item_url.clone(),
            image_url: None,
            price: d.price.to_string(),
            shipping_cost: None,
            total_price: None,
            currency: s.currency.clone(),
            price_line: money(d.price),
            previous_price: None,
            condition: s.main_segment_label.clone(),
            seller: None,
            buying_option: if s
                .main_segment
                .as_deref()
                .is_some_and(|m| m.ends_with("/auction"))
            {
                "auction"
            } else {
                "fixed_price"
            }
            .into(),
            ends_at: None,
            deal: Some(d.verdict.clone()),
        })
        .collect();
    Notification {
        kind: INSIGHT_KIND.into(),
        headline,
        alert: Some(AlertRef {
            id: s.alert_id,
            search_phrase: phrase.to_owned(),
            url: chart_url.clone(),
        }),
        counts: Counts {
            total: listings.len(),
            ..Counts::default()
        },
        listings,
        run_id: Some(s.report_id),
        created_at: now,
        insight: Some(InsightRef {
            period_start: s.period_start,
            days: s.days,
            segment: s.main_segment_label.clone(),
            currency: s.currency.clone(),
            enough_data: s.enough_data,
            median_now: s.median_now.map(|v| v.to_string()),
            median_before: s.median_before.map(|v| v.to_string()),
            median_change_pct: s.median_change_pct.map(|v| v.to_string()),
            compared_with: s.compared_with.clone(),
            median_line,
            deals: s.deals,
            new_listings: s.new_listings,
            chart_url,
        }),
    }
}

/// The notification kind of an insight summary.
pub const INSIGHT_KIND: &str = "alert.insight";

/// Writes one outbox row per (run, channel) for every alert with notices and channels, held
/// by the owner's `quiet` hours (by user id) or the alert's digest; returns how many.
pub async fn enqueue(
    state: &AppState,
    txn: &DatabaseTransaction,
    runs: &[RunNotices<'_>],
    routes: &HashMap<Uuid, Route>,
    quiet: &HashMap<Uuid, QuietHours>,
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut rows = Vec::new();
    for run in runs.iter().filter(|r| !r.notices.is_empty()) {
        let Some(route) = routes.get(&run.alert.id).filter(|r| !r.channels.is_empty()) else {
            continue;
        };
        let n = notification(state, run, listings, now);
        let held = held_until(run.alert, quiet.get(&run.alert.user_id), now);
        for &channel_id in &route.channels {
            rows.push(Queued {
                channel_id,
                run_id: Some(run.run_id),
                notification: n.clone(),
                held_until: held,
            });
        }
    }
    let queued = rows.len();
    store::enqueue_many(txn, rows, now).await?;
    Ok(queued)
}

/// Until when a notification of `alert` made at `now` is held: a digest alert's until its
/// next digest hour, an immediate one's until the owner's quiet hours end; `None`: sent at
/// once. A digest hour that falls within quiet hours waits for them to end.
pub fn held_until(
    alert: &alert::Model,
    quiet: Option<&QuietHours>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match Delivery::parse(&alert.delivery).unwrap_or_default() {
        Delivery::Immediate => quiet.and_then(|q| q.quiet_until(now)),
        Delivery::Digest => {
            let zone = quiet.map_or(chrono_tz::UTC, QuietHours::time_zone);
            let hour =
                DigestHour::parse(i64::from(alert.digest_hour)).unwrap_or(DigestHour::DEFAULT);
            let at = next_digest_at(now, hour, zone);
            Some(quiet.and_then(|q| q.quiet_until(at)).unwrap_or(at))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::insight_notification;

    fn link(path: &str) -> String {
        format!("https://alerts.example{path}")
    }

    #[test]
    fn an_insight_summary_reads_as_a_trend_a_best_deal_and_a_chart_link() {
        let cases: [(Option<Decimal>, bool, &str, &str); 4] = [
            (
                Some(Decimal::new(-42, 1)),
                true,
                "Median $389.00, down 4.2 % from $406.00 the week before",
                "Price insights: median down 4.2 % — lego 42100",
            ),
            (
                Some(Decimal::new(31, 1)),
                true,
                "Median $389.00, up 3.1 % from $406.00 the week before",
                "Price insights: median up 3.1 % — lego 42100",
            ),
            (
                Some(Decimal::ZERO),
                true,
                "Median $389.00, unchanged from the week before",
                "Price insights — lego 42100",
            ),
            (
                None,
                false,
                "Not enough data yet: prices were seen on 14 of the last 14 days",
                "Price insights: not enough data yet — lego 42100",
            ),
        ];
        for (pct, enough, line, headline) in cases {
            let mut s = pubsub::fixtures::insight_summary(Uuid::nil());
            s.median_change_pct = pct;
            s.enough_data = enough;

            let n = insight_notification(link, "lego 42100", &s, Utc::now());

            let insight = n.insight.as_ref().unwrap();
            assert_eq!(insight.median_line, line);
            assert_eq!(n.headline, headline);
            assert_eq!(n.kind, "alert.insight");
            assert_eq!(
                insight.chart_url,
                "https://alerts.example/alerts/00000000-0000-0000-0000-000000000000"
            );
            assert_eq!(
                n.run_id,
                Some(s.report_id),
                "one row per report and channel"
            );
        }
    }

    #[test]
    fn the_default_text_of_an_insight_has_the_trend_counts_best_deal_and_link() {
        let s = pubsub::fixtures::insight_summary(Uuid::nil());

        let body = insight_notification(link, "lego 42100", &s, Utc::now()).default_body();

        assert_eq!(
            body,
            "Median $389.00, down 4.2 % from $406.00 the week before (Used, fixed price)\n\
             3 listings with a deal verdict, 12 new in 14 days\n\
             Best deal — LEGO Technic 42100 Liebherr R 9800 - complete, box $335.00 · Lowest in 30 days\n\
             https://alerts.example/alerts/00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn an_insight_without_a_deal_has_no_listing() {
        let mut s = pubsub::fixtures::insight_summary(Uuid::nil());
        s.best_deal = None;
        s.deals = 0;

        let n = insight_notification(link, "lego 42100", &s, Utc::now());

        assert!(n.listings.is_empty());
        assert_eq!(n.counts.total, 0);
        assert!(n.default_body().contains("0 listings with a deal verdict"));
    }
}
