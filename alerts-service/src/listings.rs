//! The listings store: seen listings and runs. Recording a run writes everything one search's
//! results mean for the alerts that share it — seen
//! listings, emails, `products.observed` events, run rows and next run times — written into the
//! caller's transaction in a handful of statements, however many alerts share the query.
//!
//! Statement count matters more than row count here: a cycle of 10,000 alerts spent most of its
//! time in round trips when each alert wrote its own seven statements.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use pubsub::{Event, Money, ObservedItem, Payload, ProductsObserved};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Value,
};
use uuid::Uuid;

use crate::channels::notify;
use crate::db::entities::{alert, user};
use crate::db::sql;
use crate::domain::{
    Conditions, ExcludeSellers, ExcludeWords, FeedbackPercent, NotifyOn, PriceBasis, QuietHours,
};
use crate::event_outbox;
use crate::runner::email::Verdicts;
use crate::runner::filtering::{self, AlertFilter, Hidden};
use crate::runner::matching::{self, Listing, Notice, Reason, Rules, Seen};
use crate::runner::{Cadence, RunSummary};
use crate::state::AppState;
use crate::verdicts::{self, Deals};

/// Rows per multi-row statement: 13 values a seen listing keeps well under SQLite's 32,766 and
/// Postgres's 65,535 bind parameters.
const ROWS_PER_STATEMENT: usize = 2_000;

/// One alert's share of a search.
struct Planned<'a> {
    alert: &'a alert::Model,
    /// Indices of the listings this alert keeps.
    kept: Vec<usize>,
    /// What it hid, and why.
    hidden: Hidden,
    /// What is worth mentioning.
    notices: Vec<Notice>,
    /// How many were worth it before a first run's cut (the email says "showing 10 of 36").
    candidates: usize,
    /// Whether the notices are emailed (alert emails on).
    emailed: bool,
    /// `new_listings` or `deals_only`.
    notify_on: NotifyOn,
    /// Deal verdicts of the notices (`None`: analytics could not answer in time).
    deals: Option<Deals>,
    /// The alert's price basis.
    basis: PriceBasis,
    run_id: Uuid,
}

impl Planned<'_> {
    fn email_sent(&self) -> bool {
        self.emailed && !self.notices.is_empty()
    }

    /// Takes analytics' answer. A `deals_only` alert keeps only the notices with a verdict;
    /// without an answer it keeps them all (the email says why), so that nothing is held back
    /// or lost while analytics is down — the listings are marked notified either way.
    fn apply_verdicts(&mut self, answer: Option<Deals>, listings: &[Listing]) {
        if self.notify_on == NotifyOn::DealsOnly
            && let Some(deals) = &answer
        {
            self.notices
                .retain(|n| deals.contains_key(&listings[n.index].item_id));
            self.candidates = self.notices.len();
        }
        self.deals = answer;
    }

    fn run_notices(&self) -> notify::RunNotices<'_> {
        notify::RunNotices {
            alert: self.alert,
            run_id: self.run_id,
            notices: &self.notices,
            candidates: self.candidates,
            deals: self.deals.as_ref(),
        }
    }

    fn verdicts(&self) -> Verdicts<'_> {
        match &self.deals {
            Some(deals) => Verdicts::Known(deals),
            None => Verdicts::Unavailable {
                deals_only: self.notify_on == NotifyOn::DealsOnly,
            },
        }
    }
}

/// The alert's own filters, from its stored row (validated when written).
fn alert_filter(alert: &alert::Model) -> AlertFilter {
    let price = |p: &Option<String>| p.as_deref().and_then(|v| Decimal::from_str(v).ok());
    let value = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    AlertFilter {
        conditions: Conditions::parse_stored(&alert.conditions).unwrap_or_default(),
        words: ExcludeWords::parse_json(&value(&alert.exclude_words))
            .unwrap_or_default()
            .matcher(),
        sellers: ExcludeSellers::parse_json(&value(&alert.exclude_sellers)).unwrap_or_default(),
        min_feedback: alert
            .min_seller_feedback_percent
            .as_deref()
            .and_then(|f| FeedbackPercent::parse(f).ok()),
        basis: PriceBasis::parse(&alert.price_basis).unwrap_or_default(),
        min_price: price(&alert.min_price),
        max_price: price(&alert.max_price),
    }
}

/// A row of `alert_runs`.
pub(crate) struct RunRow {
    pub id: Uuid,
    pub alert_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub status: &'static str,
    pub items_found: usize,
    pub new_items: usize,
    pub email_sent: bool,
    pub shared_search: bool,
    pub error: Option<String>,
    /// What the run hid and why (`None` for a failed run).
    pub hidden: Option<Hidden>,
}

/// Records a successful search for every alert in `alerts` (all of one query) and returns the
/// summary of each alert that still exists, in the same order, with its id.
pub(crate) async fn record_runs(
    state: &AppState,
    txn: &DatabaseTransaction,
    alerts: &[alert::Model],
    listings: &[Listing],
    now: DateTime<Utc>,
    cadence: &Cadence,
    shared_search: bool,
) -> Result<Vec<(Uuid, RunSummary)>, DbErr> {
    // An alert deleted while its search was in flight is skipped, not a failed group: lock the
    // rows still there (a DELETE now waits for this commit) and record runs only for those.
    let present = lock_present(txn, alerts).await?;
    let alerts: Vec<&alert::Model> = alerts.iter().filter(|a| present.contains(&a.id)).collect();
    if alerts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = alerts.iter().map(|a| a.id).collect();
    let mut seen = load_seen(txn, &ids, listings).await?;
    // Where each alert's notifications go: email (built in) and its other channels.
    let routes = crate::channels::store::routes(txn, &ids).await?;
    let mut planned: Vec<Planned> = alerts
        .into_iter()
        .map(|alert| {
            let filter = alert_filter(alert);
            let (kept, hidden) = filtering::keep(&filter, listings);
            let rules = Rules {
                target: alert
                    .target_price
                    .as_deref()
                    .and_then(|t| Decimal::from_str(t).ok()),
                basis: filter.basis,
                ending_within_hours: alert
                    .ending_within_hours
                    .and_then(|h| u32::try_from(h).ok()),
            };
            let known: HashMap<String, Seen> = seen
                .remove(&alert.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(id, row)| (id, row.seen(filter.basis)))
                .collect();
            let mut notices = matching::select(listings, &kept, &known, &rules, now);
            let candidates = if alert.last_run_at.is_none() {
                matching::cap_first_run(&mut notices)
            } else {
                notices.len()
            };
            Planned {
                alert,
                kept,
                hidden,
                notices,
                candidates,
                emailed: alert.alert_emails && routes.get(&alert.id).is_none_or(|r| r.email),
                notify_on: NotifyOn::parse(&alert.notify_on).unwrap_or_default(),
                deals: None,
                basis: filter.basis,
                run_id: Uuid::now_v7(),
            }
        })
        .collect();

    // Verdicts for what would be emailed, asked of analytics for every alert at once; each
    // request is bounded by `verdicts::TIMEOUT`, and a missing answer never stops an email.
    let answers = futures::future::join_all(planned.iter().map(|p| {
        // Asked whenever the run tells someone: by email or on one of its channels.
        let wanted = !p.notices.is_empty()
            && (p.emailed
                || routes
                    .get(&p.alert.id)
                    .is_some_and(|r| !r.channels.is_empty()));
        let items: Vec<ObservedItem> = if wanted {
            p.notices
                .iter()
                .map(|n| observed_item(&listings[n.index]))
                .collect()
        } else {
            Vec::new()
        };
        verdicts::fetch(state, p.alert.id, now, items)
    }))
    .await;
    for (p, answer) in planned.iter_mut().zip(answers) {
        p.apply_verdicts(answer, listings);
    }

    upsert_seen(txn, &planned, listings, now).await?;
    let owners = owners(txn, &planned).await?;
    queue_emails(state, txn, &planned, &owners, listings, now).await?;
    queue_channel_notifications(state, txn, &planned, &routes, &owners, listings, now).await?;

    // The listings are the same for every alert of the group: convert them once; each alert's
    // observation carries the listings it keeps (what its owner considers comparable).
    let items: Vec<ObservedItem> = listings.iter().map(observed_item).collect();
    let events: Vec<Event> = planned
        .iter()
        .map(|p| {
            Event::new(
                event_outbox::SOURCE,
                Some(p.alert.id.to_string()),
                Payload::ProductsObserved(ProductsObserved {
                    alert_id: p.alert.id,
                    run_id: p.run_id,
                    search_phrase: p.alert.search_phrase.clone(),
                    marketplace: state.settings.ebay_marketplace.clone(),
                    observed_at: now,
                    items: p.kept.iter().map(|&i| items[i].clone()).collect(),
                }),
            )
        })
        .collect();
    event_outbox::enqueue_many(txn, &events).await?;

    let runs: Vec<RunRow> = planned
        .iter()
        .map(|p| RunRow {
            id: p.run_id,
            alert_id: p.alert.id,
            started_at: now,
            status: status(p),
            items_found: p.kept.len(),
            new_items: p.notices.len(),
            email_sent: p.email_sent(),
            shared_search,
            error: None,
            hidden: Some(p.hidden),
        })
        .collect();
    insert_runs(txn, &runs).await?;
    schedule_next(txn, &planned, now, cadence).await?;

    Ok(planned
        .iter()
        .map(|p| {
            (
                p.alert.id,
                RunSummary {
                    items_found: p.kept.len(),
                    new_items: p.notices.len(),
                    email_sent: p.email_sent(),
                    hidden: p.hidden,
                },
            )
        })
        .collect())
}

/// Locks the given alerts' rows (Postgres; SQLite has one writer already) and returns the ids of
/// those that still exist.
async fn lock_present(
    txn: &DatabaseTransaction,
    alerts: &[alert::Model],
) -> Result<HashSet<Uuid>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: Uuid,
    }
    let backend = txn.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR NO KEY UPDATE"
    } else {
        ""
    };
    let rows = Row::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id FROM alerts WHERE id IN ({}) ORDER BY id{lock}",
            placeholders(1, alerts.len())
        ),
        alerts.iter().map(|a| Value::from(a.id)),
    ))
    .all(txn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn status(planned: &Planned) -> &'static str {
    if planned.notices.is_empty() {
        "no_new_listings"
    } else {
        "ok"
    }
}

/// Numbered placeholders `$start, $start+1, …` for `count` values.
fn placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(FromQueryResult)]
struct SeenRow {
    alert_id: Uuid,
    item_id: String,
    last_price: String,
    shipping_cost: Option<String>,
    last_notified_price: Option<String>,
    ending_notified_at: Option<DateTime<Utc>>,
}

/// What an alert knew about a listing, before its price basis is applied.
struct KnownListing {
    last_price: Decimal,
    shipping_cost: Option<Decimal>,
    last_notified_price: Option<Decimal>,
    ending_notified: bool,
}

impl KnownListing {
    /// `last_notified_price` is stored as the compared amount on the alert's basis when it was
    /// mentioned (rows from before price bases hold the item price: a lower reference, so at
    /// worst a drop is not claimed).
    fn seen(self, basis: PriceBasis) -> Seen {
        Seen {
            last_price: match basis {
                PriceBasis::Item => Some(self.last_price),
                PriceBasis::WithShipping => self.shipping_cost.map(|s| self.last_price + s),
            },
            last_notified_price: self.last_notified_price,
            ending_notified: self.ending_notified,
        }
    }
}

/// What each alert already knows about the listings of this search, in one query.
async fn load_seen(
    txn: &DatabaseTransaction,
    alert_ids: &[Uuid],
    listings: &[Listing],
) -> Result<HashMap<Uuid, HashMap<String, KnownListing>>, DbErr> {
    if listings.is_empty() || alert_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let item_ids: HashSet<&str> = listings.iter().map(|l| l.item_id.as_str()).collect();
    let mut values: Vec<Value> = alert_ids.iter().map(|id| (*id).into()).collect();
    values.extend(item_ids.iter().map(|id| (*id).to_owned().into()));
    let rows = SeenRow::find_by_statement(sql(
        txn.get_database_backend(),
        &format!(
            "SELECT alert_id, item_id, last_price, shipping_cost, last_notified_price, ending_notified_at FROM seen_listings \
             WHERE alert_id IN ({}) AND item_id IN ({})",
            placeholders(1, alert_ids.len()),
            placeholders(alert_ids.len() + 1, item_ids.len())
        ),
        values,
    ))
    .all(txn)
    .await?;
    let mut seen: HashMap<Uuid, HashMap<String, KnownListing>> = HashMap::new();
    for row in rows {
        // Stored prices were written by this code; an unreadable one counts as never seen.
        let Ok(last_price) = Decimal::from_str(&row.last_price) else {
            continue;
        };
        seen.entry(row.alert_id).or_default().insert(
            row.item_id,
            KnownListing {
                last_price,
                shipping_cost: row
                    .shipping_cost
                    .as_deref()
                    .and_then(|p| Decimal::from_str(p).ok()),
                last_notified_price: row
                    .last_notified_price
                    .as_deref()
                    .and_then(|p| Decimal::from_str(p).ok()),
                ending_notified: row.ending_notified_at.is_some(),
            },
        );
    }
    Ok(seen)
}

/// Inserts the listings each alert keeps and refreshes known ones, in as few statements as the
/// bind-parameter limits allow.
async fn upsert_seen(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    const COLUMNS: usize = 23;
    // Duplicate ids within one response (eBay pages can overlap) would make the upsert fail.
    let mut unique = HashSet::new();
    let first_of_id: Vec<bool> = listings
        .iter()
        .map(|l| unique.insert(l.item_id.as_str()))
        .collect();
    let money = |d: Decimal| format!("{d:.2}");
    let prices: Vec<String> = listings.iter().map(|l| money(l.price)).collect();
    let rows: Vec<(&Planned, usize)> = planned
        .iter()
        .flat_map(|p| {
            p.kept
                .iter()
                .filter(|&&i| first_of_id[i])
                .map(move |&i| (p, i))
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        let mut tuples = Vec::with_capacity(chunk.len());
        for (planned, index) in chunk {
            let l = &listings[*index];
            let price = &prices[*index];
            let notice = planned
                .emailed
                .then(|| planned.notices.iter().find(|n| n.index == *index))
                .flatten();
            // Stored as the compared amount (see `KnownListing::seen`); unknown stays unknown.
            let notified_price = notice.and_then(|_| l.compared(planned.basis)).map(money);
            let ending_notified = notice
                .is_some_and(|n| n.reason == Reason::EndingSoon)
                .then_some(now);
            tuples.push(format!("({})", placeholders(values.len() + 1, COLUMNS)));
            values.extend([
                planned.alert.id.into(),
                l.item_id.clone().into(),
                l.title.clone().into(),
                l.item_url.clone().into(),
                l.image_url.clone().into(),
                l.condition.clone().into(),
                l.currency.clone().into(),
                price.clone().into(),
                price.clone().into(),
                notified_price.into(),
                now.into(),
                now.into(),
                notice.map(|_| now).into(),
                l.shipping.map(money).into(),
                l.condition_id.and_then(|c| i32::try_from(c).ok()).into(),
                l.condition_group.map(|g| g.as_str().to_owned()).into(),
                l.buying_option().to_owned().into(),
                l.is_auction().then(|| price.clone()).into(),
                l.bid_count.and_then(|c| i32::try_from(c).ok()).into(),
                l.ends_at.into(),
                l.seller.clone().into(),
                l.seller_feedback_percent
                    .map(|f| f.normalize().to_string())
                    .into(),
                ending_notified.into(),
            ]);
        }
        let statement = format!(
            "INSERT INTO seen_listings (alert_id, item_id, title, item_url, image_url, condition, currency, first_price, \
             last_price, last_notified_price, first_seen_at, last_seen_at, last_notified_at, shipping_cost, condition_id, \
             condition_group, buying_option, current_bid, bid_count, ends_at, seller, seller_feedback_percent, \
             ending_notified_at) VALUES {} \
             ON CONFLICT (alert_id, item_id) DO UPDATE SET \
               title = excluded.title, image_url = excluded.image_url, condition = excluded.condition, \
               previous_price = CASE WHEN seen_listings.last_price <> excluded.last_price THEN seen_listings.last_price ELSE seen_listings.previous_price END, \
               last_price = excluded.last_price, last_seen_at = excluded.last_seen_at, \
               last_notified_price = COALESCE(excluded.last_notified_price, seen_listings.last_notified_price), \
               last_notified_at = COALESCE(excluded.last_notified_at, seen_listings.last_notified_at), \
               shipping_cost = excluded.shipping_cost, condition_id = excluded.condition_id, \
               condition_group = excluded.condition_group, buying_option = excluded.buying_option, \
               current_bid = excluded.current_bid, bid_count = excluded.bid_count, ends_at = excluded.ends_at, \
               seller = excluded.seller, seller_feedback_percent = excluded.seller_feedback_percent, \
               ending_notified_at = COALESCE(excluded.ending_notified_at, seen_listings.ending_notified_at)",
            tuples.join(", ")
        );
        txn.execute_raw(sql(txn.get_database_backend(), &statement, values))
            .await?;
    }
    Ok(())
}

/// Renders and queues the email of every alert with something to say; one made in its owner's
/// quiet hours, or for a digest alert, is held with its notification, to go out in a digest.
async fn queue_emails(
    state: &AppState,
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    owners: &HashMap<Uuid, Owner>,
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut emails = Vec::new();
    for p in planned.iter().filter(|p| p.email_sent()) {
        let owner = owners
            .get(&p.alert.user_id)
            .ok_or_else(|| DbErr::RecordNotFound(format!("owner {}", p.alert.user_id)))?;
        let mut email = crate::runner::email::render(
            state,
            p.alert,
            listings,
            &p.notices,
            &owner.email,
            p.run_id,
            p.basis,
            p.candidates,
            p.verdicts(),
        )
        .map_err(|e| DbErr::Custom(format!("alert email template: {e}")))?;
        if let Some(until) = notify::held_until(p.alert, owner.quiet.as_ref(), now) {
            let notification = notify::notification(state, &p.run_notices(), listings, now);
            email.hold = Some(crate::email::Hold {
                until,
                notification: serde_json::to_string(&notification)
                    .map_err(|e| DbErr::Custom(format!("held email: {e}")))?,
            });
        }
        emails.push(email);
    }
    crate::email::enqueue_many(txn, &state.mailer, emails).await
}

/// Writes the channel outbox rows of every alert with something to say (same notices as its
/// email, except that an email unsubscribe does not silence its other channels).
async fn queue_channel_notifications(
    state: &AppState,
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    routes: &HashMap<Uuid, crate::channels::store::Route>,
    owners: &HashMap<Uuid, Owner>,
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // A `deals_only` alert's notices are already only those with a verdict (`apply_verdicts`).
    let runs: Vec<notify::RunNotices> = planned.iter().map(Planned::run_notices).collect();
    let quiet: HashMap<Uuid, QuietHours> = owners
        .iter()
        .filter_map(|(id, o)| o.quiet.map(|q| (*id, q)))
        .collect();
    let queued = notify::enqueue(state, txn, &runs, routes, &quiet, listings, now).await?;
    if queued > 0 {
        state.wake_channels.notify_one();
    }
    Ok(())
}

/// What a run needs of an alert's owner to tell them.
struct Owner {
    email: String,
    quiet: Option<QuietHours>,
}

/// The owners of the alerts with something to say, in one query.
async fn owners(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
) -> Result<HashMap<Uuid, Owner>, DbErr> {
    let ids: HashSet<Uuid> = planned
        .iter()
        .filter(|p| !p.notices.is_empty())
        .map(|p| p.alert.user_id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|u| {
            let quiet = crate::accounts::quiet_hours_of(&u);
            (
                u.id,
                Owner {
                    email: u.email,
                    quiet,
                },
            )
        })
        .collect())
}

/// Inserts run rows in one statement.
pub(crate) async fn insert_runs<C: ConnectionTrait>(db: &C, runs: &[RunRow]) -> Result<(), DbErr> {
    const COLUMNS: usize = 11;
    if runs.is_empty() {
        return Ok(());
    }
    let finished_at = Utc::now();
    for chunk in runs.chunks(ROWS_PER_STATEMENT) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        let mut tuples = Vec::with_capacity(chunk.len());
        for run in chunk {
            tuples.push(format!("({})", placeholders(values.len() + 1, COLUMNS)));
            values.extend([
                run.id.into(),
                run.alert_id.into(),
                run.started_at.into(),
                finished_at.into(),
                run.status.into(),
                i32::try_from(run.items_found).unwrap_or(i32::MAX).into(),
                i32::try_from(run.new_items).unwrap_or(i32::MAX).into(),
                run.email_sent.into(),
                run.shared_search.into(),
                run.error.clone().into(),
                run.hidden
                    .and_then(|h| serde_json::to_string(&h).ok())
                    .into(),
            ]);
        }
        db.execute_raw(sql(
            db.get_database_backend(),
            &format!(
                "INSERT INTO alert_runs (id, alert_id, started_at, finished_at, status, items_found, new_items, \
                 email_sent, shared_search, error, hidden) VALUES {}",
                tuples.join(", ")
            ),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Sets each alert's last run and next due time and releases its lease.
async fn schedule_next(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    now: DateTime<Utc>,
    cadence: &Cadence,
) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let rows: Vec<(Uuid, DateTime<Utc>, &'static str, i32, String)> = planned
        .iter()
        .map(|p| {
            let effective = cadence.interval_minutes(p.alert);
            // Counted from the alert's own schedule, so runs do not drift later by their
            // duration; a manual run before the due time counts from now.
            let step = chrono::Duration::minutes(i64::from(effective));
            let mut next = p.alert.next_run_at.min(now) + step;
            if next <= now {
                next = now + step;
            }
            let hidden = serde_json::to_string(&p.hidden).unwrap_or_default();
            (p.alert.id, next, status(p), effective, hidden)
        })
        .collect();
    if backend == DbBackend::Postgres {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut values: Vec<Value> = vec![now.into()];
            let mut tuples = Vec::with_capacity(chunk.len());
            for (id, next, status, effective, hidden) in chunk {
                let n = values.len() + 1;
                tuples.push(format!(
                    "(${n}::uuid, ${}::timestamptz, ${}::text, ${}::int, ${}::text)",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                ));
                values.extend([
                    (*id).into(),
                    (*next).into(),
                    (*status).into(),
                    (*effective).into(),
                    hidden.clone().into(),
                ]);
            }
            txn.execute_raw(sql(
                backend,
                &format!(
                    "UPDATE alerts SET last_run_at = $1, next_run_at = v.next_run_at, last_run_status = v.status, \
                     last_run_error = NULL, leased_until = NULL, effective_interval_minutes = v.effective, \
                     last_run_hidden = v.hidden \
                     FROM (VALUES {}) AS v(id, next_run_at, status, effective, hidden) WHERE alerts.id = v.id",
                    tuples.join(", ")
                ),
                values,
            ))
            .await?;
        }
    } else {
        // SQLite (the one-process mode) has one writer and few alerts: one statement each.
        for (id, next, status, effective, hidden) in rows {
            txn.execute_raw(sql(
                backend,
                "UPDATE alerts SET last_run_at = $1, next_run_at = $2, last_run_status = $3, last_run_error = NULL, \
                 leased_until = NULL, effective_interval_minutes = $4, last_run_hidden = $5 WHERE id = $6",
                [now.into(), next.into(), status.into(), effective.into(), hidden.into(), id.into()],
            ))
            .await?;
        }
    }
    Ok(())
}

/// A listing as `products.observed` (and analytics' verdicts) carry it.
pub fn observed_item(l: &Listing) -> ObservedItem {
    let money = |v: Decimal| Money::new(v, l.currency.clone());
    ObservedItem {
        item_id: l.item_id.clone(),
        title: l.title.clone(),
        price: money(l.price),
        shipping_cost: l.shipping.map(money),
        condition: l.condition.clone(),
        buying_options: l.buying_options.clone(),
        item_url: l.item_url.clone(),
        image_url: l.image_url.clone(),
        seller: l.seller.clone(),
        condition_id: l.condition_id,
        buying_option: Some(l.buying_option().to_owned()),
        current_bid: l.is_auction().then(|| money(l.price)),
        bid_count: l.bid_count,
        ends_at: l.ends_at,
        seller_feedback_percent: l.seller_feedback_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_from_the_start_given() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 0), "");
    }
}
