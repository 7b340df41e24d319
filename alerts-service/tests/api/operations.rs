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
    let mut ids: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| {
            ops.as_object()
                .unwrap()
                .values()
                .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        })
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "operationIds are unique");
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(
        ui.text().await.unwrap().contains("swagger"),
        "Swagger UI page"
    );
}

#[tokio::test]
async fn the_dashboard_build_is_served_with_spa_fallback_and_long_cached_assets() {
    let dist = std::env::temp_dir().join(format!("dist-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><div id=root></div>",
    )
    .unwrap();
    std::fs::write(dist.join("assets/app-3f9c1a.js"), "console.log('app')").unwrap();
    let served = dist.clone();
    let app = crate::helpers::spawn_app_with(move |s| s.frontend_dist = served).await;

    let root = app.get("/", &Auth::None).await;
    let deep = app
        .get("/alerts/0193a0b0-0000-7000-8000-000000000001", &Auth::None)
        .await;
    let asset = app.get("/assets/app-3f9c1a.js", &Auth::None).await;
    let api_miss = app.get("/api/v1/nothing-here", &Auth::None).await;

    assert_eq!(root.status(), StatusCode::OK);
    assert!(root.text().await.unwrap().contains("id=root"));
    assert_eq!(deep.status(), StatusCode::OK);
    assert_eq!(deep.headers()["cache-control"], "no-cache");
    assert!(
        deep.text().await.unwrap().contains("id=root"),
        "deep links get the app shell"
    );
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(api_miss.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api_miss.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    std::fs::remove_dir_all(dist).unwrap();
}

#[tokio::test]
async fn the_dev_outbox_lists_captured_emails_only_when_enabled() {
    let dir = std::env::temp_dir().join(format!("outbox-{}", testkit::unique_suffix()));
    let url = format!("file://{}", dir.display());
    let app = crate::helpers::spawn_app_with(move |s| {
        s.mail.smtp_url = url.into();
        s.dev_outbox = true;
    })
    .await;
    let production = spawn_app().await;

    app.post(
        "/api/v1/auth/login",
        &Auth::None,
        serde_json::json!({"email": "new@example.com"}),
    )
    .await;
    app.dispatch_emails().await;
    let outbox: Value = app
        .get("/api/v1/dev/outbox", &Auth::None)
        .await
        .json()
        .await
        .unwrap();

    let first = &outbox["items"][0];
    assert_eq!(first["to"], "new@example.com");
    assert_eq!(first["subject"], "Your eBay Alerts sign-in link");
    assert!(
        first["text"]
            .as_str()
            .unwrap()
            .contains("/auth/verify?token=")
    );
    assert_eq!(
        production
            .get("/api/v1/dev/outbox", &Auth::None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn replicas_starting_together_migrate_once_without_racing() {
    let database = testkit::TestDatabase::create().await.unwrap();
    let mut replicas = Vec::new();
    for _ in 0..4 {
        replicas.push(alerts_service::db::connect(&database.url, 4).await.unwrap());
    }
    let results = futures::future::join_all(replicas.iter().map(alerts_service::db::migrate)).await;
    for result in results {
        result.unwrap();
    }
    // Every migration is recorded once.
    use sea_orm::ConnectionTrait;
    let row = replicas[0]
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) AS n, count(DISTINCT version) AS d FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let (n, d): (i64, i64) = (row.try_get("", "n").unwrap(), row.try_get("", "d").unwrap());
    assert!(n > 0);
    assert_eq!(n, d);
}

#[tokio::test]
async fn upgrading_counts_the_alerts_that_already_exist() {
    use sea_orm::ConnectionTrait;
    use sea_orm_migration::MigratorTrait;
    let database = testkit::TestDatabase::create().await.unwrap();
    let db = alerts_service::db::connect(&database.url, 2).await.unwrap();
    alerts_service::db::migrations::Migrator::up(&db, Some(1))
        .await
        .unwrap();
    // Alerts written before the counters existed.
    let insert_alerts = |owner: &'static str, n: i32| {
        format!(
            "INSERT INTO alerts (id, user_id, search_phrase, normalised_phrase, query_key, \
             frequency_minutes, currency, condition, buying_options, paused, revision, \
             unsubscribe_token, created_at, updated_at, next_run_at) \
             SELECT gen_random_uuid(), '{owner}', 'p' || g, 'p' || g, 'p' || g, 60, 'USD', 'any', \
             'fixed_price', false, 1, md5(random()::text), now(), now(), now() \
             FROM generate_series(1, {n}) g"
        )
    };
    const ADA: &str = "00000000-0000-0000-0000-00000000000a";
    const BOB: &str = "00000000-0000-0000-0000-00000000000b";
    db.execute_unprepared(&format!(
        "INSERT INTO users (id, email, created_at, last_sign_in_at) VALUES \
         ('{ADA}', 'ada@example.com', now(), now()), ('{BOB}', 'bob@example.com', now(), now())"
    ))
    .await
    .unwrap();
    db.execute_unprepared(&insert_alerts(ADA, 3)).await.unwrap();
    db.execute_unprepared(&insert_alerts(BOB, 2)).await.unwrap();

    alerts_service::db::migrate(&db).await.unwrap();
    let count = |owner: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!(
                        "SELECT CAST(SUM(alerts) AS BIGINT) AS n FROM alert_counts WHERE user_id = '{owner}'"
                    ),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    assert_eq!((count(ADA).await, count(BOB).await), (3, 2));

    // From here on the triggers keep count, including for a user deleted with their alerts.
    db.execute_unprepared(&insert_alerts(ADA, 4)).await.unwrap();
    db.execute_unprepared(&format!(
        "DELETE FROM alerts WHERE user_id = '{ADA}' AND search_phrase = 'p1'"
    ))
    .await
    .unwrap();
    db.execute_unprepared(&format!("DELETE FROM users WHERE id = '{BOB}'"))
        .await
        .unwrap();
    assert_eq!((count(ADA).await, count(BOB).await), (5, 0));
}

#[tokio::test]
async fn while_the_database_is_unreachable_the_api_answers_503_and_then_recovers() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    app.create_alert(&ada, alert_body("lego")).await;
    let name: String = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT current_database() AS name",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "name")
        .unwrap();
    let admin = sea_orm::Database::connect(testkit::postgres_admin_url())
        .await
        .unwrap();

    // The service's connections are cut and new ones refused, as in a database restart.
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"
        ))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    let mut answers = Vec::new();
    for _ in 0..3 {
        let response = app.get("/api/v1/alerts", &ada).await;
        let retry_after = response.headers().get("retry-after").cloned();
        let (status, code, _) = crate::helpers::error_of(response).await;
        answers.push((status, code, retry_after));
    }
    let ready = app.get("/readyz", &Auth::None).await.status();
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let mut recovered = None;
    for _ in 0..50 {
        let status = app.get("/api/v1/alerts", &ada).await.status();
        if status == StatusCode::OK {
            recovered = Some(status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    for (status, code, retry_after) in answers {
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        );
        assert_eq!(retry_after.unwrap(), "5");
    }
    assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(recovered, Some(StatusCode::OK));
}
