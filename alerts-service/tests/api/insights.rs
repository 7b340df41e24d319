//! The insights proxy when analytics-service cannot be reached. The proxy against a real
//! analytics-service is tested in `system-tests/tests/insights`, so this crate does not depend
//! on analytics-service.

use reqwest::StatusCode;

use crate::helpers::{alert_body, spawn_app};

#[tokio::test]
async fn an_unreachable_analytics_service_is_503_not_500() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
    let path = format!(
        "/api/v1/alerts/{}/insights?days=7",
        alert["id"].as_str().unwrap()
    );

    // The test app's ANALYTICS_URL points at a closed port.
    let (status, code, _) = crate::helpers::error_of(app.get(&path, &ada).await).await;

    assert_eq!(
        (status, code.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    );
}
