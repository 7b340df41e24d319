//! Issue #18, part 5: quiet hours on the account and each alert's delivery, over HTTP against
//! real Postgres (and SQLite for the migration's portability).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, alert_body, error_of, spawn_app, spawn_sqlite_app};

async fn quiet_hours_round_trip(app: &TestApp) {
    let ada = app.token_for("ada@example.com").await;
    assert_eq!(
        app.get_json("/api/v1/me", &ada).await["quiet_hours"],
        Value::Null,
        "no quiet hours until set"
    );
    let quiet = json!({"start": "22:00", "end": "07:00", "time_zone": "Europe/Berlin"});
    let saved = app
        .patch("/api/v1/me", &ada, json!({"quiet_hours": quiet}))
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(saved.json::<Value>().await.unwrap()["quiet_hours"], quiet);
    let me = app.get_json("/api/v1/me", &ada).await;
    assert_eq!(me["quiet_hours"], quiet);

    // Quiet hours and the location in one PATCH; a location-only PATCH keeps the quiet hours.
    let both = app
        .patch(
            "/api/v1/me",
            &ada,
            json!({"country": "DE", "quiet_hours": {"start": "23:30", "end": "06:15", "time_zone": "UTC"}}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(both["country"], "DE");
    assert_eq!(both["quiet_hours"]["start"], "23:30");
    app.patch("/api/v1/me", &ada, json!({"country": "US"}))
        .await;
    assert_eq!(
        app.get_json("/api/v1/me", &ada).await["quiet_hours"]["end"],
        "06:15"
    );

    let cleared = app
        .patch("/api/v1/me", &ada, json!({"quiet_hours": null}))
        .await;
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(
        app.get_json("/api/v1/me", &ada).await["quiet_hours"],
        Value::Null
    );
}

#[tokio::test]
async fn quiet_hours_are_set_shown_and_cleared_through_me() {
    quiet_hours_round_trip(&spawn_app().await).await;
}

#[tokio::test]
async fn quiet_hours_are_stored_on_sqlite_too() {
    quiet_hours_round_trip(&spawn_sqlite_app().await).await;
}

#[tokio::test]
async fn bad_quiet_hours_are_422s_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let quiet = json!({"start": "22:00", "end": "07:00", "time_zone": "America/New_York"});
    app.patch("/api/v1/me", &ada, json!({"quiet_hours": quiet}))
        .await;
    for (body, expected) in [
        (
            json!({"quiet_hours": {"start": "25:00", "end": "07:00", "time_zone": "UTC"}}),
            vec!["quiet_hours.start"],
        ),
        (
            json!({"quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Atlantis/Capital"}}),
            vec!["quiet_hours.time_zone"],
        ),
        (
            json!({"quiet_hours": {"start": "22:00", "end": "22:00", "time_zone": "UTC"}}),
            vec!["quiet_hours.end"],
        ),
        (
            json!({"quiet_hours": {"start": "22:00"}}),
            vec!["quiet_hours.end", "quiet_hours.time_zone"],
        ),
        (json!({"quiet_hours": "22-07"}), vec!["quiet_hours"]),
        // A bad location beside good quiet hours: nothing is saved, both parts are checked.
        (
            json!({"country": "XX", "quiet_hours": {"start": "1:00", "end": "02:00", "time_zone": "UTC"}}),
            vec!["country", "quiet_hours.start"],
        ),
        (
            json!({"country": "XX", "quiet_hours": {"start": "01:00", "end": "02:00", "time_zone": "UTC"}}),
            vec!["country"],
        ),
    ] {
        let (status, _, fields) = error_of(app.patch("/api/v1/me", &ada, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(fields, expected, "{body}");
    }
    let me = app.get_json("/api/v1/me", &ada).await;
    assert_eq!(me["quiet_hours"], quiet, "unchanged by the refused PATCHes");
    assert_eq!(me["country"], Value::Null);
}

#[tokio::test]
async fn alerts_are_immediate_by_default_and_can_be_a_daily_digest() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let plain = app.create_alert(&ada, alert_body("lego 42100")).await;
    assert_eq!(
        (&plain["delivery"], &plain["digest_hour"]),
        (&json!("immediate"), &json!(8))
    );

    let mut body = alert_body("switch oled");
    body["delivery"] = json!("digest");
    body["digest_hour"] = json!(19);
    let digest = app.create_alert(&ada, body).await;
    let id = digest["id"].as_str().unwrap();
    assert_eq!(
        (&digest["delivery"], &digest["digest_hour"]),
        (&json!("digest"), &json!(19))
    );
    let listed = app.get_json("/api/v1/alerts", &ada).await;
    let found = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap();
    assert_eq!(
        (&found["delivery"], &found["digest_hour"]),
        (&json!("digest"), &json!(19))
    );

    let changed = app
        .patch(
            &format!("/api/v1/alerts/{id}"),
            &ada,
            json!({"delivery": "immediate", "digest_hour": 0}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let one = app.get_json(&format!("/api/v1/alerts/{id}"), &ada).await;
    assert_eq!(
        (&one["delivery"], &one["digest_hour"]),
        (&json!("immediate"), &json!(0))
    );

    for (patch, field) in [
        (json!({"delivery": "weekly"}), "delivery"),
        (json!({"delivery": null}), "delivery"),
        (json!({"digest_hour": 24}), "digest_hour"),
        (json!({"digest_hour": -1}), "digest_hour"),
        (json!({"digest_hour": 7.5}), "digest_hour"),
    ] {
        let (status, _, fields) = error_of(
            app.patch(&format!("/api/v1/alerts/{id}"), &ada, patch.clone())
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}");
        assert_eq!(fields, [field], "{patch}");
    }
    let mut bad = alert_body("bad digest");
    bad["digest_hour"] = json!("eight");
    let (status, _, fields) = error_of(app.post("/api/v1/alerts", &ada, bad).await).await;
    assert_eq!(
        (status, fields),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["digest_hour".to_owned()]
        )
    );
    let one = app.get_json(&format!("/api/v1/alerts/{id}"), &ada).await;
    assert_eq!(one["digest_hour"], 0, "refused PATCHes change nothing");
}
