//! Issue #16: alerts a buyer can trust — every new field's bad values over HTTP, the delivery
//! location, and precise alerts run against the real ebay-mock with their email in the SMTP sink.

use std::time::Duration;

use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp, alert_body, error_of, spawn_app};

async fn alert_count(app: &TestApp, auth: &Auth) -> u64 {
    app.get_json("/api/v1/alerts", auth).await["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn every_new_field_rejects_bad_values_naming_the_field_and_storing_nothing() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"conditions": []}), "conditions"),
        (json!({"conditions": ["mint"]}), "conditions"),
        (json!({"conditions": "used"}), "conditions"),
        (
            json!({"condition": "new", "conditions": ["new"]}),
            "condition",
        ),
        (json!({"exclude_words": ["x".repeat(51)]}), "exclude_words"),
        (json!({"exclude_words": vec!["w"; 21]}), "exclude_words"),
        (json!({"exclude_words": [""]}), "exclude_words"),
        (json!({"exclude_sellers": ["has space"]}), "exclude_sellers"),
        (json!({"exclude_sellers": vec!["s"; 51]}), "exclude_sellers"),
        (
            json!({"min_seller_feedback_percent": 100.5}),
            "min_seller_feedback_percent",
        ),
        (
            json!({"min_seller_feedback_percent": "lots"}),
            "min_seller_feedback_percent",
        ),
        (json!({"price_basis": "total"}), "price_basis"),
        (
            json!({"ending_within_hours": 0, "buying_options": "any"}),
            "ending_within_hours",
        ),
        (
            json!({"ending_within_hours": 100, "buying_options": "auction"}),
            "ending_within_hours",
        ),
        (json!({"ending_within_hours": 6}), "ending_within_hours"),
        (json!({"notify_on": "always"}), "notify_on"),
        (json!({"currency": "XYZ"}), "currency"),
        (
            json!({"max_price": "100", "target_price": "150"}),
            "target_price",
        ),
        (json!({"alert_emails": "no"}), "alert_emails"),
    ];
    let existing = app.create_alert(&ada, alert_body("switch oled")).await;
    let path = format!("/api/v1/alerts/{}", existing["id"].as_str().unwrap());
    for (extra, field) in cases {
        let mut body = alert_body("switch oled");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, code, fields) = error_of(app.post("/api/v1/alerts", &ada, body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "{extra}"
        );
        assert!(
            fields.contains(&field.to_owned()),
            "POST {extra}: {fields:?}"
        );

        let (status, _, fields) = error_of(app.patch(&path, &ada, extra.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "PATCH {extra}");
        assert!(
            fields.contains(&field.to_owned()),
            "PATCH {extra}: {fields:?}"
        );
    }
    assert_eq!(alert_count(&app, &ada).await, 1, "nothing was stored");
    let unchanged = app.get_json(&path, &ada).await;
    assert_eq!(unchanged["revision"], 1, "no PATCH changed anything");
}

#[tokio::test]
async fn old_clients_keep_working_and_new_fields_round_trip() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let old = app
        .create_alert(
            &ada,
            json!({"search_phrase": "gopro", "frequency_minutes": 10, "condition": "used"}),
        )
        .await;
    assert_eq!(old["condition"], "used");
    assert_eq!(old["conditions"], json!(["used"]));
    assert_eq!(old["price_basis"], "with_shipping");
    assert_eq!(old["notify_on"], "new_listings");

    let precise = app
        .create_alert(
            &ada,
            json!({
                "search_phrase": "switch oled", "frequency_minutes": 10,
                "conditions": ["used", "refurbished"], "exclude_words": ["lot", "for parts"],
                "exclude_sellers": ["Junk_Dealer"], "min_seller_feedback_percent": 98.5,
                "price_basis": "item", "buying_options": "any", "ending_within_hours": 12,
                "notify_on": "deals_only", "max_price": "400", "target_price": "250"
            }),
        )
        .await;
    assert_eq!(precise["conditions"], json!(["refurbished", "used"]));
    assert_eq!(precise["condition"], "any");
    assert_eq!(precise["exclude_words"], json!(["lot", "for parts"]));
    assert_eq!(precise["exclude_sellers"], json!(["junk_dealer"]));
    assert_eq!(precise["min_seller_feedback_percent"], 98.5);
    assert_eq!(precise["ending_within_hours"], 12);
    assert_eq!(precise["notify_on"], "deals_only");
    let path = format!("/api/v1/alerts/{}", precise["id"].as_str().unwrap());
    let patched: Value = app
        .patch(
            &path,
            &ada,
            json!({"exclude_words": [], "ending_within_hours": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patched["exclude_words"], json!([]));
    assert_eq!(patched["ending_within_hours"], Value::Null);
    assert_eq!(
        patched["exclude_sellers"],
        json!(["junk_dealer"]),
        "untouched"
    );
}

#[tokio::test]
async fn the_delivery_location_is_validated_shown_and_changes_the_query() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("switch oled")).await;
    let key = |app: &TestApp| {
        let id = alert["id"].as_str().unwrap().to_owned();
        let db = app.state.db.clone();
        async move {
            use sea_orm::EntityTrait;
            alerts_service::db::entities::alert::Entity::find_by_id(
                uuid::Uuid::parse_str(&id).unwrap(),
            )
            .one(&db)
            .await
            .unwrap()
            .unwrap()
        }
    };
    let before = key(&app).await;

    for (body, field) in [
        (json!({"country": "USA"}), "country"),
        (
            json!({"country": "US", "postal_code": "ABC"}),
            "postal_code",
        ),
        (json!({"postal_code": "94105"}), "postal_code"),
        (json!({"street": "Main St"}), "street"),
    ] {
        let (status, _, fields) = error_of(app.patch("/api/v1/me", &ada, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(fields.contains(&field.to_owned()), "{body}: {fields:?}");
    }
    assert_eq!(
        app.get_json("/api/v1/me", &ada).await["country"],
        Value::Null
    );

    let saved = app
        .patch(
            "/api/v1/me",
            &ada,
            json!({"country": "us", "postal_code": "94105"}),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let me = app.get_json("/api/v1/me", &ada).await;
    assert_eq!(
        (&me["country"], &me["postal_code"]),
        (&json!("US"), &json!("94105"))
    );
    let after = key(&app).await;
    assert_eq!(after.delivery_country.as_deref(), Some("US"));
    assert_ne!(
        before.query_key, after.query_key,
        "shipping differs by destination"
    );
    // A run with the location works end to end against the mock (X-EBAY-C-ENDUSERCTX sent).
    let run = app
        .post(
            &format!("/api/v1/alerts/{}/run", alert["id"].as_str().unwrap()),
            &ada,
            json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
}

fn fold(text: &str) -> String {
    text.to_lowercase()
}

#[tokio::test]
async fn a_precise_alert_shows_only_what_was_asked_for_and_says_what_it_hid() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    app.patch(
        "/api/v1/me",
        &ada,
        json!({"country": "US", "postal_code": "94105"}),
    )
    .await;
    let alert = app
        .create_alert(
            &ada,
            json!({
                "search_phrase": "nintendo switch oled", "frequency_minutes": 10,
                "conditions": ["used"], "exclude_words": ["lot", "bundle"],
                "min_seller_feedback_percent": 97, "max_price": "400",
                "buying_options": "any", "ending_within_hours": 24
            }),
        )
        .await;
    let id = alert["id"].as_str().unwrap();
    let before = app.smtp.messages().len();

    let summary: Value = app
        .post(&format!("/api/v1/alerts/{id}/run"), &ada, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let items = app
        .get_json(&format!("/api/v1/alerts/{id}/items?limit=200"), &ada)
        .await;
    let items = items["items"].as_array().unwrap();
    let shown = app.get_json(&format!("/api/v1/alerts/{id}"), &ada).await;

    assert!(
        !items.is_empty(),
        "a realistic alert finds listings: {summary}"
    );
    assert_eq!(
        summary["items_found"].as_u64().unwrap() as usize,
        items.len()
    );
    assert_eq!(
        shown["last_run_hidden"], summary["hidden"],
        "the alert shows what its run hid"
    );
    let hidden = &summary["hidden"];
    let parts: u64 = [
        "for_parts",
        "condition",
        "excluded_words",
        "seller",
        "seller_feedback",
        "price",
    ]
    .iter()
    .map(|k| hidden[k].as_u64().unwrap())
    .sum();
    assert_eq!(hidden["total"].as_u64().unwrap(), parts, "{hidden}");
    for item in items {
        assert_eq!(
            item["condition"], "used",
            "conditionIds sent and checked: {item}"
        );
        let title = fold(item["title"].as_str().unwrap());
        assert!(
            !title
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "lot" || w == "bundle"),
            "excluded word: {title}"
        );
        let feedback: f64 = item["seller_feedback_percent"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(feedback >= 97.0, "{item}");
        // With shipping and a maximum, a total must be known and within it.
        let total: f64 = item["total_price"]
            .as_str()
            .expect("total known")
            .parse()
            .unwrap();
        assert!(total <= 400.0, "{item}");
        let price: f64 = item["price"].as_str().unwrap().parse().unwrap();
        let shipping: f64 = item["shipping_cost"].as_str().unwrap().parse().unwrap();
        assert!((price + shipping - total).abs() < 0.001, "{item}");
        if item["buying_option"] == "auction" {
            assert!(
                item["current_bid"].is_string() && item["bid_count"].is_number(),
                "{item}"
            );
            assert!(item["ends_at"].is_string(), "{item}");
        } else {
            assert_eq!(item["buying_option"], "fixed_price", "{item}");
        }
        assert_eq!(item["deal"], Value::Null);
    }

    if summary["email_sent"] == true {
        app.dispatch_emails().await;
        app.smtp.wait_for(before + 1, Duration::from_secs(10)).await;
        let mails = app.smtp.messages();
        let email = MessageParser::default().parse(&mails[before].data).unwrap();
        let subject = email.subject().unwrap().to_owned();
        assert!(subject.ends_with("— nintendo switch oled"), "{subject}");
        let text = email.body_text(0).unwrap();
        assert!(
            !text.contains("shipping unknown"),
            "unknown totals cannot be within a maximum: {text}"
        );
        assert!(text.contains("Used"), "{text}");
        assert!(
            text.contains("positive"),
            "seller feedback is shown: {text}"
        );
        assert!(!text.contains("For parts"), "{text}");
    }

    // Auctions ending soon are reported once: an immediate second run has nothing new.
    let second: Value = app
        .post(&format!("/api/v1/alerts/{id}/run"), &ada, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["new_items"], 0, "{second}");
}
