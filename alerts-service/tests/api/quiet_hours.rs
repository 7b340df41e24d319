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

/// Channel notifications held by quiet hours or a digest alert reach a real local receiver
/// as one digest once their time comes (a second state on a simulated clock is "later").
mod held {
    use std::sync::Arc;

    use alerts_service::clock::SimulatedClock;
    use alerts_service::startup::build_state_with_clock;
    use alerts_service::workers::channel_sender::deliver_due_once;
    use chrono::{DateTime, Duration, Timelike, Utc};
    use reqwest::StatusCode;
    use sea_orm::{ConnectionTrait, Statement};
    use serde_json::{Value, json};

    use crate::helpers::{Auth, TestApp, alert_body, spawn_app, spawn_app_with};
    use crate::receiver::Receiver;

    async fn app() -> TestApp {
        spawn_app_with(|s| s.channels.channel_allowed_hosts = "127.0.0.1".into()).await
    }

    /// Channel outbox rows by status.
    async fn statuses(app: &TestApp) -> Vec<(String, i64)> {
        by_status(app, "channel_outbox", "").await
    }

    /// Rows of `table` (matching `filter`) by status, in status order.
    async fn by_status(app: &TestApp, table: &str, filter: &str) -> Vec<(String, i64)> {
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                format!(
                    "SELECT status, count(*) AS n FROM {table} {filter} GROUP BY status ORDER BY status"
                ),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.try_get::<String>("", "status").unwrap(),
                    r.try_get::<i64>("", "n").unwrap(),
                )
            })
            .collect()
    }

    async fn webhook_alerts(app: &TestApp, auth: &Auth, hook: &Receiver, bodies: Vec<Value>) {
        let channel: Value = app
            .post(
                "/api/v1/channels",
                auth,
                json!({"url": format!("json://{}/in", hook.host_port())}),
            )
            .await
            .json()
            .await
            .unwrap();
        for mut body in bodies {
            body["channels"] = json!([channel["id"]]);
            let alert = app.create_alert(auth, body).await;
            let run = app
                .post(
                    &format!("/api/v1/alerts/{}/run", alert["id"].as_str().unwrap()),
                    auth,
                    json!({}),
                )
                .await;
            assert_eq!(run.status(), StatusCode::OK);
            let summary: Value = run.json().await.unwrap();
            assert!(summary["new_items"].as_u64().unwrap() > 0, "{summary}");
        }
    }

    /// Another replica of `app`, whose clock reads `at`.
    async fn replica_at(app: &TestApp, at: DateTime<Utc>) -> Arc<alerts_service::state::AppState> {
        build_state_with_clock(
            app.state.settings.clone(),
            None,
            Arc::new(SimulatedClock::starting_at(at)),
        )
        .await
        .unwrap()
    }

    /// Delivers as a replica whose clock reads `at`.
    async fn deliver_at(app: &TestApp, at: DateTime<Utc>) -> (u64, u64) {
        let outcome = deliver_due_once(&replica_at(app, at).await).await.unwrap();
        (outcome.sent as u64, outcome.failed as u64)
    }

    fn hhmm(t: DateTime<Utc>) -> String {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    #[tokio::test]
    async fn notifications_during_quiet_hours_arrive_as_one_digest_when_they_end() {
        let app = app().await;
        let ada = app.token_for("ada@example.com").await;
        let hook = Receiver::start().await;
        // Quiet from an hour ago to two hours ahead, in UTC (whole minutes).
        let now = Utc::now();
        let end = now + Duration::hours(2);
        set_quiet(&app, &ada, now - Duration::hours(1), end).await;
        webhook_alerts(
            &app,
            &ada,
            &hook,
            vec![alert_body("lego 42100"), alert_body("switch oled")],
        )
        .await;

        // Held: nothing goes out now, however often the sender looks.
        assert_eq!(statuses(&app).await, [("held".to_owned(), 2)]);
        assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 0);
        assert_eq!(deliver_at(&app, end - Duration::minutes(2)).await, (0, 0));
        assert!(hook.requests().is_empty());

        // When the window ends: one digest for the channel, carrying both.
        assert_eq!(deliver_at(&app, end + Duration::minutes(1)).await, (1, 0));
        let requests = hook.requests();
        assert_eq!(requests.len(), 1);
        let body = requests[0].json();
        assert_eq!(body["type"], "alert.digest");
        assert!(
            body["data"]["headline"]
                .as_str()
                .unwrap()
                .ends_with("from 2 alerts"),
            "{}",
            body["data"]["headline"]
        );
        let total = body["data"]["counts"]["total"].as_u64().unwrap();
        assert!(total > 0);
        assert_eq!(
            statuses(&app).await,
            [("digested".to_owned(), 2), ("sent".to_owned(), 1)]
        );
        // Exactly once: later passes find nothing.
        assert_eq!(deliver_at(&app, end + Duration::minutes(5)).await, (0, 0));
        assert_eq!(hook.requests().len(), 1);
    }

    #[tokio::test]
    async fn outside_quiet_hours_a_notification_goes_at_once() {
        let app = app().await;
        let ada = app.token_for("ada@example.com").await;
        let hook = Receiver::start().await;
        let now = Utc::now();
        set_quiet(
            &app,
            &ada,
            now + Duration::hours(2),
            now + Duration::hours(3),
        )
        .await;
        webhook_alerts(&app, &ada, &hook, vec![alert_body("lego 42100")]).await;
        assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 1);
        assert_eq!(hook.requests()[0].json()["type"], "alert.listings");
    }

    #[tokio::test]
    async fn a_digest_alert_sends_one_message_a_day_at_its_hour() {
        let app = app().await;
        let ada = app.token_for("ada@example.com").await;
        let hook = Receiver::start().await;
        let now = Utc::now();
        let hour = (now + Duration::hours(3)).hour();
        let mut body = alert_body("lego 42100");
        body["delivery"] = json!("digest");
        body["digest_hour"] = json!(hour);
        webhook_alerts(&app, &ada, &hook, vec![body]).await;
        assert_eq!(statuses(&app).await, [("held".to_owned(), 1)]);
        assert_eq!(deliver_due_once(&app.state).await.unwrap().sent, 0);
        // Its hour (UTC: no quiet hours set) comes within three hours.
        let due = now + Duration::hours(3) + Duration::minutes(1);
        assert_eq!(deliver_at(&app, due).await, (1, 0));
        let requests = hook.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].json()["type"], "alert.digest");
        assert_eq!(deliver_at(&app, due + Duration::hours(1)).await, (0, 0));
    }

    #[tokio::test]
    async fn a_replica_that_dies_mid_release_neither_loses_nor_doubles_the_digest() {
        use alerts_service::channels::store::lock_due_held;
        use alerts_service::workers::channel_sender::release_digests_once;
        use sea_orm::TransactionTrait;

        let app = app().await;
        let ada = app.token_for("ada@example.com").await;
        let hook = Receiver::start().await;
        let now = Utc::now();
        let end = now + Duration::hours(2);
        set_quiet(&app, &ada, now - Duration::hours(1), end).await;
        webhook_alerts(&app, &ada, &hook, vec![alert_body("lego 42100")]).await;
        let later = replica_at(&app, end + Duration::minutes(1)).await;

        // Replica A has locked the held row and not committed: replica B skips it.
        let dying = later.db.begin().await.unwrap();
        let locked = lock_due_held(&dying, end + Duration::minutes(1), 100)
            .await
            .unwrap();
        assert_eq!(locked.len(), 1);
        assert_eq!(release_digests_once(&later).await.unwrap(), 0);
        // A dies: its transaction rolls back, and the row is still held, not lost. (Explicitly:
        // a dropped transaction rolls back in the background, racing the next pass.)
        dying.rollback().await.unwrap();
        assert_eq!(statuses(&app).await, [("held".to_owned(), 1)]);
        // The next pass digests it once; the one after finds nothing.
        assert_eq!(release_digests_once(&later).await.unwrap(), 1);
        assert_eq!(release_digests_once(&later).await.unwrap(), 0);
        assert_eq!(deliver_due_once(&later).await.unwrap().sent, 1);
        assert_eq!(hook.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_digest_hour_inside_quiet_hours_waits_for_them_to_end() {
        let app = app().await;
        let ada = app.token_for("ada@example.com").await;
        let hook = Receiver::start().await;
        let now = Utc::now();
        let end = now + Duration::hours(3);
        set_quiet(&app, &ada, now - Duration::hours(1), end).await;
        let mut body = alert_body("lego 42100");
        body["delivery"] = json!("digest");
        // The next whole hour after one from now: inside the quiet window.
        body["digest_hour"] = json!((now + Duration::hours(1)).hour());
        webhook_alerts(&app, &ada, &hook, vec![body]).await;
        assert_eq!(
            deliver_at(&app, now + Duration::hours(2) + Duration::minutes(1)).await,
            (0, 0)
        );
        assert!(hook.requests().is_empty());
        assert_eq!(deliver_at(&app, end + Duration::minutes(1)).await, (1, 0));
        assert_eq!(hook.requests()[0].json()["type"], "alert.digest");
    }

    async fn set_quiet(app: &TestApp, auth: &Auth, start: DateTime<Utc>, end: DateTime<Utc>) {
        let quiet = json!({"start": hhmm(start), "end": hhmm(end), "time_zone": "UTC"});
        let saved = app
            .patch("/api/v1/me", auth, json!({"quiet_hours": quiet}))
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
    }

    /// Alert email rows (not sign-in links) by status.
    async fn email_statuses(app: &TestApp) -> Vec<(String, i64)> {
        by_status(app, "email_outbox", "WHERE kind <> 'sign_in'").await
    }

    /// The listing links of the held emails of `alert`.
    async fn held_links(app: &TestApp, alert: &str) -> Vec<String> {
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                format!(
                    "SELECT notification FROM email_outbox WHERE alert_id = '{alert}' \
                     AND notification IS NOT NULL"
                ),
            ))
            .await
            .unwrap();
        let mut links: Vec<String> = rows
            .iter()
            .flat_map(|r| {
                let n: Value =
                    serde_json::from_str(&r.try_get::<String>("", "notification").unwrap())
                        .unwrap();
                n["listings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["url"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        links.sort();
        links.dedup();
        links
    }

    /// Subject, text part and whether it has a `List-Unsubscribe` header, of the emails the
    /// sink received after the first `from`, once there are `count` in all.
    async fn mails(app: &TestApp, from: usize, count: usize) -> Vec<(String, String, bool)> {
        let received = app
            .smtp
            .wait_for(count, std::time::Duration::from_secs(10))
            .await;
        assert_eq!(received.len(), count);
        received[from..]
            .iter()
            .map(|m| {
                let email = mail_parser::MessageParser::default()
                    .parse(&m.data)
                    .unwrap();
                (
                    email.subject().unwrap_or_default().to_owned(),
                    email.body_text(0).unwrap().into_owned(),
                    email.header("List-Unsubscribe").is_some(),
                )
            })
            .collect()
    }

    /// Runs an alert now (a manual run), expecting new listings.
    async fn run(app: &TestApp, auth: &Auth, id: &str) {
        let response = app
            .post(&format!("/api/v1/alerts/{id}/run"), auth, json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let summary: Value = response.json().await.unwrap();
        assert!(summary["new_items"].as_u64().unwrap() > 0, "{summary}");
    }

    /// Moves (and freezes) the mock eBay's clock, so later searches find newer listings.
    async fn mock_clock(app: &TestApp, at: DateTime<Utc>) {
        app.http
            .post(format!("{}/mock/clock", app.ebay.base_url()))
            .json(&json!({"now": at, "freeze": true}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    /// Releases and delivers emails as a replica whose clock reads `at`; returns the number
    /// sent.
    async fn email_at(app: &TestApp, at: DateTime<Utc>) -> usize {
        let later = replica_at(app, at).await;
        alerts_service::workers::email_sender::deliver_due_once(&later)
            .await
            .unwrap()
            .sent
    }

    #[tokio::test]
    async fn emails_during_quiet_hours_arrive_as_one_digest_per_alert_when_they_end() {
        let app = spawn_app().await;
        let ada = app.token_for("ada@example.com").await;
        let now = Utc::now();
        let end = now + Duration::hours(2);
        set_quiet(&app, &ada, now - Duration::hours(1), end).await;
        let lego = app.create_alert(&ada, alert_body("lego 42100")).await;
        let lego = lego["id"].as_str().unwrap();
        let switch = app.create_alert(&ada, alert_body("switch oled")).await;
        let switch = switch["id"].as_str().unwrap();
        run(&app, &ada, lego).await;
        run(&app, &ada, switch).await;
        // A day later on eBay: the lego search finds newer listings, held too.
        mock_clock(&app, now + Duration::days(1)).await;
        run(&app, &ada, lego).await;

        let inbox = app.smtp.messages().len();
        app.dispatch_emails().await;
        assert_eq!(email_statuses(&app).await, [("held".to_owned(), 3)]);
        assert_eq!(email_at(&app, end - Duration::minutes(2)).await, 0);
        assert_eq!(
            app.smtp.messages().len(),
            inbox,
            "nothing during quiet hours"
        );

        // Quiet hours over: one email per alert, the lego one carrying both runs' listings.
        let links = held_links(&app, lego).await;
        assert_eq!(email_at(&app, end + Duration::minutes(1)).await, 2);
        let sent = mails(&app, inbox, inbox + 2).await;
        let (subject, lego_mail, unsubscribe) = sent
            .iter()
            .find(|(subject, ..)| subject.contains("lego 42100"))
            .expect("a digest for the lego alert");
        assert!(subject.starts_with("While you were away: "), "{subject}");
        assert!(
            lego_mail.contains("held during your quiet hours"),
            "{lego_mail}"
        );
        assert!(unsubscribe, "one-click unsubscribe of this alert");
        let shown = links
            .iter()
            .filter(|l| lego_mail.contains(l.as_str()))
            .count();
        assert!(links.len() > 1);
        assert!(
            shown == links.len() || lego_mail.contains("Showing "),
            "{shown} of {} held listings shown",
            links.len()
        );
        assert!(
            sent.iter()
                .any(|(subject, ..)| subject.contains("switch oled"))
        );
        assert_eq!(
            email_statuses(&app).await,
            [("digested".to_owned(), 3), ("sent".to_owned(), 2)]
        );
        // Exactly once: later passes send nothing more.
        assert_eq!(email_at(&app, end + Duration::minutes(5)).await, 0);
        assert_eq!(app.smtp.messages().len(), inbox + 2);
    }

    #[tokio::test]
    async fn a_digest_alert_emails_once_a_day_at_its_hour() {
        let app = spawn_app().await;
        let ada = app.token_for("ada@example.com").await;
        let now = Utc::now();
        let mut body = alert_body("lego 42100");
        body["delivery"] = json!("digest");
        body["digest_hour"] = json!((now + Duration::hours(3)).hour());
        let alert = app.create_alert(&ada, body).await;
        run(&app, &ada, alert["id"].as_str().unwrap()).await;
        let inbox = app.smtp.messages().len();
        app.dispatch_emails().await;
        assert_eq!(app.smtp.messages().len(), inbox);

        let due = now + Duration::hours(3) + Duration::minutes(1);
        assert_eq!(email_at(&app, due).await, 1);
        let sent = mails(&app, inbox, inbox + 1).await;
        let (subject, text, _) = &sent[0];
        assert!(subject.starts_with("Daily digest: "), "{subject}");
        assert!(text.contains("Your daily digest for this alert"), "{text}");
        assert_eq!(email_at(&app, due + Duration::hours(1)).await, 0);
    }

    #[tokio::test]
    async fn an_alert_whose_emails_stop_while_held_gets_no_digest() {
        let app = spawn_app().await;
        let ada = app.token_for("ada@example.com").await;
        let now = Utc::now();
        let end = now + Duration::hours(2);
        set_quiet(&app, &ada, now - Duration::hours(1), end).await;
        let alert = app.create_alert(&ada, alert_body("lego 42100")).await;
        let id = alert["id"].as_str().unwrap();
        run(&app, &ada, id).await;
        let off = app
            .patch(
                &format!("/api/v1/alerts/{id}"),
                &ada,
                json!({"alert_emails": false}),
            )
            .await;
        assert_eq!(off.status(), StatusCode::OK);
        let inbox = app.smtp.messages().len();

        assert_eq!(email_at(&app, end + Duration::minutes(1)).await, 0);
        assert_eq!(app.smtp.messages().len(), inbox);
        assert_eq!(email_statuses(&app).await, [("cancelled".to_owned(), 1)]);
    }

    #[tokio::test]
    async fn an_insight_summary_waits_for_quiet_hours_to_end_and_goes_as_itself() {
        use alerts_service::workers::insight_summaries::{Handled, handle};

        let app = app().await;
        let ada = app.token_for("ada@example.com").await;
        let hook = Receiver::start().await;
        let now = Utc::now();
        let end = now + Duration::hours(2);
        set_quiet(&app, &ada, now - Duration::hours(1), end).await;
        let channel: Value = app
            .post(
                "/api/v1/channels",
                &ada,
                json!({"url": format!("json://{}/in", hook.host_port())}),
            )
            .await
            .json()
            .await
            .unwrap();
        let mut body = alert_body("lego 42100");
        body["channels"] = json!([channel["id"]]);
        let alert = app.create_alert(&ada, body).await;
        let alert_id = alert["id"].as_str().unwrap().parse().unwrap();
        let summary = pubsub::fixtures::insight_summary(alert_id);

        let handled = handle(&app.state, "evt-quiet-1", &summary, now)
            .await
            .unwrap();
        assert!(matches!(handled, Handled::Queued(1)));
        assert_eq!(statuses(&app).await, [("held".to_owned(), 1)]);
        assert_eq!(deliver_at(&app, end - Duration::minutes(2)).await, (0, 0));

        assert_eq!(deliver_at(&app, end + Duration::minutes(1)).await, (1, 0));
        let requests = hook.requests();
        assert_eq!(requests.len(), 1);
        let body = requests[0].json();
        assert_eq!(body["type"], "alert.insight", "not folded into a digest");
        assert!(body["data"]["insight"]["median_line"].is_string());
        assert_eq!(deliver_at(&app, end + Duration::minutes(5)).await, (0, 0));
    }
}
