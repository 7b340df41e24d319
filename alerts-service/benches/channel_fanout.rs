//! Channel fan-out: notifications already in the channel outbox delivered to local webhook
//! receivers (keep-alive HTTP servers in this process answering 200 at once) by the channel
//! sender, against Postgres; and, in the same run as the baseline, as many emails delivered by
//! the email sender to a local SMTP sink.
//!
//! `cargo bench -p alerts-service --bench channel_fanout` — sizes from `BENCH_NOTIFICATIONS`
//! (default `5000`), spread over `BENCH_CHANNELS` webhook channels (default 50) on
//! `BENCH_HOSTS` receiver hosts (default 4: 127.0.0.1–127.0.0.4, each its own per-host gate).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use alerts_service::channels::Notification;
use alerts_service::channels::store::{self, ChannelRow, Queued};
use alerts_service::config::Settings;
use alerts_service::email::QueuedEmail;
use alerts_service::startup::build_state;
use alerts_service::workers::{channel_sender, email_sender};
use chrono::Utc;
use ebay_mock::{MockConfig, MockServer};
use sea_orm::{ConnectionTrait, Statement};
use testkit::{SmtpSink, TestDatabase, TestRedis};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use uuid::Uuid;

/// A keep-alive HTTP receiver that answers every request 200 and counts them.
async fn receiver(ip: &str, count: Arc<AtomicUsize>) -> u16 {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::with_capacity(16 * 1024);
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    // One request: head, then content-length bytes of body.
                    let head_end = loop {
                        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i;
                        }
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buffer.len() < head_end + 4 + length {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buffer.drain(..head_end + 4 + length);
                    count.fetch_add(1, Ordering::Relaxed);
                    if stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn fanout(n: usize, channels: usize, hosts: usize) {
    let db = TestDatabase::create().await.unwrap();
    let redis = TestRedis::new();
    let smtp = SmtpSink::start().await.unwrap();
    let mock = MockServer::start(MockConfig::for_tests()).unwrap();
    let ips: Vec<String> = (1..=hosts).map(|i| format!("127.0.0.{i}")).collect();
    let settings = Settings {
        database_url: db.url.clone().into(),
        transport: pubsub::transport::TransportArgs {
            redis_key_prefix: redis.prefix.clone(),
            ..pubsub::transport::TransportArgs::new(redis.url.clone())
        },
        mail: mailer::MailerArgs::new(smtp.url(), "alerts@bench.test"),
        public_url: "http://bench.test".parse().unwrap(),
        listen: "127.0.0.1:0".parse().unwrap(),
        analytics_url: "http://127.0.0.1:9".parse().unwrap(),
        analytics_api_token: None,
        frontend_dist: "none".into(),
        database_max_connections: 20,
        dev_outbox: false,
        ebay_env: ebay_sdk::Environment::Mock,
        ebay_base_url: Some(mock.base_url().parse().unwrap()),
        ebay_client_id: Some("bench".into()),
        ebay_client_secret: Some(String::from("bench").into()),
        ebay_marketplace: "EBAY_US".into(),
        ebay_daily_call_budget: 1_000_000,
        ebay_search_limit: 50,
        scheduler_tick_secs: 15,
        scheduler_policy: alerts_service::config::SchedulerPolicy::Adaptive,
        channels: alerts_service::channels::ChannelArgs {
            channel_allowed_hosts: ips.join(","),
            channel_secret_key: Some(
                String::from("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").into(),
            ),
            ..Default::default()
        },
    };
    let state = build_state(settings, None).await.unwrap();

    let received = Arc::new(AtomicUsize::new(0));
    let mut ports = Vec::new();
    for ip in &ips {
        ports.push((ip.clone(), receiver(ip, received.clone()).await));
    }
    let user = Uuid::now_v7();
    state
        .db
        .execute_raw(Statement::from_string(
            state.db.get_database_backend(),
            format!(
                "INSERT INTO users (id, email, created_at, last_sign_in_at) VALUES ('{user}', 'bench@bench.test', now(), now())"
            ),
        ))
        .await
        .unwrap();
    let mut channel_ids = Vec::new();
    for i in 0..channels {
        let (ip, port) = &ports[i % ports.len()];
        let url =
            alerts_service::channels::ChannelUrl::parse(&format!("json://{ip}:{port}/hook/{i}"))
                .unwrap();
        let id = Uuid::now_v7();
        let now = Utc::now();
        let secrets = &state.channels.secrets;
        store::insert(
            &state.db,
            &ChannelRow {
                id,
                user_id: user,
                kind: "json".into(),
                name: format!("hook {i}"),
                url_sealed: secrets.seal(&url.expose(), id.as_bytes()),
                url_masked: url.masked(),
                secret_sealed: Some(secrets.seal(
                    &alerts_service::channels::secrets::new_webhook_secret(),
                    id.as_bytes(),
                )),
                title_template: None,
                body_template: None,
                created_at: now,
                updated_at: now,
                last_delivery_at: None,
                last_status: None,
                last_error: None,
            },
        )
        .await
        .unwrap();
        channel_ids.push(id);
    }
    let sample = Notification::sample();
    let rows: Vec<Queued> = (0..n)
        .map(|i| Queued {
            channel_id: channel_ids[i % channel_ids.len()],
            run_id: Some(Uuid::now_v7()),
            notification: sample.clone(),
            held_until: None,
        })
        .collect();
    store::enqueue_many(&state.db, rows, chrono::Utc::now())
        .await
        .unwrap();

    let started = Instant::now();
    let mut sent = 0;
    while sent < n {
        let outcome = channel_sender::deliver_due_once(&state).await.unwrap();
        assert_eq!(outcome.failed, 0, "{outcome:?}");
        if outcome.sent + outcome.retrying == 0 {
            break;
        }
        sent += outcome.sent;
    }
    let channel_secs = started.elapsed().as_secs_f64();
    assert_eq!(sent, n);
    assert_eq!(
        received.load(Ordering::Relaxed),
        n,
        "each delivered exactly once"
    );

    // Baseline in the same run: as many emails through the email sender to the SMTP sink.
    let emails: Vec<QueuedEmail> = (0..n)
        .map(|i| QueuedEmail {
            kind: "alert",
            run_id: None,
            alert_id: None,
            recipient: format!("user{i}@bench.test"),
            subject: sample.headline.clone(),
            text: sample.default_body(),
            html: None,
            unsubscribe_url: None,
            hold: None,
        })
        .collect();
    // 19 values an email: chunks stay under Postgres's 65,535 bind parameters.
    for chunk in emails.chunks(1000) {
        alerts_service::email::enqueue_many(&state.db, &state.mailer, chunk.to_vec())
            .await
            .unwrap();
    }
    let started = Instant::now();
    let mut emailed = 0;
    while emailed < n {
        let outcome = email_sender::deliver_due_once(&state).await.unwrap();
        if outcome.sent + outcome.retrying + outcome.failed == 0 {
            break;
        }
        emailed += outcome.sent;
    }
    let email_secs = started.elapsed().as_secs_f64();

    println!(
        "{n} notifications to {channels} webhook channels on {hosts} hosts: {channel_secs:.2} s = {:.0}/s; \
         baseline {emailed} emails to the SMTP sink: {email_secs:.2} s = {:.0}/s",
        n as f64 / channel_secs,
        emailed as f64 / email_secs
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let channels = env_usize("BENCH_CHANNELS", 50);
    let hosts = env_usize("BENCH_HOSTS", 4);
    let sizes = std::env::var("BENCH_NOTIFICATIONS").unwrap_or_else(|_| "5000".into());
    for n in sizes.split(',').filter_map(|s| s.trim().parse().ok()) {
        runtime.block_on(fanout(n, channels, hosts));
    }
}
