//! `GET /api/v1/me`.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: Uuid,
    /// Verified email address; alert emails go here.
    pub email: String,
    /// First sign-in.
    pub created_at: DateTime<Utc>,
}

/// Mounts the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me);
}

/// The signed-in user.
#[utoipa::path(
    operation_id = "get_me",
    tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/me")]
async fn me(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let row = accounts::user_by_id(&state.db, user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(HttpResponse::Ok().json(Me {
        id: row.id,
        email: row.email,
        created_at: row.created_at,
    }))
}
