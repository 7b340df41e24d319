//! Test harness: a mock on a free port plus typed request helpers.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use ebay_mock::{MockConfig, MockServer};
use serde_json::Value;

/// eBay's application scope.
pub const SCOPE: &str = "https://api.ebay.com/oauth/api_scope";

/// A fixed instant (a Tuesday, 10:30 UTC) so catalogue assertions don't depend on the wall clock.
pub const FIXED_TIME: &str = "2026-11-24T10:30:00Z";

/// A running mock and an HTTP client for it.
pub struct TestMock {
    pub server: MockServer,
    pub http: reqwest::Client,
}

impl TestMock {
    /// A mock with test defaults.
    pub async fn spawn() -> Result<Self> {
        Self::spawn_with(MockConfig::for_tests()).await
    }

    /// A mock with the given configuration (its `listen` is ignored: port 0).
    pub async fn spawn_with(mut config: MockConfig) -> Result<Self> {
        config.listen = ([127, 0, 0, 1], 0).into();
        config.workers = Some(2);
        let server = MockServer::start(config)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self { server, http })
    }

    /// An absolute URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// Posts a token request with the given Basic credentials and form fields.
    pub async fn request_token(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response> {
        let mut request = self
            .http
            .post(self.url("/identity/v1/oauth2/token"))
            .form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        Ok(request.send().await?)
    }

    /// A valid token for client `test-app`.
    pub async fn token(&self) -> Result<String> {
        let response = self
            .request_token(
                Some(("test-app", "test-secret")),
                &[("grant_type", "client_credentials"), ("scope", SCOPE)],
            )
            .await?;
        ensure!(
            response.status() == 200,
            "token request failed: {}",
            response.status()
        );
        let body: Value = response.json().await?;
        body["access_token"]
            .as_str()
            .map(str::to_owned)
            .context("no access_token in the token response")
    }

    /// A search with a bearer token, query parameters and extra headers.
    pub async fn search(
        &self,
        token: Option<&str>,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<reqwest::Response> {
        let mut request = self
            .http
            .get(self.url("/buy/browse/v1/item_summary/search"))
            .query(params);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Ok(request.send().await?)
    }

    /// A successful search at [`FIXED_TIME`], as JSON.
    pub async fn search_at(&self, token: &str, at: &str, params: &[(&str, &str)]) -> Result<Value> {
        let response = self
            .search(Some(token), params, &[("X-Mock-Time", at)])
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(status == 200, "search failed with {status}: {body}");
        Ok(body)
    }

    /// Every listing of a search at `at`, walking pages of 200.
    pub async fn all_items(
        &self,
        token: &str,
        at: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut offset = 0u64;
        loop {
            let offset_text = offset.to_string();
            let mut page_params = params.to_vec();
            page_params.push(("limit", "200"));
            page_params.push(("offset", &offset_text));
            let page = self.search_at(token, at, &page_params).await?;
            let page_items = page["itemSummaries"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let count = page_items.len() as u64;
            items.extend(page_items);
            offset += count;
            if count == 0 || offset >= page["total"].as_u64().unwrap_or(0) {
                return Ok(items);
            }
        }
    }

    /// `POST` a JSON body to a control endpoint.
    pub async fn control(&self, path: &str, body: Value) -> Result<reqwest::Response> {
        Ok(self.http.post(self.url(path)).json(&body).send().await?)
    }

    /// `GET /mock/stats`.
    pub async fn stats(&self) -> Result<Value> {
        Ok(self
            .http
            .get(self.url("/mock/stats"))
            .send()
            .await?
            .json()
            .await?)
    }
}

/// The price of an item as cents, from eBay's two-decimal string.
pub fn price_cents(item: &Value) -> Result<u64> {
    cents(&item["price"]["value"])
}

/// Cents from a `"12.34"` JSON string, insisting on exactly two decimals.
pub fn cents(value: &Value) -> Result<u64> {
    let text = value.as_str().context("price value is not a string")?;
    let (units, hundredths) = text.split_once('.').context("no decimal point")?;
    ensure!(hundredths.len() == 2, "{text} does not have two decimals");
    Ok(units.parse::<u64>()? * 100 + hundredths.parse::<u64>()?)
}

/// The first error id of an eBay error body.
pub fn first_error_id(body: &Value) -> Option<i64> {
    body["errors"][0]["errorId"].as_i64()
}

impl TestMock {
    /// `getItem` at `at` for a RESTful item id (escaped as eBay's `itemHref` does).
    pub async fn get_item(
        &self,
        token: &str,
        item_id: &str,
        at: &str,
    ) -> Result<reqwest::Response> {
        let escaped = item_id.replace('|', "%7C");
        Ok(self
            .http
            .get(self.url(&format!("/buy/browse/v1/item/{escaped}")))
            .bearer_auth(token)
            .header("X-Mock-Time", at)
            .send()
            .await?)
    }
}
