//! Turning a run's notices into channel outbox rows, inside the run's transaction (called by
//! [`crate::listings`] beside the email it queues), so a notification exists for every channel
//! exactly when the run that found it is committed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::message::{AlertRef, Counts, ListingRef, Notification};
use super::store::{self, Queued, Route};
use crate::db::entities::{alert, user};
use crate::domain::quiet_hours::next_digest_at;
use crate::domain::{Delivery, DigestHour, QuietHours, format_money};
use crate::runner::email::{condition_label, price_line, shorten, subject};
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
    }
}

/// Writes one outbox row per (run, channel) for every alert with notices and channels;
/// returns how many.
pub async fn enqueue(
    state: &AppState,
    txn: &DatabaseTransaction,
    runs: &[RunNotices<'_>],
    routes: &HashMap<Uuid, Route>,
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut owners: Vec<Uuid> = runs.iter().map(|r| r.alert.user_id).collect();
    owners.sort();
    owners.dedup();
    let quiet: HashMap<Uuid, QuietHours> = user::Entity::find()
        .filter(user::Column::Id.is_in(owners))
        .all(txn)
        .await?
        .iter()
        .filter_map(|u| crate::accounts::quiet_hours_of(u).map(|q| (u.id, q)))
        .collect();
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
    store::enqueue_many(txn, rows).await?;
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
