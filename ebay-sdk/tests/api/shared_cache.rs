//! The token shared through Redis by clients that stand for separate replicas.

use anyhow::Result;
use ebay_sdk::{EbayClient, SearchRequest};
use serde_json::json;

use crate::helpers::{RedisScope, TestMock, config_for};

fn replica(mock: &TestMock, redis: &RedisScope) -> Result<EbayClient> {
    Ok(EbayClient::with_shared_token_cache(
        config_for(mock.server.base_url())?,
        redis.conn.clone(),
        &redis.prefix,
    )?)
}

/// Two replicas that both searched with the shared token, which the mock has since revoked.
async fn two_replicas_holding_a_revoked_token(
    mock: &TestMock,
    redis: &RedisScope,
) -> Result<(EbayClient, EbayClient)> {
    let first = replica(mock, redis)?;
    let second = replica(mock, redis)?;
    first.search(&SearchRequest::new("lego")).await?;
    second.search(&SearchRequest::new("lego")).await?;
    mock.control("/mock/tokens/revoke", json!({})).await?;
    Ok((first, second))
}

#[tokio::test]
async fn two_clients_sharing_a_redis_prefix_make_one_token_call() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let redis = RedisScope::new().await?;
    let first = replica(&mock, &redis)?;
    let second = replica(&mock, &redis)?;

    // Act
    first.search(&SearchRequest::new("lego")).await?;
    second.search(&SearchRequest::new("lego")).await?;
    let keys = redis.keys().await?;
    redis.cleanup().await?;

    // Assert
    assert_eq!(mock.stats().token_requests, 1);
    assert_eq!(first.token_provider().token_requests(), 1);
    assert_eq!(second.token_provider().token_requests(), 0);
    assert_eq!(
        keys,
        vec![format!("{}ebay:token:test-app", redis.prefix)],
        "only the token key remains (the refresh lock is released)"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_cold_at_the_same_time_share_one_token() -> Result<()> {
    // Arrange
    let mock = TestMock::spawn()?;
    let redis = RedisScope::new().await?;
    let replicas: Vec<EbayClient> = (0..4)
        .map(|_| replica(&mock, &redis))
        .collect::<Result<_>>()?;

    // Act: 4 replicas × 10 concurrent searches.
    let mut tasks = Vec::new();
    for (r, client) in replicas.iter().enumerate() {
        for i in 0..10 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client
                    .search(&SearchRequest::new(format!("replica {r} search {i}")))
                    .await
            }));
        }
    }
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(error) = task.await? {
            failures.push(error.to_string());
        }
    }
    redis.cleanup().await?;

    // Assert
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(mock.stats().token_requests, 1);
    assert_eq!(mock.searches_with_status(200), 40);
    Ok(())
}

#[tokio::test]
async fn a_token_rejected_by_ebay_is_replaced_for_every_replica_with_one_call() -> Result<()> {
    // Arrange: both replicas hold the shared token, then the mock revokes it.
    let mock = TestMock::spawn()?;
    let redis = RedisScope::new().await?;
    let (first, second) = two_replicas_holding_a_revoked_token(&mock, &redis).await?;

    // Act
    first.search(&SearchRequest::new("lego")).await?;
    second.search(&SearchRequest::new("lego")).await?;
    redis.cleanup().await?;

    // Assert: the second replica finds the first one's new token in Redis.
    assert_eq!(mock.stats().token_requests, 2);
    assert_eq!(mock.searches_with_status(401), 2);
    assert_eq!(mock.searches_with_status(200), 4);
    Ok(())
}

#[tokio::test]
async fn a_replacement_from_the_shared_cache_that_is_also_rejected_is_fetched_afresh() -> Result<()>
{
    // Arrange: both replicas hold the first token. It is revoked; the first replica replaces it
    // in Redis; then that replacement is revoked too while the second replica still holds the
    // first token (as when eBay's tokens all go stale at once after a clock jump).
    let mock = TestMock::spawn()?;
    let redis = RedisScope::new().await?;
    let (first, second) = two_replicas_holding_a_revoked_token(&mock, &redis).await?;
    first.search(&SearchRequest::new("lego")).await?;
    mock.control("/mock/tokens/revoke", json!({})).await?;

    // Act: the second replica's token is rejected, and so is the one it finds in Redis.
    let result = second.search(&SearchRequest::new("lego")).await;
    let third = replica(&mock, &redis)?;
    third.search(&SearchRequest::new("lego")).await?;
    redis.cleanup().await?;

    // Assert: it fetched a fresh token instead of failing, and stored it for the others.
    result?;
    assert_eq!(mock.stats().token_requests, 3);
    assert_eq!(mock.searches_with_status(401), 3);
    assert_eq!(third.token_provider().token_requests(), 0);
    Ok(())
}

#[tokio::test]
async fn with_a_shared_cache_a_search_rejected_again_and_again_gives_up_after_two_tokens()
-> Result<()> {
    let mock = TestMock::spawn()?;
    let redis = RedisScope::new().await?;
    let client = replica(&mock, &redis)?;
    mock.control(
        "/mock/faults",
        json!({"queue": ["401", "401", "401", "401"]}),
    )
    .await?;

    let error = client.search(&SearchRequest::new("lego")).await.err();
    redis.cleanup().await?;

    assert_eq!(error.and_then(|e| e.status()), Some(401));
    assert_eq!(mock.searches_with_status(401), 3, "two re-authentications");
    assert_eq!(mock.stats().token_requests, 3);
    Ok(())
}

#[tokio::test]
async fn clients_with_different_prefixes_do_not_share_tokens() -> Result<()> {
    let mock = TestMock::spawn()?;
    let one = RedisScope::new().await?;
    let other = RedisScope::new().await?;

    replica(&mock, &one)?
        .search(&SearchRequest::new("lego"))
        .await?;
    replica(&mock, &other)?
        .search(&SearchRequest::new("lego"))
        .await?;
    one.cleanup().await?;
    other.cleanup().await?;

    assert_eq!(mock.stats().token_requests, 2);
    Ok(())
}
