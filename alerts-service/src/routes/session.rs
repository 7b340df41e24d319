//! `GET /api/v1/session`: who is signed in, if anyone, and whether this server keeps its emails in
//! the development outbox. Always 200, so a signed-out dashboard learns both without a failed
//! request (browsers log every 401 and 404 in the console, whatever the page does with it).

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, ResponseError, get, http::StatusCode, web,
};
use sea_orm::EntityTrait;
use serde::Serialize;
use utoipa::ToSchema;

use super::me::Me;
use crate::auth::CurrentUser;
use crate::db::entities::user;
use crate::error::ApiError;
use crate::state::AppState;

/// Answer of `GET /api/v1/session`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The signed-in user, or `null` when signed out (no, an expired or an unknown credential).
    pub user: Option<Me>,
    /// Whether emails are kept at `GET /api/v1/dev/outbox` instead of being sent (zero-setup mode).
    pub dev_outbox: bool,
}

/// Mounts the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(session);
}

/// The session as the dashboard needs it on every page: the user or `null`, and the outbox mode.
#[utoipa::path(
    operation_id = "get_session",
    tag = "account",
    responses((status = 200, body = SessionView)),
    security((), ("session" = []), ("bearer" = []))
)]
#[get("/api/v1/session")]
async fn session(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let user = match CurrentUser::extract(&req).await {
        Ok(current) => user::Entity::find_by_id(current.id)
            .one(&state.db)
            .await?
            .map(Me::from),
        // Only "not signed in" means null; a database fault stays a fault.
        Err(error) if error.status_code() == StatusCode::UNAUTHORIZED => None,
        Err(error) => return Err(error),
    };
    Ok(HttpResponse::Ok().json(SessionView {
        user,
        dev_outbox: state.settings.dev_outbox,
    }))
}
