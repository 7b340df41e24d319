//! Sign-in, sessions, CSRF, API tokens.

use alerts_service::db::entities::sign_in_link;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{Auth, ORIGIN, error_of, spawn_app};

#[tokio::test]
async fn signing_in_through_the_emailed_link_sets_a_safe_session_cookie() {
    let app = spawn_app().await;

    let token = app.request_sign_in_link("Ada@Example.com").await;
    let (response, cookie) = app.verify(&token).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/");
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "plain http PUBLIC_URL: no Secure flag"
    );
    let me: Value = app
        .get("/api/v1/me", &Auth::Cookie(cookie.unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.com", "addresses are lower-cased");
}

#[tokio::test]
async fn the_sign_in_email_has_a_text_and_an_html_part_with_the_link() {
    let app = spawn_app().await;

    app.request_sign_in_link("ada@example.com").await;

    let message = app.smtp.messages().pop().unwrap();
    assert_eq!(message.to, vec!["ada@example.com".to_owned()]);
    let parsed = mail_parser::MessageParser::default()
        .parse(&message.data)
        .unwrap();
    assert_eq!(parsed.subject(), Some("Your eBay Alerts sign-in link"));
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains(&format!("{ORIGIN}/auth/verify?token="))
    );
}

#[tokio::test]
async fn a_sign_in_link_works_only_once() {
    let app = spawn_app().await;
    let token = app.request_sign_in_link("ada@example.com").await;

    let (_, first) = app.verify(&token).await;
    let (second, cookie) = app.verify(&token).await;

    assert!(first.is_some());
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.headers()["location"], "/sign-in?error=invalid_link");
    assert!(cookie.is_none());
}

#[tokio::test]
async fn an_expired_or_unknown_sign_in_link_does_not_sign_in() {
    let app = spawn_app().await;
    let token = app.request_sign_in_link("ada@example.com").await;
    sign_in_link::Entity::update_many()
        .col_expr(
            sign_in_link::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();

    for token in [token.as_str(), "not-a-real-token", ""] {
        let (response, cookie) = app.verify(token).await;
        assert_eq!(
            response.headers()["location"],
            "/sign-in?error=invalid_link",
            "{token}"
        );
        assert!(cookie.is_none());
    }
}

#[tokio::test]
async fn login_answers_the_same_for_any_well_formed_address_and_rejects_malformed_ones() {
    let app = spawn_app().await;
    app.sign_in("known@example.com").await;

    let known = app
        .post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"email": "known@example.com"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());

    for body in [
        json!({"email": "not an address"}),
        json!({}),
        json!({"email": 42}),
    ] {
        let (status, code, fields) = error_of(
            app.post("/api/v1/auth/login", &Auth::None, body.clone())
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str(), fields),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                vec!["email".to_owned()]
            ),
            "{body}"
        );
    }
}

#[tokio::test]
async fn sign_in_requests_are_rate_limited_per_address() {
    let app = spawn_app().await;
    let body = json!({"email": "ada@example.com"});

    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            app.post("/api/v1/auth/login", &Auth::None, body.clone())
                .await
                .status(),
        );
    }

    assert_eq!(&statuses[..5], &[StatusCode::ACCEPTED; 5]);
    let limited = app.post("/api/v1/auth/login", &Auth::None, body).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let other = app
        .post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"email": "bob@example.com"}),
        )
        .await;
    assert_eq!(
        other.status(),
        StatusCode::ACCEPTED,
        "other addresses are not affected"
    );
}

#[tokio::test]
async fn a_cookie_authenticated_change_needs_the_dashboards_origin() {
    let app = spawn_app().await;
    let Auth::Cookie(cookie) = app.sign_in("ada@example.com").await else {
        unreachable!()
    };
    let body = json!({"search_phrase": "lego", "frequency_minutes": 10});

    let cases = [
        (None, StatusCode::FORBIDDEN),
        (
            Some("https://evil.example".to_owned()),
            StatusCode::FORBIDDEN,
        ),
        (Some("null".to_owned()), StatusCode::FORBIDDEN),
        (Some(ORIGIN.to_owned()), StatusCode::CREATED),
    ];
    for (origin, expected) in cases {
        let response = app
            .post(
                "/api/v1/alerts",
                &Auth::CookieFrom(cookie.clone(), origin.clone()),
                body.clone(),
            )
            .await;
        assert_eq!(response.status(), expected, "origin {origin:?}");
    }
    // Reads need no origin; bearer tokens are not subject to CSRF.
    let read = app
        .get("/api/v1/alerts", &Auth::CookieFrom(cookie, None))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let session = app.sign_in("ada@example.com").await;

    let response = app.post("/api/v1/auth/logout", &session, json!({})).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.get("/api/v1/me", &session).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_planted_session_cookie_never_becomes_valid() {
    let app = spawn_app().await;
    let planted = "attacker-chosen-value".to_owned();
    let token = app.request_sign_in_link("ada@example.com").await;

    let response = app
        .http
        .get(format!("{}/auth/verify?token={token}", app.address))
        .header("Cookie", format!("ea_session={planted}"))
        .send()
        .await
        .unwrap();

    let issued = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !issued.contains(&planted),
        "a fresh session id is issued at sign-in"
    );
    assert_eq!(
        app.get("/api/v1/me", &Auth::Cookie(planted)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn requests_without_valid_credentials_are_401_in_the_error_shape() {
    let app = spawn_app().await;
    for auth in [
        Auth::None,
        Auth::Token("eat_forged".into()),
        Auth::Cookie("forged".into()),
    ] {
        let (status, code, _) = error_of(app.get("/api/v1/alerts", &auth).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthenticated"),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn an_api_token_is_shown_once_works_as_bearer_and_stops_working_when_revoked() {
    let app = spawn_app().await;
    let session = app.sign_in("ada@example.com").await;

    let created: Value = app
        .post("/api/v1/tokens", &session, json!({"name": "backup script"}))
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("eat_"));
    let listed: Value = app
        .get("/api/v1/tokens", &session)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["name"], "backup script");
    assert!(
        listed["items"][0].get("token").is_none(),
        "the secret is never listed"
    );
    assert!(token.starts_with(listed["items"][0]["prefix"].as_str().unwrap()));

    let bearer = Auth::Token(token);
    assert_eq!(
        app.get("/api/v1/me", &bearer).await.status(),
        StatusCode::OK
    );
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{id}"), &session)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/me", &bearer).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_are_private_to_their_owner() {
    let app = spawn_app().await;
    let ada = app.sign_in("ada@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let created: Value = app
        .post("/api/v1/tokens", &ada, json!({"name": "ada's"}))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();

    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{id}"), &bob)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let bobs: Value = app.get("/api/v1/tokens", &bob).await.json().await.unwrap();
    assert_eq!(bobs["items"].as_array().unwrap().len(), 0);
    for body in [json!({"name": ""}), json!({"name": 7}), json!({})] {
        let (status, _, fields) = error_of(app.post("/api/v1/tokens", &ada, body).await).await;
        assert_eq!(
            (status, fields),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()])
        );
    }
}

#[tokio::test]
async fn the_token_create_command_prints_a_working_token() {
    let app = spawn_app().await;
    let settings = &app.state.settings;

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_alerts-service"))
        .args(["token", "create", "--email", "Ops@Example.com"])
        .env("ALERTS_DATABASE_URL", settings.database_url.expose())
        .env("REDIS_URL", settings.transport.redis_url.expose())
        .env("SMTP_URL", settings.mail.smtp_url.expose())
        .env("EBAY_ENV", "mock")
        .env(
            "EBAY_BASE_URL",
            settings.ebay_base_url.as_ref().unwrap().as_str(),
        )
        .env("RUST_LOG", "error")
        .output()
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let me: Value = app
        .get("/api/v1/me", &Auth::Token(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ops@example.com");
}

#[tokio::test]
async fn a_bad_setting_stops_the_binary_with_one_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_alerts-service"))
        .arg("migrate")
        .env("ALERTS_DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("ALERTS_DATABASE_URL"), "{stderr}");
}
