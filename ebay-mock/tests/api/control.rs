use std::time::{Duration, Instant};

use anyhow::Result;
use ebay_mock::{FaultSettings, MockConfig};
use serde_json::{Value, json};

use crate::helpers::{TestMock, first_error_id};

#[tokio::test]
async fn the_root_path_answers_ok_for_health_checks() -> Result<()> {
    let mock = TestMock::spawn().await?;

    let response = mock.http.get(mock.url("/")).send().await?;

    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn a_fault_header_of_429_answers_too_many_requests_with_retry_after() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let response = mock
        .search(
            Some(&token),
            &[("q", "x")],
            &[("X-Mock-Fault", "429, retry-after=7")],
        )
        .await?;

    assert_eq!(response.status(), 429);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    let body: Value = response.json().await?;
    assert_eq!(first_error_id(&body), Some(2001));
    Ok(())
}

#[tokio::test]
async fn a_fault_header_of_500_answers_an_internal_error() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let response = mock
        .search(Some(&token), &[("q", "x")], &[("X-Mock-Fault", "500")])
        .await?;

    assert_eq!(response.status(), 500);
    let body: Value = response.json().await?;
    assert_eq!(body["errors"][0]["category"], "APPLICATION");
    Ok(())
}

#[tokio::test]
async fn injected_latency_delays_the_response() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let started = Instant::now();

    let response = mock
        .search(
            Some(&token),
            &[("q", "x")],
            &[("X-Mock-Fault", "latency=300")],
        )
        .await?;

    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    Ok(())
}

#[tokio::test]
async fn queued_faults_hit_the_next_searches_in_order() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let queued = mock
        .control("/mock/faults", json!({"queue": ["429", "503"]}))
        .await?;

    // Act
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            mock.search(Some(&token), &[("q", "x")], &[])
                .await?
                .status()
                .as_u16(),
        );
    }

    // Assert
    assert_eq!(queued.status(), 200);
    assert_eq!(statuses, vec![429, 503, 200]);
    Ok(())
}

#[tokio::test]
async fn a_fault_rate_of_one_fails_every_search_until_it_is_turned_off() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    mock.control("/mock/faults", json!({"rate_500": 1.0}))
        .await?;
    let during = mock.search(Some(&token), &[("q", "x")], &[]).await?;
    let token_during = mock.token().await;
    mock.control("/mock/faults", json!({"reset": true})).await?;
    let after = mock.search(Some(&token), &[("q", "x")], &[]).await?;

    assert_eq!(during.status(), 500);
    assert!(
        token_during.is_ok(),
        "token endpoint is spared unless apply_to_token"
    );
    assert_eq!(after.status(), 200);
    Ok(())
}

#[tokio::test]
async fn configured_rates_apply_from_start_and_can_cover_the_token_endpoint() -> Result<()> {
    let mock = TestMock::spawn_with(MockConfig::for_tests().with_faults(FaultSettings {
        rate_429: 1.0,
        apply_to_token: true,
        retry_after_secs: 2,
        ..FaultSettings::default()
    }))
    .await?;

    let response = mock
        .request_token(
            Some(("app", "secret")),
            &[
                ("grant_type", "client_credentials"),
                ("scope", crate::helpers::SCOPE),
            ],
        )
        .await?;

    assert_eq!(response.status(), 429);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    Ok(())
}

#[tokio::test]
async fn invalid_fault_settings_are_refused() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let cases = [
        json!({"rate_429": 1.5}),
        json!({"rate_429": 0.6, "rate_500": 0.6}),
        json!({"queue": ["404"]}),
        json!({"colour": "red"}),
    ];

    for body in cases {
        let response = mock.control("/mock/faults", body.clone()).await?;
        assert_eq!(response.status(), 400, "{body}");
    }
    let current: Value = mock
        .http
        .get(mock.url("/mock/faults"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(current["settings"]["rate_429"], 0.0);
    Ok(())
}

#[tokio::test]
async fn stats_count_searches_by_status_and_can_be_reset() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    mock.search(Some(&token), &[("q", "x")], &[]).await?;
    mock.search(Some(&token), &[("q", "x")], &[("X-Mock-Fault", "429")])
        .await?;
    mock.search(None, &[("q", "x")], &[]).await?;

    // Act
    let stats = mock.stats().await?;
    let reset: Value = mock
        .http
        .delete(mock.url("/mock/stats"))
        .send()
        .await?
        .json()
        .await?;

    // Assert
    assert_eq!(stats["search_requests"], 3);
    assert_eq!(stats["search_status"]["200"], 1);
    assert_eq!(stats["search_status"]["429"], 1);
    assert_eq!(stats["search_status"]["401"], 1);
    assert_eq!(stats["faults_injected"], 1);
    assert_eq!(stats["tokens_issued"], 1);
    assert_eq!(reset["search_requests"], 0);
    assert_eq!(reset["tokens_issued"], 0);
    assert_eq!(
        reset["active_tokens"], 1,
        "resetting counters keeps tokens valid"
    );
    Ok(())
}

#[tokio::test]
async fn the_clock_can_be_set_advanced_and_reset() -> Result<()> {
    let mock = TestMock::spawn().await?;

    let set: Value = mock
        .control("/mock/clock", json!({"now": "2030-01-01T00:00:00Z"}))
        .await?
        .json()
        .await?;
    let advanced: Value = mock
        .control("/mock/clock", json!({"advance_secs": 3600}))
        .await?
        .json()
        .await?;
    let reset: Value = mock
        .control("/mock/clock", json!({"reset": true}))
        .await?
        .json()
        .await?;
    let ambiguous = mock
        .control("/mock/clock", json!({"advance_secs": 1, "reset": true}))
        .await?;

    let close_to = |value: &Value, expected: &str| -> Result<bool> {
        let actual = chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap_or_default())?;
        let expected = chrono::DateTime::parse_from_rfc3339(expected)?;
        // The clock keeps running between calls: allow a generous minute.
        Ok((actual - expected).num_seconds().abs() < 60)
    };
    assert!(close_to(&set["now"], "2030-01-01T00:00:00Z")?, "{set}");
    assert!(
        close_to(&advanced["now"], "2030-01-01T01:00:00Z")?,
        "{advanced}"
    );
    assert_eq!(reset["offset_secs"], 0);
    assert_eq!(ambiguous.status(), 400);
    Ok(())
}

#[tokio::test]
async fn in_test_mode_a_frozen_clock_stands_still_until_moved_and_searches_answer_for_it()
-> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let frozen: Value = mock
        .control(
            "/mock/clock",
            json!({"now": "2030-01-01T00:00:00Z", "freeze": true}),
        )
        .await?
        .json()
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let later: Value = mock
        .http
        .get(mock.url("/mock/clock"))
        .send()
        .await?
        .json()
        .await?;
    let searched = mock
        .search(
            Some(&token),
            &[("q", "nintendo switch"), ("sort", "newlyListed")],
            &[],
        )
        .await?;
    let status = searched.status();
    let body: Value = searched.json().await?;
    let advanced: Value = mock
        .control("/mock/clock", json!({"advance_secs": 86_400}))
        .await?
        .json()
        .await?;
    let resumed: Value = mock
        .control("/mock/clock", json!({"freeze": false}))
        .await?
        .json()
        .await?;

    assert_eq!(frozen["now"], "2030-01-01T00:00:00.000Z");
    assert_eq!(frozen["frozen"], true);
    assert_eq!(
        later["now"], "2030-01-01T00:00:00.000Z",
        "a second later the frozen clock has not moved"
    );
    // The token was issued at real time; in 2030 it has expired, as eBay would say.
    assert_eq!(status, 401, "{body}");
    assert_eq!(advanced["now"], "2030-01-02T00:00:00.000Z");
    assert_eq!(advanced["frozen"], true);
    assert_eq!(resumed["frozen"], false);
    Ok(())
}

#[tokio::test]
async fn a_frozen_clock_serves_the_catalogue_of_its_instant() -> Result<()> {
    let mock = TestMock::spawn().await?;
    mock.control(
        "/mock/clock",
        json!({"now": "2030-01-01T00:00:00Z", "freeze": true}),
    )
    .await?;
    let token = mock.token().await?;
    let params = [("q", "nintendo switch"), ("sort", "newlyListed")];

    let frozen_answer: Value = mock
        .search(Some(&token), &params, &[])
        .await?
        .json()
        .await?;
    let pinned = mock
        .search_at(&token, "2030-01-01T00:00:00Z", &params)
        .await?;

    assert_eq!(frozen_answer["itemSummaries"], pinned["itemSummaries"]);
    Ok(())
}

#[tokio::test]
async fn outside_test_mode_the_clock_cannot_be_frozen_and_nothing_changes() -> Result<()> {
    let mock = TestMock::spawn_with(MockConfig {
        test_mode: false,
        ..MockConfig::for_tests()
    })
    .await?;

    let refused = mock
        .control(
            "/mock/clock",
            json!({"now": "2030-01-01T00:00:00Z", "freeze": true}),
        )
        .await?;
    let status = refused.status();
    let body: Value = refused.json().await?;
    let clock: Value = mock
        .http
        .get(mock.url("/mock/clock"))
        .send()
        .await?
        .json()
        .await?;

    assert_eq!(status, 403);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("EBAY_MOCK_TEST_MODE"),
        "{body}"
    );
    assert_eq!(clock["frozen"], false);
    assert_eq!(
        clock["offset_secs"], 0,
        "the requested time was not applied"
    );
    Ok(())
}
