//! Personal API tokens: `Authorization: Bearer …` for scripts. Shown once, stored hashed.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts;
use crate::auth::{CurrentUser, Secret};
use crate::db::entities::api_token;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// Visible start of every token, so leaked tokens are easy to search for.
pub const TOKEN_PREFIX: &str = "eat_";

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list).service(revoke);
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// A label, e.g. "backup script" (1–100 characters).
    pub name: String,
}

/// A token as listed (without the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Token id.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// First characters, to recognise it.
    pub prefix: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A newly created token; `token` is shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token's details.
    #[serde(flatten)]
    pub view: TokenView,
    /// The secret: send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Listed tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// The caller's tokens, newest first.
    pub items: Vec<TokenView>,
}

impl From<api_token::Model> for TokenView {
    fn from(m: api_token::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            prefix: m.prefix,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
        }
    }
}

/// Creates a token for the caller and a user record for `email` if needed; used by the
/// `token create` command too.
pub async fn issue(
    state: &AppState,
    user_id: Uuid,
    name: &str,
) -> Result<CreatedToken, sea_orm::DbErr> {
    let secret = Secret::generate(TOKEN_PREFIX);
    let prefix = secret
        .expose()
        .chars()
        .take(TOKEN_PREFIX.len() + 6)
        .collect();
    let row = accounts::insert_token(&state.db, user_id, name, prefix, secret.hash()).await?;
    Ok(CreatedToken {
        view: row.into(),
        token: secret.expose().to_owned(),
    })
}

/// Creates a personal API token; the secret is in this response only.
#[utoipa::path(
    operation_id = "create_token",
    tag = "tokens",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/api/v1/tokens")]
async fn create(
    user: CurrentUser,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = match body.get("name") {
        Some(serde_json::Value::String(name))
            if !name.trim().is_empty() && name.trim().chars().count() <= 100 =>
        {
            mailer::header_safe(name.trim())
        }
        Some(serde_json::Value::String(_)) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "name",
                "must be 1–100 characters",
            )]));
        }
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "name",
                "must be a string",
            )]));
        }
        None => {
            return Err(ApiError::validation(vec![FieldError::new(
                "name",
                "is required",
            )]));
        }
    };
    let created = issue(&state, user.id, &name).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caller's tokens (without secrets).
#[utoipa::path(
    operation_id = "list_tokens",
    tag = "tokens",
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/tokens")]
async fn list(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = accounts::tokens_of(&state.db, user.id).await?;
    Ok(HttpResponse::Ok().json(TokenList {
        items: rows.into_iter().map(TokenView::from).collect(),
    }))
}

/// Revokes a token at once.
#[utoipa::path(
    operation_id = "revoke_token",
    tag = "tokens",
    params(("id" = Uuid, Path, description = "token id")),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[delete("/api/v1/tokens/{id}")]
async fn revoke(
    user: CurrentUser,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !accounts::revoke_token(&state.db, user.id, id.into_inner()).await? {
        return Err(ApiError::not_found("token"));
    }
    state.credentials.forget_all();
    Ok(HttpResponse::NoContent().finish())
}
