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
use crate::db::entities::{self, alert};
use crate::db::sql;
use crate::domain::{
    AlertChanges, AlertDraft, BuyingOptions, Condition, Currency, Frequency, Invalid, Price,
    PriceFilter, SearchPhrase,
};
use crate::error::ApiError;
use crate::event_outbox;
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
    /// `any`, `new` or `used`.
    pub condition: String,
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
        }
    }
}

/// Columns of [`AlertView`], for hand-written queries.
const VIEW_COLUMNS: &str = "id, search_phrase, frequency_minutes, min_price, max_price, currency, condition, \
     buying_options, target_price, paused, revision, created_at, updated_at, last_run_at, next_run_at, \
     last_run_status, last_run_error, effective_interval_minutes";

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
        condition: Condition::parse(&m.condition).map_err(corrupt)?,
        buying_options: BuyingOptions::parse(&m.buying_options).map_err(corrupt)?,
        paused: m.paused,
    })
}

fn write_draft(active: &mut alert::ActiveModel, draft: &AlertDraft) {
    let price = |p: Option<Price>| p.map(Price::to_canonical);
    active.search_phrase = Set(draft.search_phrase.as_str().to_owned());
    active.normalised_phrase = Set(draft.search_phrase.normalised());
    active.query_key = Set(crate::ebay::query_key(draft));
    active.frequency_minutes = Set(i32::try_from(draft.frequency.minutes()).unwrap_or(i32::MAX));
    active.min_price = Set(price(draft.prices.min_price));
    active.max_price = Set(price(draft.prices.max_price));
    active.target_price = Set(price(draft.prices.target_price));
    active.currency = Set(draft.prices.currency.as_str().to_owned());
    active.condition = Set(draft.condition.as_str().to_owned());
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

/// Creates an alert (and its `alert.created` event); its first run is due at once.
pub async fn create(
    state: &AppState,
    owner: &CurrentUser,
    draft: &AlertDraft,
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
        ..Default::default()
    };
    write_draft(&mut active, draft);
    let model = active.clone().try_into_model()?;
    let event = changed_event(state, &model, &owner.email, true);
    let backend = state.db.get_database_backend();
    if backend == DbBackend::Postgres {
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

/// Applies a partial update (with `alert.updated`).
pub async fn update(
    state: &AppState,
    owner: &CurrentUser,
    id: Uuid,
    changes: &AlertChanges,
) -> Result<alert::Model, ApiError> {
    let txn = state.db.begin().await?;
    let current = find_for_update(&txn, owner, id).await?;
    let next = changes.apply_to(&draft_of(&current)?)?;
    let now = Utc::now();
    let mut active: alert::ActiveModel = current.clone().into();
    write_draft(&mut active, &next);
    active.revision = Set(current.revision + 1);
    active.updated_at = Set(now);
    if next.frequency != draft_of(&current)?.frequency || (current.paused && !next.paused) {
        // A new frequency counts from the last run; a resumed alert runs at once if overdue.
        let base = current.last_run_at.unwrap_or(now);
        let due = base + chrono::Duration::from_std(next.frequency.interval()).unwrap_or_default();
        active.next_run_at = Set(due.max(now).min(current.next_run_at.max(now)));
    }
    let model = active.update(&txn).await?;
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
                "SELECT {VIEW_COLUMNS}, {count} AS total FROM alerts WHERE user_id = $1 \
                 ORDER BY created_at DESC, id DESC LIMIT {per_page} OFFSET {offset}"
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

/// Decodes a row of [`VIEW_COLUMNS`] followed by the total, by position and straight from the
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
    };
    Ok((view, row.try_get(18)?))
}

/// What an unsubscribe link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsubscribed {
    /// No alert has this token (deleted, or a mangled link).
    UnknownToken,
    /// The alert was paused before; nothing changed.
    AlreadyPaused {
        /// The alert's phrase, to say which emails stopped.
        search_phrase: String,
    },
    /// The alert is now paused, and its `alert.updated` event is in the outbox.
    Paused {
        /// The alert's phrase.
        search_phrase: String,
    },
}

/// Pauses the alert whose unsubscribe token this is (the link needs no sign-in: the token is
/// the alert's own secret), with its event in the same transaction.
pub async fn pause_by_unsubscribe_token(
    state: &AppState,
    token: &str,
) -> Result<Unsubscribed, ApiError> {
    let txn = state.db.begin().await?;
    let Some(found) = alert::Entity::find()
        .filter(alert::Column::UnsubscribeToken.eq(token))
        .one(&txn)
        .await?
    else {
        return Ok(Unsubscribed::UnknownToken);
    };
    if found.paused {
        return Ok(Unsubscribed::AlreadyPaused {
            search_phrase: found.search_phrase,
        });
    }
    let owner = accounts::user_by_id(&txn, found.user_id)
        .await?
        .ok_or_else(|| ApiError::internal("alert without owner"))?;
    let mut active: alert::ActiveModel = found.clone().into();
    active.paused = Set(true);
    active.revision = Set(found.revision + 1);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    event_outbox::enqueue(&txn, &changed_event(state, &updated, &owner.email, false)).await?;
    txn.commit().await?;
    state.wake_relay.notify_one();
    Ok(Unsubscribed::Paused {
        search_phrase: updated.search_phrase,
    })
}
