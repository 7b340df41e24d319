//! The alert runner against the real ebay-mock over HTTP, Postgres, Redis and an SMTP server.

use std::time::Duration;

use alerts_service::runner::run_due_once;
use mail_parser::MessageParser;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp, alert_body, spawn_app, spawn_app_with};

async fn run(app: &TestApp, alert: &Value, auth: &Auth) -> Value {
    let response = app
        .post(
            &format!("/api/v1/alerts/{}/run", alert["id"].as_str().unwrap()),
            auth,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    app.state
        .db
        .execute_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap();
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

fn parse(message: &testkit::ReceivedMail) -> mail_parser::Message<'_> {
    MessageParser::default().parse(&message.data).unwrap()
}

async fn emails_after_dispatch(app: &TestApp, expected: usize) -> Vec<testkit::ReceivedMail> {
    app.dispatch_emails().await;
    app.smtp.wait_for(expected, Duration::from_secs(10)).await
}

#[tokio::test]
async fn a_first_run_emails_the_best_matches_and_an_immediate_second_run_does_not() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
    let before = app.smtp.messages().len();

    let first = run(&app, &alert, &ada).await;
    let mails = emails_after_dispatch(&app, before + 1).await;
    let second = run(&app, &alert, &ada).await;
    app.dispatch_emails().await;

    assert!(first["items_found"].as_u64().unwrap() > 10, "{first}");
    assert_eq!(
        first["new_items"], 10,
        "the first run is capped at the ten cheapest"
    );
    assert_eq!(first["email_sent"], true);
    assert_eq!(second["new_items"], 0, "{second}");
    assert_eq!(second["email_sent"], false);
    assert_eq!(app.smtp.messages().len(), before + 1, "one email, not two");
    let email = parse(&mails[before]);
    let subject = email.subject().unwrap();
    assert!(
        subject.starts_with("10 new") && subject.ends_with(" — lego 42100"),
        "{subject}"
    );
    let text = email.body_text(0).unwrap();
    assert!(text.contains("Buy It Now"), "the format is said: {text}");
    assert!(
        text.contains(" shipping") && text.contains('$'),
        "prices say their shipping: {text}"
    );
    assert!(
        email
            .body_text(0)
            .unwrap()
            .contains("https://www.ebay.com/itm/")
    );
    assert!(email.body_html(0).unwrap().contains("<img src=\"https://"));
    let unsubscribe = email.header_raw("List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.contains("/unsubscribe?token=") && unsubscribe.contains("kind=alerts"),
        "{unsubscribe}"
    );
    assert_eq!(
        email.header_raw("List-Unsubscribe-Post").unwrap().trim(),
        "List-Unsubscribe=One-Click"
    );
    let listed: Value = app
        .get(
            &format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap()),
            &ada,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["last_run_status"], "no_new_listings");
    assert!(listed["last_run_at"].is_string());
}

#[tokio::test]
async fn a_price_drop_since_the_last_email_is_emailed() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("gopro hero 12")).await;
    run(&app, &alert, &ada).await;
    app.dispatch_emails().await;
    app.smtp.wait_for(2, Duration::from_secs(10)).await;
    // Pretend one listing was mentioned at a much higher price than it has now.
    let id = alert["id"].as_str().unwrap();
    exec(&app, &format!(
        "UPDATE seen_listings SET last_notified_price = '99999.00', last_price = '99999.00' \
         WHERE alert_id = '{id}' AND item_id = (SELECT min(item_id) FROM seen_listings WHERE alert_id = '{id}')"
    )).await;
    let before = app.smtp.messages().len();

    let summary = run(&app, &alert, &ada).await;
    let mails = emails_after_dispatch(&app, before + 1).await;

    assert!(summary["new_items"].as_u64().unwrap() >= 1, "{summary}");
    let email = parse(&mails[before]);
    assert!(
        email.subject().unwrap().contains("price drop"),
        "{:?}",
        email.subject()
    );
    let text = email.body_text(0).unwrap();
    assert!(
        text.contains("Price drop:") && text.contains("was $99,999.00"),
        "{text}"
    );
}

#[tokio::test]
async fn listings_at_or_under_the_target_price_are_emailed_once() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    // On the item price: with shipping, a listing whose shipping eBay does not state can never
    // be at a target (unknown shipping is not free), and the mock has such listings.
    let alert = app.create_alert(&ada, json!({"search_phrase": "nintendo switch", "frequency_minutes": 10, "target_price": "999999", "price_basis": "item"})).await;

    let first = run(&app, &alert, &ada).await;
    let second = run(&app, &alert, &ada).await;
    let before = app.smtp.messages().len();
    let mails = emails_after_dispatch(&app, before + 1).await;

    assert_eq!(
        first["new_items"], first["items_found"],
        "every listing is under the target: none is cut"
    );
    assert_eq!(second["new_items"], 0);
    let text = parse(mails.last().unwrap())
        .body_text(0)
        .unwrap()
        .to_string();
    assert!(text.contains("Target price:"), "{text}");
}

#[tokio::test]
async fn the_items_endpoint_lists_recent_matches_with_price_history() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let bob = app.token_for("bob@example.com").await;
    let alert = app.create_alert(&ada, alert_body("dyson v15")).await;
    let summary = run(&app, &alert, &ada).await;
    let path = format!("/api/v1/alerts/{}/items", alert["id"].as_str().unwrap());

    let items: Value = app.get(&path, &ada).await.json().await.unwrap();
    let limited: Value = app
        .get(&format!("{path}?limit=3"), &ada)
        .await
        .json()
        .await
        .unwrap();

    let list = items["items"].as_array().unwrap();
    assert_eq!(
        list.len() as u64,
        summary["items_found"].as_u64().unwrap().min(50)
    );
    let first = &list[0];
    assert!(
        first["item_url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.ebay.com/itm/")
    );
    assert_eq!(first["first_price"], first["last_price"]);
    assert!(first["first_seen_at"].is_string());
    assert_eq!(limited["items"].as_array().unwrap().len(), 3);
    assert_eq!(app.get(&path, &bob).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{path}?limit=0"), &ada).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn ten_alerts_with_the_same_query_share_one_ebay_call() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..10 {
        let phrase = if i % 2 == 0 {
            "Lego  Star Wars"
        } else {
            "lego star wars"
        };
        let frequency = [2, 10, 30, 60, 1440][i % 5];
        app.create_alert(
            &ada,
            json!({"search_phrase": phrase, "frequency_minutes": frequency}),
        )
        .await;
    }
    let searches_before = app.ebay.state().stats().search_requests;

    let outcome = run_due_once(&app.state).await.unwrap();

    assert_eq!(outcome.alerts_run, 10);
    assert_eq!(outcome.ebay_calls, 1);
    assert_eq!(
        app.ebay.state().stats().search_requests - searches_before,
        1
    );
    assert_eq!(
        outcome.emails_queued, 10,
        "each alert still gets its own email"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM alert_runs WHERE shared_search").await,
        10
    );
}

#[tokio::test]
async fn two_runners_racing_over_fifty_due_alerts_run_each_once() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..50 {
        app.create_alert(&ada, alert_body(&format!("vintage camera {i}")))
            .await;
    }

    let (a, b) = (app.state.clone(), app.state.clone());
    let first = tokio::spawn(async move { run_due_once(&a).await.unwrap() });
    let second = tokio::spawn(async move { run_due_once(&b).await.unwrap() });
    let (first, second) = (first.await.unwrap(), second.await.unwrap());

    assert_eq!(first.alerts_run + second.alerts_run, 50);
    assert_eq!(count(&app, "SELECT count(*) FROM alert_runs").await, 50);
    assert_eq!(
        count(&app, "SELECT count(DISTINCT alert_id) FROM alert_runs").await,
        50
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM email_outbox WHERE kind = 'alert'"
        )
        .await,
        50
    );
    assert_eq!(
        run_due_once(&app.state).await.unwrap().alerts_run,
        0,
        "nothing is due any more"
    );
}

#[tokio::test]
async fn paused_alerts_never_run() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app
        .create_alert(
            &ada,
            json!({"search_phrase": "kindle", "frequency_minutes": 2, "paused": true}),
        )
        .await;

    let outcome = run_due_once(&app.state).await.unwrap();
    let manual = app
        .post(
            &format!("/api/v1/alerts/{}/run", alert["id"].as_str().unwrap()),
            &ada,
            json!({}),
        )
        .await;

    assert_eq!(outcome.alerts_run, 0);
    assert_eq!(manual.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn emails_queued_while_smtp_is_down_are_delivered_once_it_is_back() {
    let mut app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("steam deck")).await;
    let before = app.smtp.messages().len();
    app.smtp.stop();

    run(&app, &alert, &ada).await;
    let failed = alerts_service::workers::email_sender::deliver_due_once(&app.state)
        .await
        .unwrap();
    app.smtp.restart().await.unwrap();
    exec(&app, "UPDATE email_outbox SET next_attempt_at = created_at").await;
    let retried = alerts_service::workers::email_sender::deliver_due_once(&app.state)
        .await
        .unwrap();
    let again = alerts_service::workers::email_sender::deliver_due_once(&app.state)
        .await
        .unwrap();

    assert_eq!((failed.sent, failed.retrying), (0, 1));
    assert_eq!(retried.sent, 1);
    assert_eq!(again.sent, 0);
    assert_eq!(
        app.smtp
            .wait_for(before + 1, Duration::from_secs(10))
            .await
            .len(),
        before + 1,
        "delivered exactly once"
    );
}

#[tokio::test]
async fn ebay_server_errors_are_retried_and_a_failing_search_does_not_stop_the_others() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alerts: Vec<Value> = futures::future::join_all(
        (0..3).map(|i| app.create_alert(&ada, alert_body(&format!("rolex {i}")))),
    )
    .await;
    let control = format!("{}/mock/faults", app.ebay.base_url());
    // One 503 (retried), then enough 500s to exhaust one search's retries. (A 429 is not
    // retried: on eBay's Browse API it means the daily quota is used up.)
    let queue: Vec<&str> = std::iter::once("503")
        .chain(std::iter::repeat_n("500", 5))
        .collect();
    app.http
        .post(&control)
        .json(&json!({"queue": queue}))
        .send()
        .await
        .unwrap();

    let outcome = run_due_once(&app.state).await.unwrap();

    assert_eq!(outcome.alerts_run, 3, "{outcome:?}");
    let stats = app.ebay.state().stats();
    assert!(stats.search_status.get(&503).copied().unwrap_or(0) >= 1);
    let mut failed = 0;
    for alert in &alerts {
        let now: Value = app
            .get(
                &format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap()),
                &ada,
            )
            .await
            .json()
            .await
            .unwrap();
        match now["last_run_status"].as_str().unwrap() {
            "ok" => {}
            "error" => {
                failed += 1;
                assert!(
                    now["last_run_error"].as_str().unwrap().contains("500"),
                    "{now}"
                );
                let next =
                    chrono::DateTime::parse_from_rfc3339(now["next_run_at"].as_str().unwrap())
                        .unwrap();
                assert!(
                    next <= chrono::Utc::now() + chrono::Duration::minutes(2),
                    "a failed search is retried soon"
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(failed <= 1, "the injected failures hit at most one search");
    assert_eq!(outcome.failed_searches, failed);
}

#[tokio::test]
async fn when_the_daily_budget_is_spent_runs_are_postponed_and_intervals_stretched() {
    let app = spawn_app_with(|s| {
        s.ebay_daily_call_budget = 3;
        s.scheduler_policy = alerts_service::config::SchedulerPolicy::Uniform;
    })
    .await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..5 {
        app.create_alert(&ada, alert_body(&format!("pokemon card {i}")))
            .await;
    }

    let outcome = run_due_once(&app.state).await.unwrap();
    let quota: Value = app.get("/api/v1/quota", &ada).await.json().await.unwrap();
    let list: Value = app.get("/api/v1/alerts", &ada).await.json().await.unwrap();

    assert_eq!(
        (outcome.ebay_calls, outcome.alerts_run, outcome.deferred),
        (3, 3, 2)
    );
    assert_eq!(quota["daily_budget"], 3);
    assert_eq!(quota["calls_today"], 3);
    assert_eq!(quota["remaining"], 0);
    // 5 queries every 10 minutes need 720 calls a day: intervals stretch 240-fold.
    assert_eq!(quota["stretch_factor"], 240.0);
    let stretched: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["effective_interval_minutes"].as_i64())
        .collect();
    assert_eq!(stretched, vec![2400; 3]);
    assert_eq!(
        run_due_once(&app.state).await.unwrap().alerts_run,
        0,
        "postponed alerts are not due again at once"
    );
}

#[tokio::test]
async fn an_ebay_429_spends_the_day_for_every_alert_instead_of_retrying() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    for i in 0..4 {
        app.create_alert(&ada, alert_body(&format!("pokemon card {i}")))
            .await;
    }
    let control = format!("{}/mock/faults", app.ebay.base_url());
    app.http
        .post(&control)
        .json(&json!({"queue": ["429"]}))
        .send()
        .await
        .unwrap();

    // Searches of one pass run concurrently: those already sent when eBay answered 429 finish.
    let first = run_due_once(&app.state).await.unwrap();
    let searches_after_first = app.ebay.state().stats().search_status.clone();
    app.create_alert(&ada, alert_body("a search made after the 429"))
        .await;
    let second = run_due_once(&app.state).await.unwrap();
    let quota: Value = app.get("/api/v1/quota", &ada).await.json().await.unwrap();

    assert_eq!(
        searches_after_first.get(&429).copied(),
        Some(1),
        "the 429 is not retried"
    );
    assert_eq!(
        (first.failed_searches, first.deferred),
        (0, 1),
        "the alert whose search got the 429 waits, it has not failed: {first:?}"
    );
    assert_eq!(
        (second.ebay_calls, second.alerts_run, second.deferred),
        (0, 0, 1),
        "no search until eBay's daily reset: {second:?}"
    );
    assert_eq!(app.ebay.state().stats().search_status, searches_after_first);
    assert_eq!(quota["remaining"], 0);
}

#[tokio::test]
async fn a_phrase_cannot_add_email_headers() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app
        .create_alert(
            &ada,
            alert_body("lego \"42100\" Bcc: victim@example.com <b>bold</b>"),
        )
        .await;
    // Data written before validation existed (or by hand) must not be able to inject either.
    exec(&app, &format!(
        "UPDATE alerts SET search_phrase = 'lego\r\nBcc: victim@example.com\r\nX-Evil: 1' WHERE id = '{}'",
        alert["id"].as_str().unwrap()
    )).await;

    let before = app.smtp.messages().len();
    run(&app, &alert, &ada).await;
    let mails = emails_after_dispatch(&app, before + 1).await;

    let sent = mails.last().unwrap();
    assert_eq!(sent.to, vec!["ada@example.com".to_owned()]);
    let email = parse(sent);
    assert!(
        email.subject().unwrap().contains(" new — "),
        "the alert email, not the sign-in one"
    );
    assert!(email.header_raw("X-Evil").is_none());
    assert!(email.header_raw("Bcc").is_none());
    assert!(!email.body_html(0).unwrap().contains("<b>bold</b>"));
}

#[tokio::test]
async fn the_unsubscribe_link_shows_a_page_and_only_a_post_stops_that_alerts_emails() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("lego technic")).await;
    let other = app.create_alert(&ada, alert_body("lego city")).await;
    let before = app.smtp.messages().len();
    run(&app, &alert, &ada).await;
    let mails = emails_after_dispatch(&app, before + 1).await;
    let header = parse(mails.last().unwrap())
        .header_raw("List-Unsubscribe")
        .unwrap()
        .trim()
        .to_owned();
    let link = header
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let path = link.trim_start_matches(crate::helpers::ORIGIN).to_owned();
    let id = alert["id"].as_str().unwrap();
    let get_alert = |id: String| {
        let app = &app;
        let ada = &ada;
        async move {
            app.get(&format!("/api/v1/alerts/{id}"), ada)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };

    // A mail scanner following the link changes nothing.
    let page = app.get(&path, &Auth::None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\"") && html.contains("Stop alert emails"),
        "{html}"
    );
    assert_eq!(get_alert(id.to_owned()).await["alert_emails"], true);

    let one_click = app
        .http
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    let again = app.get(&path, &Auth::None).await;
    let tampered = app.get(&format!("{path}x"), &Auth::None).await;

    assert_eq!(one_click.status(), StatusCode::OK);
    assert!(
        one_click
            .text()
            .await
            .unwrap()
            .contains("Resume alert emails")
    );
    assert!(again.text().await.unwrap().contains("already stopped"));
    assert_eq!(tampered.status(), StatusCode::NOT_FOUND);
    let stopped = get_alert(id.to_owned()).await;
    assert_eq!(
        (
            &stopped["alert_emails"],
            &stopped["insight_emails"],
            &stopped["paused"],
            &stopped["revision"]
        ),
        (&json!(false), &json!(true), &json!(false), &json!(2)),
        "alert emails stop; the alert keeps running and insight emails keep coming"
    );
    assert_eq!(
        get_alert(other["id"].as_str().unwrap().to_owned()).await["alert_emails"],
        true
    );

    // Runs go on without emails.
    exec(
        &app,
        &format!("DELETE FROM seen_listings WHERE alert_id = '{id}'"),
    )
    .await;
    let quiet = run(&app, &alert, &ada).await;
    assert_eq!(quiet["email_sent"], false, "{quiet}");

    // The insight emails' link (carried by the alert's events) stops those only.
    let insights_path = path.replace("kind=alerts", "kind=insights");
    let stop_insights = app
        .http
        .post(format!("{}{insights_path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(stop_insights.status(), StatusCode::OK);
    let resume = app
        .http
        .post(format!(
            "{}{}",
            app.address,
            path.replace("/unsubscribe?", "/unsubscribe/resume?")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resume.status(), StatusCode::OK);
    let after = get_alert(id.to_owned()).await;
    assert_eq!(
        (&after["alert_emails"], &after["insight_emails"]),
        (&json!(true), &json!(false))
    );
}

#[tokio::test]
async fn an_unsubscribe_token_with_a_nul_byte_or_other_odd_text_is_404_not_500() {
    // Found by schemathesis (system-tests `fuzz`): Postgres refuses a NUL in text, which was a 500.
    let app = spawn_app().await;
    for token in [
        "abc%00def",
        "%F3%93%BD%85%00S%C2%B5",
        "a%20b",
        "%27%20OR%20%271%27%3D%271",
    ] {
        let get = app
            .get(&format!("/unsubscribe?token={token}"), &Auth::None)
            .await;
        let post = app
            .http
            .post(format!("{}/unsubscribe?token={token}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), StatusCode::NOT_FOUND, "GET {token}");
        assert_eq!(post.status(), StatusCode::NOT_FOUND, "POST {token}");
    }
}

#[tokio::test]
async fn every_run_publishes_one_products_observed_event_with_all_listings() {
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let alert = app.create_alert(&ada, alert_body("airpods pro")).await;
    let summary = run(&app, &alert, &ada).await;
    run(&app, &alert, &ada).await;

    app.relay().await;
    let settings =
        pubsub::TransportSettings::new(&app.redis.url).with_key_prefix(&app.redis.prefix);
    let transport = pubsub::Transport::connect(&settings).unwrap();
    let mut sub = transport
        .subscriber(&pubsub::ConsumerGroup::new(
            "test",
            &[pubsub::topic::PRODUCT_PRICES],
        ))
        .await
        .unwrap();
    let messages = sub.fetch(10, Duration::from_millis(500)).await.unwrap();

    assert_eq!(
        messages.len(),
        2,
        "one event per run, including runs with nothing new"
    );
    let pubsub::Payload::ProductsObserved(observed) = messages[0].decode().unwrap().payload else {
        panic!()
    };
    assert_eq!(observed.alert_id.to_string(), alert["id"].as_str().unwrap());
    assert_eq!(
        observed.items.len() as u64,
        summary["items_found"].as_u64().unwrap()
    );
    assert_eq!(observed.marketplace, "EBAY_US");
}

#[tokio::test]
async fn an_alert_deleted_while_its_search_is_in_flight_is_skipped_not_a_failed_run() {
    use alerts_service::db::entities::alert;
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let ada = app.token_for("ada@example.com").await;
    let created = app.create_alert(&ada, alert_body("lego 42100")).await;
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    // The runner holds the row it read before searching; the owner deletes it meanwhile.
    let model = alert::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let deleted = app.delete(&format!("/api/v1/alerts/{id}"), &ada).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let result = alerts_service::runner::run_alert_now(&app.state, model).await;

    assert!(
        matches!(result, Err(alerts_service::runner::RunError::Gone)),
        "{result:?}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM alert_runs").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM seen_listings").await, 0);
}
