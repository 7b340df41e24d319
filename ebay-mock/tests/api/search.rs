use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use ebay_mock::MockConfig;
use serde_json::{Value, json};

use crate::helpers::{FIXED_TIME, TestMock, cents, first_error_id, price_cents};

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| item["itemId"].as_str().map(str::to_owned))
        .collect()
}

// ---- authentication ----

#[tokio::test]
async fn a_search_without_a_token_is_unauthorized_with_error_1001() -> Result<()> {
    let mock = TestMock::spawn().await?;

    let response = mock.search(None, &[("q", "lego")], &[]).await?;

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await?;
    assert_eq!(first_error_id(&body), Some(1001));
    assert_eq!(body["errors"][0]["domain"], "OAuth");
    assert_eq!(body["errors"][0]["message"], "Invalid access token");
    Ok(())
}

#[tokio::test]
async fn a_search_with_a_token_the_mock_did_not_issue_is_unauthorized() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let other_mock = TestMock::spawn().await?;
    let foreign_token = other_mock.token().await?;

    let response = mock
        .search(Some(&foreign_token), &[("q", "lego")], &[])
        .await?;

    assert_eq!(response.status(), 401);
    Ok(())
}

#[tokio::test]
async fn a_token_stops_working_once_the_clock_passes_its_expiry() -> Result<()> {
    // Arrange: a one-minute token, then the mock clock moves two minutes on.
    let mock = TestMock::spawn_with(
        MockConfig::for_tests().with_token_ttl(std::time::Duration::from_secs(60)),
    )
    .await?;
    let token = mock.token().await?;
    let before = mock.search(Some(&token), &[("q", "lego")], &[]).await?;
    mock.control("/mock/clock", json!({"advance_secs": 120}))
        .await?;

    // Act
    let after = mock.search(Some(&token), &[("q", "lego")], &[]).await?;

    // Assert
    assert_eq!(before.status(), 200);
    assert_eq!(after.status(), 401);
    Ok(())
}

#[tokio::test]
async fn revoked_tokens_are_rejected_and_new_ones_work() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let old = mock.token().await?;

    let revoked: Value = mock
        .control("/mock/tokens/revoke", json!({}))
        .await?
        .json()
        .await?;
    let with_old = mock.search(Some(&old), &[("q", "lego")], &[]).await?;
    let new = mock.token().await?;
    let with_new = mock.search(Some(&new), &[("q", "lego")], &[]).await?;

    assert_eq!(revoked["revoked"], 1);
    assert_eq!(with_old.status(), 401);
    assert_eq!(with_new.status(), 200);
    Ok(())
}

// ---- validation ----

#[tokio::test]
async fn invalid_search_parameters_are_rejected_with_ebay_error_ids() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    type Pairs = Vec<(&'static str, &'static str)>;
    // Statuses and ids as eBay's OpenAPI document lists them under `x-response-codes`.
    let cases: Vec<(&str, Pairs, Pairs, u16, i64)> = vec![
        ("missing q", vec![], vec![], 400, 12001),
        ("blank q", vec![("q", "   ")], vec![], 400, 12001),
        (
            "limit 0",
            vec![("q", "x"), ("limit", "0")],
            vec![],
            400,
            12006,
        ),
        (
            "limit 201",
            vec![("q", "x"), ("limit", "201")],
            vec![],
            400,
            12006,
        ),
        (
            "limit -5",
            vec![("q", "x"), ("limit", "-5")],
            vec![],
            400,
            12006,
        ),
        (
            "limit text",
            vec![("q", "x"), ("limit", "ten")],
            vec![],
            400,
            12007,
        ),
        (
            "limit decimal",
            vec![("q", "x"), ("limit", "2.5")],
            vec![],
            400,
            12007,
        ),
        (
            "negative offset",
            vec![("q", "x"), ("offset", "-1")],
            vec![],
            400,
            12004,
        ),
        (
            "offset text",
            vec![("q", "x"), ("offset", "ten")],
            vec![],
            400,
            12005,
        ),
        (
            "offset 10000",
            vec![("q", "x"), ("offset", "10000")],
            vec![],
            400,
            12029,
        ),
        (
            "offset not a multiple of limit",
            vec![("q", "x"), ("limit", "50"), ("offset", "30")],
            vec![],
            400,
            12515,
        ),
        (
            "a short last page's offset",
            vec![("q", "x"), ("limit", "30"), ("offset", "100")],
            vec![],
            400,
            12515,
        ),
        (
            "a marketplace eBay has but Browse does not serve",
            vec![("q", "x")],
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_JP")],
            409,
            12019,
        ),
    ];

    for (name, params, headers, status, error_id) in cases {
        let response = mock.search(Some(&token), &params, &headers).await?;

        assert_eq!(response.status(), status, "{name}");
        let body: Value = response.json().await?;
        assert_eq!(first_error_id(&body), Some(error_id), "{name}: {body}");
        let category = if status == 409 { "BUSINESS" } else { "REQUEST" };
        assert_eq!(body["errors"][0]["category"], category, "{name}");
        assert_eq!(body["errors"][0]["domain"], "API_BROWSE", "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn offsets_that_are_multiples_of_the_limit_and_an_offset_without_a_limit_are_accepted()
-> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("q", "x"), ("limit", "50"), ("offset", "0")],
        vec![("q", "x"), ("limit", "50"), ("offset", "100")],
        vec![("q", "x"), ("limit", "30"), ("offset", "9990")],
        vec![("q", "x"), ("limit", "1"), ("offset", "9999")],
        // eBay ties the rule to a `limit` the caller set.
        vec![("q", "x"), ("offset", "37")],
    ];
    for params in cases {
        let response = mock.search(Some(&token), &params, &[]).await?;
        assert_eq!(response.status(), 200, "{params:?}");
    }
    Ok(())
}

#[tokio::test]
async fn ignored_parameters_come_back_as_ebay_warnings_with_a_200() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    type Pairs = Vec<(&'static str, &'static str)>;
    let cases: Vec<(&str, Pairs, Vec<i64>)> = vec![
        ("unknown sort", vec![("sort", "cheapest")], vec![12008]),
        (
            "unknown filter",
            vec![("filter", "colour:{RED}")],
            vec![12002],
        ),
        (
            "bad condition",
            vec![("filter", "conditions:{SHINY}")],
            vec![12002],
        ),
        (
            "price without currency",
            vec![("filter", "price:[10..50]")],
            vec![12012],
        ),
        (
            "two at once",
            vec![("sort", "cheapest"), ("filter", "price:[..5],colour:{RED}")],
            vec![12008, 12002, 12012],
        ),
    ];
    for (name, extra, expected) in cases {
        let mut params = vec![("q", "usb cable")];
        params.extend(extra);

        let page = mock.search_at(&token, FIXED_TIME, &params).await?;

        let ids: Vec<i64> = page["warnings"]
            .as_array()
            .context("warnings")?
            .iter()
            .filter_map(|w| w["errorId"].as_i64())
            .collect();
        assert_eq!(ids, expected, "{name}: {page}");
    }
    Ok(())
}

#[tokio::test]
async fn every_browse_marketplace_is_served_and_an_unknown_one_falls_back_to_ebay_us() -> Result<()>
{
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let cases = [
        ("EBAY_BE", "EUR", 200),
        ("EBAY_SG", "SGD", 200),
        ("EBAY_HK", "HKD", 200),
        ("EBAY_TW", "TWD", 200),
        ("EBAY_PL", "PLN", 200),
        ("EBAY_MARS", "USD", 200),
        ("", "USD", 200),
    ];
    for (marketplace, currency, status) in cases {
        let response = mock
            .search(
                Some(&token),
                &[("q", "lego 42100"), ("limit", "3")],
                &[("X-EBAY-C-MARKETPLACE-ID", marketplace)],
            )
            .await?;
        assert_eq!(response.status(), status, "{marketplace}");
        let page: Value = response.json().await?;
        assert_eq!(
            page["itemSummaries"][0]["price"]["currency"], currency,
            "{marketplace}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn sorting_by_distance_is_accepted_without_a_warning() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let page = mock
        .search_at(
            &token,
            FIXED_TIME,
            &[("q", "usb cable"), ("sort", "distance")],
        )
        .await?;

    assert!(page.get("warnings").is_none(), "{page}");
    assert!(page["total"].as_u64().unwrap_or(0) > 0);
    Ok(())
}

#[tokio::test]
async fn limits_at_both_ends_of_the_range_are_accepted() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    for limit in ["1", "200"] {
        let response = mock
            .search(Some(&token), &[("q", "camera"), ("limit", limit)], &[])
            .await?;
        assert_eq!(response.status(), 200, "limit {limit}");
    }
    Ok(())
}

// ---- catalogue ----

#[tokio::test]
async fn the_same_normalised_query_returns_the_same_listings() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    // Act
    let first = mock
        .search_at(&token, FIXED_TIME, &[("q", "lego 42100")])
        .await?;
    let again = mock
        .search_at(&token, FIXED_TIME, &[("q", "  LEGO   42100 ")])
        .await?;
    let other_mock = TestMock::spawn().await?;
    let other_token = other_mock.token().await?;
    let elsewhere = other_mock
        .search_at(&other_token, FIXED_TIME, &[("q", "lego 42100")])
        .await?;

    // Assert (itemHref names the serving host, so it differs between the two mocks)
    let without_href = |page: &Value| -> Vec<Value> {
        page["itemSummaries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut item| {
                if let Some(object) = item.as_object_mut() {
                    object.remove("itemHref");
                }
                item
            })
            .collect()
    };
    assert!(!without_href(&first).is_empty());
    assert!(
        first["itemSummaries"] == again["itemSummaries"],
        "normalised queries differ"
    );
    assert!(
        without_href(&first) == without_href(&elsewhere),
        "two mocks differ"
    );
    assert_eq!(first["total"], elsewhere["total"]);
    Ok(())
}

#[tokio::test]
async fn different_queries_have_different_catalogues_of_plausible_size() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let all_options = [("filter", "buyingOptions:{FIXED_PRICE|AUCTION}")];
    let mut seen_ids: HashSet<String> = HashSet::new();

    for query in [
        "lego 42100",
        "nikon d750",
        "vintage rolex",
        "usb cable",
        "pokemon cards",
    ] {
        let mut params = all_options.to_vec();
        params.push(("q", query));
        let items = mock.all_items(&token, FIXED_TIME, &params).await?;

        assert!(
            (40..=400).contains(&items.len()),
            "{query}: {} live listings",
            items.len()
        );
        let query_ids: HashSet<String> = ids(&items).into_iter().collect();
        assert_eq!(query_ids.len(), items.len(), "{query}: duplicate item ids");
        assert!(
            seen_ids.is_disjoint(&query_ids),
            "{query} shares listings with another query"
        );
        seen_ids.extend(query_ids);
    }
    Ok(())
}

#[tokio::test]
async fn listings_look_like_ebay_listings() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let items = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[
                ("q", "lego 42100"),
                ("filter", "buyingOptions:{FIXED_PRICE|AUCTION}"),
            ],
        )
        .await?;

    for item in &items {
        let item_id = item["itemId"].as_str().context("itemId")?;
        let legacy = item_id
            .strip_prefix("v1|")
            .and_then(|rest| rest.strip_suffix("|0"))
            .context("itemId shape")?;
        assert!(
            legacy.len() == 12 && legacy.chars().all(|c| c.is_ascii_digit()),
            "{item_id}"
        );
        assert_eq!(
            item["itemWebUrl"].as_str(),
            Some(format!("https://www.ebay.com/itm/{legacy}").as_str())
        );
        let title = item["title"].as_str().context("title")?;
        assert!(title.to_lowercase().contains("lego 42100"), "{title}");
        assert!(title.chars().count() <= 80, "{title}");
        assert_eq!(item["price"]["currency"], "USD");
        let price = price_cents(item)?;
        assert!(price >= 99, "{price}");
        let shipping = &item["shippingOptions"][0];
        match shipping["shippingCostType"].as_str() {
            Some("FIXED") => {
                cents(&shipping["shippingCost"]["value"])?;
            }
            // No destination was given: calculated shipping has no cost yet.
            Some("CALCULATED") => assert!(shipping.get("shippingCost").is_none(), "{shipping}"),
            other => anyhow::bail!("shippingCostType {other:?}"),
        }
        assert!(
            item["image"]["imageUrl"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
        );
        assert!(item["seller"]["username"].is_string());
        assert!(item["seller"]["feedbackPercentage"].is_string());
        assert!(item["itemCreationDate"].is_string());
        assert!(
            !item["buyingOptions"]
                .as_array()
                .context("buyingOptions")?
                .is_empty()
        );
    }
    Ok(())
}

#[tokio::test]
async fn prices_drift_and_listings_come_and_go_over_time() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let params = [
        ("q", "nikon d750"),
        ("filter", "buyingOptions:{FIXED_PRICE|AUCTION}"),
    ];

    // Act: the same query three days apart.
    let before = mock
        .all_items(&token, "2026-11-24T10:30:00Z", &params)
        .await?;
    let after = mock
        .all_items(&token, "2026-11-27T10:30:00Z", &params)
        .await?;

    // Assert
    let before_prices: HashMap<String, u64> = before
        .iter()
        .map(|item| {
            Ok((
                item["itemId"].as_str().context("id")?.to_owned(),
                price_cents(item)?,
            ))
        })
        .collect::<Result<_>>()?;
    let mut common = 0;
    let mut changed = 0;
    for item in &after {
        if let Some(old) = before_prices.get(item["itemId"].as_str().context("id")?) {
            common += 1;
            if *old != price_cents(item)? {
                changed += 1;
            }
        }
    }
    assert!(common > 0, "some listings should live for three days");
    assert!(
        changed > common / 4,
        "only {changed} of {common} prices moved"
    );
    assert!(common < before.len(), "some listings should have ended");
    assert!(common < after.len(), "some listings should be new");
    Ok(())
}

#[tokio::test]
async fn advancing_the_mock_clock_changes_what_a_search_sees() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let params = [("q", "vintage rolex"), ("limit", "200")];
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();

    mock.control("/mock/clock", json!({"advance_secs": 7 * 86_400}))
        .await?;
    // Tokens age with the mock clock, so take one after moving it.
    let token = mock.token().await?;
    let via_clock: Value = mock
        .search(Some(&token), &params, &[])
        .await?
        .json()
        .await?;
    let via_header = mock.search_at(&token, &in_a_week, &params).await?;

    // Compare prices of listings both saw (a listing may start or end between the two calls).
    let header_prices: HashMap<&str, &Value> = via_header["itemSummaries"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|item| Some((item["itemId"].as_str()?, &item["price"])))
        .collect();
    let mut compared = 0;
    for item in via_clock["itemSummaries"].as_array().context("items")? {
        if let Some(price) = header_prices.get(item["itemId"].as_str().context("id")?) {
            compared += 1;
            assert_eq!(*price, &item["price"]);
        }
    }
    assert!(compared > 10, "only {compared} listings in common");
    Ok(())
}

#[tokio::test]
async fn an_unparseable_mock_time_is_a_bad_request() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let response = mock
        .search(Some(&token), &[("q", "x")], &[("X-Mock-Time", "yesterday")])
        .await?;

    assert_eq!(response.status(), 400);
    Ok(())
}

// ---- paging, sorting, filtering ----

#[tokio::test]
async fn pages_cover_the_results_without_gaps_or_overlap_and_links_are_consistent() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let everything = mock
        .all_items(&token, FIXED_TIME, &[("q", "usb cable")])
        .await?;

    // Act
    let mut paged = Vec::new();
    let mut offset = 0;
    let mut pages = Vec::new();
    loop {
        let offset_text = offset.to_string();
        let page = mock
            .search_at(
                &token,
                FIXED_TIME,
                &[
                    ("q", "usb cable"),
                    ("limit", "37"),
                    ("offset", &offset_text),
                ],
            )
            .await?;
        let items = page["itemSummaries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let count = items.len();
        paged.extend(items);
        pages.push(page);
        offset += 37;
        if count < 37 {
            break;
        }
    }

    // Assert
    assert_eq!(ids(&paged), ids(&everything));
    let total = everything.len() as u64;
    for page in &pages {
        assert_eq!(page["total"].as_u64(), Some(total));
        assert_eq!(page["limit"], 37);
        let offset = page["offset"].as_u64().context("offset")?;
        assert_eq!(
            page["next"].is_string(),
            offset + 37 < total,
            "next at {offset}"
        );
        assert_eq!(page["prev"].is_string(), offset > 0, "prev at {offset}");
        let href = page["href"].as_str().context("href")?;
        assert!(href.contains(&format!("offset={offset}")), "{href}");
    }
    let first_next = pages[0]["next"].as_str().context("next")?;
    assert!(first_next.contains("offset=37") && first_next.contains("limit=37"));
    Ok(())
}

#[tokio::test]
async fn an_offset_past_the_end_returns_no_item_summaries() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let page = mock
        .search_at(
            &token,
            FIXED_TIME,
            &[("q", "usb cable"), ("offset", "9000")],
        )
        .await?;

    assert!(page.get("itemSummaries").is_none());
    assert!(page["total"].as_u64().is_some_and(|t| t > 0));
    assert!(page.get("next").is_none());
    Ok(())
}

#[tokio::test]
async fn sorting_by_price_orders_by_price_plus_shipping_both_ways() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    // Calculated shipping without a destination has no cost: eBay can only add what it knows.
    let total_cost = |item: &Value| -> Result<u64> {
        let shipping = &item["shippingOptions"][0]["shippingCost"]["value"];
        let shipping = if shipping.is_null() {
            0
        } else {
            cents(shipping)?
        };
        Ok(price_cents(item)? + shipping)
    };

    let ascending = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[("q", "pokemon cards"), ("sort", "price")],
        )
        .await?;
    let descending = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[("q", "pokemon cards"), ("sort", "-price")],
        )
        .await?;

    let up: Vec<u64> = ascending.iter().map(total_cost).collect::<Result<_>>()?;
    let down: Vec<u64> = descending.iter().map(total_cost).collect::<Result<_>>()?;
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "{up:?}");
    assert!(down.windows(2).all(|w| w[0] >= w[1]), "{down:?}");
    assert_eq!(up.len(), down.len());
    Ok(())
}

#[tokio::test]
async fn sorting_by_newly_listed_puts_the_newest_first() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let items = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[("q", "nikon d750"), ("sort", "newlyListed")],
        )
        .await?;

    let created: Vec<&str> = items
        .iter()
        .filter_map(|item| item["itemCreationDate"].as_str())
        .collect();
    assert_eq!(created.len(), items.len());
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    Ok(())
}

#[tokio::test]
async fn the_price_filter_keeps_only_listings_in_range() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let all = mock
        .all_items(&token, FIXED_TIME, &[("q", "lego 42100")])
        .await?;
    let mut prices: Vec<u64> = all.iter().map(price_cents).collect::<Result<_>>()?;
    prices.sort_unstable();
    let (low, high) = (prices[prices.len() / 4], prices[prices.len() * 3 / 4]);
    let range = format!(
        "price:[{}.{:02}..{}.{:02}],priceCurrency:USD",
        low / 100,
        low % 100,
        high / 100,
        high % 100
    );
    let open_low = format!("price:[..{}.{:02}],priceCurrency:USD", low / 100, low % 100);

    let in_range = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[("q", "lego 42100"), ("filter", &range)],
        )
        .await?;
    let below = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[("q", "lego 42100"), ("filter", &open_low)],
        )
        .await?;

    let expected_in_range = prices.iter().filter(|p| (low..=high).contains(*p)).count();
    let expected_below = prices.iter().filter(|p| **p <= low).count();
    assert_eq!(in_range.len(), expected_in_range);
    assert_eq!(below.len(), expected_below);
    for item in &in_range {
        assert!((low..=high).contains(&price_cents(item)?));
    }
    Ok(())
}

#[tokio::test]
async fn the_condition_filter_keeps_only_matching_conditions() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let cases = [
        ("conditions:{NEW}", vec!["1000", "1500"]),
        ("conditions:{USED}", vec!["2000", "2500", "3000", "7000"]),
        ("conditionIds:{3000}", vec!["3000"]),
    ];

    for (filter, allowed) in cases {
        let items = mock
            .all_items(
                &token,
                FIXED_TIME,
                &[("q", "nikon d750"), ("filter", filter)],
            )
            .await?;

        assert!(!items.is_empty(), "{filter}");
        for item in &items {
            let id = item["conditionId"].as_str().unwrap_or("none");
            assert!(allowed.contains(&id), "{filter}: condition {id}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn without_a_buying_options_filter_only_fixed_price_listings_are_returned() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let has = |item: &Value, option: &str| {
        item["buyingOptions"]
            .as_array()
            .is_some_and(|options| options.iter().any(|o| o == option))
    };

    let default = mock
        .all_items(&token, FIXED_TIME, &[("q", "vintage rolex")])
        .await?;
    let auctions = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[
                ("q", "vintage rolex"),
                ("filter", "buyingOptions:{AUCTION}"),
            ],
        )
        .await?;
    let both = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[
                ("q", "vintage rolex"),
                ("filter", "buyingOptions:{FIXED_PRICE|AUCTION}"),
            ],
        )
        .await?;

    assert!(default.iter().all(|item| has(item, "FIXED_PRICE")));
    assert!(!auctions.is_empty());
    assert!(auctions.iter().all(|item| has(item, "AUCTION")));
    assert!(
        auctions
            .iter()
            .all(|item| item["currentBidPrice"].is_object())
    );
    assert!(both.len() > default.len());
    Ok(())
}

#[tokio::test]
async fn an_unknown_filter_is_ignored_with_a_warning_like_ebay() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let plain = mock
        .search_at(&token, FIXED_TIME, &[("q", "usb cable")])
        .await?;

    let page = mock
        .search_at(
            &token,
            FIXED_TIME,
            &[("q", "usb cable"), ("filter", "colour:{RED}")],
        )
        .await?;

    assert_eq!(page["total"], plain["total"]);
    assert_eq!(page["warnings"][0]["errorId"], 12002);
    assert_eq!(page["warnings"][0]["parameters"][0]["name"], "filterName");
    assert_eq!(page["warnings"][0]["parameters"][0]["value"], "colour");
    assert!(plain.get("warnings").is_none());
    Ok(())
}

#[tokio::test]
async fn listings_carry_ebays_dates_ids_categories_and_pictures() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let items = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[
                ("q", "nikon d750"),
                ("filter", "buyingOptions:{FIXED_PRICE|AUCTION}"),
            ],
        )
        .await?;

    let mut fixed_price = 0;
    let mut fixed_price_with_end = 0;
    let mut marked_down = 0;
    for item in &items {
        let id = item["itemId"].as_str().context("itemId")?;
        let legacy = item["legacyItemId"].as_str().context("legacyItemId")?;
        assert_eq!(id, format!("v1|{legacy}|0"));
        assert_eq!(item["itemOriginDate"], item["itemCreationDate"]);
        assert!(item["categories"][0]["categoryId"].is_string());
        assert_eq!(
            item["leafCategoryIds"][0],
            item["categories"][0]["categoryId"]
        );
        assert!(item["thumbnailImages"][0]["imageUrl"].is_string());
        assert!(
            item["itemAffiliateWebUrl"]
                .as_str()
                .is_some_and(|u| u.contains(legacy) && u.contains("mkrid=")),
            "{item}"
        );
        let options: Vec<&str> = item["buyingOptions"]
            .as_array()
            .context("buyingOptions")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if options.contains(&"AUCTION") {
            assert!(item["itemEndDate"].is_string(), "auctions show their end");
            if item["bidCount"].as_u64().unwrap_or(0) > 0 {
                assert_eq!(options, vec!["AUCTION"], "a bid removes Buy It Now");
            }
        } else {
            fixed_price += 1;
            fixed_price_with_end += usize::from(item.get("itemEndDate").is_some());
        }
        if let Some(markdown) = item.get("marketingPrice") {
            marked_down += 1;
            let original = cents(&markdown["originalPrice"]["value"])?;
            let discount = cents(&markdown["discountAmount"]["value"])?;
            assert_eq!(original - discount, price_cents(item)?, "{markdown}");
        }
    }
    assert!(fixed_price > 20, "{fixed_price}");
    assert!(
        fixed_price_with_end * 5 < fixed_price,
        "few fixed-price listings have an end date: {fixed_price_with_end} of {fixed_price}"
    );
    assert!(marked_down > 0);
    Ok(())
}

#[tokio::test]
async fn on_ebay_us_some_sellers_prices_are_converted_from_their_own_currency() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let params = [
        ("q", "iphone 13"),
        ("filter", "buyingOptions:{FIXED_PRICE}"),
    ];
    let today = mock.all_items(&token, FIXED_TIME, &params).await?;
    let converted: Vec<&Value> = today
        .iter()
        .filter(|item| item["price"].get("convertedFromValue").is_some())
        .collect();
    assert!(
        !converted.is_empty(),
        "no converted listing among {}",
        today.len()
    );
    for item in &converted {
        let currency = item["price"]["convertedFromCurrency"]
            .as_str()
            .context("currency")?;
        assert!(
            ["CAD", "GBP", "AUD", "EUR"].contains(&currency),
            "{currency}"
        );
        assert_eq!(item["price"]["currency"], "USD");
        let shipping = &item["shippingOptions"][0]["shippingCost"];
        if !shipping.is_null() {
            assert_eq!(shipping["convertedFromCurrency"], currency);
        }
    }
    // On another marketplace nothing is converted.
    let gb = mock
        .search(
            Some(&token),
            &[("q", "iphone 13"), ("limit", "200")],
            &[
                ("X-EBAY-C-MARKETPLACE-ID", "EBAY_GB"),
                ("X-Mock-Time", FIXED_TIME),
            ],
        )
        .await?
        .json::<Value>()
        .await?;
    assert!(
        gb["itemSummaries"]
            .as_array()
            .context("items")?
            .iter()
            .all(|item| item["price"].get("convertedFromValue").is_none())
    );
    Ok(())
}

#[tokio::test]
async fn the_marketplace_header_sets_currency_and_site() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;

    let response = mock
        .search(
            Some(&token),
            &[("q", "lego 42100"), ("limit", "5")],
            &[("X-EBAY-C-MARKETPLACE-ID", "EBAY_GB")],
        )
        .await?;

    let page: Value = response.json().await?;
    let item = &page["itemSummaries"][0];
    assert_eq!(item["price"]["currency"], "GBP");
    assert!(
        item["itemWebUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://www.ebay.co.uk/itm/"))
    );
    Ok(())
}
