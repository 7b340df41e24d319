//! Personal API tokens for scripts; shown once, only the SHA-256 is stored.

use sea_orm::entity::prelude::*;

/// One row of `api_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Label chosen by the owner.
    pub name: String,
    /// The first characters of the token, to recognise it in lists.
    pub prefix: String,
    /// Hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last request made with it (updated at most once a minute).
    pub last_used_at: Option<DateTimeUtc>,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
