//! The alert store: every change to an alert and its event are committed in one transaction.

use chrono::SubsecRound;
use chrono::{DateTime, Utc};
use pubsub::{AlertChanged, AlertDeleted, Event, Payload};
use sea_orm::sea_query::{CommonTableExpression, WithClause};
use sea_orm::sqlx;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, QueryTrait, Set, TransactionTrait, TryIntoModel,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts;
use crate::auth::{CurrentUser, Secret};
use crate::channels::store::Route;
use crate::db::entities::{self, alert};
use crate::db::sql;
use crate::domain::{
    AlertChanges, AlertDraft, BuyingOptions, ConditionGroup, Conditions, Currency, Delivery,
    DigestHour, EndingWithin, ExcludeSellers, ExcludeWords, FeedbackPercent, Frequency, Invalid,
    NotifyOn, Price, PriceBasis, PriceFilter, Refinements, SearchPhrase,
};
use crate::error::ApiError;
use crate::event_outbox;
use crate::runner::filtering::Hidden;
use crate::state::AppState;

/// An alert as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Alert id.
    pub id: Uuid,
    /// What is searched.
    pub search_phrase: String,
    /// Minutes between runs: 2, 10, 30, 60 or 1440.
    pub frequency_minutes: i32,
    /// Lower price bound, decimal string.
    pub min_price: Option<String>,
    /// Upper price bound, decimal string.
    pub max_price: Option<String>,
    /// ISO 4217 currency of the prices.
    pub currency: String,
    /// The old single condition (`any`, `new` or `used`), derived from `conditions` for older
    /// clients.
    pub condition: String,
    /// Condition groups the alert wants.
    pub conditions: Vec<ConditionGroup>,
    /// `fixed_price`, `auction` or `any`.
    pub buying_options: String,
    /// Notify when a listing is at or under this price.
    pub target_price: Option<String>,
    /// A paused alert neither runs nor emails.
    pub paused: bool,
    /// Increases with every change.
    pub revision: i64,
    /// Creation time.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Last completed run.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub last_run_at: Option<DateTime<Utc>>,
    /// Next scheduled run.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub next_run_at: DateTime<Utc>,
    /// Outcome of the last run: `ok`, `no_new_listings` or `error`.
    pub last_run_status: Option<String>,
    /// Why the last run failed.
    pub last_run_error: Option<String>,
    /// The interval actually used when the daily eBay budget stretches runs (minutes).
    pub effective_interval_minutes: Option<i32>,
    /// Words or phrases whose listings are hidden (whole words, any case or accents).
    pub exclude_words: Vec<String>,
    /// eBay user names whose listings are hidden.
    pub exclude_sellers: Vec<String>,
    /// Sellers below this positive feedback (percent) are hidden.
    pub min_seller_feedback_percent: Option<f64>,
    /// `with_shipping` (item plus shipping) or `item`: what the prices are compared with.
    pub price_basis: PriceBasis,
    /// Auctions ending within this many hours are reported as ending soon, once each.
    pub ending_within_hours: Option<i32>,
    /// `new_listings` or `deals_only` (deal verdicts do not exist yet: such an alert notifies
    /// nothing until they do).
    pub notify_on: NotifyOn,
    /// Whether alert emails are sent (an unsubscribe link turns them off).
    pub alert_emails: bool,
    /// Whether insight emails are sent (their unsubscribe link turns them off).
    pub insight_emails: bool,
    /// What the last successful run hid, and why.
    pub last_run_hidden: Option<Hidden>,
    /// `immediate` or `digest` (one message a day at `digest_hour` on each channel, email
    /// included).
    pub delivery: Delivery,
    /// 0–23 in the account's quiet-hours time zone (UTC when none is set): when a digest
    /// alert's daily message goes out.
    pub digest_hour: i32,
    /// Where its notifications go: `email` (the built-in channel) and channel ids
    /// (see `/api/v1/channels`).
    pub channels: Vec<String>,
}

/// The stored JSON list of strings (written by this code; unreadable reads as empty).
fn string_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn hidden_of(text: Option<&str>) -> Option<Hidden> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

fn conditions_of(text: &str) -> Vec<ConditionGroup> {
    Conditions::parse_stored(text)
        .unwrap_or_default()
        .groups()
        .collect()
}

impl From<alert::Model> for AlertView {
    fn from(m: alert::Model) -> Self {
        Self {
            id: m.id,
            search_phrase: m.search_phrase,
            frequency_minutes: m.frequency_minutes,
            min_price: m.min_price,
            max_price: m.max_price,
            currency: m.currency,
            condition: m.condition,
            buying_options: m.buying_options,
            target_price: m.target_price,
            paused: m.paused,
            revision: m.revision,
            created_at: m.created_at,
            updated_at: m.updated_at,
            last_run_at: m.last_run_at,
            next_run_at: m.next_run_at,
            last_run_status: m.last_run_status,
            last_run_error: m.last_run_error,
            effective_interval_minutes: m.effective_interval_minutes,
            conditions: conditions_of(&m.conditions),
            exclude_words: string_list(&m.exclude_words),
            exclude_sellers: string_list(&m.exclude_sellers),
            min_seller_feedback_percent: percent(m.min_seller_feedback_percent.as_deref()),
            price_basis: PriceBasis::parse(&m.price_basis).unwrap_or_default(),
            ending_within_hours: m.ending_within_hours,
            notify_on: NotifyOn::parse(&m.notify_on).unwrap_or_default(),
            alert_emails: m.alert_emails,
            insight_emails: m.insight_emails,
            last_run_hidden: hidden_of(m.last_run_hidden.as_deref()),
            delivery: Delivery::parse(&m.delivery).unwrap_or_default(),
            digest_hour: m.digest_hour,
            // Filled in from the alert's route by the routes that return alerts.
            channels: vec!["email".to_owned()],
        }
    }
}

fn percent(text: Option<&str>) -> Option<f64> {
    text.and_then(|t| t.parse().ok())
}

/// Columns of [`AlertView`], for hand-written queries.
const VIEW_COLUMNS: &str = "id, search_phrase, frequency_minutes, min_price, max_price, currency, condition, \
     buying_options, target_price, paused, revision, created_at, updated_at, last_run_at, next_run_at, \
     last_run_status, last_run_error, effective_interval_minutes, conditions, exclude_words, exclude_sellers, \
     min_seller_feedback_percent, price_basis, ending_within_hours, notify_on, alert_emails, insight_emails, \
     last_run_hidden, delivery, digest_hour, email_channel";

/// An alert's other channels as one text column of ids separated by commas (NULL for none),
/// so a list page reads its alerts' channels in the same statement: two more queries per page
/// cost the list 60 % of its throughput (BENCHMARKS.md). SQLite stores ids as 16-byte blobs.
fn linked_channels(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Sqlite => {
            "(SELECT group_concat(hex(channel_id), ',') FROM alert_channels \
             WHERE alert_id = alerts.id)"
        }
        _ => {
            "(SELECT string_agg(CAST(channel_id AS TEXT), ',') FROM alert_channels \
             WHERE alert_id = alerts.id)"
        }
    }
}

/// The stored alert as a valid draft (stored values were validated when written).
pub fn draft_of(m: &alert::Model) -> Result<AlertDraft, ApiError> {
    let price = |p: &Option<String>| p.as_deref().map(Price::parse).transpose();
    let corrupt = |e: Invalid| ApiError::internal(format!("stored alert {} is invalid: {e}", m.id));
    Ok(AlertDraft {
        search_phrase: SearchPhrase::parse(&m.search_phrase).map_err(corrupt)?,
        frequency: Frequency::parse(i64::from(m.frequency_minutes)).map_err(corrupt)?,
        prices: PriceFilter {
            min_price: price(&m.min_price).map_err(corrupt)?,
            max_price: price(&m.max_price).map_err(corrupt)?,
            target_price: price(&m.target_price).map_err(corrupt)?,
            currency: Currency::parse(&m.currency).map_err(corrupt)?,
        },
        conditions: Conditions::parse_stored(&m.conditions).map_err(corrupt)?,
        buying_options: BuyingOptions::parse(&m.buying_options).map_err(corrupt)?,
        refinements: Refinements {
            exclude_words: ExcludeWords::parse_json(&json_value(&m.exclude_words))
                .map_err(corrupt)?,
            exclude_sellers: ExcludeSellers::parse_json(&json_value(&m.exclude_sellers))
                .map_err(corrupt)?,
            min_seller_feedback_percent: m
                .min_seller_feedback_percent
                .as_deref()
                .map(FeedbackPercent::parse)
                .transpose()
                .map_err(corrupt)?,
            price_basis: PriceBasis::parse(&m.price_basis).map_err(corrupt)?,
            ending_within_hours: m
                .ending_within_hours
                .map(|h| EndingWithin::parse(i64::from(h)))
                .transpose()
                .map_err(corrupt)?,
            notify_on: NotifyOn::parse(&m.notify_on).map_err(corrupt)?,
        },
        paused: m.paused,
        alert_emails: m.alert_emails,
        insight_emails: m.insight_emails,
        delivery: Delivery::parse(&m.delivery).map_err(corrupt)?,
        digest_hour: DigestHour::parse(i64::from(m.digest_hour)).map_err(corrupt)?,
    })
}

fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// The owner's delivery location, which alerts copy into their eBay query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryLocation {
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

fn write_draft(active: &mut alert::ActiveModel, draft: &AlertDraft, location: &DeliveryLocation) {
    let price = |p: Option<Price>| p.map(Price::to_canonical);
    let list = |l: &[String]| serde_json::to_string(l).unwrap_or_else(|_| "[]".into());
    let r = &draft.refinements;
    active.search_phrase = Set(draft.search_phrase.as_str().to_owned());
    active.normalised_phrase = Set(draft.search_phrase.normalised());
    active.query_key = Set(crate::ebay::query_key(
        draft,
        location.country.as_deref(),
        location.postal_code.as_deref(),
    ));
    active.delivery_country = Set(location.country.clone());
    active.delivery_postal_code = Set(location.postal_code.clone());
    active.conditions = Set(draft.conditions.to_stored());
    active.exclude_words = Set(list(r.exclude_words.as_slice()));
    active.exclude_sellers = Set(list(r.exclude_sellers.as_slice()));
    active.min_seller_feedback_percent =
        Set(r.min_seller_feedback_percent.map(|f| f.value().to_string()));
    active.price_basis = Set(r.price_basis.as_str().to_owned());
    active.ending_within_hours = Set(r
        .ending_within_hours
        .map(|h| i32::try_from(h.hours()).unwrap_or(72)));
    active.notify_on = Set(r.notify_on.as_str().to_owned());
    active.alert_emails = Set(draft.alert_emails);
    active.insight_emails = Set(draft.insight_emails);
    active.delivery = Set(draft.delivery.as_str().to_owned());
    active.digest_hour = Set(i32::from(draft.digest_hour.get()));
    active.frequency_minutes = Set(i32::try_from(draft.frequency.minutes()).unwrap_or(i32::MAX));
    active.min_price = Set(price(draft.prices.min_price));
    active.max_price = Set(price(draft.prices.max_price));
    active.target_price = Set(price(draft.prices.target_price));
    active.currency = Set(draft.prices.currency.as_str().to_owned());
    active.condition = Set(draft.conditions.legacy().as_str().to_owned());
    active.buying_options = Set(draft.buying_options.as_str().to_owned());
    active.paused = Set(draft.paused);
}

fn changed_event(state: &AppState, m: &alert::Model, owner_email: &str, created: bool) -> Event {
    let changed = AlertChanged {
        alert: event_outbox::snapshot(m, owner_email, &state.settings),
    };
    let payload = if created {
        Payload::AlertCreated(changed)
    } else {
        Payload::AlertUpdated(changed)
    };
    Event::new(event_outbox::SOURCE, Some(m.id.to_string()), payload)
}

/// Creates an alert (and its `alert.created` event) with its channels (`None`: email only);
/// its first run is due at once, so the channels are written in the same transaction.
pub async fn create(
    state: &AppState,
    owner: &CurrentUser,
    draft: &AlertDraft,
    route: Option<&Route>,
) -> Result<alert::Model, ApiError> {
    // Postgres keeps microseconds; the response must show what a later GET will.
    let now = Utc::now().trunc_subsecs(6);
    let mut active = alert::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(owner.id),
        revision: Set(1),
        unsubscribe_token: Set(Secret::generate("").expose().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        last_run_at: Set(None),
        next_run_at: Set(now),
        last_run_status: Set(None),
        last_run_error: Set(None),
        leased_until: Set(None),
        effective_interval_minutes: Set(None),
        last_run_hidden: Set(None),
        ..Default::default()
    };
    let location = accounts::delivery_location(&state.db, owner.id).await?;
    write_draft(&mut active, draft, &location);
    let model = active.clone().try_into_model()?;
    let event = changed_event(state, &model, &owner.email, true);
    let backend = state.db.get_database_backend();
    if backend == DbBackend::Postgres && route.is_none() {
        // One statement is its own transaction: the alert and its event commit together in a
        // single round trip instead of four (BEGIN, two INSERTs, COMMIT).
        let created = CommonTableExpression::new()
            .query(alert::Entity::insert(active).into_query())
            .table_name("created")
            .to_owned();
        let statement = entities::event_outbox::Entity::insert(event_outbox::row(&event)?)
            .into_query()
            .with(WithClause::new().cte(created).to_owned());
        state.db.execute(&statement).await?;
    } else {
        let txn = state.db.begin().await?;
        active.insert(&txn).await?;
        if let Some(route) = route {
            crate::channels::store::set_route(&txn, model.id, route).await?;
        }
        event_outbox::enqueue(&txn, &event).await?;
        txn.commit().await?;
    }
    state.wake_relay.notify_one();
    Ok(model)
}

/// The caller's alert, or 404 (also for another user's alert).
pub async fn find<C: ConnectionTrait>(
    db: &C,
    owner: &CurrentUser,
    id: Uuid,
) -> Result<alert::Model, ApiError> {
    alert::Entity::find_by_id(id)
        .filter(alert::Column::UserId.eq(owner.id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("alert"))
}

/// Applies a partial update (with `alert.updated`) and, when given, new channels, in one
/// transaction; a change of channels alone is a change too (new revision).
pub async fn update(
    state: &AppState,
    owner: &CurrentUser,
    id: Uuid,
    changes: &AlertChanges,
    route: Option<&Route>,
) -> Result<alert::Model, ApiError> {
    let txn = state.db.begin().await?;
    let current = find_for_update(&txn, owner, id).await?;
    let next = changes.apply_to(&draft_of(&current)?)?;
    let now = Utc::now();
    let mut active: alert::ActiveModel = current.clone().into();
    let location = DeliveryLocation {
        country: current.delivery_country.clone(),
        postal_code: current.delivery_postal_code.clone(),
    };
    write_draft(&mut active, &next, &location);
    active.revision = Set(current.revision + 1);
    active.updated_at = Set(now);
    if next.frequency != draft_of(&current)?.frequency || (current.paused && !next.paused) {
        // A new frequency counts from the last run; a resumed alert runs at once if overdue.
        let base = current.last_run_at.unwrap_or(now);
        let due = base + chrono::Duration::from_std(next.frequency.interval()).unwrap_or_default();
        active.next_run_at = Set(due.max(now).min(current.next_run_at.max(now)));
    }
    let model = active.update(&txn).await?;
    if let Some(route) = route {
        crate::channels::store::set_route(&txn, model.id, route).await?;
    }
    event_outbox::enqueue(&txn, &changed_event(state, &model, &owner.email, false)).await?;
    txn.commit().await?;
    state.wake_relay.notify_one();
    Ok(model)
}

/// Deletes an alert; `alert.deleted` carries the next revision as a tombstone.
pub async fn delete(state: &AppState, owner: &CurrentUser, id: Uuid) -> Result<(), ApiError> {
    let txn = state.db.begin().await?;
    let current = find_for_update(&txn, owner, id).await?;
    alert::Entity::delete_by_id(current.id).exec(&txn).await?;
    let event = Event::new(
        event_outbox::SOURCE,
        Some(current.id.to_string()),
        Payload::AlertDeleted(AlertDeleted {
            alert_id: current.id,
            revision: u64::try_from(current.revision + 1).unwrap_or(u64::MAX),
        }),
    );
    event_outbox::enqueue(&txn, &event).await?;
    txn.commit().await?;
    state.wake_relay.notify_one();
    Ok(())
}

/// Locks the row for the rest of the transaction (Postgres), so concurrent updates of one
/// alert get consecutive revisions instead of the same one twice.
async fn find_for_update<C: ConnectionTrait>(
    db: &C,
    owner: &CurrentUser,
    id: Uuid,
) -> Result<alert::Model, ApiError> {
    let backend = db.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    alert::Model::find_by_statement(sql(
        backend,
        &format!("SELECT * FROM alerts WHERE id = $1 AND user_id = $2{lock}"),
        [id.into(), owner.id.into()],
    ))
    .one(db)
    .await?
    .ok_or_else(|| ApiError::not_found("alert"))
}

/// One page of the caller's alerts, newest first, and the total — in one query: the total
/// rides along as a scalar sub-select (a second query only when the page is past the end).
pub async fn list(
    state: &AppState,
    owner: &CurrentUser,
    page: u64,
    per_page: u64,
) -> Result<(Vec<AlertView>, u64), ApiError> {
    #[derive(FromQueryResult)]
    struct Count {
        total: i64,
    }
    let backend = state.db.get_database_backend();
    let offset = (page - 1) * per_page;
    // The total is the sum of the owner's counter rows, kept by triggers (migration
    // `m0002_alert_counts`). Counting the owner's alerts here instead was half of Postgres's work
    // per page with 1,000 alerts, and `COUNT(*) OVER ()` worse still (see BENCHMARKS.md).
    let count =
        "(SELECT CAST(COALESCE(SUM(alerts), 0) AS BIGINT) FROM alert_counts WHERE user_id = $1)";
    let rows = state
        .db
        .query_all_raw(sql(
            backend,
            &format!(
                "SELECT {VIEW_COLUMNS}, {} AS linked_channels, {count} AS total FROM alerts \
                 WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT {per_page} OFFSET {offset}",
                linked_channels(backend)
            ),
            [owner.id.into()],
        ))
        .await?
        .iter()
        .map(view_and_total)
        .collect::<Result<Vec<_>, _>>()?;
    let total = match rows.first() {
        Some((_, total)) => u64::try_from(*total).unwrap_or(0),
        // A page past the end has no rows to carry the total.
        None => Count::find_by_statement(sql(
            backend,
            &format!("SELECT {count} AS total"),
            [owner.id.into()],
        ))
        .one(&state.db)
        .await?
        .map_or(0, |c| u64::try_from(c.total).unwrap_or(0)),
    };
    Ok((rows.into_iter().map(|(view, _)| view).collect(), total))
}

/// Decodes a row of [`VIEW_COLUMNS`] followed by [`linked_channels`] and the total, by position and straight from the
/// driver's row. A list page decodes 20 of them; sea-orm's decoding by column name, which
/// also formats an error message for every NULL it meets, took a fifth of the service's CPU
/// on the list endpoint (BENCHMARKS.md).
fn view_and_total(row: &QueryResult) -> Result<(AlertView, i64), DbErr> {
    let decoded = if let Some(row) = row.try_as_pg_row() {
        decode_view(row)
    } else if let Some(row) = row.try_as_sqlite_row() {
        decode_view(row)
    } else {
        return Err(DbErr::Type(
            "alerts are stored in Postgres or SQLite".into(),
        ));
    };
    decoded.map_err(|e| DbErr::Type(format!("alert row: {e}")))
}

fn decode_view<'r, R>(row: &'r R) -> Result<(AlertView, i64), sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    // Positions follow VIEW_COLUMNS.
    let view = AlertView {
        id: row.try_get(0)?,
        search_phrase: row.try_get(1)?,
        frequency_minutes: row.try_get(2)?,
        min_price: row.try_get(3)?,
        max_price: row.try_get(4)?,
        currency: row.try_get(5)?,
        condition: row.try_get(6)?,
        buying_options: row.try_get(7)?,
        target_price: row.try_get(8)?,
        paused: row.try_get(9)?,
        revision: row.try_get(10)?,
        created_at: row.try_get(11)?,
        updated_at: row.try_get(12)?,
        last_run_at: row.try_get(13)?,
        next_run_at: row.try_get(14)?,
        last_run_status: row.try_get(15)?,
        last_run_error: row.try_get(16)?,
        effective_interval_minutes: row.try_get(17)?,
        conditions: conditions_of(&row.try_get::<String, _>(18)?),
        exclude_words: string_list(&row.try_get::<String, _>(19)?),
        exclude_sellers: string_list(&row.try_get::<String, _>(20)?),
        min_seller_feedback_percent: percent(row.try_get::<Option<String>, _>(21)?.as_deref()),
        price_basis: PriceBasis::parse(&row.try_get::<String, _>(22)?).unwrap_or_default(),
        ending_within_hours: row.try_get(23)?,
        notify_on: NotifyOn::parse(&row.try_get::<String, _>(24)?).unwrap_or_default(),
        alert_emails: row.try_get(25)?,
        insight_emails: row.try_get(26)?,
        last_run_hidden: hidden_of(row.try_get::<Option<String>, _>(27)?.as_deref()),
        delivery: Delivery::parse(&row.try_get::<String, _>(28)?).unwrap_or_default(),
        digest_hour: row.try_get(29)?,
        channels: channel_ids(
            row.try_get(30)?,
            row.try_get::<Option<String>, _>(31)?.as_deref(),
        ),
    };
    Ok((view, row.try_get(32)?))
}

/// An alert's `channels` as the API shows them: `"email"` first when it emails, then its other
/// channels' ids in id order (as `channels::store::routes` gives them).
fn channel_ids(email: bool, linked: Option<&str>) -> Vec<String> {
    route_channels(&Route {
        email,
        channels: linked
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| Uuid::parse_str(id.trim()).ok())
            .collect(),
    })
}

/// A route as the API's `channels`: `"email"` first when it emails, then the other channels'
/// ids in id order.
pub fn route_channels(route: &Route) -> Vec<String> {
    let mut ids = route.channels.clone();
    ids.sort();
    route
        .email
        .then(|| crate::routes::channels::EMAIL_ID.to_owned())
        .into_iter()
        .chain(ids.iter().map(Uuid::to_string))
        .collect()
}

/// The two kinds of email an alert sends, each with its own unsubscribe link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// New listings, drops, target hits, auctions ending soon (alerts-service).
    Alerts,
    /// The periodic price insight (analytics-service).
    Insights,
}

impl EmailKind {
    /// The `kind` query parameter of unsubscribe links.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alerts => "alerts",
            Self::Insights => "insights",
        }
    }

    /// Parses the `kind` parameter; links without one (sent before kinds existed) are alert
    /// emails' links.
    pub fn parse(text: Option<&str>) -> Option<Self> {
        match text {
            None | Some("alerts") => Some(Self::Alerts),
            Some("insights") => Some(Self::Insights),
            Some(_) => None,
        }
    }
}

/// The alert an unsubscribe link belongs to, as its page describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The alert's phrase, to say which emails stop.
    pub search_phrase: String,
    /// Whether that kind of email is on now.
    pub on: bool,
}

/// What the unsubscribe link's token points at, without changing anything (`GET /unsubscribe`
/// must not: mail scanners follow links).
pub async fn subscription_by_unsubscribe_token(
    state: &AppState,
    token: &str,
    kind: EmailKind,
) -> Result<Option<Subscription>, ApiError> {
    Ok(alert::Entity::find()
        .filter(alert::Column::UnsubscribeToken.eq(token))
        .one(&state.db)
        .await?
        .map(|found| Subscription {
            on: match kind {
                EmailKind::Alerts => found.alert_emails,
                EmailKind::Insights => found.insight_emails,
            },
            search_phrase: found.search_phrase,
        }))
}

/// Turns one kind of the alert's emails off (unsubscribe) or on again (resume), for the alert
/// whose unsubscribe token this is (the token is the alert's own secret: no sign-in needed).
/// A change is an alert update with its `alert.updated` event, in one transaction, so
/// analytics-service learns that insight emails stopped. `None` for an unknown token.
pub async fn set_emails_by_unsubscribe_token(
    state: &AppState,
    token: &str,
    kind: EmailKind,
    on: bool,
) -> Result<Option<Subscription>, ApiError> {
    let txn = state.db.begin().await?;
    let Some(found) = alert::Entity::find()
        .filter(alert::Column::UnsubscribeToken.eq(token))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let current = match kind {
        EmailKind::Alerts => found.alert_emails,
        EmailKind::Insights => found.insight_emails,
    };
    if current == on {
        return Ok(Some(Subscription {
            search_phrase: found.search_phrase,
            on,
        }));
    }
    let owner = accounts::user_by_id(&txn, found.user_id)
        .await?
        .ok_or_else(|| ApiError::internal("alert without owner"))?;
    let mut active: alert::ActiveModel = found.clone().into();
    match kind {
        EmailKind::Alerts => active.alert_emails = Set(on),
        EmailKind::Insights => active.insight_emails = Set(on),
    }
    active.revision = Set(found.revision + 1);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    event_outbox::enqueue(&txn, &changed_event(state, &updated, &owner.email, false)).await?;
    txn.commit().await?;
    state.wake_relay.notify_one();
    Ok(Some(Subscription {
        search_phrase: updated.search_phrase,
        on,
    }))
}

/// Copies the owner's new delivery location into each of their alerts and recomputes the
/// alerts' query keys (shipping costs, and so the eBay query, depend on it). No alert event:
/// the location is the account's, not part of the alert's contract.
pub async fn relocate_owner<C: ConnectionTrait>(
    db: &C,
    owner_id: Uuid,
    location: &DeliveryLocation,
) -> Result<(), ApiError> {
    let rows = alert::Entity::find()
        .filter(alert::Column::UserId.eq(owner_id))
        .all(db)
        .await?;
    for row in rows {
        let draft = draft_of(&row)?;
        let mut active: alert::ActiveModel = row.into();
        active.query_key = Set(crate::ebay::query_key(
            &draft,
            location.country.as_deref(),
            location.postal_code.as_deref(),
        ));
        active.delivery_country = Set(location.country.clone());
        active.delivery_postal_code = Set(location.postal_code.clone());
        active.update(db).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::channel_ids;

    #[test]
    fn listed_channels_are_email_first_then_ids_in_order_whatever_the_database_wrote() {
        let a = "01a24848-0000-7000-8000-000000000001";
        let b = "01a24848-0000-7000-8000-000000000002";
        // (emails, the aggregate column, expected)
        let cases: [(bool, Option<&str>, Vec<&str>); 5] = [
            (true, None, vec!["email"]),
            (false, None, vec![]),
            (true, Some(&format!("{b},{a}")), vec!["email", a, b]),
            // SQLite's hex of the 16-byte blob.
            (false, Some("01A24848000070008000000000000002"), vec![b]),
            (false, Some("not-an-id,,"), vec![]),
        ];
        for (email, linked, expected) in cases {
            assert_eq!(channel_ids(email, linked), expected, "{linked:?}");
        }
    }
}
