//! `m0003_precise_alerts` (issue #16): the filters that make an alert precise, where its owner
//! receives parcels, which email kinds the owner still wants, what each run hid and why, and
//! what a listing costs and is (shipping, condition, format, bids, end, seller).
//!
//! Every column is nullable or has a default, so rows written before keep their meaning: an
//! alert's old `condition` becomes its condition groups, and query keys are recomputed because
//! they now cover every filter sent to eBay.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ColumnTrait, EntityTrait, Iterable, QueryFilter, QuerySelect};

use crate::db::entities::alert;

use super::{text_null, time_null};

pub(super) struct PreciseAlerts;

impl MigrationName for PreciseAlerts {
    fn name(&self) -> &str {
        "m0003_precise_alerts"
    }
}

fn text_default(name: &'static str, default: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .text()
        .not_null()
        .default(default)
        .to_owned()
}

fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}

fn bool_true(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(true)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for PreciseAlerts {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns: [(&str, Vec<ColumnDef>); 4] = [
            (
                "alerts",
                vec![
                    text_default("conditions", "new,open_box,refurbished,used"),
                    text_default("exclude_words", "[]"),
                    text_default("exclude_sellers", "[]"),
                    text_null("min_seller_feedback_percent"),
                    text_default("price_basis", "with_shipping"),
                    int_null("ending_within_hours"),
                    text_default("notify_on", "new_listings"),
                    bool_true("alert_emails"),
                    bool_true("insight_emails"),
                    // The owner's delivery location, copied here because it is part of the eBay
                    // query (shipping costs depend on it) and the runner reads alert rows only.
                    text_null("delivery_country"),
                    text_null("delivery_postal_code"),
                    text_null("last_run_hidden"),
                ],
            ),
            (
                "users",
                vec![text_null("country"), text_null("postal_code")],
            ),
            ("alert_runs", vec![text_null("hidden")]),
            (
                "seen_listings",
                vec![
                    text_null("shipping_cost"),
                    int_null("condition_id"),
                    text_null("condition_group"),
                    text_null("buying_option"),
                    text_null("current_bid"),
                    int_null("bid_count"),
                    time_null("ends_at"),
                    text_null("seller"),
                    text_null("seller_feedback_percent"),
                    time_null("ending_notified_at"),
                ],
            ),
        ];
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for (table, defs) in columns {
            for mut def in defs {
                m.alter_table(Table::alter().table(table).add_column(&mut def).to_owned())
                    .await?;
            }
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE alerts SET conditions = condition WHERE condition IN ('new', 'used')",
        )
        .await?;
        // Query keys now hash every filter sent to eBay; recompute them so alerts searching the
        // same thing keep sharing one call.
        // The entity grows with later migrations (m0006 added `delivery` and `digest_hour`):
        // read only the columns that exist at this point and give the later ones their defaults.
        let rows = alert::Entity::find()
            .select_only()
            .columns(
                alert::Column::iter()
                    .filter(|c| !matches!(c, alert::Column::Delivery | alert::Column::DigestHour)),
            )
            .column_as(Expr::val("immediate"), "delivery")
            .column_as(Expr::val(8), "digest_hour")
            .into_model::<alert::Model>()
            .all(db)
            .await?;
        for row in rows {
            let draft = crate::alerts::draft_of(&row).map_err(|e| DbErr::Custom(e.to_string()))?;
            let key = crate::ebay::query_key(
                &draft,
                row.delivery_country.as_deref(),
                row.delivery_postal_code.as_deref(),
            );
            if key != row.query_key {
                // Not `ActiveModel::update`: its RETURNING names every column of the entity.
                alert::Entity::update_many()
                    .col_expr(alert::Column::QueryKey, Expr::value(key))
                    .filter(alert::Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
            }
        }
        Ok(())
    }
}
