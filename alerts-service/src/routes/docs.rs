//! The OpenAPI 3 document (generated from the handlers) and Swagger UI (assets vendored into
//! the binary, so it works offline).

use std::sync::LazyLock;

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{
    alerts, auth, channels, email_outbox, health, insights, me, runs, session, tokens, unsubscribe,
};

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
        auth::login, auth::verify, auth::logout, me::me, me::update_me, session::session,
        tokens::create, tokens::list, tokens::revoke,
        channels::list, channels::create, channels::get_one, channels::update, channels::remove, channels::test, channels::preview,
        alerts::list, alerts::create, alerts::get_one, alerts::update, alerts::remove,
        runs::run_now, runs::items, insights::insights, runs::quota_view, unsubscribe::unsubscribe_get, unsubscribe::unsubscribe_post, unsubscribe::resume_post,
        insights::insights_csv, insights::listings_csv,
        health::healthz, health::readyz, health::metrics, email_outbox::outbox,
    ),
    modifiers(&Security, &ResponseDescriptions),
    tags(
        (name = "account", description = "Sign-in and the signed-in user"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "alerts", description = "Saved searches"),
        (name = "channels", description = "Where notifications go besides email: webhooks, ntfy, Telegram, Discord, Slack"),
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

/// OpenAPI requires every response to have a description, and utoipa leaves it out when a
/// response only names its body; such responses get the status's reason phrase ("Created",
/// "Unprocessable Entity"), which is what they mean.
struct ResponseDescriptions;

impl Modify for ResponseDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = status
                            .parse::<u16>()
                            .ok()
                            .and_then(|code| actix_web::http::StatusCode::from_u16(code).ok())
                            .and_then(|code| code.canonical_reason())
                            .unwrap_or("Response")
                            .to_owned();
                    }
                }
            }
        }
    }
}

/// The document `/api/openapi.json` answers with and Swagger UI shows, whatever the settings: the
/// dev-outbox route is described even where it is not mounted (its 404 is documented), so every
/// server publishes the same contract and `frontend/openapi.json` can be a copy of it.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// [`document`] as JSON, built once per process rather than on every request.
static DOCUMENT_JSON: LazyLock<String> = LazyLock::new(|| {
    serde_json::to_string(&document()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document does not serialise");
        "{}".to_owned()
    })
});

/// Mounts `/api/openapi.json` and `/api/docs`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json)
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document()));
}

/// The OpenAPI document. (Swagger UI registers the same path; this handler is mounted first and
/// answers with the canonical JSON.)
#[get("/api/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(DOCUMENT_JSON.as_str())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::document;

    const REFRESH: &str = "UPDATE_OPENAPI=1 cargo test -p alerts-service --lib routes::docs \
        && (cd frontend && npm run gen:api)";

    /// The JSON pointer of the first place where `a` and `b` differ (`""` is the root).
    fn first_difference(a: &Value, b: &Value) -> Option<String> {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
                keys.sort();
                keys.dedup();
                keys.into_iter().find_map(|key| {
                    let pointer = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
                    match (a.get(key), b.get(key)) {
                        (Some(x), Some(y)) => first_difference(x, y).map(|rest| pointer + &rest),
                        _ => Some(pointer),
                    }
                })
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                a.iter().zip(b).enumerate().find_map(|(i, (x, y))| {
                    first_difference(x, y).map(|rest| format!("/{i}{rest}"))
                })
            }
            _ => (a != b).then(String::new),
        }
    }

    // The dashboard's types are generated from the committed copy (builds need no server), so it
    // must not drift from what the handlers describe.
    #[test]
    fn the_frontend_copy_of_the_openapi_document_is_what_the_server_serves() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let path = workspace.join("frontend/openapi.json");
        let served = serde_json::to_value(document()).unwrap();
        let committed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .unwrap_or(Value::Null);

        let Some(difference) = first_difference(&committed, &served) else {
            return;
        };
        if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
            let text = document().to_pretty_json().unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            return;
        }
        panic!(
            "{} differs from the served OpenAPI document (first at `{difference}`); refresh it \
             and the dashboard's types with\n  {REFRESH}",
            path.display()
        );
    }
}
