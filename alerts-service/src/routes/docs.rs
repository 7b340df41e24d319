//! The OpenAPI 3 document (generated from the handlers) and Swagger UI (assets vendored into
//! the binary, so it works offline).

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{alerts, auth, dev_outbox, health, insights, me, runs, tokens, unsubscribe};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "eBay Alerts — alerts-service",
        description = "Accounts, saved eBay searches (alerts) and their runs. Errors are always \
            `{\"error\": {\"code\", \"message\", \"details\"}}`; another user's resources are 404.",
        version = env!("CARGO_PKG_VERSION")
    ),
    paths(
        auth::login, auth::verify, auth::logout, me::me,
        tokens::create, tokens::list, tokens::revoke,
        alerts::list, alerts::create, alerts::get_one, alerts::update, alerts::remove,
        runs::run_now, runs::items, insights::insights, runs::quota_view, unsubscribe::unsubscribe_get, unsubscribe::unsubscribe_post,
        health::healthz, health::readyz, health::metrics, dev_outbox::outbox,
    ),
    modifiers(&Security),
    tags(
        (name = "account", description = "Sign-in and the signed-in user"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "alerts", description = "Saved searches"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal API token (`eat_…`) from POST /api/v1/tokens or `alerts-service token create`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Mounts `/api/openapi.json` and `/api/docs`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json)
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi()));
}

/// The OpenAPI document. (Swagger UI registers the same path; this handler is mounted first and
/// answers with the canonical JSON.)
#[get("/api/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
