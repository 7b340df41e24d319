//! Contract tests: `ebay-mock` and `ebay-sdk` held against eBay's own OpenAPI document for the
//! Browse API and its samples (in `ebay/`, see `ebay/SOURCES.md`).
//!
//! * Every kind of answer the mock gives (searches with various filters, sorts, pages and
//!   marketplaces, warnings, getItem, every error rule, injected faults) is validated against
//!   the schema eBay documents for it. The schemas are made strict first
//!   (`additionalProperties: false` on every object schema): eBay's own schemas allow any
//!   extra field, which would let a misspelt field name in the mock pass unnoticed.
//! * eBay's samples are validated (as published, not strict) and read with the SDK.
//!
//! The tests talk to a real mock over HTTP.

use std::sync::LazyLock;

use anyhow::{Context, Result, ensure};
use ebay_mock::{MockConfig, MockServer};
use ebay_sdk::{Item, SearchResponse};
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

/// eBay's OpenAPI document for the Browse API v1.
const OPENAPI: &str = include_str!("ebay/buy_browse_v1_oas3.json");
/// The search sample from eBay's documentation.
const SAMPLE_DOCS: &str = include_str!("ebay/sample1_docs_drone_search.json");
/// Items of a real EBAY_US answer whose prices eBay converted from CAD.
const SAMPLE_CONVERTED: &str =
    include_str!("ebay/sample2_captured_iphone_price_sort_converted.json");

/// A fixed instant so the catalogue does not depend on the wall clock.
const AT: &str = "2026-11-24T10:30:00Z";

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(OPENAPI).unwrap_or(Value::Null));

/// Sets `additionalProperties: false` on every object schema that lists its properties.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            for value in map.values_mut() {
                strict(value);
            }
        }
        Value::Array(values) => values.iter_mut().for_each(strict),
        _ => {}
    }
}

/// A validator for `schema`, whose `$ref`s point into the document's `components`. OpenAPI 3.0
/// schemas are a JSON Schema draft 4/5 dialect, so draft 4 rules apply.
fn validator(schema: Value, strict_components: bool) -> Result<Validator> {
    let mut components = DOCUMENT
        .get("components")
        .cloned()
        .context("the OpenAPI document has no components")?;
    if strict_components {
        strict(&mut components);
    }
    let mut root = schema;
    root.as_object_mut()
        .context("a schema object")?
        .insert("components".to_owned(), components);
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .build(&root)
        .map_err(|e| anyhow::anyhow!("the schema does not compile: {e}"))
}

fn component(name: &str, strict_components: bool) -> Result<Validator> {
    validator(
        json!({"$ref": format!("#/components/schemas/{name}")}),
        strict_components,
    )
}

/// eBay's Browse error body: `{"errors": [Error, ...]}` (the document names the `Error` schema
/// but no wrapper for error responses, so the wrapper is written out here).
fn error_body() -> Result<Validator> {
    validator(
        json!({
            "type": "object",
            "required": ["errors"],
            "additionalProperties": false,
            "properties": {"errors": {
                "type": "array", "minItems": 1,
                "items": {"$ref": "#/components/schemas/Error"}
            }}
        }),
        true,
    )
}

/// RFC 6749 §5.2's error shape, which eBay's token endpoint uses.
fn oauth_error_body() -> Result<Validator> {
    validator(
        json!({
            "type": "object",
            "required": ["error", "error_description"],
            "additionalProperties": false,
            "properties": {
                "error": {"type": "string"},
                "error_description": {"type": "string"}
            }
        }),
        false,
    )
}

/// eBay's documented client-credentials answer.
fn token_body() -> Result<Validator> {
    validator(
        json!({
            "type": "object",
            "required": ["access_token", "expires_in", "token_type"],
            "additionalProperties": false,
            "properties": {
                "access_token": {"type": "string", "minLength": 1},
                "expires_in": {"type": "integer", "minimum": 1},
                "token_type": {"enum": ["Application Access Token"]}
            }
        }),
        false,
    )
}

fn assert_valid(validator: &Validator, body: &Value, case: &str) -> Result<()> {
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    ensure!(
        problems.is_empty(),
        "{case}: not valid against eBay's schema:\n{}\nbody: {}",
        problems.join("\n"),
        body.to_string().chars().take(2_000).collect::<String>()
    );
    Ok(())
}

/// A mock on a free port and a token for it.
struct Mock {
    server: MockServer,
    http: reqwest::Client,
    token: String,
}

impl Mock {
    async fn start() -> Result<Self> {
        let mut config = MockConfig::for_tests();
        config.listen = ([127, 0, 0, 1], 0).into();
        config.workers = Some(2);
        let server = MockServer::start(config)?;
        let http = reqwest::Client::new();
        let answer = Self::token_answer(&http, server.base_url(), None).await?;
        ensure!(answer.0 == 200, "token: {}", answer.1);
        let token = answer.1["access_token"]
            .as_str()
            .context("access_token")?
            .to_owned();
        Ok(Self {
            server,
            http,
            token,
        })
    }

    async fn token_answer(
        http: &reqwest::Client,
        base_url: &str,
        fault: Option<&str>,
    ) -> Result<(u16, Value)> {
        let mut request = http
            .post(format!("{base_url}/identity/v1/oauth2/token"))
            .basic_auth("test-app", Some("test-secret"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "https://api.ebay.com/oauth/api_scope"),
            ]);
        if let Some(fault) = fault {
            request = request.header("X-Mock-Fault", fault);
        }
        let response = request.send().await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    async fn get(
        &self,
        path: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<(u16, Value)> {
        let mut request = self
            .http
            .get(format!("{}{path}", self.server.base_url()))
            .query(params)
            .bearer_auth(&self.token)
            .header("X-Mock-Time", AT);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    async fn search(
        &self,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<(u16, Value)> {
        self.get("/buy/browse/v1/item_summary/search", params, headers)
            .await
    }
}

type Pairs = Vec<(&'static str, &'static str)>;

/// A request header: name and value.
type Header<'a> = (&'a str, &'a str);

/// Searches that succeed: filters, sorts, pages, marketplaces, and the ones that carry warnings.
fn successful_searches() -> Vec<(&'static str, Pairs, Pairs)> {
    let any_option = ("filter", "buyingOptions:{FIXED_PRICE|AUCTION|BEST_OFFER}");
    vec![
        ("plain", vec![("q", "iphone 13")], vec![]),
        (
            "every buying option",
            vec![("q", "iphone 13"), any_option, ("limit", "200")],
            vec![],
        ),
        (
            "auctions only",
            vec![
                ("q", "rolex submariner"),
                ("filter", "buyingOptions:{AUCTION}"),
                ("limit", "200"),
            ],
            vec![],
        ),
        (
            "price range",
            vec![
                ("q", "lego 42100"),
                ("filter", "price:[10..500],priceCurrency:USD"),
            ],
            vec![],
        ),
        (
            "lower bound only",
            vec![
                ("q", "lego 42100"),
                ("filter", "price:[100],priceCurrency:USD"),
            ],
            vec![],
        ),
        (
            "conditions",
            vec![("q", "nikon d750"), ("filter", "conditions:{NEW|USED}")],
            vec![],
        ),
        (
            "condition ids",
            vec![("q", "nikon d750"), ("filter", "conditionIds:{1000|3000}")],
            vec![],
        ),
        (
            "for parts only",
            vec![
                ("q", "nintendo switch oled"),
                ("filter", "conditionIds:{7000}"),
            ],
            vec![],
        ),
        (
            "graded and ungraded cards, lots included",
            vec![("q", "pokemon cards"), ("limit", "200")],
            vec![],
        ),
        (
            "excluded sellers",
            vec![
                ("q", "sony wh-1000xm5"),
                (
                    "filter",
                    "buyingOptions:{FIXED_PRICE|AUCTION},excludeSellers:{retro_deals_1|quickfinds7}",
                ),
                ("limit", "200"),
            ],
            vec![],
        ),
        (
            "buyer in the US with a ZIP code",
            vec![("q", "lego 42100"), any_option, ("limit", "200")],
            vec![(
                "X-EBAY-C-ENDUSERCTX",
                "contextualLocation=country%3DUS%2Czip%3D19406",
            )],
        ),
        (
            "buyer abroad",
            vec![("q", "lego 42100"), any_option, ("limit", "200")],
            vec![(
                "X-EBAY-C-ENDUSERCTX",
                "contextualLocation=country%3DGB%2Czip%3DSW1A%201AA",
            )],
        ),
        (
            "sort price for a buyer",
            vec![("q", "lego 42100"), ("sort", "price")],
            vec![(
                "X-EBAY-C-ENDUSERCTX",
                "contextualLocation=country%3DUS%2Czip%3D94105",
            )],
        ),
        (
            "sort price",
            vec![("q", "usb cable"), ("sort", "price"), ("limit", "100")],
            vec![],
        ),
        (
            "sort -price",
            vec![("q", "usb cable"), ("sort", "-price")],
            vec![],
        ),
        (
            "sort newlyListed",
            vec![("q", "usb cable"), ("sort", "newlyListed")],
            vec![],
        ),
        (
            "sort endingSoonest",
            vec![("q", "usb cable"), ("sort", "endingSoonest"), any_option],
            vec![],
        ),
        (
            "sort distance",
            vec![("q", "usb cable"), ("sort", "distance")],
            vec![],
        ),
        (
            "second page",
            vec![("q", "usb cable"), ("limit", "20"), ("offset", "20")],
            vec![],
        ),
        (
            "past the end",
            vec![("q", "usb cable"), ("limit", "200"), ("offset", "9800")],
            vec![],
        ),
        (
            "no hits",
            vec![
                ("q", "usb cable"),
                ("filter", "price:[999999..],priceCurrency:USD"),
            ],
            vec![],
        ),
        (
            "warning: unknown sort",
            vec![("q", "usb cable"), ("sort", "cheapest")],
            vec![],
        ),
        (
            "warning: unknown filter",
            vec![("q", "usb cable"), ("filter", "colour:{RED}")],
            vec![],
        ),
        (
            "warning: price without currency",
            vec![("q", "usb cable"), ("filter", "price:[1..5]")],
            vec![],
        ),
        (
            "EBAY_GB",
            vec![("q", "iphone 13")],
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_GB")],
        ),
        (
            "EBAY_BE",
            vec![("q", "iphone 13")],
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_BE")],
        ),
        (
            "EBAY_SG (no affiliate links)",
            vec![("q", "iphone 13")],
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_SG")],
        ),
        (
            "unknown marketplace falls back",
            vec![("q", "iphone 13")],
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_MARS")],
        ),
    ]
}

#[tokio::test]
async fn every_kind_of_successful_search_matches_search_paged_collection() -> Result<()> {
    let mock = Mock::start().await?;
    let schema = component("SearchPagedCollection", true)?;

    for (case, params, headers) in successful_searches() {
        let (status, body) = mock.search(&params, &headers).await?;

        ensure!(status == 200, "{case}: HTTP {status}: {body}");
        assert_valid(&schema, &body, case)?;
        let page: SearchResponse = serde_json::from_value(body.clone())?;
        let sent = body["itemSummaries"].as_array().map_or(0, Vec::len);
        assert_eq!(
            page.item_summaries.len(),
            sent,
            "{case}: the SDK read every listing"
        );
        assert!(
            page.skipped_items.is_empty(),
            "{case}: {:?}",
            page.skipped_items
        );
        if case.starts_with("warning") {
            assert!(!page.warnings.is_empty(), "{case}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn every_search_error_rule_answers_ebays_status_id_and_error_schema() -> Result<()> {
    let mock = Mock::start().await?;
    let schema = error_body()?;
    let cases: Vec<(&str, Pairs, Pairs, u16, i64)> = vec![
        ("no q", vec![], vec![], 400, 12001),
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
            "limit not an integer",
            vec![("q", "x"), ("limit", "many")],
            vec![],
            400,
            12007,
        ),
        (
            "negative offset",
            vec![("q", "x"), ("offset", "-50")],
            vec![],
            400,
            12004,
        ),
        (
            "offset not an integer",
            vec![("q", "x"), ("offset", "1e3")],
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
            vec![("q", "x"), ("limit", "50"), ("offset", "97")],
            vec![],
            400,
            12515,
        ),
        (
            "unsupported marketplace",
            vec![("q", "x")],
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_RU")],
            409,
            12019,
        ),
        (
            "injected 500",
            vec![("q", "x")],
            vec![("X-Mock-Fault", "500")],
            500,
            12000,
        ),
        (
            "injected 429 (quota)",
            vec![("q", "x")],
            vec![("X-Mock-Fault", "429")],
            429,
            2001,
        ),
    ];

    for (case, params, headers, expected_status, expected_id) in cases {
        let (status, body) = mock.search(&params, &headers).await?;

        assert_eq!(status, expected_status, "{case}: {body}");
        assert_valid(&schema, &body, case)?;
        assert_eq!(body["errors"][0]["errorId"], expected_id, "{case}");
    }
    Ok(())
}

#[tokio::test]
async fn a_search_without_a_valid_token_answers_ebays_error_schema() -> Result<()> {
    let mock = Mock::start().await?;
    let response = mock
        .http
        .get(format!(
            "{}/buy/browse/v1/item_summary/search?q=x",
            mock.server.base_url()
        ))
        .bearer_auth("not-a-token")
        .send()
        .await?;

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await?;
    assert_valid(&error_body()?, &body, "invalid token")?;
    assert_eq!(body["errors"][0]["errorId"], 1001);
    Ok(())
}

#[tokio::test]
async fn get_item_answers_match_item_and_the_sdk_reads_them() -> Result<()> {
    let mock = Mock::start().await?;
    let schema = component("Item", true)?;
    let (_, page) = mock
        .search(
            &[
                ("q", "iphone 13"),
                ("filter", "buyingOptions:{FIXED_PRICE|AUCTION|BEST_OFFER}"),
                ("limit", "200"),
            ],
            &[],
        )
        .await?;
    let items = page["itemSummaries"].as_array().context("items")?;
    // One of each kind the mock makes: auction, fixed price, converted, marked down.
    let picks: Vec<(&str, &Value)> = [
        ("auction", items.iter().find(|i| i["bidCount"].is_number())),
        (
            "fixed price",
            items.iter().find(|i| i["bidCount"].is_null()),
        ),
        (
            "converted",
            items
                .iter()
                .find(|i| i["price"]["convertedFromValue"].is_string()),
        ),
        (
            "marked down",
            items.iter().find(|i| i["marketingPrice"].is_object()),
        ),
    ]
    .into_iter()
    .filter_map(|(kind, item)| item.map(|item| (kind, item)))
    .collect();
    assert_eq!(picks.len(), 4, "the catalogue lacks a kind of listing");
    let calculated = items
        .iter()
        .find(|i| i["shippingOptions"][0]["shippingCostType"] == "CALCULATED")
        .context("no listing with calculated shipping")?;
    let for_a_buyer = [(
        "X-EBAY-C-ENDUSERCTX",
        "contextualLocation=country%3DUS%2Czip%3D19406",
    )];
    let abroad = [("X-EBAY-C-ENDUSERCTX", "contextualLocation=country%3DDE")];
    let mut picks: Vec<(&str, &Value, &[Header])> = picks
        .into_iter()
        .map(|(kind, item)| (kind, item, &[][..]))
        .collect();
    picks.push(("calculated, no destination", calculated, &[]));
    picks.push(("calculated, for a buyer", calculated, &for_a_buyer));
    picks.push(("calculated, abroad", calculated, &abroad));

    for (kind, summary, headers) in picks {
        let id = summary["itemId"].as_str().context("itemId")?;
        let path = format!("/buy/browse/v1/item/{}", id.replace('|', "%7C"));

        let (status, body) = mock.get(&path, &[], headers).await?;

        assert_eq!(status, 200, "{kind}: {body}");
        assert_valid(&schema, &body, kind)?;
        let item: Item = serde_json::from_value(body)?;
        assert_eq!(item.item_id, id, "{kind}");
        assert_eq!(
            item.price.map(|p| p.value.to_string()),
            summary["price"]["value"].as_str().map(str::to_owned),
            "{kind}"
        );
        // A cost is known when search knew one, or when the buyer's location is given.
        assert_eq!(
            item.shipping_options
                .iter()
                .any(|o| o.shipping_cost.is_some()),
            !headers.is_empty() || summary["shippingOptions"][0]["shippingCost"].is_object(),
            "{kind}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn get_item_errors_answer_ebays_error_schema() -> Result<()> {
    let mock = Mock::start().await?;
    let schema = error_body()?;
    let cases: Vec<(&str, &str, Pairs, u16, i64)> = vec![
        ("unknown id", "v1%7C123456789012%7C0", vec![], 404, 11001),
        ("not a RESTful id", "123456789012", vec![], 404, 11001),
        (
            "injected 503",
            "v1%7C1%7C0",
            vec![("X-Mock-Fault", "503")],
            503,
            11000,
        ),
        (
            "unsupported marketplace",
            "v1%7C1%7C0",
            vec![("X-EBAY-C-MARKETPLACE-ID", "EBAY_JP")],
            409,
            12019,
        ),
    ];

    for (case, id, headers, expected_status, expected_id) in cases {
        let (status, body) = mock
            .get(&format!("/buy/browse/v1/item/{id}"), &[], &headers)
            .await?;

        assert_eq!(status, expected_status, "{case}: {body}");
        assert_valid(&schema, &body, case)?;
        assert_eq!(body["errors"][0]["errorId"], expected_id, "{case}");
    }
    Ok(())
}

#[tokio::test]
async fn token_answers_follow_ebays_oauth_shapes() -> Result<()> {
    let mock = Mock::start().await?;
    let (status, body) = Mock::token_answer(&mock.http, mock.server.base_url(), None).await?;
    assert_eq!(status, 200);
    assert_valid(&token_body()?, &body, "token")?;

    let oauth_error = oauth_error_body()?;
    for (fault, expected) in [("429", 429), ("401", 401), ("500", 500)] {
        let (status, body) =
            Mock::token_answer(&mock.http, mock.server.base_url(), Some(fault)).await?;
        assert_eq!(status, expected, "{fault}");
        assert_valid(&oauth_error, &body, fault)?;
    }
    Ok(())
}

#[test]
fn ebays_samples_match_the_schema_and_the_sdk_reads_every_listing() -> Result<()> {
    let schema = component("SearchPagedCollection", false)?;
    for (name, text) in [("docs", SAMPLE_DOCS), ("converted", SAMPLE_CONVERTED)] {
        let raw: Value = serde_json::from_str(text)?;
        assert_valid(&schema, &raw, name)?;

        let page: SearchResponse = serde_json::from_str(text)?;

        let sent = raw["itemSummaries"].as_array().map_or(0, Vec::len);
        assert!(sent > 0, "{name}");
        assert_eq!(page.item_summaries.len(), sent, "{name}");
        assert!(
            page.skipped_items.is_empty(),
            "{name}: {:?}",
            page.skipped_items
        );
        assert!(
            page.item_summaries.iter().all(|i| i.price.is_some()),
            "{name}"
        );
    }
    Ok(())
}

#[test]
fn the_sdk_keeps_ebays_converted_from_amounts_and_listing_details() -> Result<()> {
    let page: SearchResponse = serde_json::from_str(SAMPLE_CONVERTED)?;
    let first = page.item_summaries.first().context("an item")?;

    let price = first.price.as_ref().context("price")?;
    assert_eq!(price.value.to_string(), "0.75");
    assert_eq!(price.currency, "USD");
    let (from_value, from_currency) = price.converted_from().context("converted")?;
    assert_eq!(
        (from_value.to_string().as_str(), from_currency),
        ("0.99", "CAD")
    );
    assert_eq!(first.legacy_item_id(), Some("385462201428"));
    assert_eq!(first.categories.len(), 3);
    assert!(!first.thumbnail_images.is_empty());
    assert!(first.item_affiliate_web_url.is_some());

    let docs: SearchResponse = serde_json::from_str(SAMPLE_DOCS)?;
    let marked_down = docs
        .item_summaries
        .iter()
        .find_map(|i| i.marketing_price.as_ref())
        .context("the docs sample has a markdown")?;
    assert!(marked_down.original_price.is_some());
    Ok(())
}

#[test]
fn strict_schemas_catch_a_misspelt_field() -> Result<()> {
    // Guards the guard: without the strict rewrite eBay's schemas accept any extra field.
    let strict_schema = component("ItemSummary", true)?;
    let loose_schema = component("ItemSummary", false)?;
    let misspelt = json!({"itemId": "v1|1|0", "itemOrginDate": "2026-01-01T00:00:00.000Z"});

    assert!(!strict_schema.is_valid(&misspelt));
    assert!(loose_schema.is_valid(&misspelt));
    assert!(strict_schema.is_valid(&json!({"itemId": "v1|1|0", "itemOriginDate": "x"})));
    Ok(())
}
