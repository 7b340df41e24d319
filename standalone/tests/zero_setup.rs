//! The zero-setup binary end to end: started on a free port in a temporary data directory, it
//! serves the dashboard, signs in through the dev outbox, creates and runs an alert, captures
//! the alert email, answers insights, stops cleanly and keeps its data across a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, dist: &Path, port: u16) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ebay-alerts"));
    for var in [
        "ALERTS_DATABASE_URL",
        "ANALYTICS_DATABASE_URL",
        "REDIS_URL",
        "SMTP_URL",
        "EBAY_ENV",
        "EBAY_BASE_URL",
        "PUBLIC_URL",
        "ANALYTICS_URL",
        "ANALYTICS_API_TOKEN",
        "DEV_OUTBOX",
    ] {
        command.env_remove(var);
    }
    let child = command
        .env("EBAY_ALERTS_DATA_DIR", data)
        .env("ALERTS_LISTEN", format!("127.0.0.1:{port}"))
        .env("FRONTEND_DIST", dist)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Running {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ebay-alerts did not become healthy at {base}");
}

async fn outbox(http: &reqwest::Client, base: &str) -> Vec<Value> {
    let body: Value = http
        .get(format!("{base}/api/v1/dev/outbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn wait_for_email(http: &reqwest::Client, base: &str, subject_part: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(found) = outbox(http, base).await.into_iter().find(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.contains(subject_part))
        }) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no email with {subject_part:?} in the outbox");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_zero_setup_binary_runs_the_whole_system() {
    let data = temp_dir("ebay-alerts-data");
    let dist = temp_dir("ebay-alerts-dist");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>eBay Alerts</title><div id=root></div>",
    )
    .unwrap();
    let port = testkit::free_port();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut running = start(&data, &dist, port);
    let base = running.base.clone();
    wait_healthy(&http, &base).await;

    // The dashboard is served, deep links included.
    let page = http
        .get(format!("{base}/alerts/anything"))
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("id=root"));

    // Sign in through the dev outbox.
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "new@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 202);
    let email = wait_for_email(&http, &base, "sign-in link").await;
    let text = email["text"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/auth/verify?token="))
        .unwrap();
    let verified = http.get(link).send().await.unwrap();
    assert_eq!(verified.status(), 303);
    let cookie = verified.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // Create and run an alert; its email lands in the outbox.
    let created: Value = http
        .post(format!("{base}/api/v1/alerts"))
        .header("Cookie", &cookie)
        .header("Origin", &base)
        .json(&json!({"search_phrase": "lego 42100", "frequency_minutes": 60}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let run = http
        .post(format!("{base}/api/v1/alerts/{id}/run"))
        .header("Cookie", &cookie)
        .header("Origin", &base)
        .send()
        .await
        .unwrap();
    let run_status = run.status();
    let summary: Value = run.json().await.unwrap();
    // The scheduler may have taken the alert first (it is due at once); either way it ran.
    assert!(
        run_status == 200 || run_status == 409,
        "{run_status} {summary}"
    );
    // The alert email's subject ends with the phrase ("12 new — lego 42100", issue #16).
    wait_for_email(&http, &base, "— lego 42100").await;

    // Insights are answered (from the embedded analytics-service).
    let insights = http
        .get(format!("{base}/api/v1/alerts/{id}/insights"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(insights.status(), 200);
    let report: Value = insights.json().await.unwrap();
    assert_eq!(report["alert_id"], id.as_str());

    // Stops cleanly on SIGTERM; a restart keeps the data.
    let pid = running.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "did not stop within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit status {status}");
    let again = start(&data, &dist, port);
    wait_healthy(&http, &again.base).await;
    let list: Value = http
        .get(format!("{}/api/v1/alerts", again.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "data survives a restart: {list}");
    drop(again);
    drop(running);
    std::fs::remove_dir_all(&data).unwrap();
    std::fs::remove_dir_all(&dist).unwrap();
}

#[tokio::test]
async fn a_taken_port_gets_a_clear_message() {
    let data = temp_dir("ebay-alerts-busy");
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();

    let output = Command::new(env!("CARGO_BIN_EXE_ebay-alerts"))
        .env("EBAY_ALERTS_DATA_DIR", &data)
        .env("ALERTS_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .env_remove("REDIS_URL")
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "{stderr}"
    );
    std::fs::remove_dir_all(&data).unwrap();
}
