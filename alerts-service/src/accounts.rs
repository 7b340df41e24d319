//! The account store: users, sign-in links, sessions and personal API tokens. Every SQL
//! statement about accounts lives here, so routes, the auth extractor and the command line speak
//! in account terms ("redeem this link", "who holds this token") and never in tables.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, Set, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::config::policy;
use crate::db::entities::{api_token, session, sign_in_link, user};
use crate::db::sql;
use crate::domain::EmailAddress;

/// A signed-in person as the auth extractor needs them.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Holder {
    /// User id.
    pub id: Uuid,
    /// Their verified address.
    pub email: String,
}

/// The user with this address, created (never signed in yet) when there is none. The
/// `token create` command and the demo account use it; sign-in goes through
/// [`redeem_sign_in_link`], which also records the sign-in.
pub async fn find_or_create_user<C: ConnectionTrait>(
    db: &C,
    email: &EmailAddress,
) -> Result<user::Model, DbErr> {
    if let Some(found) = user_by_email(db, email.as_str()).await? {
        return Ok(found);
    }
    let now = Utc::now();
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_string()),
        created_at: Set(now),
        last_sign_in_at: Set(now),
        country: Set(None),
        postal_code: Set(None),
        quiet_start: Set(None),
        quiet_end: Set(None),
        quiet_time_zone: Set(None),
    }
    .insert(db)
    .await
}

/// The user with this address, if any.
pub async fn user_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await
}

/// Where the user receives parcels (empty when never said).
pub async fn delivery_location<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<crate::alerts::DeliveryLocation, DbErr> {
    Ok(user_by_id(db, user_id)
        .await?
        .map(|u| crate::alerts::DeliveryLocation {
            country: u.country,
            postal_code: u.postal_code,
        })
        .unwrap_or_default())
}

/// Sets where the user receives parcels and carries it into their alerts' eBay queries, in one
/// transaction.
pub async fn set_delivery_location(
    db: &sea_orm::DatabaseConnection,
    user_id: Uuid,
    location: &crate::alerts::DeliveryLocation,
) -> Result<user::Model, crate::error::ApiError> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let found = user_by_id(&txn, user_id)
        .await?
        .ok_or_else(crate::error::ApiError::unauthenticated)?;
    let mut active: user::ActiveModel = found.into();
    active.country = Set(location.country.clone());
    active.postal_code = Set(location.postal_code.clone());
    let updated = active.update(&txn).await?;
    crate::alerts::relocate_owner(&txn, user_id, location).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The account's quiet hours (`None`: none set, or a stored value that no longer parses —
/// then notifications are not held rather than held forever).
pub fn quiet_hours_of(row: &user::Model) -> Option<crate::domain::QuietHours> {
    match (&row.quiet_start, &row.quiet_end, &row.quiet_time_zone) {
        (Some(s), Some(e), Some(tz)) => crate::domain::QuietHours::parse(s, e, tz).ok(),
        _ => None,
    }
}

/// Sets (or, with `None`, clears) the account's quiet hours.
pub async fn set_quiet_hours<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    quiet: Option<&crate::domain::QuietHours>,
) -> Result<user::Model, crate::error::ApiError> {
    let found = user_by_id(db, user_id)
        .await?
        .ok_or_else(crate::error::ApiError::unauthenticated)?;
    let mut active: user::ActiveModel = found.into();
    active.quiet_start = Set(quiet.map(|q| q.start_text()));
    active.quiet_end = Set(quiet.map(|q| q.end_text()));
    active.quiet_time_zone = Set(quiet.map(|q| q.time_zone().name().to_owned()));
    Ok(active.update(db).await?)
}

/// One user by id.
pub async fn user_by_id<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// Records a new single-use sign-in link (only its hash) inside the caller's transaction, which
/// also queues the email carrying it.
pub async fn issue_sign_in_link<C: ConnectionTrait>(
    txn: &C,
    token_hash: String,
    email: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    sign_in_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(token_hash),
        email: Set(email.to_string()),
        created_at: Set(now),
        expires_at: Set(
            now + chrono::Duration::from_std(policy::SIGN_IN_LINK_TTL).unwrap_or_default()
        ),
        used_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Consumes a sign-in link and opens a session (stored as `session_hash`) for its address,
/// creating the user on first sign-in, all in one transaction. `None` when the link is unknown,
/// used or expired: nothing is written then.
pub async fn redeem_sign_in_link(
    db: &DatabaseConnection,
    link_hash: &str,
    session_hash: String,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let txn = db.begin().await?;
    // Mark used only if still unused and unexpired: of two concurrent clicks exactly one wins.
    let claimed = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(now))
        .filter(sign_in_link::Column::TokenHash.eq(link_hash))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(None);
    }
    let link = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(link_hash))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("claimed sign-in link vanished".into()))?;
    let user_id = match user_by_email(&txn, &link.email).await? {
        Some(found) => {
            let mut active: user::ActiveModel = found.into();
            active.last_sign_in_at = Set(now);
            active.update(&txn).await?.id
        }
        None => {
            user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(link.email.clone()),
                created_at: Set(now),
                last_sign_in_at: Set(now),
                country: Set(None),
                postal_code: Set(None),
                quiet_start: Set(None),
                quiet_end: Set(None),
                quiet_time_zone: Set(None),
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(session_hash),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::from_std(policy::SESSION_TTL).unwrap_or_default()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(user_id))
}

/// Ends the session stored as `session_hash` (nothing when there is none).
pub async fn end_session<C: ConnectionTrait>(db: &C, session_hash: String) -> Result<(), DbErr> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(session_hash))
        .exec(db)
        .await?;
    Ok(())
}

/// Who holds the unexpired session stored as `session_hash`.
pub async fn session_holder<C: ConnectionTrait>(
    db: &C,
    session_hash: String,
    now: DateTime<Utc>,
) -> Result<Option<Holder>, DbErr> {
    Holder::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT u.id AS id, u.email AS email FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        [session_hash.into(), now.into()],
    ))
    .one(db)
    .await
}

/// Who holds the API token stored as `token_hash`.
pub async fn token_holder<C: ConnectionTrait>(
    db: &C,
    token_hash: String,
) -> Result<Option<Holder>, DbErr> {
    Holder::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT u.id AS id, u.email AS email FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1",
        [token_hash.into()],
    ))
    .one(db)
    .await
}

/// Stores a new API token (its hash and a recognisable prefix of the secret).
pub async fn insert_token<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    name: &str,
    prefix: String,
    token_hash: String,
) -> Result<api_token::Model, DbErr> {
    api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        prefix: Set(prefix),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
    }
    .insert(db)
    .await
}

/// A user's tokens, newest first.
pub async fn tokens_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await
}

/// Deletes one of a user's tokens; `false` when they have no such token.
pub async fn revoke_token<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    token_id: Uuid,
) -> Result<bool, DbErr> {
    let deleted = api_token::Entity::delete_many()
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Records when the token stored as `token_hash` was last used.
pub async fn touch_token<C: ConnectionTrait>(
    db: &C,
    token_hash: String,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(at))
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .exec(db)
        .await?;
    Ok(())
}
