//! Responses the real eBay (or a proxy in front of it) can send that the mock never does,
//! scripted with wiremock.

use std::time::Duration;

use anyhow::{Context, Result};
use ebay_sdk::{
    Condition, EbayClient, EbayConfig, EbayError, Environment, PriceRange, RetryPolicy,
    SearchRequest,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEARCH_PATH: &str = "/buy/browse/v1/item_summary/search";
const TOKEN_PATH: &str = "/identity/v1/oauth2/token";

fn token_body(token: &str) -> Value {
    json!({"access_token": token, "expires_in": 7200, "token_type": "Application Access Token"})
}

/// A wiremock server that issues token `tok-1`.
async fn ebay_with_token() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-1")))
        .mount(&server)
        .await;
    server
}

fn client_for(server: &MockServer, retry: RetryPolicy) -> Result<EbayClient> {
    let config = EbayConfig::new(Environment::Mock, "app-id", "cert-secret")
        .with_base_url(Url::parse(&server.uri())?)
        .with_retry(retry);
    Ok(EbayClient::new(config)?)
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        multiplier: 2.0,
        max_elapsed: Duration::from_secs(10),
    }
}

async fn search_answers(
    template: ResponseTemplate,
) -> Result<Result<ebay_sdk::SearchResponse, EbayError>> {
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(template)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none())?;
    Ok(client.search(&SearchRequest::new("lego")).await)
}

#[tokio::test]
async fn the_request_carries_bearer_token_marketplace_filter_and_paging() -> Result<()> {
    // Arrange
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("x-ebay-c-marketplace-id", "EBAY_GB"))
        .and(query_param("q", "lego 42100"))
        .and(query_param(
            "filter",
            "price:[10..50],priceCurrency:GBP,conditions:{USED}",
        ))
        .and(query_param("limit", "100"))
        .and(query_param("offset", "200"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none())?;
    let request = SearchRequest::new("lego 42100")
        .with_price(PriceRange::new(Some(dec!(10)), Some(dec!(50)), "GBP"))
        .with_conditions([Condition::Used])
        .with_limit(100)
        .with_offset(200)
        .with_marketplace("EBAY_GB");

    // Act
    let page = client.search(&request).await?;

    // Assert
    assert_eq!(page.total, 0);
    Ok(())
}

#[tokio::test]
async fn condition_ids_excluded_sellers_and_the_delivery_location_reach_ebay() -> Result<()> {
    // Arrange
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .and(query_param(
            "filter",
            "conditionIds:{2750|3000},excludeSellers:{bad.seller|flipper}",
        ))
        .and(header(
            "x-ebay-c-enduserctx",
            "contextualLocation=country%3DUS%2Czip%3D19406",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/buy/browse/v1/item/v1%7C1%7C0"))
        .and(header(
            "x-ebay-c-enduserctx",
            "contextualLocation=country%3DGB%2Czip%3DSW1A%201AA",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"itemId": "v1|1|0", "title": "t"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none())?;
    let request = SearchRequest::new("nintendo switch oled")
        .with_conditions([Condition::Used])
        .with_condition_ids([3000, 2750])
        .with_exclude_sellers(["flipper", "bad.seller"])
        .with_delivery_location("us", Some("19406".to_owned()));
    let gb = ebay_sdk::DeliveryLocation::new("GB", Some("SW1A 1AA".to_owned()));

    // Act
    let page = client.search(&request).await?;
    let item = client
        .get_item_delivered_to("v1|1|0", None, Some(&gb))
        .await?;

    // Assert
    assert_eq!(page.total, 0);
    assert_eq!(item.map(|i| i.title).as_deref(), Some("t"));
    Ok(())
}

#[tokio::test]
async fn without_a_delivery_location_no_end_user_context_is_sent() -> Result<()> {
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none())?;

    client.search(&SearchRequest::new("lego")).await?;

    let requests = server.received_requests().await.unwrap_or_default();
    let search = requests
        .iter()
        .find(|r| r.url.path() == SEARCH_PATH)
        .context("the search was not sent")?;
    assert!(!search.headers.contains_key("x-ebay-c-enduserctx"));
    Ok(())
}

#[tokio::test]
async fn a_bad_delivery_location_fails_before_any_call() -> Result<()> {
    let server = MockServer::start().await;
    let client = client_for(&server, RetryPolicy::none())?;
    let bad = ebay_sdk::DeliveryLocation::new("USA", None);

    let search = client
        .search(&SearchRequest::new("lego").with_delivery_location("USA", None))
        .await;
    let item = client
        .get_item_delivered_to("v1|1|0", None, Some(&bad))
        .await;

    assert!(
        matches!(search, Err(EbayError::InvalidRequest(_))),
        "{search:?}"
    );
    assert!(
        matches!(item, Err(EbayError::InvalidRequest(_))),
        "{item:?}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn the_token_request_uses_basic_auth_the_client_credentials_grant_and_the_api_scope()
-> Result<()> {
    let server = MockServer::start().await;
    // base64("app-id:cert-secret")
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("authorization", "Basic YXBwLWlkOmNlcnQtc2VjcmV0"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(
            "scope=https%3A%2F%2Fapi.ebay.com%2Foauth%2Fapi_scope",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-9")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none())?;

    let token = client.token_provider().access_token().await?;

    assert_eq!(token.secret(), "tok-9");
    Ok(())
}

#[tokio::test]
async fn a_response_without_item_summaries_is_an_empty_page() -> Result<()> {
    let page = search_answers(
        ResponseTemplate::new(200)
            .set_body_json(json!({"href": "x", "total": 0, "limit": 50, "offset": 0})),
    )
    .await??;

    assert!(page.item_summaries.is_empty());
    assert!(page.warnings.is_empty());
    assert_eq!(page.total, 0);
    Ok(())
}

#[tokio::test]
async fn items_with_only_an_id_and_a_title_parse_and_nulls_count_as_absent() -> Result<()> {
    let page = search_answers(ResponseTemplate::new(200).set_body_json(json!({
        "total": 2,
        "itemSummaries": [
            {"itemId": "v1|1|0", "title": "bare"},
            {"itemId": "v1|2|0", "title": "nulls", "price": null, "buyingOptions": null,
             "shippingOptions": null, "seller": {"username": "s", "feedbackPercentage": null}}
        ]
    })))
    .await??;

    assert_eq!(page.item_summaries.len(), 2);
    let bare = &page.item_summaries[0];
    assert_eq!(bare.price, None);
    assert!(bare.buying_options.is_empty());
    assert_eq!(bare.shipping_cost(), None);
    assert_eq!(bare.item_creation_date, None);
    assert_eq!(bare.legacy_item_id(), Some("1"));
    let nulls = &page.item_summaries[1];
    assert_eq!(
        nulls.seller.as_ref().and_then(|s| s.feedback_percentage),
        None
    );
    Ok(())
}

#[tokio::test]
async fn string_prices_keep_their_exact_decimal_value() -> Result<()> {
    let page = search_answers(ResponseTemplate::new(200).set_body_json(json!({
        "total": 3,
        "itemSummaries": [
            {"itemId": "a", "title": "a", "price": {"value": "19.99", "currency": "USD"}},
            {"itemId": "b", "title": "b", "price": {"value": "0.123456789012345678901234", "currency": "USD"}},
            {"itemId": "c", "title": "c", "price": {"value": 7.5, "currency": "USD"},
             "shippingOptions": [{"shippingCostType": "FIXED", "shippingCost": {"value": "4.990", "currency": "USD"}}],
             "seller": {"username": "s", "feedbackPercentage": "99.8", "feedbackScore": 1234}}
        ]
    })))
    .await??;

    let price = |i: usize| page.item_summaries[i].price.as_ref().map(|p| p.value);
    assert_eq!(price(0), Some(dec!(19.99)));
    assert_eq!(price(1), Some(dec!(0.123456789012345678901234)));
    assert_eq!(price(2), Some(dec!(7.5)));
    let item = &page.item_summaries[2];
    assert_eq!(item.shipping_cost().map(|a| a.value), Some(dec!(4.99)));
    assert_eq!(
        item.seller.as_ref().and_then(|s| s.feedback_percentage),
        Some(dec!(99.8))
    );
    Ok(())
}

#[tokio::test]
async fn a_listing_that_cannot_be_read_is_skipped_and_counted_and_the_page_survives() -> Result<()>
{
    let page = search_answers(ResponseTemplate::new(200).set_body_json(json!({
        "total": 4,
        "itemSummaries": [
            {"itemId": "v1|1|0", "title": "fine", "price": {"value": "5.00", "currency": "USD"}},
            {"itemId": "v1|2|0", "title": "odd price", "price": {"value": "cheap", "currency": "USD"}},
            {"title": "no id", "price": {"value": "3.00", "currency": "USD"}},
            {"itemId": "v1|4|0", "title": "no price value", "price": {"currency": "USD"}}
        ]
    })))
    .await??;

    let ids: Vec<&str> = page
        .item_summaries
        .iter()
        .map(|i| i.item_id.as_str())
        .collect();
    assert_eq!(ids, vec!["v1|1|0", "v1|4|0"]);
    assert_eq!(
        page.item_summaries[1].price, None,
        "an amount without a value is no amount"
    );
    assert_eq!(page.skipped_items.len(), 2);
    assert_eq!(page.skipped_items[0].item_id.as_deref(), Some("v1|2|0"));
    assert!(
        page.skipped_items[0].reason.contains("cheap"),
        "{:?}",
        page.skipped_items
    );
    assert_eq!(page.skipped_items[1].item_id, None);
    Ok(())
}

#[tokio::test]
async fn converted_prices_keep_the_sellers_amount_and_currency() -> Result<()> {
    let page = search_answers(ResponseTemplate::new(200).set_body_json(json!({
        "total": 1,
        "itemSummaries": [{"itemId": "v1|385462201428|0", "title": "t", "legacyItemId": "385462201428",
            "itemOriginDate": "2025-01-02T03:04:05.000Z", "itemCreationDate": "2025-02-03T04:05:06.000Z",
            "price": {"value": "0.75", "currency": "USD", "convertedFromValue": "0.99", "convertedFromCurrency": "CAD"},
            "categories": [{"categoryId": "58540", "categoryName": "Screen Protectors"}]}]
    })))
    .await??;

    let item = &page.item_summaries[0];
    let price = item.price.as_ref().context("price")?;
    assert_eq!(price.value, dec!(0.75));
    assert_eq!(price.converted_from(), Some((dec!(0.99), "CAD")));
    assert_eq!(item.legacy_item_id(), Some("385462201428"));
    assert_eq!(
        item.item_origin_date.map(|d| d.to_rfc3339()),
        Some("2025-01-02T03:04:05+00:00".to_owned())
    );
    assert!(item.item_creation_date > item.item_origin_date);
    assert_eq!(item.categories[0].category_id.as_deref(), Some("58540"));
    Ok(())
}

#[tokio::test]
async fn a_429_from_browse_is_a_quota_error_even_with_an_unexpected_body() -> Result<()> {
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(ResponseTemplate::new(429).set_body_raw("slow down", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, quick())?;

    let error = client
        .search(&SearchRequest::new("lego"))
        .await
        .err()
        .context("should fail")?;

    assert!(matches!(error, EbayError::QuotaExhausted { .. }), "{error}");
    Ok(())
}

#[tokio::test]
async fn unknown_fields_are_ignored() -> Result<()> {
    let page = search_answers(ResponseTemplate::new(200).set_body_json(json!({
        "total": 1,
        "brandNewTopLevelField": {"x": [1, 2, 3]},
        "itemSummaries": [{"itemId": "a", "title": "a", "epid": "123", "thumbnailImages": [{"imageUrl": "u"}],
                           "price": {"value": "1.00", "currency": "USD", "convertedFromValue": "0.9"}}]
    })))
    .await??;

    assert_eq!(page.item_summaries.len(), 1);
    assert_eq!(
        page.item_summaries[0].price.as_ref().map(|p| p.value),
        Some(Decimal::ONE)
    );
    Ok(())
}

#[tokio::test]
async fn warnings_that_come_with_a_200_are_returned_to_the_caller() -> Result<()> {
    let page = search_answers(ResponseTemplate::new(200).set_body_json(json!({
        "total": 0,
        "warnings": [{"errorId": 12002, "domain": "API_BROWSE", "category": "REQUEST",
                      "message": "The colour value is invalid.",
                      "parameters": [{"name": "filterName", "value": "colour:{RED}"}]}]
    })))
    .await??;

    assert_eq!(page.warnings.len(), 1);
    assert_eq!(page.warnings[0].error_id, Some(12002));
    assert_eq!(
        page.warnings[0].parameters[0].value.as_deref(),
        Some("colour:{RED}")
    );
    Ok(())
}

#[tokio::test]
async fn an_html_error_page_gives_a_clear_error_with_status_and_snippet() -> Result<()> {
    let result = search_answers(ResponseTemplate::new(502).set_body_raw(
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "text/html",
    ))
    .await?;

    let error = result.err().context("should fail")?;
    assert!(
        matches!(&error, EbayError::UnexpectedBody { status: 502, content_type, .. } if content_type == "text/html"),
        "{error}"
    );
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
    assert!(error.is_retryable());
    Ok(())
}

#[tokio::test]
async fn an_html_page_with_status_200_is_an_unexpected_body() -> Result<()> {
    let result = search_answers(
        ResponseTemplate::new(200)
            .set_body_raw("<!doctype html><p>captive portal</p>", "text/html"),
    )
    .await?;

    let error = result.err().context("should fail")?;
    assert!(
        matches!(error, EbayError::UnexpectedBody { status: 200, .. }),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_not_a_panic() -> Result<()> {
    let result = search_answers(ResponseTemplate::new(200).set_body_raw(
        r#"{"total": 5, "itemSummaries": [{"itemId": "v1|1|0", "title": "x", "pri"#,
        "application/json",
    ))
    .await?;

    let error = result.err().context("should fail")?;
    assert!(
        matches!(error, EbayError::Decode { status: 200, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("could not decode"), "{error}");
    Ok(())
}

#[tokio::test]
async fn ebay_error_bodies_become_api_errors_and_are_not_retried() -> Result<()> {
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"errors": [{
            "errorId": 12001, "domain": "API_BROWSE", "category": "REQUEST",
            "message": "The call must have a valid 'q' parameter.",
            "longMessage": "Long form.", "parameters": [{"name": "q", "value": ""}]
        }]})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, quick())?;

    let error = client
        .search(&SearchRequest::new("lego"))
        .await
        .err()
        .context("should fail")?;

    assert_eq!(error.status(), Some(400));
    let details = error.api_errors();
    assert_eq!(details[0].error_id, Some(12001));
    assert_eq!(details[0].category.as_deref(), Some("REQUEST"));
    assert_eq!(details[0].long_message.as_deref(), Some("Long form."));
    assert_eq!(details[0].parameters[0].name.as_deref(), Some("q"));
    assert!(!error.is_retryable());
    Ok(())
}

#[tokio::test]
async fn a_500_then_a_200_is_retried_and_succeeds() -> Result<()> {
    // Arrange
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({"errors": [{"errorId": 12000}]})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 7})))
        .mount(&server)
        .await;
    let client = client_for(&server, quick())?;

    // Act
    let page = client.search(&SearchRequest::new("lego")).await?;

    // Assert
    assert_eq!(page.total, 7);
    let searches = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == SEARCH_PATH)
        .count();
    assert_eq!(searches, 2);
    Ok(())
}

#[tokio::test]
async fn a_slow_response_times_out_and_is_retried() -> Result<()> {
    let server = ebay_with_token().await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total": 1}))
                .set_delay(Duration::from_secs(30)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SEARCH_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 2})))
        .mount(&server)
        .await;
    let config = EbayConfig::new(Environment::Mock, "app-id", "cert-secret")
        .with_base_url(Url::parse(&server.uri())?)
        .with_retry(quick())
        // Generous against a loaded machine, far below the 30 s stall.
        .with_request_timeout(Duration::from_millis(1_500));
    let client = EbayClient::new(config)?;

    let page = client.search(&SearchRequest::new("lego")).await?;

    assert_eq!(page.total, 2);
    Ok(())
}

#[tokio::test]
async fn refused_credentials_give_a_token_error_naming_the_oauth_error() -> Result<()> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "client authentication failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, quick())?;

    let error = client
        .search(&SearchRequest::new("lego"))
        .await
        .err()
        .context("should fail")?;

    assert!(
        matches!(&error, EbayError::Token { status: Some(401), error, .. } if error == "invalid_client"),
        "{error}"
    );
    assert!(error.to_string().contains("client authentication failed"));
    assert!(!error.to_string().contains("cert-secret"));
    Ok(())
}

#[tokio::test]
async fn a_token_endpoint_503_is_retried() -> Result<()> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503).set_body_raw("<html>down</html>", "text/html"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok-2")))
        .mount(&server)
        .await;
    let client = client_for(&server, quick())?;

    let token = client.token_provider().access_token().await?;

    assert_eq!(token.secret(), "tok-2");
    assert_eq!(client.token_provider().token_requests(), 2);
    Ok(())
}

#[tokio::test]
async fn invalid_requests_are_refused_without_calling_ebay() -> Result<()> {
    let server = MockServer::start().await;
    let client = client_for(&server, quick())?;

    let error = client
        .search(&SearchRequest::new("lego").with_limit(500))
        .await
        .err()
        .context("should fail")?;

    assert!(matches!(error, EbayError::InvalidRequest(_)), "{error}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn callers_queued_behind_a_failed_token_refresh_share_its_failure() -> Result<()> {
    // Arrange: a token endpoint that refuses; ten callers ask at once.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request", "error_description": "nope"
        })))
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none())?;
    let provider = client.token_provider();

    // Act: join_all polls every call before any response arrives, so nine queue on the lock.
    let results = futures::future::join_all((0..10).map(|_| provider.access_token())).await;

    // Assert
    assert!(results.iter().all(Result::is_err));
    assert_eq!(
        provider.token_requests(),
        1,
        "one call to the rate-limited endpoint"
    );
    Ok(())
}
