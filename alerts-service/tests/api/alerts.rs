//! The alerts resource: CRUD, validation, pagination, isolation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Auth, alert_body, error_of, spawn_app, spawn_sqlite_app};

#[tokio::test]
async fn creating_an_alert_returns_it_with_defaults_and_a_location() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;

    let response = app
        .post("/api/v1/alerts", &ada, json!({"search_phrase": "  lego 42100 ", "frequency_minutes": 30, "max_price": 450, "target_price": "299.9"}))
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let alert: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap())
    );
    assert_eq!(alert["search_phrase"], "lego 42100");
    assert_eq!(alert["frequency_minutes"], 30);
    assert_eq!(alert["max_price"], "450.00");
    assert_eq!(alert["target_price"], "299.90");
    assert_eq!(alert["min_price"], Value::Null);
    assert_eq!(alert["currency"], "USD");
    assert_eq!(alert["condition"], "any");
    assert_eq!(alert["buying_options"], "fixed_price");
    assert_eq!(alert["paused"], false);
    assert_eq!(alert["revision"], 1);
    assert_eq!(alert["last_run_at"], Value::Null);
    assert!(alert["next_run_at"].is_string());
    let stored: Value = app.get_json(&location, &ada).await;
    assert_eq!(
        stored, alert,
        "the response shows what was stored, to the microsecond"
    );
}

#[tokio::test]
async fn invalid_alert_bodies_are_rejected_with_the_field_and_never_500() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"frequency_minutes": 10}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "search_phrase",
        ),
        (
            json!({"search_phrase": "", "frequency_minutes": 10}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "search_phrase",
        ),
        (
            json!({"search_phrase": "x".repeat(201), "frequency_minutes": 10}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "search_phrase",
        ),
        (
            json!({"search_phrase": "a\u{0}b", "frequency_minutes": 10}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "search_phrase",
        ),
        (
            json!({"search_phrase": ["lego"], "frequency_minutes": 10}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "search_phrase",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 15}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "frequency_minutes",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": "10"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "frequency_minutes",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "min_price": "-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "min_price",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "max_price": "1.999"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "max_price",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "min_price": "9", "max_price": "5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "min_price",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "target_price": "cheap"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "target_price",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "currency": "dollar"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "currency",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "condition": "mint"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "condition",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "buying_options": "barter"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "buying_options",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "paused": "no"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "paused",
        ),
        (
            json!({"search_phrase": "lego", "frequency_minutes": 10, "frequency": 10}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "frequency",
        ),
        (json!("lego"), StatusCode::UNPROCESSABLE_ENTITY, "body"),
    ];
    for (body, expected_status, field) in cases {
        let (status, code, fields) =
            error_of(app.post("/api/v1/alerts", &ada, body.clone()).await).await;
        assert_eq!(status, expected_status, "{body}");
        assert_eq!(code, "validation_failed", "{body}");
        assert!(fields.contains(&field.to_owned()), "{body}: {fields:?}");
    }
}

#[tokio::test]
async fn unreadable_bodies_are_400_413_or_415() {
    let app = spawn_app().await;
    let Auth::Token(token) = app.token_for("ada@example.com").await else {
        unreachable!()
    };
    let url = format!("{}/api/v1/alerts", app.address);
    let send = |body: String, content_type: &'static str| {
        app.http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let malformed = send("{\"search_phrase\": ".into(), "application/json")
        .await
        .unwrap();
    let wrong_type = send(
        "search_phrase=lego".into(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    let huge = send(
        format!("{{\"search_phrase\": \"{}\"}}", "x".repeat(20_000)),
        "application/json",
    )
    .await
    .unwrap();

    assert_eq!(error_of(malformed).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(wrong_type).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(error_of(huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_list_is_paginated_newest_first_with_a_total() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..5 {
        app.create_alert(&ada, alert_body(&format!("phrase {i}")))
            .await;
    }

    let first: Value = app.get_json("/api/v1/alerts?per_page=2", &ada).await;
    let last: Value = app.get_json("/api/v1/alerts?page=3&per_page=2", &ada).await;
    let beyond: Value = app.get_json("/api/v1/alerts?page=9&per_page=2", &ada).await;
    let default: Value = app.get_json("/api/v1/alerts", &ada).await;

    let phrases = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["search_phrase"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(phrases(&first), vec!["phrase 4", "phrase 3"]);
    assert_eq!(
        (
            first["page"].as_u64(),
            first["per_page"].as_u64(),
            first["total"].as_u64()
        ),
        (Some(1), Some(2), Some(5))
    );
    assert_eq!(phrases(&last), vec!["phrase 0"]);
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
    assert_eq!(beyond["total"], 5);
    assert_eq!(
        (default["per_page"].as_u64(), default["total"].as_u64()),
        (Some(20), Some(5))
    );
}

#[tokio::test]
async fn the_total_follows_concurrent_creates_and_deletes() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let bob = app.token_for("bob@example.com").await;
    app.create_alert(&bob, alert_body("bob's only alert")).await;

    // Concurrent requests run on different pooled connections, so they update different
    // counter rows of the same user.
    let created = futures::future::join_all(
        (0..40).map(|i| app.create_alert(&ada, alert_body(&format!("phrase {i}")))),
    )
    .await;
    let (app_ref, ada_ref) = (&app, &ada);
    let deleted = futures::future::join_all(created.iter().take(7).map(|alert| {
        let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());
        async move { app_ref.delete(&path, ada_ref).await.status() }
    }))
    .await;
    assert!(deleted.iter().all(|s| *s == StatusCode::NO_CONTENT));

    let total = |auth| async move {
        app_ref.get_json("/api/v1/alerts?per_page=1", auth).await["total"].clone()
    };
    assert_eq!(total(ada_ref).await, 33);
    assert_eq!(total(&bob).await, 1);
    let beyond: Value = app.get_json("/api/v1/alerts?page=99", &ada).await;
    assert_eq!(
        beyond["total"], 33,
        "a page past the end still has the total"
    );
}

#[tokio::test]
async fn bad_paging_parameters_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("per_page=101", "per_page"),
        ("per_page=abc", "per_page"),
        ("page=1.5", "page"),
    ] {
        let (status, code, fields) =
            error_of(app.get(&format!("/api/v1/alerts?{query}"), &ada).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{query}"
        );
        assert_eq!(fields, vec![field.to_owned()], "{query}");
    }
}

#[tokio::test]
async fn a_patch_changes_only_what_it_names_and_bumps_the_revision() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, json!({"search_phrase": "lego", "frequency_minutes": 10, "min_price": "5", "condition": "new"})).await;
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());

    let paused: Value = app
        .patch(&path, &ada, json!({"paused": true}))
        .await
        .json()
        .await
        .unwrap();
    let changed: Value = app
        .patch(
            &path,
            &ada,
            json!({"min_price": null, "frequency_minutes": 60}),
        )
        .await
        .json()
        .await
        .unwrap();
    let resumed: Value = app
        .patch(&path, &ada, json!({"paused": false}))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(
        (paused["paused"].as_bool(), paused["revision"].as_i64()),
        (Some(true), Some(2))
    );
    assert_eq!(changed["min_price"], Value::Null);
    assert_eq!(changed["frequency_minutes"], 60);
    assert_eq!(changed["condition"], "new", "untouched fields stay");
    assert_eq!(changed["paused"], true);
    assert_eq!(
        (resumed["paused"].as_bool(), resumed["revision"].as_i64()),
        (Some(false), Some(4))
    );
    let fetched: Value = app.get_json(&path, &ada).await;
    assert_eq!(fetched, resumed);
}

#[tokio::test]
async fn invalid_patches_are_rejected_and_change_nothing() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app
        .create_alert(
            &ada,
            json!({"search_phrase": "lego", "frequency_minutes": 10, "max_price": "20"}),
        )
        .await;
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());

    for (body, field) in [
        (json!({}), "body"),
        (json!({"search_phrase": null}), "search_phrase"),
        (json!({"min_price": "30"}), "min_price"),
        (json!({"frequency_minutes": 3}), "frequency_minutes"),
        (json!({"owner": "bob"}), "owner"),
    ] {
        let (status, _, fields) = error_of(app.patch(&path, &ada, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(fields.contains(&field.to_owned()), "{body}: {fields:?}");
    }
    let unchanged: Value = app.get_json(&path, &ada).await;
    assert_eq!(unchanged["revision"], 1);
}

#[tokio::test]
async fn deleting_an_alert_makes_it_404() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego")).await;
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());

    assert_eq!(
        app.delete(&path, &ada).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&path, &ada).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete(&path, &ada).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn another_users_alert_is_404_on_every_route() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let bob = app.token_for("bob@example.com").await;
    let alert = app
        .create_alert(&ada, alert_body("ada's secret search"))
        .await;
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());

    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({"paused": true}));
        let (status, code, _) =
            error_of(app.request(method.clone(), &path, &bob, body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{method}"
        );
    }
    let bobs: Value = app.get_json("/api/v1/alerts", &bob).await;
    assert_eq!(bobs["total"], 0);
    let still: Value = app.get_json(&path, &ada).await;
    assert_eq!(still["revision"], 1, "bob's attempts changed nothing");
}

#[tokio::test]
async fn an_id_that_is_not_a_uuid_is_404() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let (status, code, _) = error_of(app.get("/api/v1/alerts/not-a-uuid", &ada).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

#[tokio::test]
async fn the_crud_path_works_on_sqlite_too() {
    let app = spawn_sqlite_app().await;
    let ada = app.token_for("ada@example.com").await;

    let alert = app.create_alert(&ada, json!({"search_phrase": "gopro", "frequency_minutes": 2, "min_price": "10.5", "max_price": "99"})).await;
    let path = format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap());
    let patched: Value = app
        .patch(&path, &ada, json!({"paused": true, "max_price": "120"}))
        .await
        .json()
        .await
        .unwrap();
    let list: Value = app.get_json("/api/v1/alerts", &ada).await;

    assert_eq!(alert["min_price"], "10.50");
    assert_eq!(patched["max_price"], "120.00", "{patched}");
    assert_eq!(patched["revision"], 2);
    assert_eq!(list["total"], 1);
    assert_eq!(
        app.delete(&path, &ada).await.status(),
        StatusCode::NO_CONTENT
    );
    let emptied: Value = app.get_json("/api/v1/alerts", &ada).await;
    assert_eq!(emptied["total"], 0);
    assert_eq!(app.relay().await.published, 3, "created, updated, deleted");
}
