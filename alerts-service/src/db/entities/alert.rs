//! Saved searches. Prices are canonical decimal strings (exact on every backend).

use sea_orm::entity::prelude::*;

/// One row of `alerts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    /// Alert id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// The phrase as written (trimmed).
    pub search_phrase: String,
    /// Lower-cased, single-spaced phrase; with the filters it identifies one eBay query.
    pub normalised_phrase: String,
    /// Identifies the eBay query (phrase and filters): alerts with equal keys share one search.
    pub query_key: String,
    /// Minutes between runs.
    pub frequency_minutes: i32,
    /// Lower price bound, e.g. "10.00".
    pub min_price: Option<String>,
    /// Upper price bound.
    pub max_price: Option<String>,
    /// Target price.
    pub target_price: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// any, new, used.
    pub condition: String,
    /// fixed_price, auction, any.
    pub buying_options: String,
    /// Paused alerts neither run nor email.
    pub paused: bool,
    /// Increases with every change; carried by events.
    pub revision: i64,
    /// Secret in one-click unsubscribe links.
    #[sea_orm(unique)]
    pub unsubscribe_token: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Last completed run.
    pub last_run_at: Option<DateTimeUtc>,
    /// When the scheduler runs it next.
    pub next_run_at: DateTimeUtc,
    /// ok, no_new_listings or error.
    pub last_run_status: Option<String>,
    /// The reason of the last failed run.
    pub last_run_error: Option<String>,
    /// A runner holds the alert until then (crash-safe lease).
    pub leased_until: Option<DateTimeUtc>,
    /// The interval the scheduler actually uses when the eBay budget stretches runs.
    pub effective_interval_minutes: Option<i32>,
    /// Condition groups, comma-separated in canonical order, e.g. "new,used".
    pub conditions: String,
    /// Excluded words or phrases, a JSON array of strings.
    pub exclude_words: String,
    /// Excluded eBay user names (lower-case, sorted), a JSON array of strings.
    pub exclude_sellers: String,
    /// Lowest acceptable seller feedback, e.g. "98.5".
    pub min_seller_feedback_percent: Option<String>,
    /// with_shipping or item.
    pub price_basis: String,
    /// Report auctions ending within this many hours.
    pub ending_within_hours: Option<i32>,
    /// new_listings or deals_only.
    pub notify_on: String,
    /// Alert emails on (off after an unsubscribe from them).
    pub alert_emails: bool,
    /// Insight emails on (off after an unsubscribe from them).
    pub insight_emails: bool,
    /// The owner's country, copied from the account: part of the eBay query.
    pub delivery_country: Option<String>,
    /// The owner's postal code, copied from the account.
    pub delivery_postal_code: Option<String>,
    /// What the last successful run hid and why, a JSON object of counts.
    pub last_run_hidden: Option<String>,
    /// immediate or digest.
    pub delivery: String,
    /// The hour (0–23, the owner's time zone) a digest alert's daily message goes out.
    pub digest_hour: i32,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
