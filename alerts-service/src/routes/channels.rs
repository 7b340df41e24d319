//! Notification channels (DESIGN §12): `GET/POST /api/v1/channels`,
//! `GET/PATCH/DELETE /api/v1/channels/{id}`, `POST /api/v1/channels/{id}/test`, and
//! `POST /api/v1/channels/preview` (templates rendered on sample data).
//!
//! The built-in email channel is listed with the id `email` and URL `mailto:`; it cannot be
//! changed, deleted or tested here (sign-in proves the address works). Secrets inside a URL are
//! masked in every answer; a generic webhook's signing secret is in the creating answer only.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::channels::message::Rendered;
use crate::channels::send::{self, Attempt, Delivery};
use crate::channels::store::{self, ChannelRow};
use crate::channels::{ChannelKind, ChannelUrl, Notification, secrets, ssrf, templates};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// Channels one account may have (besides email).
pub const MAX_CHANNELS: i64 = 20;
/// Test sends per account per [`TEST_WINDOW`].
pub const TESTS_PER_WINDOW: u32 = 5;
/// The window of [`TESTS_PER_WINDOW`].
pub const TEST_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
/// The id of the built-in email channel.
pub const EMAIL_ID: &str = "email";

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(preview)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(test);
}

/// A channel as the API shows it (secrets masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// `email` for the built-in channel, otherwise a UUID.
    pub id: String,
    /// `email`, `json`, `ntfy`, `tgram`, `discord` or `slack`.
    pub kind: ChannelKind,
    /// A label.
    pub name: String,
    /// The URL with its secrets replaced by `***`.
    pub url: String,
    /// Tera template of the title, if any.
    pub title_template: Option<String>,
    /// Tera template of the body, if any.
    pub body_template: Option<String>,
    /// Whether this is the built-in email channel.
    pub builtin: bool,
    /// Creation time (null for email).
    pub created_at: Option<DateTime<Utc>>,
    /// Last delivery attempt or test.
    pub last_delivery_at: Option<DateTime<Utc>>,
    /// The receiver's last HTTP status.
    pub last_status: Option<i32>,
    /// The last error (null after a success).
    pub last_error: Option<String>,
}

/// A newly created channel; `secret` (generic webhooks only) is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedChannel {
    /// The channel.
    #[serde(flatten)]
    pub channel: ChannelView,
    /// The Standard Webhooks signing secret (`whsec_…`), for `json(s)://` channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The caller's channels.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    /// Email first, then the others oldest first.
    pub items: Vec<ChannelView>,
}

/// A preview of templates on sample data.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// The rendered title.
    pub title: String,
    /// The rendered body.
    pub body: String,
    /// The sample data the templates saw.
    pub sample: Notification,
}

fn email_view() -> ChannelView {
    ChannelView {
        id: EMAIL_ID.into(),
        kind: ChannelKind::Email,
        name: "Email".into(),
        url: "mailto:".into(),
        title_template: None,
        body_template: None,
        builtin: true,
        created_at: None,
        last_delivery_at: None,
        last_status: None,
        last_error: None,
    }
}

impl From<ChannelRow> for ChannelView {
    fn from(r: ChannelRow) -> Self {
        Self {
            id: r.id.to_string(),
            kind: kind_of(&r.kind),
            name: r.name,
            url: r.url_masked,
            title_template: r.title_template,
            body_template: r.body_template,
            builtin: false,
            created_at: Some(r.created_at),
            last_delivery_at: r.last_delivery_at,
            last_status: r.last_status,
            last_error: r.last_error,
        }
    }
}

fn kind_of(text: &str) -> ChannelKind {
    ChannelKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .unwrap_or(ChannelKind::Json)
}

const FIELDS: [&str; 4] = ["url", "name", "title_template", "body_template"];

/// The body of POST and PATCH, read field by field so every problem is reported at once.
#[derive(Default)]
struct Input {
    url: Option<ChannelUrl>,
    name: Option<String>,
    /// `Some(None)` clears.
    title_template: Option<Option<String>>,
    body_template: Option<Option<String>>,
}

fn read_input(body: &Value) -> Result<Input, ApiError> {
    let object = body.as_object().ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("body", "must be a JSON object")])
    })?;
    let mut errors = Vec::new();
    for key in object.keys() {
        if !FIELDS.contains(&key.as_str()) {
            errors.push(FieldError::new(
                key,
                format!(
                    "is not a field of a channel (fields: {})",
                    FIELDS.join(", ")
                ),
            ));
        }
    }
    let mut input = Input::default();
    match object.get("url") {
        None => {}
        Some(Value::String(text)) => match ChannelUrl::parse(text) {
            Ok(ChannelUrl::Email) => errors.push(FieldError::new(
                "url",
                "mailto: is the built-in email channel; every account has it already",
            )),
            Ok(url) => input.url = Some(url),
            Err(e) => errors.push(FieldError::new("url", e.to_string())),
        },
        Some(_) => errors.push(FieldError::new("url", "must be a string")),
    }
    match object.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) if (1..=100).contains(&name.trim().chars().count()) => {
            if name.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    "name",
                    "must not contain control characters",
                ));
            } else {
                input.name = Some(name.trim().to_owned());
            }
        }
        Some(_) => errors.push(FieldError::new("name", "must be 1–100 characters")),
    }
    for field in ["title_template", "body_template"] {
        let value = match object.get(field) {
            None => continue,
            Some(Value::Null) => None,
            Some(Value::String(t)) if t.trim().is_empty() => None,
            Some(Value::String(t)) => match templates::check(t) {
                Ok(()) => Some(t.clone()),
                Err(e) => {
                    errors.push(FieldError::new(field, e.to_string()));
                    continue;
                }
            },
            Some(_) => {
                errors.push(FieldError::new(field, "must be a string or null"));
                continue;
            }
        };
        if field == "title_template" {
            input.title_template = Some(value);
        } else {
            input.body_template = Some(value);
        }
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The SSRF rules at save time: a URL naming an internal host is a 422 saying which address
/// and how the operator can allow it.
async fn check_host(state: &AppState, url: &ChannelUrl) -> Result<(), ApiError> {
    let Some((host, port)) = url.user_host() else {
        return Ok(());
    };
    ssrf::resolve_checked(&host, port, &state.channels.allowed)
        .await
        .map(|_| ())
        .map_err(|refused| ApiError::validation(vec![FieldError::new("url", refused.to_string())]))
}

fn parse_id(id: &str) -> Result<Option<Uuid>, ApiError> {
    if id == EMAIL_ID {
        return Ok(None);
    }
    Uuid::parse_str(id)
        .map(Some)
        .map_err(|_| ApiError::not_found("channel"))
}

fn builtin_conflict() -> ApiError {
    ApiError::conflict(
        "The email channel is built in: it always sends to your verified address. Choose per alert whether it emails.",
    )
}

/// Lists the caller's channels, email first.
#[utoipa::path(
    operation_id = "list_channels",
    tag = "channels",
    responses((status = 200, body = ChannelList), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/channels")]
async fn list(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut items = vec![email_view()];
    items.extend(
        store::list(&state.db, user.id)
            .await?
            .into_iter()
            .map(ChannelView::from),
    );
    Ok(HttpResponse::Ok().json(ChannelList { items }))
}

/// Adds a channel by URL: `json(s)://host/path`, `ntfy(s)://host/topic`,
/// `tgram://BOT_TOKEN/CHAT_ID`, `discord://ID/TOKEN`, `slack://T…/B…/TOKEN`.
#[utoipa::path(
    operation_id = "create_channel",
    tag = "channels",
    request_body(content = Object, description = "`{url, name?, title_template?, body_template?}`"),
    responses(
        (status = 201, body = CreatedChannel), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the account has the most channels allowed"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/api/v1/channels")]
async fn create(
    user: CurrentUser,
    body: web::Json<Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let input = read_input(&body)?;
    let Some(url) = input.url else {
        return Err(ApiError::validation(vec![FieldError::new(
            "url",
            "is required, e.g. ntfy://ntfy.sh/my-topic",
        )]));
    };
    check_host(&state, &url).await?;
    if store::count(&state.db, user.id).await? >= MAX_CHANNELS {
        return Err(ApiError::conflict(format!(
            "An account can have at most {MAX_CHANNELS} channels; delete one first."
        )));
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    let secret = (url.kind() == ChannelKind::Json).then(secrets::new_webhook_secret);
    let sealer = &state.channels.secrets;
    let row = ChannelRow {
        id,
        user_id: user.id,
        kind: url.kind().as_str().to_owned(),
        name: input.name.unwrap_or_else(|| default_name(&url)),
        url_sealed: sealer.seal(&url.expose(), id.as_bytes()),
        url_masked: url.masked(),
        secret_sealed: secret.as_ref().map(|s| sealer.seal(s, id.as_bytes())),
        title_template: input.title_template.flatten(),
        body_template: input.body_template.flatten(),
        created_at: now,
        updated_at: now,
        last_delivery_at: None,
        last_status: None,
        last_error: None,
    };
    store::insert(&state.db, &row).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/channels/{id}")))
        .json(CreatedChannel {
            channel: row.into(),
            secret,
        }))
}

fn default_name(url: &ChannelUrl) -> String {
    match url {
        ChannelUrl::Email => "Email".into(),
        ChannelUrl::Json(u) => format!("Webhook {}", u.host_str().unwrap_or_default()),
        ChannelUrl::Ntfy(u) => format!("ntfy {}", u.host_str().unwrap_or_default()),
        ChannelUrl::Tgram { chat_id, .. } => format!("Telegram {chat_id}"),
        ChannelUrl::Discord { .. } => "Discord".into(),
        ChannelUrl::Slack { .. } => "Slack".into(),
    }
}

async fn owned(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<ChannelRow, ApiError> {
    store::find(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("channel"))
}

/// One channel (secrets masked).
#[utoipa::path(
    operation_id = "get_channel",
    tag = "channels",
    params(("id" = String, Path, description = "channel id, or `email`")),
    responses((status = 200, body = ChannelView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/channels/{id}")]
async fn get_one(
    user: CurrentUser,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(id) = parse_id(&id)? else {
        return Ok(HttpResponse::Ok().json(email_view()));
    };
    Ok(HttpResponse::Ok().json(ChannelView::from(owned(&state, &user, id).await?)))
}

/// Changes a channel's name, URL or templates (`null` clears a template). A new `json(s)://`
/// URL keeps the signing secret.
#[utoipa::path(
    operation_id = "update_channel",
    tag = "channels",
    params(("id" = String, Path, description = "channel id")),
    request_body(content = Object, description = "`{url?, name?, title_template?, body_template?}`"),
    responses(
        (status = 200, body = ChannelView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[patch("/api/v1/channels/{id}")]
async fn update(
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(id) = parse_id(&id)? else {
        return Err(builtin_conflict());
    };
    let mut row = owned(&state, &user, id).await?;
    let input = read_input(&body)?;
    let sealer = &state.channels.secrets;
    if let Some(url) = input.url {
        check_host(&state, &url).await?;
        if url.kind() == ChannelKind::Json && row.secret_sealed.is_none() {
            return Err(ApiError::validation(vec![FieldError::new(
                "url",
                "cannot turn this channel into a webhook (it has no signing secret); add a new channel instead",
            )]));
        }
        if url.kind() != ChannelKind::Json {
            row.secret_sealed = None;
        }
        row.kind = url.kind().as_str().to_owned();
        row.url_sealed = sealer.seal(&url.expose(), id.as_bytes());
        row.url_masked = url.masked();
    }
    if let Some(name) = input.name {
        row.name = name;
    }
    if let Some(t) = input.title_template {
        row.title_template = t;
    }
    if let Some(t) = input.body_template {
        row.body_template = t;
    }
    row.updated_at = Utc::now();
    if !store::update(&state.db, &row).await? {
        return Err(ApiError::not_found("channel"));
    }
    Ok(HttpResponse::Ok().json(ChannelView::from(row)))
}

/// Deletes a channel; alerts stop notifying it and its undelivered notifications are dropped.
#[utoipa::path(
    operation_id = "delete_channel",
    tag = "channels",
    params(("id" = String, Path, description = "channel id")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[delete("/api/v1/channels/{id}")]
async fn remove(
    user: CurrentUser,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(id) = parse_id(&id)? else {
        return Err(builtin_conflict());
    };
    if !store::delete(&state.db, user.id, id).await? {
        return Err(ApiError::not_found("channel"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a test message now and reports the receiver's answer (status, the start of its body,
/// the error); also recorded as the channel's last delivery. Limited per account.
#[utoipa::path(
    operation_id = "test_channel",
    tag = "channels",
    params(("id" = String, Path, description = "channel id")),
    responses(
        (status = 200, body = Attempt, description = "what the receiver answered (also when it refused)"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 429, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/api/v1/channels/{id}/test")]
async fn test(
    user: CurrentUser,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(id) = parse_id(&id)? else {
        return Err(builtin_conflict());
    };
    let row = owned(&state, &user, id).await?;
    state
        .limiter
        .hit(
            &format!("channel_test:{}", user.id),
            TESTS_PER_WINDOW,
            TEST_WINDOW,
        )
        .await
        .map_err(ApiError::too_many_requests)?;
    let channels = &state.channels;
    let context = id.as_bytes();
    let url = channels
        .secrets
        .open(&row.url_sealed, context)
        .map_err(|e| ApiError::conflict(e.to_string()))
        .and_then(|u| ChannelUrl::parse(&u).map_err(|e| ApiError::conflict(e.to_string())))?;
    let secret = row
        .secret_sealed
        .as_deref()
        .map(|s| channels.secrets.open(s, context))
        .transpose()
        .map_err(|e| ApiError::conflict(e.to_string()))?;
    let notification = Notification::test(state.settings.public_link("/account/channels"));
    let attempt = send::deliver(
        channels,
        Delivery {
            url: &url,
            secret: secret.as_deref(),
            title_template: row.title_template.as_deref(),
            body_template: row.body_template.as_deref(),
            message_id: Uuid::now_v7().to_string(),
            notification: &notification,
        },
    )
    .await;
    store::record_delivery(
        &state.db,
        id,
        Utc::now(),
        attempt.status,
        attempt.error.clone(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(attempt))
}

/// Renders templates on sample data, as the channel would send them; a template that does not
/// parse or render is a 422 naming the line.
#[utoipa::path(
    operation_id = "preview_channel_templates",
    tag = "channels",
    request_body(content = Object, description = "`{title_template?, body_template?}`"),
    responses(
        (status = 200, body = Preview), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/api/v1/channels/preview")]
async fn preview(_user: CurrentUser, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let only_templates: Map<String, Value> = body
        .as_object()
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("body", "must be a JSON object")])
        })?
        .clone();
    if let Some(key) = only_templates
        .keys()
        .find(|k| *k != "title_template" && *k != "body_template")
    {
        return Err(ApiError::validation(vec![FieldError::new(
            key,
            "is not a template field (fields: title_template, body_template)",
        )]));
    }
    let input = read_input(&Value::Object(only_templates))?;
    let sample = Notification::sample();
    let Rendered { title, body, .. } = templates::apply(
        input.title_template.flatten().as_deref(),
        input.body_template.flatten().as_deref(),
        &sample,
    );
    Ok(HttpResponse::Ok().json(Preview {
        title,
        body,
        sample,
    }))
}
