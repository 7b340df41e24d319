//! Dashboard sessions behind the HttpOnly cookie; only the SHA-256 of the cookie value is stored.

use sea_orm::entity::prelude::*;

/// One row of `sessions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Hex SHA-256 of the cookie value.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Whose session.
    pub user_id: Uuid,
    /// Sign-in time.
    pub created_at: DateTimeUtc,
    /// After this the cookie no longer works.
    pub expires_at: DateTimeUtc,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
