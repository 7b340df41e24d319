//! The mock sells like eBay: condition ids, sellers included and excluded, shipping for the
//! buyer's location (`X-EBAY-C-ENDUSERCTX`), and getItem agreeing with search.

use std::collections::HashSet;

use anyhow::{Context, Result, ensure};
use serde_json::Value;

use crate::helpers::{FIXED_TIME, TestMock, cents};

const ALL_OPTIONS: (&str, &str) = ("filter", "buyingOptions:{FIXED_PRICE|AUCTION}");

/// One page of 200 with extra headers, at `FIXED_TIME`.
async fn page(
    mock: &TestMock,
    token: &str,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Result<Vec<Value>> {
    let mut all_headers = vec![("X-Mock-Time", FIXED_TIME)];
    all_headers.extend_from_slice(headers);
    let mut all_params = params.to_vec();
    all_params.push(("limit", "200"));
    let response = mock.search(Some(token), &all_params, &all_headers).await?;
    let status = response.status();
    let body: Value = response.json().await?;
    ensure!(status == 200, "{status}: {body}");
    Ok(body["itemSummaries"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

fn seller(item: &Value) -> String {
    item["seller"]["username"].as_str().unwrap_or("").to_owned()
}

fn shipping(item: &Value) -> &Value {
    &item["shippingOptions"][0]
}

fn shipping_cents(item: &Value) -> Option<u64> {
    cents(&shipping(item)["shippingCost"]["value"]).ok()
}

#[tokio::test]
async fn the_condition_ids_filter_keeps_exactly_those_ids_and_wins_over_conditions() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let cases: [(&str, &[&str]); 4] = [
        ("conditionIds:{7000}", &["7000"]),
        ("conditionIds:{1000|1500}", &["1000", "1500"]),
        (
            "conditionIds:{2000|2010|2020|2030|2500}",
            &["2000", "2010", "2020", "2030", "2500"],
        ),
        // eBay: conditionIds decides when both are given.
        ("conditions:{NEW},conditionIds:{3000}", &["3000"]),
    ];

    for (filter, allowed) in cases {
        let items = mock
            .all_items(
                &token,
                FIXED_TIME,
                &[("q", "nintendo switch oled"), ("filter", filter)],
            )
            .await?;

        assert!(!items.is_empty(), "{filter}");
        for item in &items {
            let id = item["conditionId"].as_str().unwrap_or("none");
            assert!(allowed.contains(&id), "{filter}: {id}");
        }
    }
    let parts = mock
        .all_items(
            &token,
            FIXED_TIME,
            &[
                ("q", "nintendo switch oled"),
                ("filter", "conditionIds:{7000}"),
            ],
        )
        .await?;
    assert!(
        parts
            .iter()
            .all(|i| i["condition"] == "For parts or not working")
    );
    Ok(())
}

#[tokio::test]
async fn excluded_sellers_are_left_out_and_the_sellers_filter_keeps_only_its_own() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let query = ("q", "sony wh-1000xm5");
    let everything = page(&mock, &token, &[query, ALL_OPTIONS], &[]).await?;
    let mut sellers: Vec<String> = everything.iter().map(seller).collect();
    sellers.sort();
    sellers.dedup();
    ensure!(sellers.len() >= 4, "{sellers:?}");
    let (excluded, kept) = (&sellers[..2], &sellers[2..4]);

    let exclude = format!(
        "buyingOptions:{{FIXED_PRICE|AUCTION}},excludeSellers:{{{}|{}}}",
        excluded[0].to_uppercase(),
        excluded[1]
    );
    let without = page(&mock, &token, &[query, ("filter", &exclude)], &[]).await?;
    let only = format!(
        "buyingOptions:{{FIXED_PRICE|AUCTION}},sellers:{{{}|{}}}",
        kept[0], kept[1]
    );
    let with_only = page(&mock, &token, &[query, ("filter", &only)], &[]).await?;
    let both = format!(
        "buyingOptions:{{FIXED_PRICE|AUCTION}},sellers:{{{}|{}}},excludeSellers:{{{}}}",
        kept[0], kept[1], kept[1]
    );
    let with_both = page(&mock, &token, &[query, ("filter", &both)], &[]).await?;

    let dropped = everything
        .iter()
        .filter(|i| excluded.contains(&seller(i)))
        .count();
    assert_eq!(
        without.len(),
        everything.len() - dropped,
        "case-insensitive names"
    );
    assert!(without.iter().all(|i| !excluded.contains(&seller(i))));
    assert!(!with_only.is_empty() && with_only.iter().all(|i| kept.contains(&seller(i))));
    assert!(!with_both.is_empty() && with_both.iter().all(|i| seller(i) == kept[0]));
    Ok(())
}

#[tokio::test]
async fn listings_carry_the_three_kinds_of_shipping_and_calculated_has_no_cost_without_a_destination()
-> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let items = mock
        .all_items(&token, FIXED_TIME, &[("q", "lego 42100"), ALL_OPTIONS])
        .await?;

    let free = items
        .iter()
        .filter(|i| shipping_cents(i) == Some(0))
        .count();
    let calculated: Vec<&Value> = items
        .iter()
        .filter(|i| shipping(i)["shippingCostType"] == "CALCULATED")
        .collect();
    let paid = items
        .iter()
        .filter(|i| shipping(i)["shippingCostType"] == "FIXED" && shipping_cents(i) > Some(0))
        .count();
    assert!(
        free > 0 && paid > 0 && !calculated.is_empty(),
        "{free} {paid} {}",
        calculated.len()
    );
    for item in calculated {
        let option = shipping(item);
        assert!(option.get("shippingCost").is_none(), "{option}");
        assert!(option.get("minEstimatedDeliveryDate").is_none(), "{option}");
    }
    Ok(())
}

#[tokio::test]
async fn shipping_costs_follow_the_buyers_location_from_the_end_user_context() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let query = [("q", "lego 42100"), ALL_OPTIONS];
    let ctx = "X-EBAY-C-ENDUSERCTX";
    let default = page(&mock, &token, &query, &[]).await?;
    let near = page(
        &mock,
        &token,
        &query,
        &[(ctx, "contextualLocation=country%3DUS%2Czip%3D02139")],
    )
    .await?;
    let far = page(
        &mock,
        &token,
        &query,
        &[(ctx, "contextualLocation=country%3DUS%2Czip%3D98101")],
    )
    .await?;
    let abroad = page(
        &mock,
        &token,
        &query,
        &[(ctx, "contextualLocation=country%3DCA%2Czip%3DK1A%200B1")],
    )
    .await?;
    let home_country_only = page(
        &mock,
        &token,
        &query,
        &[(ctx, "contextualLocation=country%3DUS")],
    )
    .await?;
    let unreadable = page(
        &mock,
        &token,
        &query,
        &[(ctx, "contextualLocation=nonsense")],
    )
    .await?;

    let mut calculated_near_far = 0;
    let mut cheaper_at_home = 0;
    for (index, item) in default.iter().enumerate() {
        let id = &item["itemId"];
        for other in [&near, &far, &abroad, &home_country_only, &unreadable] {
            assert_eq!(
                &other[index]["itemId"], id,
                "the same listings in the same order"
            );
        }
        let domestic = item["itemLocation"]["country"] == "US";
        match shipping(item)["shippingCostType"].as_str() {
            Some("CALCULATED") => {
                // A destination gives calculated shipping a cost and a delivery window.
                for other in [&near, &far, &abroad, &home_country_only] {
                    assert!(shipping_cents(&other[index]).is_some(), "{}", other[index]);
                    assert!(shipping(&other[index])["maxEstimatedDeliveryDate"].is_string());
                }
                assert!(
                    shipping_cents(&unreadable[index]).is_none(),
                    "ignored like eBay"
                );
                if domestic && shipping_cents(&near[index]) != shipping_cents(&far[index]) {
                    calculated_near_far += 1;
                }
            }
            Some("FIXED") => {
                // A flat rate is the same anywhere at home; abroad costs more.
                assert_eq!(shipping_cents(item), shipping_cents(&near[index]));
                assert_eq!(shipping_cents(item), shipping_cents(&far[index]));
                if domestic && shipping_cents(&abroad[index]) > shipping_cents(item) {
                    cheaper_at_home += 1;
                }
            }
            other => anyhow::bail!("shippingCostType {other:?}"),
        }
    }
    assert!(calculated_near_far > 0, "distance changes calculated costs");
    assert!(cheaper_at_home > 0, "shipping abroad costs more");
    Ok(())
}

#[tokio::test]
async fn sorting_by_price_counts_the_buyers_shipping() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let headers = [(
        "X-EBAY-C-ENDUSERCTX",
        "contextualLocation=country%3DUS%2Czip%3D19406",
    )];
    let items = page(
        &mock,
        &token,
        &[("q", "lego 42100"), ("sort", "price")],
        &headers,
    )
    .await?;

    let totals: Vec<u64> = items
        .iter()
        .map(|i| Ok(cents(&i["price"]["value"])? + shipping_cents(i).context("a cost")?))
        .collect::<Result<_>>()?;
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
    Ok(())
}

#[tokio::test]
async fn get_item_shows_the_condition_shipping_and_bid_that_search_showed() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let headers = [(
        "X-EBAY-C-ENDUSERCTX",
        "contextualLocation=country%3DUS%2Czip%3D19406",
    )];
    for headers in [&headers[..], &[]] {
        let items = page(
            &mock,
            &token,
            &[("q", "nintendo switch oled"), ALL_OPTIONS],
            headers,
        )
        .await?;
        let mut kinds = HashSet::new();
        for summary in items.iter().take(60) {
            let id = summary["itemId"].as_str().context("itemId")?;
            let mut request = mock
                .http
                .get(summary["itemHref"].as_str().context("itemHref")?)
                .bearer_auth(&token)
                .header("X-Mock-Time", FIXED_TIME);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let item: Value = request.send().await?.json().await?;

            for field in [
                "conditionId",
                "condition",
                "currentBidPrice",
                "bidCount",
                "itemEndDate",
                "seller",
            ] {
                assert_eq!(item[field], summary[field], "{id}: {field}");
            }
            let (mine, theirs) = (&item["shippingOptions"][0], shipping(summary));
            for field in [
                "shippingCostType",
                "shippingCost",
                "minEstimatedDeliveryDate",
                "maxEstimatedDeliveryDate",
            ] {
                assert_eq!(mine[field], theirs[field], "{id}: {field}");
            }
            if mine["shippingCost"].is_object() {
                assert_eq!(mine["shipToLocationUsedForEstimate"]["country"], "US");
            }
            if item["bidCount"].as_u64() > Some(0) {
                assert!(
                    cents(&item["minimumPriceToBid"]["value"])?
                        > cents(&item["currentBidPrice"]["value"])?
                );
            }
            kinds.insert(theirs["shippingCostType"].as_str().unwrap_or("").to_owned());
        }
        assert!(kinds.contains("FIXED"), "{kinds:?}");
    }
    Ok(())
}

#[tokio::test]
async fn auction_bids_rise_as_the_end_approaches_and_never_fall() -> Result<()> {
    let mock = TestMock::spawn().await?;
    let token = mock.token().await?;
    let params = [
        ("q", "nintendo switch oled"),
        ("filter", "buyingOptions:{AUCTION}"),
    ];
    let start = chrono::DateTime::parse_from_rfc3339(FIXED_TIME)?;
    let mut history: std::collections::HashMap<String, Vec<(u64, u64)>> = Default::default();
    for hours in (0..=240).step_by(12) {
        let at = (start + chrono::Duration::hours(hours)).to_rfc3339();
        for item in mock.all_items(&token, &at, &params).await? {
            // In the seller's own currency: a converted bid also moves with the exchange rate.
            let bid = &item["currentBidPrice"];
            let value = bid.get("convertedFromValue").unwrap_or(&bid["value"]);
            history
                .entry(item["itemId"].as_str().unwrap_or("").to_owned())
                .or_default()
                .push((
                    cents(value)?,
                    item["bidCount"].as_u64().context("bidCount")?,
                ));
        }
    }
    let mut rose = 0;
    for (id, seen) in &history {
        assert!(
            seen.windows(2)
                .all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1),
            "{id}: {seen:?}"
        );
        if seen.len() >= 4 && seen.last() > seen.first() {
            rose += 1;
        }
    }
    assert!(rose >= 3, "{rose} auctions rose");
    Ok(())
}
