//! The transactional event outbox: a change and its CloudEvent are committed together, and the
//! [`crate::workers::event_relay`] publishes committed events to the transport, so an event is never lost (Redis down)
//! nor published for a change that rolled back.

use chrono::Utc;
use pubsub::{AlertSnapshot, Event};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use std::str::FromStr;

use crate::alerts::EmailKind;
use crate::config::Settings;
use crate::db::entities::{alert, event_outbox};

/// The `source` of every event this service produces.
pub const SOURCE: &str = "alerts-service";

/// Writes `event` to the outbox inside the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(db: &C, event: &Event) -> Result<(), DbErr> {
    row(event)?.insert(db).await?;
    Ok(())
}

/// Writes several events in one statement; they are published in the order given.
pub async fn enqueue_many<C: ConnectionTrait>(db: &C, events: &[Event]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events.iter().map(row).collect::<Result<Vec<_>, _>>()?;
    event_outbox::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The outbox row of `event`, for callers that fold its insert into a larger statement.
pub fn row(event: &Event) -> Result<event_outbox::ActiveModel, DbErr> {
    let topic = event
        .payload
        .topic()
        .ok_or_else(|| DbErr::Custom(format!("event type {} has no topic", event.event_type())))?;
    let payload = event.encode().map_err(|e| DbErr::Custom(e.to_string()))?;
    let payload = String::from_utf8(payload).map_err(|e| DbErr::Custom(e.to_string()))?;
    let now = Utc::now();
    Ok(event_outbox::ActiveModel {
        topic: Set(topic.to_owned()),
        event_id: Set(event.id.clone()),
        payload: Set(payload),
        created_at: Set(now),
        published_at: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        ..Default::default()
    })
}

/// The alert as carried by `alert.created` / `alert.updated`.
pub fn snapshot(alert: &alert::Model, owner_email: &str, settings: &Settings) -> AlertSnapshot {
    let price = |p: &Option<String>| p.as_deref().and_then(|v| Decimal::from_str(v).ok());
    AlertSnapshot {
        id: alert.id,
        owner_id: alert.user_id,
        owner_email: owner_email.to_owned(),
        search_phrase: alert.search_phrase.clone(),
        frequency_minutes: u32::try_from(alert.frequency_minutes).unwrap_or_default(),
        min_price: price(&alert.min_price),
        max_price: price(&alert.max_price),
        currency: alert.currency.clone(),
        condition: crate::domain::Condition::parse(&alert.condition)
            .unwrap_or_default()
            .into(),
        conditions: alert
            .conditions
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        exclude_words: serde_json::from_str(&alert.exclude_words).unwrap_or_default(),
        exclude_sellers: serde_json::from_str(&alert.exclude_sellers).unwrap_or_default(),
        min_seller_feedback_percent: price(&alert.min_seller_feedback_percent),
        price_basis: Some(alert.price_basis.clone()),
        ending_within_hours: alert
            .ending_within_hours
            .and_then(|h| u32::try_from(h).ok()),
        notify_on: Some(alert.notify_on.clone()),
        insight_emails: alert.insight_emails,
        alert_emails: alert.alert_emails,
        buying_options: crate::domain::BuyingOptions::parse(&alert.buying_options)
            .unwrap_or_default()
            .into(),
        target_price: price(&alert.target_price),
        paused: alert.paused,
        revision: u64::try_from(alert.revision).unwrap_or_default(),
        created_at: alert.created_at,
        updated_at: alert.updated_at,
        // The link analytics-service puts in insight emails: it stops those only.
        unsubscribe_url: Some(unsubscribe_url(
            settings,
            &alert.unsubscribe_token,
            EmailKind::Insights,
        )),
    }
}

/// The one-click unsubscribe link of one kind of an alert's emails.
pub fn unsubscribe_url(settings: &Settings, token: &str, kind: EmailKind) -> String {
    settings.public_link(&format!(
        "/unsubscribe?token={token}&kind={}",
        kind.as_str()
    ))
}
