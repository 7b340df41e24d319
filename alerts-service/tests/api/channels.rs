//! Notification channels (issue #18) against real local receivers over HTTP, Postgres, Redis,
//! the real ebay-mock and an SMTP server.

use std::sync::Arc;
use std::time::Duration;

use alerts_service::workers::channel_sender::deliver_due_once;
use alerts_service::workers::insight_summaries;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp, alert_body, error_of, spawn_app_on_clock, spawn_app_with};
use crate::receiver::{Receiver, Reply};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// Receivers standing in for Telegram, Discord and Slack (their bases point here), the
/// loopback address allowed, and secrets sealed.
struct Services {
    telegram: Receiver,
    discord: Receiver,
    slack: Receiver,
}

async fn app_with_services() -> (TestApp, Services) {
    let services = Services {
        telegram: Receiver::start().await,
        discord: Receiver::start().await,
        slack: Receiver::start().await,
    };
    let (tg, dc, sl) = (
        services.telegram.base(),
        services.discord.base(),
        format!("{}/services", services.slack.base()),
    );
    let app = spawn_app_with(move |s| {
        s.channels.channel_allowed_hosts = "127.0.0.1".into();
        s.channels.telegram_api_url = tg.parse().unwrap();
        s.channels.discord_api_url = dc.parse().unwrap();
        s.channels.slack_webhook_url = sl.parse().unwrap();
        s.channels.channel_secret_key = Some(String::from(KEY).into());
    })
    .await;
    (app, services)
}

async fn add_channel(app: &TestApp, auth: &Auth, body: Value) -> Value {
    let response = app.post("/api/v1/channels", auth, body.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    app.state
        .db
        .execute_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap();
}

async fn scalar(app: &TestApp, sql: &str) -> String {
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .unwrap()
}

/// Makes every queued row due now (instead of sleeping through the backoff).
async fn make_due(app: &TestApp) {
    exec(
        app,
        "UPDATE channel_outbox SET next_attempt_at = now() - interval '1 second' WHERE status = 'queued'",
    )
    .await;
}

/// Verifies a Standard Webhooks delivery independently of the service's code.
fn verify_signature(secret: &str, request: &crate::receiver::Received) {
    let id = request.header("webhook-id").expect("webhook-id");
    let timestamp = request
        .header("webhook-timestamp")
        .expect("webhook-timestamp");
    let signature = request
        .header("webhook-signature")
        .expect("webhook-signature");
    let key = B64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(&request.body);
    let given = B64
        .decode(signature.strip_prefix("v1,").expect("v1, prefix"))
        .unwrap();
    ring::hmac::verify(&key, &signed, &given).expect("the signature verifies");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp is now: {age}");
}

async fn run_alert(app: &TestApp, auth: &Auth, alert: &Value) -> Value {
    let response = app
        .post(
            &format!("/api/v1/alerts/{}/run", alert["id"].as_str().unwrap()),
            auth,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn channels_of_every_kind_are_created_masked_and_their_secrets_are_sealed_at_rest() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("kinds@example.com").await;
    let hook = Receiver::start().await;

    let webhook = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/in?token=SECRETq", hook.host_port()), "name": "My hook"}),
    )
    .await;
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{webhook}");
    assert_eq!(webhook["kind"], "json");
    assert_eq!(
        webhook["url"],
        format!("json://{}/in?token=***", hook.host_port())
    );
    let cases = [
        (
            "ntfy://u:SECRETpw@127.0.0.1:9/topSECRET",
            "ntfy",
            "ntfy://127.0.0.1:9/top***",
        ),
        (
            "tgram://123456:SECRETbot/-1001",
            "tgram",
            "tgram://123456:***/-1001",
        ),
        ("discord://4242/SECRETtok", "discord", "discord://4242/***"),
        (
            "slack://T01/B02/SECRETslack",
            "slack",
            "slack://T01/B02/***",
        ),
    ];
    for (url, kind, masked) in cases {
        let created = add_channel(&app, &auth, json!({"url": url})).await;
        assert_eq!(created["kind"], kind);
        assert_eq!(created["url"], masked);
        assert!(
            created.get("secret").is_none(),
            "only webhooks have a secret"
        );
    }

    let list = app.get_json("/api/v1/channels", &auth).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items[0]["id"], "email");
    assert_eq!(items[0]["builtin"], true);
    let text = list.to_string();
    assert!(
        !text.contains("SECRET") && !text.contains(&secret),
        "{text}"
    );
    let one = app
        .get_json(
            &format!("/api/v1/channels/{}", webhook["id"].as_str().unwrap()),
            &auth,
        )
        .await;
    assert!(one.get("secret").is_none() && !one.to_string().contains("SECRET"));

    // A database dump alone reveals no secret.
    let dump = scalar(
        &app,
        "SELECT string_agg(url_sealed || coalesce(secret_sealed, '') || url_masked, ' ') FROM channels",
    )
    .await;
    assert!(
        !dump.contains("SECRET") && !dump.contains(&secret[6..]),
        "{dump}"
    );
    assert!(dump.contains("v1:"));

    // Another user sees none of them.
    let other = app.token_for("other@example.com").await;
    let theirs = app.get_json("/api/v1/channels", &other).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    let response = app
        .get(
            &format!("/api/v1/channels/{}", webhook["id"].as_str().unwrap()),
            &other,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_channel_input_is_a_422_naming_the_field_and_for_templates_the_line() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("bad@example.com").await;
    let cases = [
        (json!({}), "url", "is required"),
        (
            json!({"url": "https://example.com"}),
            "url",
            "must start with one of",
        ),
        (json!({"url": "tgram://nope/1"}), "url", "bot token"),
        (json!({"url": "mailto:"}), "url", "built-in"),
        (json!({"url": 5}), "url", "must be a string"),
        (
            json!({"url": "ntfy://127.0.0.1/t", "title_template": "ok\n{{ listings | nope }}"}),
            "title_template",
            "line 2",
        ),
        (
            json!({"url": "ntfy://127.0.0.1/t", "body_template": "{% for l in listings %}"}),
            "body_template",
            "line 1",
        ),
        (
            json!({"url": "ntfy://127.0.0.1/t", "colour": "red"}),
            "colour",
            "not a field",
        ),
        (
            json!({"url": "ntfy://127.0.0.1/t", "name": ""}),
            "name",
            "1–100",
        ),
    ];
    for (body, field, message) in cases {
        let response = app.post("/api/v1/channels", &auth, body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let error: Value = response.json().await.unwrap();
        let detail = error["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["field"] == field)
            .unwrap_or_else(|| panic!("{body}: {error}"));
        assert!(
            detail["message"].as_str().unwrap().contains(message),
            "{body}: {detail}"
        );
    }
    assert_eq!(
        app.get_json("/api/v1/channels", &auth).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing was saved"
    );
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_the_operator_allows_them() {
    let app = spawn_app_with(|_| {}).await;
    let auth = app.token_for("ssrf@example.com").await;
    for url in [
        "json://127.0.0.1:8080/hook",
        "jsons://169.254.169.254/latest/meta-data",
        "ntfy://10.0.0.8/topic",
        "json://[::1]/x",
        "json://[::ffff:127.0.0.1]/x",
        "json://100.64.1.1/x",
        "json://localhost/x",
    ] {
        let response = app
            .post("/api/v1/channels", &auth, json!({"url": url}))
            .await;
        let (status, code, fields) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(
            (code.as_str(), fields),
            ("validation_failed", vec!["url".to_owned()])
        );
    }
    let response = app
        .post(
            "/api/v1/channels",
            &auth,
            json!({"url": "json://169.254.169.254/x"}),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    let message = body["error"]["details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("metadata") && message.contains("CHANNEL_ALLOWED_HOSTS"),
        "{message}"
    );
}

#[tokio::test]
async fn a_test_send_reports_the_receivers_answer_and_signs_webhooks() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("test@example.com").await;
    let hook = Receiver::start().await;
    hook.script([
        Reply::status(202).body("accepted by hook"),
        Reply::status(404).body("no such hook"),
    ]);
    let channel = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/hook", hook.host_port())}),
    )
    .await;
    let path = format!("/api/v1/channels/{}/test", channel["id"].as_str().unwrap());

    let answer = app.post_json_ok(&path, &auth).await;
    assert_eq!(answer["outcome"], "delivered");
    assert_eq!(answer["status"], 202);
    assert_eq!(answer["answer"], "accepted by hook");
    let request = &hook.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hook")
    );
    verify_signature(channel["secret"].as_str().unwrap(), request);
    assert_eq!(request.json()["type"], "channel.test");

    let answer = app.post_json_ok(&path, &auth).await;
    assert_eq!(answer["outcome"], "failed");
    assert_eq!(answer["status"], 404);
    assert_eq!(answer["answer"], "no such hook");
    let shown = app
        .get_json(
            &format!("/api/v1/channels/{}", channel["id"].as_str().unwrap()),
            &auth,
        )
        .await;
    assert_eq!(shown["last_status"], 404);
    assert!(
        shown["last_error"].as_str().unwrap().contains("404"),
        "{shown}"
    );

    // Five tests a minute per account.
    for _ in 0..3 {
        app.post_json_ok(&path, &auth).await;
    }
    let response = app.post(&path, &auth, json!({})).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn a_run_notifies_every_channel_of_the_alert_once_in_each_services_format() {
    let (app, services) = app_with_services().await;
    let auth = app.token_for("fanout@example.com").await;
    let hook = Receiver::start().await;
    let ntfy = Receiver::start().await;
    let webhook = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/in", hook.host_port())}),
    )
    .await;
    let ids: Vec<String> = [
        webhook.clone(),
        add_channel(&app, &auth, json!({"url": format!("ntfy://{}/deals", ntfy.host_port()), "title_template": "eBay: {{ alert.search_phrase }}"})).await,
        add_channel(&app, &auth, json!({"url": "tgram://123456:ABCdef/-1001"})).await,
        add_channel(&app, &auth, json!({"url": "discord://4242/tokEN"})).await,
        add_channel(&app, &auth, json!({"url": "slack://T01/B02/abc123"})).await,
    ]
    .iter()
    .map(|c| c["id"].as_str().unwrap().to_owned())
    .collect();
    let mut body = alert_body("nintendo switch");
    body["channels"] = json!(ids);
    let alert = app.create_alert(&auth, body).await;
    assert_eq!(alert["channels"], json!(ids), "no email: it was not listed");

    let summary = run_alert(&app, &auth, &alert).await;
    assert!(summary["new_items"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["email_sent"], false);
    let outcome = deliver_due_once(&app.state).await.unwrap();
    assert_eq!((outcome.sent, outcome.retrying, outcome.failed), (5, 0, 0));

    let hooked = hook.requests();
    assert_eq!(hooked.len(), 1);
    verify_signature(webhook["secret"].as_str().unwrap(), &hooked[0]);
    let data = &hooked[0].json()["data"];
    assert_eq!(data["alert"]["search_phrase"], "nintendo switch");
    assert!(!data["listings"].as_array().unwrap().is_empty());
    assert!(data["listings"][0]["price"].is_string() && data["listings"][0]["url"].is_string());

    let pushed = ntfy.requests();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].path, "/deals");
    assert_eq!(pushed[0].header("title"), Some("eBay: nintendo switch"));
    assert!(pushed[0].header("click").unwrap().contains("/alerts/"));
    assert!(pushed[0].header("tags").is_some() && pushed[0].header("priority").is_some());

    let telegram = services.telegram.requests();
    assert_eq!(telegram.len(), 1);
    assert_eq!(telegram[0].path, "/bot123456:ABCdef/sendMessage");
    let message = telegram[0].json();
    assert_eq!(
        (message["chat_id"].as_str(), message["parse_mode"].as_str()),
        (Some("-1001"), Some("HTML"))
    );
    assert!(message["text"].as_str().unwrap().chars().count() <= 4096);

    let discord = services.discord.requests();
    assert_eq!(discord.len(), 1);
    assert_eq!(discord[0].path, "/api/webhooks/4242/tokEN");
    let embeds = discord[0].json()["embeds"].as_array().unwrap().clone();
    assert!(!embeds.is_empty() && embeds.len() <= 10);

    let slack = services.slack.requests();
    assert_eq!(slack.len(), 1);
    assert_eq!(slack[0].path, "/services/T01/B02/abc123");
    assert_eq!(slack[0].json()["blocks"][0]["type"], "header");

    // Nothing is sent twice: another pass finds nothing due, and a second run with nothing new
    // queues nothing.
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 0);
    run_alert(&app, &auth, &alert).await;
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 0);
    assert_eq!(hook.requests().len(), 1);

    // Delivery shows on the channels.
    let list = app.get_json("/api/v1/channels", &auth).await;
    for item in list["items"].as_array().unwrap().iter().skip(1) {
        assert!(item["last_status"].as_i64().unwrap() < 300, "{item}");
        assert!(item["last_error"].is_null());
    }
    let metrics = app.get("/metrics", &Auth::None).await.text().await.unwrap();
    for kind in ["json", "ntfy", "tgram", "discord", "slack"] {
        assert!(
            metrics.contains(&format!("alerts_channel_sent_total{{kind=\"{kind}\"}} 1")),
            "{kind}: {metrics}"
        );
    }
}

#[tokio::test]
async fn a_receiver_that_is_down_then_up_gets_each_notification_exactly_once_with_one_webhook_id() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("outage@example.com").await;
    let mut hook = Receiver::down().await;
    let channel = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/in", hook.host_port())}),
    )
    .await;
    let mut body = alert_body("lego 42100");
    body["channels"] = json!(["email", channel["id"]]);
    let alert = app.create_alert(&auth, body).await;
    assert_eq!(alert["channels"][0], "email");
    let summary = run_alert(&app, &auth, &alert).await;
    assert_eq!(summary["email_sent"], true, "email still goes out");

    // Down: refused connections are retried later, not lost.
    let outcome = deliver_due_once(&app.state).await.unwrap();
    assert_eq!((outcome.sent, outcome.retrying), (0, 1));
    let shown = app
        .get_json(
            &format!("/api/v1/channels/{}", channel["id"].as_str().unwrap()),
            &auth,
        )
        .await;
    assert!(
        shown["last_error"].as_str().unwrap().contains("will retry"),
        "{shown}"
    );

    // Up, but failing with 500 then 503: still retried.
    hook.up().await;
    hook.script([Reply::status(500), Reply::status(503)]);
    for _ in 0..2 {
        make_due(&app).await;
        assert_eq!(deliver_due_once(&app.state).await.unwrap().retrying, 1);
    }
    // Then it answers 200: delivered, once.
    make_due(&app).await;
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 1);
    make_due(&app).await;
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 0);

    let requests = hook.requests();
    assert_eq!(requests.len(), 3, "two failed attempts and one delivery");
    let ids: std::collections::HashSet<&str> = requests
        .iter()
        .map(|r| r.header("webhook-id").unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "the same webhook-id on every attempt: {ids:?}"
    );
    for request in &requests {
        verify_signature(channel["secret"].as_str().unwrap(), request);
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM channel_outbox WHERE status = 'sent'"
        )
        .await,
        "1"
    );
    let metrics = app.get("/metrics", &Auth::None).await.text().await.unwrap();
    assert!(
        metrics.contains("alerts_channel_retried_total{kind=\"json\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alerts_channel_sent_total{kind=\"json\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_other_4xx_fail_for_good_on_the_channel() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("limits@example.com").await;
    let slow = Receiver::start().await;
    slow.script([Reply::status(429).header("Retry-After", "120")]);
    let gone = Receiver::start().await;
    gone.answer_by_default(Reply::status(410).body("this hook was deleted"));
    let a = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/a", slow.host_port())}),
    )
    .await;
    let b = add_channel(
        &app,
        &auth,
        json!({"url": format!("ntfy://{}/b", gone.host_port())}),
    )
    .await;
    let mut body = alert_body("steam deck");
    body["channels"] = json!([a["id"], b["id"]]);
    let alert = app.create_alert(&auth, body).await;
    run_alert(&app, &auth, &alert).await;

    let outcome = deliver_due_once(&app.state).await.unwrap();
    assert_eq!((outcome.sent, outcome.retrying, outcome.failed), (0, 1, 1));
    let wait: i64 = scalar(
        &app,
        &format!(
            "SELECT CAST(EXTRACT(EPOCH FROM next_attempt_at - now()) AS BIGINT) FROM channel_outbox WHERE channel_id = '{}'",
            a["id"].as_str().unwrap()
        ),
    )
    .await
    .parse()
    .unwrap();
    assert!((110..=121).contains(&wait), "Retry-After honoured: {wait}");
    // Not due yet: nothing is sent early.
    assert_eq!(
        deliver_due_once(&app.state).await.unwrap(),
        Default::default()
    );

    let failed = app
        .get_json(
            &format!("/api/v1/channels/{}", b["id"].as_str().unwrap()),
            &auth,
        )
        .await;
    assert_eq!(failed["last_status"], 410);
    assert!(
        failed["last_error"].as_str().unwrap().contains("410"),
        "{failed}"
    );
    assert_eq!(
        gone.requests().len(),
        1,
        "a permanent failure is not retried"
    );
    make_due(&app).await;
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 1);
    assert_eq!(gone.requests().len(), 1);
}

/// When the one outbox row of `channel` is next due.
async fn next_attempt_of(app: &TestApp, channel: &Value) -> chrono::DateTime<chrono::Utc> {
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            format!(
                "SELECT next_attempt_at FROM channel_outbox WHERE channel_id = '{}'",
                channel["id"].as_str().unwrap()
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "next_attempt_at").unwrap()
}

#[tokio::test]
async fn a_channel_that_always_fails_is_given_up_after_twelve_attempts_while_another_is_delivered()
{
    use alerts_service::clock::{Clock, SimulatedClock};
    use alerts_service::workers::channel_sender::MAX_ATTEMPTS;
    use chrono::Duration as Span;

    // Arrange: the app reads time from a clock the test moves past each backoff.
    let clock = Arc::new(SimulatedClock::starting_at(chrono::Utc::now()));
    let app = spawn_app_on_clock(
        |s| s.channels.channel_allowed_hosts = "127.0.0.1".into(),
        clock.clone(),
    )
    .await;
    let auth = app.token_for("giveup@example.com").await;
    let broken = Receiver::start().await;
    broken.answer_by_default(Reply::status(500));
    let healthy = Receiver::start().await;
    let failing = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/broken", broken.host_port())}),
    )
    .await;
    let working = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/ok", healthy.host_port())}),
    )
    .await;
    let mut body = alert_body("lego 42100");
    body["channels"] = json!([failing["id"], working["id"]]);
    let both = app.create_alert(&auth, body).await;
    let mut body = alert_body("switch oled");
    body["channels"] = json!([working["id"]]);
    let later = app.create_alert(&auth, body).await;
    assert!(
        run_alert(&app, &auth, &both).await["new_items"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Act: every attempt as soon as the row is due, never before.
    let mut delivered_meanwhile = 0;
    for attempt in 1..=MAX_ATTEMPTS {
        let due = next_attempt_of(&app, &failing).await;
        if attempt > 1 {
            clock.set(due - Span::seconds(1));
            let early = deliver_due_once(&app.state).await.unwrap();
            assert_eq!(
                (early.retrying, early.failed, broken.requests().len()),
                (0, 0, attempt as usize - 1),
                "attempt {attempt} is not made before its time"
            );
            delivered_meanwhile += early.sent;
        }
        clock.set(due.max(clock.now()) + Span::seconds(1));
        let before = clock.now();
        let outcome = deliver_due_once(&app.state).await.unwrap();
        delivered_meanwhile += outcome.sent;
        assert_eq!(broken.requests().len(), attempt as usize);
        if attempt < MAX_ATTEMPTS {
            assert_eq!(outcome.retrying, 1, "attempt {attempt}: {outcome:?}");
            // The wait is the backoff from the clock's now: 5 s doubling, jittered to 50–100 %.
            let wait = (next_attempt_of(&app, &failing).await - before).num_milliseconds();
            let base = (5_000i64 << (attempt - 1)).min(3_600_000);
            assert!(
                (base / 2..=base).contains(&wait),
                "attempt {attempt}: waited {wait} ms, backoff {base} ms"
            );
        } else {
            assert_eq!(outcome.failed, 1, "attempt {attempt}: {outcome:?}");
        }
        if attempt == 6 {
            // Meanwhile, another alert's notification goes to the working channel at once.
            assert!(
                run_alert(&app, &auth, &later).await["new_items"]
                    .as_u64()
                    .unwrap()
                    > 0
            );
        }
    }

    // Assert: twelve requests carrying one webhook-id, then nothing more, ever.
    clock.advance(Span::days(2));
    assert_eq!(
        deliver_due_once(&app.state).await.unwrap(),
        Default::default()
    );
    let requests = broken.requests();
    assert_eq!(requests.len(), 12);
    let ids: std::collections::HashSet<&str> = requests
        .iter()
        .map(|r| r.header("webhook-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT status || ' ' || CAST(attempts AS TEXT) || ' ' || CAST(last_status AS TEXT) \
                 FROM channel_outbox WHERE channel_id = '{}'",
                failing["id"].as_str().unwrap()
            )
        )
        .await,
        "failed 12 500"
    );
    let shown = app
        .get_json(
            &format!("/api/v1/channels/{}", failing["id"].as_str().unwrap()),
            &auth,
        )
        .await;
    assert_eq!(shown["last_status"], 500, "{shown}");
    let error = shown["last_error"].as_str().unwrap();
    assert!(
        error.contains("500") && error.ends_with("gave up after 12 attempts"),
        "{error}"
    );
    assert!(!error.contains("will retry"), "{error}");
    let last_delivery: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(shown["last_delivery_at"].clone()).unwrap();
    assert!(
        last_delivery > chrono::Utc::now() + Span::hours(1),
        "recorded on the injected clock: {last_delivery}"
    );

    // The working channel got both alerts' notifications, each once, while the other was
    // still being retried.
    assert_eq!(delivered_meanwhile, 2);
    let got = healthy.requests();
    let mut phrases: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["alert"]["search_phrase"].to_string())
        .collect();
    phrases.sort_unstable();
    assert_eq!(phrases, ["\"lego 42100\"", "\"switch oled\""]);
    let metrics = app.get("/metrics", &Auth::None).await.text().await.unwrap();
    for line in [
        "alerts_channel_failed_total{kind=\"json\"} 1",
        "alerts_channel_retried_total{kind=\"json\"} 11",
        "alerts_channel_sent_total{kind=\"json\"} 2",
    ] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }
}

#[tokio::test]
async fn a_hanging_receiver_does_not_delay_other_channels() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("hang@example.com").await;
    let hanging = Receiver::start().await;
    hanging.answer_by_default(Reply::status(200).delay(Duration::from_secs(30)));
    let healthy = Receiver::start().await;
    let a = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/slow", hanging.host_port())}),
    )
    .await;
    let b = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/fast", healthy.host_port())}),
    )
    .await;
    let mut body = alert_body("rtx 4090");
    body["channels"] = json!([a["id"], b["id"]]);
    let alert = app.create_alert(&auth, body).await;

    let stop = tokio_util::sync::CancellationToken::new();
    let sender = tokio::spawn(alerts_service::workers::channel_sender::run(
        app.state.clone(),
        stop.clone(),
    ));
    let started = std::time::Instant::now();
    run_alert(&app, &auth, &alert).await;
    let got = healthy.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "the healthy receiver was served");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hanging.requests().len(), 1, "the hanging one was tried too");

    // The hanging receiver times out and is retried later, not lost.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let status = scalar(
        &app,
        &format!(
            "SELECT status FROM channel_outbox WHERE channel_id = '{}'",
            a["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, "queued");
    stop.cancel();
    sender.await.unwrap();
}

#[tokio::test]
async fn alerts_choose_their_channels_and_refuse_unknown_ones() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("choose@example.com").await;
    let other = app.token_for("someone@example.com").await;
    let mine = add_channel(&app, &auth, json!({"url": "discord://1/a"})).await;
    let theirs = add_channel(&app, &other, json!({"url": "discord://2/b"})).await;

    let alert = app.create_alert(&auth, alert_body("default")).await;
    assert_eq!(alert["channels"], json!(["email"]));
    let cases = [
        (json!("email"), "list of channel ids"),
        (json!(["fax"]), "not a channel id"),
        (json!([theirs["id"]]), "has no channel"),
        (json!(["email", "email"]), "twice"),
        (json!([mine["id"], mine["id"]]), "twice"),
    ];
    for (channels, message) in cases {
        let mut body = alert_body("x");
        body["channels"] = channels.clone();
        body["frequency_minutes"] = json!(7);
        let response = app.post("/api/v1/alerts", &auth, body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{channels}"
        );
        let error: Value = response.json().await.unwrap();
        let details = error["error"]["details"].as_array().unwrap();
        let fields: Vec<&str> = details
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"channels") && fields.contains(&"frequency_minutes"),
            "{error}"
        );
        let detail = details.iter().find(|d| d["field"] == "channels").unwrap();
        assert!(
            detail["message"].as_str().unwrap().contains(message),
            "{channels}: {detail}"
        );
    }
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());
    let updated: Value = app
        .patch(&path, &auth, json!({"channels": [mine["id"]]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["channels"], json!([mine["id"]]));
    assert_eq!(
        updated["revision"].as_i64(),
        alert["revision"].as_i64().map(|r| r + 1),
        "a change of channels alone is a new revision"
    );
    assert_eq!(
        app.get_json(&path, &auth).await["channels"],
        json!([mine["id"]])
    );
    let page = app.get_json("/api/v1/alerts", &auth).await;
    assert_eq!(page["items"][0]["channels"], json!([mine["id"]]));

    // Deleting the channel removes it from the alert.
    let response = app
        .delete(
            &format!("/api/v1/channels/{}", mine["id"].as_str().unwrap()),
            &auth,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&path, &auth).await["channels"], json!([]));
    // The email channel cannot be deleted.
    let response = app.delete("/api/v1/channels/email", &auth).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn templates_are_previewed_on_sample_data_and_a_bad_one_names_its_line() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("preview@example.com").await;
    let preview = app
        .post(
            "/api/v1/channels/preview",
            &auth,
            json!({"title_template": "{{ counts.total }} for {{ alert.search_phrase }}", "body_template": "{% for l in listings %}{{ l.title }} {{ l.price }}\n{% endfor %}"}),
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["title"], "2 for nintendo switch oled");
    assert!(
        preview["body"].as_str().unwrap().contains("249.00"),
        "{preview}"
    );
    let response = app
        .post(
            "/api/v1/channels/preview",
            &auth,
            json!({"body_template": "a\nb\n{{ nope( }}"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 3"),
        "{error}"
    );
}

#[tokio::test]
async fn an_account_has_a_bounded_number_of_channels() {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("many@example.com").await;
    for i in 0..alerts_service::routes::channels::MAX_CHANNELS {
        add_channel(&app, &auth, json!({"url": format!("discord://{i}/t")})).await;
    }
    let response = app
        .post("/api/v1/channels", &auth, json!({"url": "discord://99/t"}))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn on_sqlite_a_run_notifies_its_channel_once_and_a_retry_keeps_the_webhook_id() {
    let hook = Receiver::start().await;
    hook.script([Reply::status(503)]);
    let app = crate::helpers::spawn_sqlite_app_with(|s| {
        s.channels.channel_allowed_hosts = "127.0.0.1".into();
    })
    .await;
    let auth = app.token_for("sqlite@example.com").await;
    let channel = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/in", hook.host_port())}),
    )
    .await;
    let mut body = alert_body("game boy");
    body["channels"] = json!([channel["id"]]);
    let alert = app.create_alert(&auth, body).await;
    // The list reads each alert's channels in its one statement (ids are blobs on SQLite).
    let page = app.get_json("/api/v1/alerts", &auth).await;
    assert_eq!(page["items"][0]["channels"], json!([channel["id"]]));
    run_alert(&app, &auth, &alert).await;
    assert_eq!(deliver_due_once(&app.state).await.unwrap().retrying, 1);
    exec(
        &app,
        "UPDATE channel_outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00'",
    )
    .await;
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 1);
    let requests = hook.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("webhook-id"),
        requests[1].header("webhook-id")
    );
    verify_signature(channel["secret"].as_str().unwrap(), &requests[1]);
}

/// An `insight.generated` event for `alert` as analytics-service publishes it.
fn insight_event(alert: &Value) -> pubsub::Event {
    let alert_id: uuid::Uuid = alert["id"].as_str().unwrap().parse().unwrap();
    pubsub::fixtures::insight_generated(alert_id)
}

async fn consume_insights(app: &TestApp) -> pubsub::PollReport {
    let mut subscriber = insight_summaries::subscriber(&app.state).await.unwrap();
    let options = pubsub::ConsumerOptions {
        wait: Duration::from_millis(200),
        ..pubsub::ConsumerOptions::default()
    };
    insight_summaries::consume_once(&app.state, subscriber.as_mut(), &options)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_insight_summary_reaches_each_channel_of_its_alert_once_even_when_redelivered() {
    let (app, services) = app_with_services().await;
    let auth = app.token_for("insights@example.com").await;
    let hook = Receiver::start().await;
    let webhook = add_channel(
        &app,
        &auth,
        json!({"url": format!("json://{}/in", hook.host_port())}),
    )
    .await;
    let telegram = add_channel(&app, &auth, json!({"url": "tgram://123456:ABCdef/-1001"})).await;
    let mut body = alert_body("lego 42100");
    body["channels"] = json!(["email", webhook["id"], telegram["id"]]);
    let alert = app.create_alert(&auth, body).await;
    let event = insight_event(&alert);
    let publisher = app.state.transport.publisher();

    publisher.publish(&event).await.unwrap();
    let first = consume_insights(&app).await;
    // The same event again (a relay that crashed before marking it published).
    publisher.publish(&event).await.unwrap();
    let again = consume_insights(&app).await;
    let outcome = deliver_due_once(&app.state).await.unwrap();

    assert_eq!((first.received, first.done), (1, 1));
    assert_eq!(
        (again.received, again.done),
        (1, 1),
        "acknowledged, not retried"
    );
    assert_eq!(
        (outcome.sent, outcome.failed),
        (2, 0),
        "webhook and Telegram; no email row"
    );
    let received = hook.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 1, "one summary, not two");
    let json = received[0].json();
    assert_eq!(json["type"], "alert.insight");
    let data = &json["data"];
    assert_eq!(data["insight"]["median_now"], "389.00");
    assert_eq!(
        data["insight"]["median_line"],
        "Median $389.00, down 4.2 % from $406.00 the week before"
    );
    assert_eq!(data["insight"]["compared_with"], "the week before");
    assert_eq!(data["listings"][0]["reason"], "best_deal");
    assert_eq!(data["listings"][0]["deal"], "Lowest in 30 days");
    let chart = format!("/alerts/{}", alert["id"].as_str().unwrap());
    assert!(
        data["insight"]["chart_url"]
            .as_str()
            .unwrap()
            .ends_with(&chart),
        "{data}"
    );
    assert_eq!(data["alert"]["search_phrase"], "lego 42100");
    let tg = services.telegram.wait_for(1, Duration::from_secs(5)).await;
    let text = tg[0].json()["text"].as_str().unwrap().to_owned();
    assert!(text.contains("Median $389.00, down 4.2 %"), "{text}");
    assert!(text.contains("Best deal"), "{text}");
    // A later pass finds nothing more to send.
    assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 0);
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(COUNT(*) AS TEXT) AS s FROM channel_outbox WHERE kind = 'alert.insight'"
        )
        .await,
        "2",
        "one row per channel; the insight email is analytics' to send"
    );
}

#[tokio::test]
async fn insight_summaries_that_cannot_be_read_are_dead_lettered_and_an_alert_without_channels_gets_none()
 {
    let (app, _services) = app_with_services().await;
    let auth = app.token_for("insights-bad@example.com").await;
    let alert = app.create_alert(&auth, alert_body("lego 42100")).await;
    app.state
        .transport
        .publisher()
        .publish_encoded(
            pubsub::topic::INSIGHTS,
            &[
                b"{not json".to_vec(),
                insight_event(&alert).encode().unwrap(),
            ],
        )
        .await
        .unwrap();

    let report = consume_insights(&app).await;

    assert_eq!(
        (report.received, report.done, report.dead_lettered),
        (2, 1, 1)
    );
    let dead = app
        .state
        .transport
        .dead_letters(pubsub::topic::INSIGHTS, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].reason.contains("not a CloudEvents JSON envelope"),
        "{}",
        dead[0].reason
    );
    let outcome = deliver_due_once(&app.state).await.unwrap();
    assert_eq!(outcome.sent, 0, "email only: no channel rows");
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(COUNT(*) AS TEXT) AS s FROM consumed_events"
        )
        .await,
        "1"
    );
}
