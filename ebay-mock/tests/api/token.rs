use anyhow::Result;
use ebay_mock::MockConfig;
use serde_json::Value;

use crate::helpers::{SCOPE, TestMock};

#[tokio::test]
async fn a_valid_client_credentials_request_gets_an_application_token() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;

    // Act
    let response = mock
        .request_token(
            Some(("any-app", "any-secret")),
            &[("grant_type", "client_credentials"), ("scope", SCOPE)],
        )
        .await?;

    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await?;
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(body["expires_in"], 7200);
    assert_eq!(body["token_type"], "Application Access Token");
    Ok(())
}

#[tokio::test]
async fn the_token_lifetime_is_configurable() -> Result<()> {
    let mock = TestMock::spawn_with(
        MockConfig::for_tests().with_token_ttl(std::time::Duration::from_secs(5)),
    )
    .await?;

    let response = mock
        .request_token(
            Some(("app", "secret")),
            &[("grant_type", "client_credentials"), ("scope", SCOPE)],
        )
        .await?;

    let body: Value = response.json().await?;
    assert_eq!(body["expires_in"], 5);
    Ok(())
}

#[tokio::test]
async fn token_requests_that_break_the_rules_get_ebay_style_oauth_errors() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn_with(
        MockConfig::for_tests().with_allowed_client_ids(vec!["allowed-app".to_owned()]),
    )
    .await?;
    let good_form = [("grant_type", "client_credentials"), ("scope", SCOPE)];
    type Credentials = Option<(&'static str, &'static str)>;
    type Form = Vec<(&'static str, &'static str)>;
    let cases: Vec<(&str, Credentials, Form, u16, &str)> = vec![
        (
            "no credentials",
            None,
            good_form.to_vec(),
            401,
            "invalid_client",
        ),
        (
            "empty secret",
            Some(("allowed-app", "")),
            good_form.to_vec(),
            401,
            "invalid_client",
        ),
        (
            "unknown client id",
            Some(("other-app", "secret")),
            good_form.to_vec(),
            401,
            "invalid_client",
        ),
        (
            "missing grant type",
            Some(("allowed-app", "secret")),
            vec![("scope", SCOPE)],
            400,
            "invalid_request",
        ),
        (
            "password grant",
            Some(("allowed-app", "secret")),
            vec![("grant_type", "password"), ("scope", SCOPE)],
            400,
            "unsupported_grant_type",
        ),
        (
            "missing scope",
            Some(("allowed-app", "secret")),
            vec![("grant_type", "client_credentials")],
            400,
            "invalid_request",
        ),
        (
            "foreign scope",
            Some(("allowed-app", "secret")),
            vec![
                ("grant_type", "client_credentials"),
                (
                    "scope",
                    "https://api.ebay.com/oauth/api_scope/sell.inventory",
                ),
            ],
            400,
            "invalid_scope",
        ),
    ];

    for (name, basic, form, status, error) in cases {
        // Act
        let response = mock.request_token(basic, &form).await?;

        // Assert
        assert_eq!(response.status().as_u16(), status, "{name}");
        let body: Value = response.json().await?;
        assert_eq!(body["error"], error, "{name}: {body}");
        assert!(body["error_description"].is_string(), "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn a_token_request_that_is_not_form_encoded_is_an_invalid_request() -> Result<()> {
    let mock = TestMock::spawn().await?;

    let response = mock
        .http
        .post(mock.url("/identity/v1/oauth2/token"))
        .basic_auth("app", Some("secret"))
        .json(&serde_json::json!({"grant_type": "client_credentials", "scope": SCOPE}))
        .send()
        .await?;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await?;
    assert_eq!(body["error"], "invalid_request");
    Ok(())
}

#[tokio::test]
async fn token_calls_are_counted_by_status() -> Result<()> {
    let mock = TestMock::spawn().await?;
    mock.token().await?;
    mock.request_token(None, &[("grant_type", "client_credentials")])
        .await?;

    let stats = mock.stats().await?;

    assert_eq!(stats["token_requests"], 2);
    assert_eq!(stats["tokens_issued"], 1);
    assert_eq!(stats["token_status"]["200"], 1);
    assert_eq!(stats["token_status"]["401"], 1);
    Ok(())
}

#[tokio::test]
async fn injected_token_faults_answer_in_the_oauth_error_shape() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let cases = [
        ("429", 429, "too_many_requests"),
        ("503", 503, "server_error"),
    ];
    for (fault, status, error) in cases {
        let response = mock
            .http
            .post(mock.url("/identity/v1/oauth2/token"))
            .basic_auth("test-app", Some("test-secret"))
            .header("X-Mock-Fault", fault)
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", crate::helpers::SCOPE),
            ])
            .send()
            .await?;

        assert_eq!(response.status(), status, "{fault}");
        let body: Value = response.json().await?;
        assert_eq!(body["error"], error, "{fault}: {body}");
        assert!(body["error_description"].is_string(), "{fault}: {body}");
        assert!(body.get("errors").is_none(), "not the Browse shape: {body}");
    }
    Ok(())
}
