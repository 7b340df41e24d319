//! Health, readiness, metrics and the API description.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Auth, alert_body, spawn_app};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;

    let health = app.get("/healthz", &Auth::None).await;
    let ready: Value = app.get("/readyz", &Auth::None).await.json().await.unwrap();

    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["database"], true);
    assert_eq!(ready["checks"]["redis"], true);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_outbox_backlog() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    app.create_alert(&ada, alert_body("lego")).await;

    let text = app.get("/metrics", &Auth::None).await.text().await.unwrap();

    assert!(
        text.contains(
            r#"alerts_http_requests_total{method="POST",route="/api/v1/alerts",status="201"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("alerts_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("alerts_outbox_backlog 1"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_swagger_ui_is_served() {
    let app = spawn_app().await;

    let doc: Value = app
        .get("/api/openapi.json", &Auth::None)
        .await
        .json()
        .await
        .unwrap();
    let ui = app.get("/api/docs/", &Auth::None).await;

    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/auth/verify",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/alerts",
        "/api/v1/alerts/{id}",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(
        ui.text().await.unwrap().contains("swagger"),
        "Swagger UI page"
    );
}
