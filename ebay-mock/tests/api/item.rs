//! `getItem`: the listings search shows, looked up one by one.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::helpers::{FIXED_TIME, TestMock, first_error_id};

/// `FIXED_TIME` plus `hours`, as RFC 3339.
fn later(hours: i64) -> Result<String> {
    let at = chrono::DateTime::parse_from_rfc3339(FIXED_TIME)? + chrono::Duration::hours(hours);
    Ok(at.to_rfc3339())
}

#[tokio::test]
async fn an_item_from_search_is_found_at_its_item_href_with_the_same_price() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let page = mock
        .search_at(&token, FIXED_TIME, &[("q", "lego 42100"), ("limit", "5")])
        .await?;
    let summary = &page["itemSummaries"][0];

    // Act: follow the itemHref exactly as given.
    let href = summary["itemHref"].as_str().context("itemHref")?;
    let response = mock
        .http
        .get(href)
        .bearer_auth(&token)
        .header("X-Mock-Time", FIXED_TIME)
        .send()
        .await?;

    // Assert
    assert_eq!(response.status(), 200);
    let item: Value = response.json().await?;
    for field in [
        "itemId",
        "title",
        "price",
        "legacyItemId",
        "itemWebUrl",
        "buyingOptions",
    ] {
        assert_eq!(item[field], summary[field], "{field}");
    }
    assert_eq!(item["categoryId"], summary["categories"][0]["categoryId"]);
    assert!(item["categoryPath"].as_str().is_some_and(|p| !p.is_empty()));
    assert_eq!(
        item["estimatedAvailabilities"][0]["estimatedAvailabilityStatus"],
        "IN_STOCK"
    );
    Ok(())
}

#[tokio::test]
async fn an_items_price_drifts_like_search_shows_it() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let params = [("q", "nikon d750"), ("limit", "200")];
    let first = mock.search_at(&token, FIXED_TIME, &params).await?;
    let later_time = later(30)?;
    let second = mock.search_at(&token, &later_time, &params).await?;
    let still_listed: Vec<&Value> = second["itemSummaries"]
        .as_array()
        .context("items")?
        .iter()
        .filter(|item| {
            first["itemSummaries"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i["itemId"] == item["itemId"]))
        })
        .collect();
    assert!(!still_listed.is_empty());

    for summary in still_listed.iter().take(10) {
        let id = summary["itemId"].as_str().context("itemId")?;
        let item: Value = mock.get_item(&token, id, &later_time).await?.json().await?;
        assert_eq!(item["price"], summary["price"], "{id}");
    }
    Ok(())
}

#[tokio::test]
async fn unknown_malformed_and_ended_items_are_404_with_ebays_error_11001() -> Result<()> {
    // Arrange: one real listing, then a time long after it ended (no listing lives 60 days).
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let page = mock
        .search_at(&token, FIXED_TIME, &[("q", "usb cable"), ("limit", "1")])
        .await?;
    let shown = page["itemSummaries"][0]["itemId"]
        .as_str()
        .context("itemId")?
        .to_owned();
    let long_after = later(24 * 60)?;
    let cases = [
        (
            "never shown",
            "v1|123456789012|0".to_owned(),
            FIXED_TIME.to_owned(),
        ),
        (
            "not a RESTful id",
            "123456789012".to_owned(),
            FIXED_TIME.to_owned(),
        ),
        ("ended since", shown, long_after),
    ];

    for (name, id, at) in cases {
        // Act
        let response = mock.get_item(&token, &id, &at).await?;

        // Assert
        assert_eq!(response.status(), 404, "{name}");
        let body: Value = response.json().await?;
        assert_eq!(first_error_id(&body), Some(11001), "{name}: {body}");
        assert_eq!(body["errors"][0]["domain"], "API_BROWSE");
    }
    Ok(())
}

#[tokio::test]
async fn get_item_needs_a_token_and_counts_its_calls() -> Result<()> {
    let mock = TestMock::spawn().await?;

    let response = mock
        .http
        .get(mock.url("/buy/browse/v1/item/v1%7C1%7C0"))
        .send()
        .await?;

    assert_eq!(response.status(), 401);
    let stats = mock.stats().await?;
    assert_eq!(stats["item_requests"], 1);
    assert_eq!(stats["item_status"]["401"], 1);
    Ok(())
}
