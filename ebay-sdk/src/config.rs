//! Where to reach eBay and with which keys: [`EbayConfig`], [`Environment`], [`Secret`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use crate::error::EbayError;
use crate::retry::RetryPolicy;

/// The marketplace used when none is configured (eBay's own default).
pub const DEFAULT_MARKETPLACE: &str = "EBAY_US";

/// The OAuth scope that application tokens for the Browse API need.
pub const API_SCOPE: &str = "https://api.ebay.com/oauth/api_scope";

/// Which eBay to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The real eBay, `https://api.ebay.com`.
    Production,
    /// eBay's sandbox, `https://api.sandbox.ebay.com`.
    Sandbox,
    /// A stand-in such as `ebay-mock`; its base URL must be configured.
    Mock,
}

impl Environment {
    /// The API host of this environment, or `None` for [`Environment::Mock`], whose host is
    /// always configured explicitly.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::Production => Some("https://api.ebay.com"),
            Self::Sandbox => Some("https://api.sandbox.ebay.com"),
            Self::Mock => None,
        }
    }

    /// The lowercase name used in `EBAY_ENV`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Sandbox => "sandbox",
            Self::Mock => "mock",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = EbayError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "production" | "prod" => Ok(Self::Production),
            "sandbox" => Ok(Self::Sandbox),
            "mock" => Ok(Self::Mock),
            other => Err(EbayError::Config(format!(
                "unknown eBay environment {other:?}: expected production, sandbox or mock"
            ))),
        }
    }
}

/// A string that must never reach a log: client secrets and access tokens.
///
/// Its `Debug` and `Display` print `[redacted]`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a sensitive value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The wrapped value, for the one place that has to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Everything the client needs to reach eBay.
///
/// Build it with [`EbayConfig::new`] and adjust with the `with_*` methods; the fields are public
/// so a service's own clap config can fill them directly.
#[derive(Debug, Clone)]
pub struct EbayConfig {
    /// Production, sandbox or mock.
    pub environment: Environment,
    /// Overrides the environment's API host (required for [`Environment::Mock`]), e.g. the
    /// mock's `http://127.0.0.1:8082`. Token and search paths are appended to it.
    pub base_url: Option<Url>,
    /// The application's client id (App ID). Not secret, but identifies the app.
    pub client_id: String,
    /// The application's client secret (Cert ID).
    pub client_secret: Secret,
    /// The default `X-EBAY-C-MARKETPLACE-ID`, e.g. `EBAY_US`.
    pub marketplace: String,
    /// Time limit for one HTTP request (connect + response), after which it counts as a
    /// retryable timeout.
    pub request_timeout: Duration,
    /// How failed calls are retried.
    pub retry: RetryPolicy,
    /// How long before its expiry a token is replaced. Also subtracted from the shared Redis
    /// key's TTL so no replica picks up a token that is about to die. Capped at half the
    /// token's lifetime so short-lived (test) tokens still get used.
    pub token_refresh_margin: Duration,
    /// How long a replica waits for another replica that holds the Redis refresh lock before
    /// fetching a token itself.
    pub token_lock_wait: Duration,
}

impl EbayConfig {
    /// A configuration with eBay's defaults: marketplace `EBAY_US`, 10 s request timeout,
    /// [`RetryPolicy::default`], a 5 minute refresh margin.
    pub fn new(
        environment: Environment,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        Self {
            environment,
            base_url: None,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            marketplace: DEFAULT_MARKETPLACE.to_owned(),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            token_refresh_margin: Duration::from_secs(300),
            token_lock_wait: Duration::from_secs(5),
        }
    }

    /// Sets the API host (see [`EbayConfig::base_url`]).
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = Some(base_url);
        self
    }

    /// Sets the default marketplace id.
    pub fn with_marketplace(mut self, marketplace: impl Into<String>) -> Self {
        self.marketplace = marketplace.into();
        self
    }

    /// Sets the per-request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the token refresh margin.
    pub fn with_token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// Reads `EBAY_ENV` (default `production`), `EBAY_BASE_URL`, `EBAY_CLIENT_ID`,
    /// `EBAY_CLIENT_SECRET` and `EBAY_MARKETPLACE` (default `EBAY_US`) from the process
    /// environment. Services use clap instead; this serves examples and scripts.
    pub fn from_env() -> Result<Self, EbayError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let environment = match var("EBAY_ENV") {
            Some(value) => value.parse()?,
            None => Environment::Production,
        };
        let client_id = var("EBAY_CLIENT_ID")
            .ok_or_else(|| EbayError::Config("EBAY_CLIENT_ID is not set".to_owned()))?;
        let client_secret = var("EBAY_CLIENT_SECRET")
            .ok_or_else(|| EbayError::Config("EBAY_CLIENT_SECRET is not set".to_owned()))?;
        let mut config = Self::new(environment, client_id, client_secret);
        if let Some(base) = var("EBAY_BASE_URL") {
            let url = Url::parse(base.trim()).map_err(|e| {
                EbayError::Config(format!("EBAY_BASE_URL {base:?} is not a URL: {e}"))
            })?;
            config.base_url = Some(url);
        }
        if let Some(marketplace) = var("EBAY_MARKETPLACE") {
            config.marketplace = marketplace.trim().to_owned();
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks the configuration is usable: a base URL for the mock, http(s) only, non-empty
    /// credentials and marketplace.
    pub fn validate(&self) -> Result<(), EbayError> {
        self.resolved_base_url()?;
        if self.client_id.trim().is_empty() {
            return Err(EbayError::Config("the client id is empty".to_owned()));
        }
        if self.client_secret.expose().is_empty() {
            return Err(EbayError::Config("the client secret is empty".to_owned()));
        }
        if self.marketplace.trim().is_empty()
            || !self
                .marketplace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(EbayError::Config(format!(
                "marketplace {:?} is not an eBay marketplace id such as EBAY_US",
                self.marketplace
            )));
        }
        if self.request_timeout.is_zero() {
            return Err(EbayError::Config("the request timeout is zero".to_owned()));
        }
        Ok(())
    }

    /// The API host to use: the configured base URL, else the environment's default.
    pub fn resolved_base_url(&self) -> Result<Url, EbayError> {
        let url = match (&self.base_url, self.environment.default_base_url()) {
            (Some(url), _) => url.clone(),
            (None, Some(default)) => Url::parse(default)
                .map_err(|e| EbayError::Config(format!("bad built-in URL {default}: {e}")))?,
            (None, None) => {
                return Err(EbayError::Config(
                    "EBAY_ENV=mock needs EBAY_BASE_URL (the mock's address)".to_owned(),
                ));
            }
        };
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(EbayError::Config(format!(
                "base URL {url} must be http or https"
            )));
        }
        if url.cannot_be_a_base() || url.host().is_none() {
            return Err(EbayError::Config(format!("base URL {url} has no host")));
        }
        Ok(url)
    }

    /// `{base}/identity/v1/oauth2/token`.
    pub fn token_url(&self) -> Result<Url, EbayError> {
        join(&self.resolved_base_url()?, "identity/v1/oauth2/token")
    }

    /// `{base}/buy/browse/v1/item_summary/search`.
    pub fn search_url(&self) -> Result<Url, EbayError> {
        join(
            &self.resolved_base_url()?,
            "buy/browse/v1/item_summary/search",
        )
    }

    /// `{base}/buy/browse/v1/item/`, to which `getItem` appends the (escaped) item id.
    pub fn item_url_prefix(&self) -> Result<Url, EbayError> {
        join(&self.resolved_base_url()?, "buy/browse/v1/item/")
    }
}

/// Appends `path` to `base`, keeping any path prefix the base already has (a mock mounted
/// under `/ebay/` still works).
fn join(base: &Url, path: &str) -> Result<Url, EbayError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path)
        .map_err(|e| EbayError::Config(format!("cannot build URL from {base}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_client_secret() {
        // Arrange
        let config = EbayConfig::new(Environment::Sandbox, "app-id", "very-secret-value");

        // Act
        let printed = format!("{config:?}");

        // Assert
        assert!(!printed.contains("very-secret-value"), "{printed}");
        assert!(printed.contains("redacted"));
    }

    #[test]
    fn each_environment_resolves_to_its_host_and_mock_requires_a_base_url() {
        let production = EbayConfig::new(Environment::Production, "id", "secret");
        let sandbox = EbayConfig::new(Environment::Sandbox, "id", "secret");
        let mock = EbayConfig::new(Environment::Mock, "id", "secret");

        assert_eq!(
            production.search_url().map(|u| u.to_string()).ok(),
            Some("https://api.ebay.com/buy/browse/v1/item_summary/search".to_owned())
        );
        assert_eq!(
            sandbox.token_url().map(|u| u.to_string()).ok(),
            Some("https://api.sandbox.ebay.com/identity/v1/oauth2/token".to_owned())
        );
        assert!(matches!(mock.validate(), Err(EbayError::Config(_))));
    }

    #[test]
    fn a_base_url_with_a_path_prefix_keeps_the_prefix() {
        let base = Url::parse("http://127.0.0.1:8082/ebay").ok();
        let mut config = EbayConfig::new(Environment::Mock, "id", "secret");
        config.base_url = base;

        let url = config.token_url().map(|u| u.to_string()).ok();

        assert_eq!(
            url,
            Some("http://127.0.0.1:8082/ebay/identity/v1/oauth2/token".to_owned())
        );
    }

    #[test]
    fn environment_names_parse_case_insensitively_and_unknown_names_are_rejected() {
        let cases = [
            ("production", Some(Environment::Production)),
            ("Sandbox", Some(Environment::Sandbox)),
            (" MOCK ", Some(Environment::Mock)),
            ("staging", None),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Environment>().ok(), expected, "{input}");
        }
    }
}
