//! Deal verdicts in alert emails and in the listings of an alert, against a real HTTP receiver
//! standing in for analytics-service's `POST /api/v1/alerts/{id}/verdicts` (the real pair is
//! exercised in `system-tests`; this crate does not depend on analytics-service). The receiver
//! calls the cheapest listing of each request "lowest in 30 days" and records what it was sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, spawn_app, spawn_app_with};

/// Requests the receiver got: (alert id, item ids).
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// Starts the receiver; returns its base URL and what it saw.
async fn verdict_receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let state = seen.clone();
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().route(
            "/api/v1/alerts/{id}/verdicts",
            web::post().to(move |id: web::Path<String>, body: web::Json<Value>| {
                let state = state.clone();
                async move {
                    let items = body["items"].as_array().cloned().unwrap_or_default();
                    let total = |i: &Value| {
                        let price: f64 = i["price"]["value"].as_str().unwrap().parse().unwrap();
                        let shipping: f64 = i["shipping_cost"]["value"]
                            .as_str()
                            .map_or(0.0, |s| s.parse().unwrap());
                        price + shipping
                    };
                    let cheapest = items
                        .iter()
                        .min_by(|a, b| total(a).total_cmp(&total(b)))
                        .map(|i| i["item_id"].clone());
                    state.lock().unwrap().push((
                        id.into_inner(),
                        items
                            .iter()
                            .map(|i| i["item_id"].as_str().unwrap().to_owned())
                            .collect(),
                    ));
                    let verdicts: Vec<Value> = items
                        .iter()
                        .map(|i| {
                            let deal = (Some(&i["item_id"]) == cheapest.as_ref()).then(|| {
                                json!({"kind": "lowest_in_30_days", "percent_below_typical": "18.5"})
                            });
                            json!({"item_id": i["item_id"], "segment": "used/fixed_price", "deal": deal})
                        })
                        .collect();
                    HttpResponse::Ok().json(json!({ "verdicts": verdicts }))
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    (format!("http://{address}"), seen)
}

async fn app_with_verdicts() -> (TestApp, Seen) {
    let (url, seen) = verdict_receiver().await;
    let app = spawn_app_with(|s| s.analytics_url = url.parse().unwrap()).await;
    (app, seen)
}

async fn run(app: &TestApp, auth: &crate::helpers::Auth, body: Value) -> (String, Value) {
    let alert = app.create_alert(auth, body).await;
    let id = alert["id"].as_str().unwrap().to_owned();
    let summary: Value = app
        .post(&format!("/api/v1/alerts/{id}/run"), auth, json!({}))
        .await
        .json()
        .await
        .unwrap();
    (id, summary)
}

/// The text part of the newest email.
async fn last_email_text(app: &TestApp, before: usize) -> String {
    app.dispatch_emails().await;
    let mails = app.smtp.wait_for(before + 1, Duration::from_secs(10)).await;
    let email = MessageParser::default()
        .parse(&mails[mails.len() - 1].data)
        .unwrap();
    email.body_text(0).unwrap().into_owned()
}

#[tokio::test]
async fn a_deals_only_alert_emails_only_the_listings_with_a_verdict_and_shows_the_badge() {
    let (app, seen) = app_with_verdicts().await;
    let ada = app.token_for("ada@example.com").await;
    let before = app.smtp.messages().len();

    let (id, summary) = run(
        &app,
        &ada,
        json!({"search_phrase": "airpods pro", "frequency_minutes": 10, "notify_on": "deals_only"}),
    )
    .await;

    assert_eq!(summary["email_sent"], true, "{summary}");
    assert_eq!(summary["new_items"], 1, "only the one deal: {summary}");
    let text = last_email_text(&app, before).await;
    assert!(text.contains("Lowest in 30 days"), "{text}");
    assert!(!text.contains("Deal checks are unavailable"), "{text}");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0, id, "asked about this alert");
    assert!(requests[0].1.len() > 1, "every new listing was judged");

    // The listings carry the verdicts too.
    let items = app
        .get_json(&format!("/api/v1/alerts/{id}/items?limit=200"), &ada)
        .await;
    let deals: Vec<&Value> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["deal"].is_null())
        .collect();
    assert_eq!(deals.len(), 1, "{items:#}");
    assert_eq!(
        deals[0]["deal"],
        json!({"kind": "lowest_in_30_days", "percent_below_typical": "18.5"})
    );
}

#[tokio::test]
async fn a_new_listings_alert_emails_everything_with_badges_on_deals() {
    let (app, _) = app_with_verdicts().await;
    let ada = app.token_for("ada@example.com").await;
    let before = app.smtp.messages().len();

    let (_, summary) = run(
        &app,
        &ada,
        json!({"search_phrase": "airpods pro", "frequency_minutes": 10}),
    )
    .await;

    assert!(summary["new_items"].as_u64().unwrap() > 1, "{summary}");
    let text = last_email_text(&app, before).await;
    assert_eq!(text.matches("Lowest in 30 days").count(), 1, "{text}");
}

#[tokio::test]
async fn when_analytics_is_down_emails_still_go_out_and_deals_only_says_why_it_lists_everything() {
    // The default test app's ANALYTICS_URL is a closed port.
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let before = app.smtp.messages().len();

    let (id, summary) = run(
        &app,
        &ada,
        json!({"search_phrase": "airpods pro", "frequency_minutes": 10, "notify_on": "deals_only"}),
    )
    .await;

    assert_eq!(summary["email_sent"], true, "{summary}");
    let text = last_email_text(&app, before).await;
    assert!(
        text.contains(
            "Deal checks are unavailable right now, so this email lists every new listing"
        ),
        "{text}"
    );
    assert!(!text.contains("Lowest in 30 days"));
    let items = app
        .get_json(&format!("/api/v1/alerts/{id}/items"), &ada)
        .await;
    assert!(
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["deal"].is_null()),
        "listings are served without verdicts"
    );
}

#[tokio::test]
async fn csv_exports_validate_days_and_say_when_analytics_is_unreachable() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app
        .create_alert(
            &ada,
            json!({"search_phrase": "airpods pro", "frequency_minutes": 10}),
        )
        .await;
    let id = alert["id"].as_str().unwrap();

    for export in ["insights.csv", "listings.csv"] {
        let (status, _, fields) = error_of(
            app.get(&format!("/api/v1/alerts/{id}/{export}?days=0"), &ada)
                .await,
        )
        .await;
        assert_eq!(
            (status, fields),
            (StatusCode::BAD_REQUEST, vec!["days".to_owned()])
        );
        let (status, code, _) = error_of(
            app.get(&format!("/api/v1/alerts/{id}/{export}"), &ada)
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        );
        let other = app.token_for("bob@example.com").await;
        let (status, _, _) = error_of(
            app.get(&format!("/api/v1/alerts/{id}/{export}"), &other)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another user's alert");
    }
}
