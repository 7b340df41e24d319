//! Single-use sign-in links; only the SHA-256 of the token is stored.

use sea_orm::entity::prelude::*;

/// One row of `sign_in_links`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_links")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Hex SHA-256 of the token in the link.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Who asked (the user is created on first use).
    pub email: String,
    /// When it was asked for.
    pub created_at: DateTimeUtc,
    /// After this it no longer works.
    pub expires_at: DateTimeUtc,
    /// Set when used; a used link never works again.
    pub used_at: Option<DateTimeUtc>,
}

/// No relations are navigated through sea-orm; joins are explicit where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
