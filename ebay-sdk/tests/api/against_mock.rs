//! The SDK against the real `ebay-mock` over HTTP: token caching, refresh, re-authentication,
//! retries, filters and paging.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ebay_mock::MockConfig;
use ebay_sdk::{
    BuyingOption, Condition, ConditionGroup, EbayClient, EbayError, PriceRange, RetryPolicy,
    SearchRequest, SortOrder, condition_group,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use crate::helpers::{TestMock, config_for};

#[tokio::test]
async fn the_token_is_fetched_once_for_many_searches() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let client = mock.client()?;

    // Act
    for i in 0..20 {
        client
            .search(&SearchRequest::new(format!("lego {i}")).with_limit(5))
            .await?;
    }

    // Assert
    let stats = mock.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(mock.searches_with_status(200), 20);
    assert_eq!(client.token_provider().token_requests(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_concurrent_searches_on_a_cold_cache_make_exactly_one_token_call() -> Result<()>
{
    // Arrange
    let mock = TestMock::spawn()?;
    let client = mock.client()?;

    // Act
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .search(&SearchRequest::new(format!("camera {i}")).with_limit(3))
                    .await
            })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        task.await??;
        succeeded += 1;
    }

    // Assert
    assert_eq!(succeeded, 100);
    assert_eq!(mock.stats().token_requests, 1);
    assert_eq!(mock.searches_with_status(200), 100);
    Ok(())
}

#[tokio::test]
async fn an_expiring_token_is_replaced_before_the_next_search() -> Result<()> {
    // Arrange: two-second tokens; the SDK replaces them after half their life at the latest.
    let mock =
        TestMock::spawn_with(MockConfig::for_tests().with_token_ttl(Duration::from_secs(2)))?;
    let client = mock.client()?;
    client.search(&SearchRequest::new("lego")).await?;

    // Act
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let page = client.search(&SearchRequest::new("lego")).await?;

    // Assert
    assert!(page.total > 0);
    assert!(mock.stats().token_requests >= 2);
    assert_eq!(mock.searches_with_status(200), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_triggers_exactly_one_reauthentication() -> Result<()> {
    // Arrange: a warm cache, then the mock forgets every token it issued.
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    client.search(&SearchRequest::new("lego")).await?;
    mock.control("/mock/tokens/revoke", json!({})).await?;

    // Act: a burst of searches that all hold the revoked token.
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .search(&SearchRequest::new(format!("lego {i}")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }

    // Assert
    assert_eq!(
        mock.stats().token_requests,
        2,
        "one initial token, one re-authentication"
    );
    assert!(mock.searches_with_status(401) >= 1);
    assert_eq!(mock.searches_with_status(200), 11);
    Ok(())
}

#[tokio::test]
async fn a_search_still_rejected_after_reauthentication_fails_with_401() -> Result<()> {
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    mock.control("/mock/faults", json!({"queue": ["401", "401", "401"]}))
        .await?;

    let error = client
        .search(&SearchRequest::new("lego"))
        .await
        .err()
        .context("the search should fail")?;

    assert_eq!(error.status(), Some(401));
    assert_eq!(error.api_errors()[0].error_id, Some(1001));
    assert_eq!(
        mock.searches_with_status(401),
        2,
        "one retry after re-auth, no more"
    );
    assert_eq!(mock.stats().token_requests, 2);
    Ok(())
}

#[tokio::test]
async fn a_429_means_the_daily_quota_is_gone_and_stops_the_search_without_retrying() -> Result<()> {
    // Arrange: eBay's Browse limits are daily quotas, so a 429 does not clear in seconds.
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    client.search(&SearchRequest::new("warm up")).await?;
    mock.control("/mock/faults", json!({"queue": ["429, retry-after=1"]}))
        .await?;
    let started = Instant::now();

    // Act
    let error = client
        .search(&SearchRequest::new("lego"))
        .await
        .err()
        .context("a 429 should fail the search")?;

    // Assert
    assert!(matches!(error, EbayError::QuotaExhausted { .. }), "{error}");
    assert!(error.is_quota_exhausted());
    assert!(!error.is_retryable());
    assert_eq!(error.status(), Some(429));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "waited for a Retry-After eBay does not send"
    );
    assert_eq!(mock.searches_with_status(429), 1);
    assert_eq!(mock.stats().search_requests, 2, "no retry after the 429");
    Ok(())
}

#[tokio::test]
async fn server_errors_are_retried_until_the_attempts_run_out() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let config = config_for(mock.server.base_url())?.with_retry(RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        multiplier: 2.0,
        max_elapsed: Duration::from_secs(20),
    });
    let client = EbayClient::new(config)?;
    mock.control(
        "/mock/faults",
        json!({"queue": ["500", "503", "500", "500", "500"]}),
    )
    .await?;

    // Act
    let error = client
        .search(&SearchRequest::new("lego"))
        .await
        .err()
        .context("the search should fail")?;

    // Assert
    assert!(
        matches!(error, EbayError::RetriesExhausted { attempts: 3, .. }),
        "{error}"
    );
    assert_eq!(error.status(), Some(500));
    assert_eq!(mock.stats().search_requests, 3);
    Ok(())
}

#[tokio::test]
async fn filters_and_sort_reach_the_mock_and_come_back_applied() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    let (low, high) = (dec!(20), dec!(2000));
    let request = SearchRequest::new("nikon d750")
        .with_price(PriceRange::new(Some(low), Some(high), "USD"))
        .with_conditions([Condition::New])
        .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
        .with_sort(SortOrder::PriceAscending)
        .with_limit(200);

    // Act
    let page = client.search(&request).await?;

    // Assert
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    assert!(!page.item_summaries.is_empty());
    let mut previous = Decimal::ZERO;
    for item in &page.item_summaries {
        let price = item.price.as_ref().context("price")?.value;
        let shipping = item.shipping_cost().map(|s| s.value).unwrap_or_default();
        assert!(price >= low && price <= high, "{price}");
        assert!(matches!(
            item.condition_id.as_deref(),
            Some("1000" | "1500")
        ));
        assert!(item.offers("FIXED_PRICE") || item.offers("AUCTION"));
        assert!(
            price + shipping >= previous,
            "not sorted by price + shipping"
        );
        previous = price + shipping;
    }
    Ok(())
}

#[tokio::test]
async fn the_pager_walks_offsets_up_to_the_cap_without_duplicates() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    let request = SearchRequest::new("usb cable")
        .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
        .with_sort(SortOrder::PriceAscending)
        .with_limit(50);

    // Act
    let everything = client.pager(request.clone(), 10_000).collect().await?;
    // A cap that ends mid-page: 50 + 50 + ... + a partial page.
    let cap = u32::try_from(everything.items.len())?
        .saturating_sub(5)
        .max(1);
    let capped = client.pager(request, cap).collect().await?;

    // Assert
    assert!(everything.items.len() > 40);
    let unique: HashSet<&str> = everything
        .items
        .iter()
        .map(|i| i.item_id.as_str())
        .collect();
    assert_eq!(unique.len(), everything.items.len());
    assert_eq!(everything.items.len() as u64, everything.total);
    assert!(everything.skipped_items.is_empty());
    assert_eq!(capped.items.len(), cap as usize);
    assert_eq!(capped.pages, cap.div_ceil(50));
    // The mock refuses (12515) any offset that is not a multiple of the limit.
    assert_eq!(mock.searches_with_status(400), 0);
    Ok(())
}

#[tokio::test]
async fn the_pager_keeps_full_pages_and_steps_by_the_limit_when_the_cap_ends_mid_page() -> Result<()>
{
    // Arrange: limit 50 and a cap of 130 used to ask for `offset=100&limit=30`.
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    let request = SearchRequest::new("phone case")
        .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
        .with_limit(50);
    let mut pager = client.pager(request, 130);

    // Act
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page().await? {
        pages.push(page);
    }

    // Assert
    let shape: Vec<(u32, u32, usize)> = pages
        .iter()
        .map(|p| (p.offset, p.limit, p.item_summaries.len()))
        .collect();
    assert_eq!(shape, vec![(0, 50, 50), (50, 50, 50), (100, 50, 30)]);
    assert_eq!(mock.searches_with_status(400), 0);
    Ok(())
}

#[tokio::test]
async fn the_pager_stops_where_ebay_offers_no_next_page() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    let request = SearchRequest::new("usb cable").with_limit(200);

    // Act
    let mut pager = client.pager(request, 10_000);
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page().await? {
        pages.push(page);
    }

    // Assert
    let last = pages.last().context("at least one page")?;
    assert!(last.next.is_none());
    assert!(pages[..pages.len() - 1].iter().all(|p| p.next.is_some()));
    assert_eq!(mock.stats().search_requests, pages.len() as u64);
    Ok(())
}

#[tokio::test]
async fn the_pager_stops_on_an_empty_result() -> Result<()> {
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    // A price range no listing can meet.
    let request = SearchRequest::new("usb cable").with_price(PriceRange::new(
        Some(dec!(999999)),
        None,
        "USD",
    ));

    let mut pager = client.pager(request, 1_000);
    let first = pager.next_page().await?.context("one page")?;
    let second = pager.next_page().await?;

    assert_eq!(first.total, 0);
    assert!(first.item_summaries.is_empty());
    assert!(second.is_none());
    Ok(())
}

#[tokio::test]
async fn debug_output_of_a_used_client_shows_neither_secret_nor_token() -> Result<()> {
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    client.search(&SearchRequest::new("lego")).await?;
    let token = client.token_provider().access_token().await?;

    let printed = format!("{client:?} {token:?}");

    assert!(!printed.contains("test-secret"), "{printed}");
    assert!(!printed.contains(token.secret()), "{printed}");
    Ok(())
}

#[tokio::test]
async fn condition_groups_excluded_sellers_and_the_buyers_location_come_back_applied() -> Result<()>
{
    // Arrange: the newcomer's first alert, a used Switch OLED under $300 with shipping.
    let mock = TestMock::spawn()?;
    let client = mock.client()?;
    let base = SearchRequest::new("nintendo switch oled")
        .with_price(PriceRange::new(None, Some(dec!(300)), "USD"))
        .with_condition_ids(ConditionGroup::Used.condition_ids().iter().copied())
        .with_limit(200);
    let everyone = client.search(&base).await?;
    let excluded: Vec<String> = everyone
        .item_summaries
        .iter()
        .filter_map(|i| i.seller.as_ref()?.username.clone())
        .take(2)
        .collect();
    let request = base
        .with_exclude_sellers(excluded.clone())
        .with_delivery_location("us", Some("19406".to_owned()));

    // Act
    let page = client.search(&request).await?;

    // Assert
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    assert!(!page.item_summaries.is_empty());
    let mut with_shipping_under_300 = 0;
    for item in &page.item_summaries {
        let id: u32 = item
            .condition_id
            .as_deref()
            .context("conditionId")?
            .parse()?;
        assert_eq!(condition_group(id), ConditionGroup::Used, "{id}");
        let seller = item.seller.as_ref().and_then(|s| s.username.clone());
        assert!(!excluded.iter().any(|e| Some(e) == seller.as_ref()));
        // With a destination every listing's shipping has a cost, calculated ones included.
        let shipping = item.shipping_cost().context("a shipping cost")?.value;
        if item.price.as_ref().context("price")?.value + shipping <= dec!(300) {
            with_shipping_under_300 += 1;
        }
    }
    assert!(with_shipping_under_300 >= 3, "{with_shipping_under_300}");
    Ok(())
}
