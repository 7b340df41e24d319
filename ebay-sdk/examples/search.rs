//! Searches eBay (or the mock) from the command line:
//!
//! ```text
//! EBAY_ENV=mock EBAY_BASE_URL=http://127.0.0.1:8082 EBAY_CLIENT_ID=dev EBAY_CLIENT_SECRET=dev \
//!     cargo run -p ebay-sdk --example search -- "lego 42100"
//! ```
//!
//! Reads `EBAY_ENV` (production, sandbox, mock), `EBAY_BASE_URL`, `EBAY_CLIENT_ID`,
//! `EBAY_CLIENT_SECRET` and `EBAY_MARKETPLACE`; prints the cheapest 20 fixed-price or auction
//! listings and any warnings eBay returned.

use std::process::ExitCode;

use ebay_sdk::{BuyingOption, EbayClient, EbayConfig, SearchRequest, SortOrder};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("search: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let phrase = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    anyhow::ensure!(
        !phrase.trim().is_empty(),
        "usage: cargo run -p ebay-sdk --example search -- \"search phrase\""
    );
    let config = EbayConfig::from_env()?;
    let client = EbayClient::new(config)?;
    let request = SearchRequest::new(phrase)
        .with_buying_options([BuyingOption::FixedPrice, BuyingOption::Auction])
        .with_sort(SortOrder::PriceAscending)
        .with_limit(20);

    let page = client.search(&request).await?;

    println!(
        "{} listings match; showing {}",
        page.total,
        page.item_summaries.len()
    );
    for item in &page.item_summaries {
        let price = item
            .price
            .as_ref()
            .map(|p| format!("{} {}", p.value, p.currency))
            .unwrap_or_else(|| "?".to_owned());
        let shipping = match item.shipping_cost() {
            Some(cost) if cost.value.is_zero() => "free shipping".to_owned(),
            Some(cost) => format!("+{} shipping", cost.value),
            None => "shipping unknown".to_owned(),
        };
        println!(
            "{price:>12}  {shipping:<16}  {:<24}  {}\n{:>32}{}",
            item.condition.as_deref().unwrap_or("-"),
            item.title,
            "",
            item.item_web_url.as_deref().unwrap_or("")
        );
    }
    for warning in &page.warnings {
        eprintln!("eBay warning: {warning}");
    }
    Ok(())
}
