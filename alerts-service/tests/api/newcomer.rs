//! A newcomer's first hour (issue 21): sign-in links that land where the person was going, a
//! session probe that never answers 401, "Run now" limited per alert across replicas, and the
//! dashboard's assets served precompressed.

use std::time::Duration;

use alerts_service::startup::{Application, Roles, build_state};
use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Auth, ORIGIN, TestApp, alert_body, error_of, spawn_app};

/// Asks for a link with `return_to` and returns the emailed link without its origin.
async fn link_with_return_to(app: &TestApp, email: &str, return_to: &str) -> String {
    let before = app.smtp.messages().len();
    let response = app
        .post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"email": email, "return_to": return_to}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED, "{return_to:?}");
    app.dispatch_emails().await;
    let messages = app.smtp.wait_for(before + 1, Duration::from_secs(10)).await;
    let parsed = MessageParser::default()
        .parse(&messages.last().unwrap().data)
        .unwrap();
    let text = parsed.body_text(0).unwrap().to_string();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/auth/verify?token="))
        .expect("link in the email");
    link.strip_prefix(ORIGIN)
        .expect("a link on PUBLIC_URL")
        .to_owned()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_emailed_link_lands_on_return_to_only_when_it_is_a_path_on_this_origin() {
    let app = spawn_app().await;
    // (return_to sent, where the link lands after signing in)
    let table = [
        ("/alerts/42", "/alerts/42"),
        ("/alerts/42/edit?x=1&y=%2F", "/alerts/42/edit?x=1&y=%2F"),
        ("/", "/"),
        ("//evil.example/", "/"),
        ("///evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("https://evil.example/alerts", "/"),
        ("http://dashboard.test/alerts", "/"),
        ("javascript:alert(1)", "/"),
        ("alerts/42", "/"),
        ("/\t/evil.example", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ];
    for (i, (sent, lands)) in table.into_iter().enumerate() {
        let path = link_with_return_to(&app, &format!("rt{i}@example.com"), sent).await;
        if lands == "/" && sent != "/" {
            assert!(!path.contains("return_to"), "{sent:?} kept in {path}");
        }
        let response = app.get(&path, &Auth::None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{sent:?}");
        assert_eq!(location(&response), lands, "{sent:?}");
        assert!(
            response.headers().get("set-cookie").is_some(),
            "{sent:?}: signed in"
        );
    }
}

#[tokio::test]
async fn an_edited_link_is_checked_again_and_a_used_link_keeps_its_return_to() {
    let app = spawn_app().await;
    let path = link_with_return_to(&app, "ada@example.com", "/alerts/7").await;
    let token = path
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    // Someone edits the link to point elsewhere: verify checks it again.
    let edited = app
        .get(
            &format!("/auth/verify?token={token}&return_to=%2F%2Fevil.example"),
            &Auth::None,
        )
        .await;
    assert_eq!(location(&edited), "/");
    // The link is now used: back to sign-in, still going to /alerts/7 next time.
    let again = app.get(&path, &Auth::None).await;
    assert_eq!(
        location(&again),
        "/sign-in?error=invalid_link&return_to=%2Falerts%2F7"
    );
}

#[tokio::test]
async fn the_session_probe_answers_200_signed_in_or_not() {
    let app = spawn_app().await;
    for auth in [
        Auth::None,
        Auth::Cookie("not-a-session".into()),
        Auth::Token("not-a-token".into()),
    ] {
        let response = app.get("/api/v1/session", &auth).await;
        assert_eq!(response.status(), StatusCode::OK, "{auth:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"user": null, "dev_outbox": false}), "{auth:?}");
    }
    let ada = app.sign_in("ada@example.com").await;
    let body = app.get_json("/api/v1/session", &ada).await;
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["dev_outbox"], false);
    assert_eq!(body["user"], app.get_json("/api/v1/me", &ada).await);
}

async fn run_now(
    address: &str,
    http: &reqwest::Client,
    id: &str,
    auth: &Auth,
) -> reqwest::Response {
    let Auth::Token(token) = auth else {
        panic!("a token")
    };
    http.post(format!("{address}/api/v1/alerts/{id}/run"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn run_now_is_limited_per_alert_across_replicas_with_retry_after() {
    let app = spawn_app().await;
    // A second replica: its own process state, the same database and Redis.
    let replica = build_state(app.state.settings.clone(), None).await.unwrap();
    let roles = Roles {
        relay: false,
        email_sender: false,
        scheduler: false,
        insight_summaries: false,
    };
    let server = Application::build(replica, roles).await.unwrap();
    let replica_address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped(std::future::pending::<()>()));

    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
    let other = app.create_alert(&ada, alert_body("kindle")).await;
    let id = alert["id"].as_str().unwrap();
    for address in [&app.address, &replica_address, &app.address] {
        let response = run_now(address, &app.http, id, &ada).await;
        assert_eq!(response.status(), StatusCode::OK, "{address}");
    }
    let refused = run_now(&replica_address, &app.http, id, &ada).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let (status, code, _) = error_of(refused).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );

    // The limit is per alert.
    let response = run_now(&app.address, &app.http, other["id"].as_str().unwrap(), &ada).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn assets_are_served_precompressed_with_vary_and_immutable_caching() {
    use actix_web::{App, test};

    let dist = std::env::temp_dir().join(format!("dist-{}", testkit::unique_suffix()));
    let assets = dist.join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><div id=root></div>",
    )
    .unwrap();
    std::fs::write(assets.join("index-abc.js"), "console.log('plain')").unwrap();
    std::fs::write(assets.join("index-abc.js.br"), "BROTLI").unwrap();
    std::fs::write(assets.join("index-abc.js.gz"), "GZIP").unwrap();
    std::fs::write(assets.join("chart-def.js"), "plain only").unwrap();
    let app = test::init_service(
        App::new().configure(|cfg| alerts_service::routes::dashboard::configure(cfg, &dist)),
    )
    .await;

    // (Accept-Encoding, file, expected Content-Encoding, expected body)
    let cases = [
        (
            "gzip, deflate, br, zstd",
            "index-abc.js",
            Some("br"),
            "BROTLI",
        ),
        ("gzip", "index-abc.js", Some("gzip"), "GZIP"),
        ("br;q=0, gzip", "index-abc.js", Some("gzip"), "GZIP"),
        ("", "index-abc.js", None, "console.log('plain')"),
        ("br", "chart-def.js", None, "plain only"),
    ];
    for (accept, file, encoding, body) in cases {
        let mut request = test::TestRequest::get().uri(&format!("/assets/{file}"));
        if !accept.is_empty() {
            request = request.insert_header(("accept-encoding", accept));
        }
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), 200, "{accept:?} {file}");
        let headers = response.headers().clone();
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            header("content-encoding").as_deref(),
            encoding,
            "{accept:?} {file}"
        );
        assert_eq!(header("vary").as_deref(), Some("accept-encoding"));
        assert_eq!(
            header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert!(
            header("content-type").unwrap().contains("javascript"),
            "{:?}",
            header("content-type")
        );
        assert_eq!(test::read_body(response).await, body.as_bytes());
    }
    for missing in [
        "/assets/nope.js",
        "/assets/..%2Findex.html",
        "/assets/index-abc.js.br.x",
    ] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(missing).to_request()).await;
        assert_eq!(response.status(), 404, "{missing}");
    }
    std::fs::remove_dir_all(&dist).unwrap();
}
