//! [`ChannelUrl`]: an Apprise-style channel URL (DESIGN §12) parsed into a typed destination at
//! the boundary, so the rest of the service never looks at URL strings again.
//!
//! | form | kind | sends to |
//! |---|---|---|
//! | `mailto:` | email | the account's verified address (built in) |
//! | `json://host[:port]/path`, `jsons://…` | generic webhook | `http(s)://host[:port]/path` |
//! | `ntfy://[user:pass@]host[:port]/topic`, `ntfys://…` | ntfy | `http(s)://host/topic` |
//! | `tgram://BOT_TOKEN/CHAT_ID` | Telegram | `{TELEGRAM_API_URL}/bot{BOT_TOKEN}/sendMessage` |
//! | `discord://WEBHOOK_ID/WEBHOOK_TOKEN` | Discord | `{DISCORD_API_URL}/api/webhooks/{ID}/{TOKEN}` |
//! | `slack://T…/B…/TOKEN` | Slack | `{SLACK_WEBHOOK_URL}/{T}/{B}/{TOKEN}` |
//!
//! Bot tokens contain `:` (`123456:ABC…`), which a generic URL parser reads as a port, so the
//! cloud forms are split by hand; the webhook and ntfy forms go through [`url::Url`].

use std::fmt;

use serde::Serialize;
use url::Url;

/// Longest channel URL accepted.
pub const MAX_URL_LEN: usize = 2_000;

/// What kind of destination a channel is (the `kind` of the API and the metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// The account's email address.
    Email,
    /// A generic JSON webhook (Standard Webhooks).
    Json,
    /// An ntfy topic.
    Ntfy,
    /// A Telegram chat through a bot.
    Tgram,
    /// A Discord webhook.
    Discord,
    /// A Slack incoming webhook.
    Slack,
}

impl ChannelKind {
    /// Every kind, for metrics.
    pub const ALL: [ChannelKind; 6] = [
        Self::Email,
        Self::Json,
        Self::Ntfy,
        Self::Tgram,
        Self::Discord,
        Self::Slack,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Json => "json",
            Self::Ntfy => "ntfy",
            Self::Tgram => "tgram",
            Self::Discord => "discord",
            Self::Slack => "slack",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed channel URL.
#[derive(Clone, PartialEq, Eq)]
pub enum ChannelUrl {
    /// `mailto:` — the built-in email channel.
    Email,
    /// `json://` / `jsons://`: the `http(s)` URL posted to.
    Json(Url),
    /// `ntfy://` / `ntfys://`: the topic's `http(s)` URL (credentials, if any, inside it).
    Ntfy(Url),
    /// `tgram://BOT_TOKEN/CHAT_ID`.
    Tgram {
        /// `123456:ABC-DEF…`.
        bot_token: String,
        /// A numeric id (negative for groups) or `@channelusername`.
        chat_id: String,
    },
    /// `discord://WEBHOOK_ID/WEBHOOK_TOKEN`.
    Discord {
        /// Numeric webhook id.
        id: String,
        /// Webhook token.
        token: String,
    },
    /// `slack://T…/B…/TOKEN`.
    Slack {
        /// Workspace id (`T…`).
        team: String,
        /// Webhook id (`B…`).
        bot: String,
        /// Webhook token.
        token: String,
    },
}

/// `Debug` never shows the secrets (URLs are logged by accident more often than on purpose).
impl fmt::Debug for ChannelUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelUrl({})", self.masked())
    }
}

/// Why a channel URL is not accepted; the message completes "url …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Empty input.
    #[error("must not be empty")]
    Empty,
    /// Over [`MAX_URL_LEN`].
    #[error("must be at most {MAX_URL_LEN} characters")]
    TooLong,
    /// No `scheme:` at all, or one we do not know.
    #[error(
        "must start with one of mailto:, json://, jsons://, ntfy://, ntfys://, tgram://, discord://, slack:// (got {0:?})"
    )]
    UnknownScheme(String),
    /// The scheme is known but the rest is not in its form.
    #[error("is not a valid {scheme} URL: {reason} (expected {form})")]
    Malformed {
        /// The scheme.
        scheme: &'static str,
        /// What is wrong.
        reason: String,
        /// The expected form.
        form: &'static str,
    },
}

fn malformed(scheme: &'static str, form: &'static str, reason: impl Into<String>) -> UrlError {
    UrlError::Malformed {
        scheme,
        reason: reason.into(),
        form,
    }
}

const JSON_FORM: &str = "json://host[:port]/path or jsons://host[:port]/path";
const NTFY_FORM: &str = "ntfy://host[:port]/topic or ntfys://[user:password@]host/topic";
const TGRAM_FORM: &str = "tgram://BOT_TOKEN/CHAT_ID, e.g. tgram://123456:ABC-def/-1001234";
const DISCORD_FORM: &str = "discord://WEBHOOK_ID/WEBHOOK_TOKEN";
const SLACK_FORM: &str = "slack://T…/B…/TOKEN";

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl ChannelUrl {
    /// Parses a channel URL as a user typed it (surrounding white space ignored).
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        if input.chars().count() > MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        if input.chars().any(char::is_control) || input.contains(' ') {
            return Err(UrlError::UnknownScheme(
                "a URL without spaces or control characters".into(),
            ));
        }
        let lower = input.to_ascii_lowercase();
        if lower == "mailto:" {
            return Ok(Self::Email);
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(UrlError::UnknownScheme(
                input.chars().take(20).collect::<String>(),
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "json" => Self::web(rest, "json", "http", JSON_FORM).map(Self::Json),
            "jsons" => Self::web(rest, "jsons", "https", JSON_FORM).map(Self::Json),
            "ntfy" => Self::ntfy(rest, "ntfy", "http"),
            "ntfys" => Self::ntfy(rest, "ntfys", "https"),
            "tgram" => Self::tgram(rest),
            "discord" => Self::discord(rest),
            "slack" => Self::slack(rest),
            other => Err(UrlError::UnknownScheme(format!("{other}://"))),
        }
    }

    fn web(
        rest: &str,
        scheme: &'static str,
        http: &str,
        form: &'static str,
    ) -> Result<Url, UrlError> {
        if rest.starts_with('/') || rest.is_empty() {
            return Err(malformed(scheme, form, "the host is missing"));
        }
        let url = Url::parse(&format!("{http}://{rest}"))
            .map_err(|e| malformed(scheme, form, e.to_string()))?;
        match url.host_str() {
            Some(host) if !host.is_empty() => {}
            _ => return Err(malformed(scheme, form, "the host is missing")),
        }
        if url.fragment().is_some() {
            return Err(malformed(scheme, form, "a #fragment is never sent"));
        }
        Ok(url)
    }

    fn ntfy(rest: &str, scheme: &'static str, http: &str) -> Result<Self, UrlError> {
        let url = Self::web(rest, scheme, http, NTFY_FORM)?;
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        match segments.as_slice() {
            [topic] if topic.len() <= 64 && topic.chars().all(is_token_char) => {}
            [] => return Err(malformed(scheme, NTFY_FORM, "the topic is missing")),
            [_] => {
                return Err(malformed(
                    scheme,
                    NTFY_FORM,
                    "a topic is 1–64 letters, digits, - or _",
                ));
            }
            _ => {
                return Err(malformed(
                    scheme,
                    NTFY_FORM,
                    "only one path segment (the topic) is allowed",
                ));
            }
        }
        if url.query().is_some() {
            return Err(malformed(
                scheme,
                NTFY_FORM,
                "query parameters are not supported",
            ));
        }
        Ok(Self::Ntfy(url))
    }

    fn parts(rest: &str) -> Vec<&str> {
        rest.trim_end_matches('/').split('/').collect()
    }

    fn tgram(rest: &str) -> Result<Self, UrlError> {
        let parts = Self::parts(rest);
        let [bot_token, chat_id] = parts.as_slice() else {
            return Err(malformed(
                "tgram",
                TGRAM_FORM,
                "expected exactly a bot token and a chat id",
            ));
        };
        let valid_token = bot_token.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty()
                && id.chars().all(|c| c.is_ascii_digit())
                && !secret.is_empty()
                && secret.chars().all(is_token_char)
        });
        if !valid_token {
            return Err(malformed(
                "tgram",
                TGRAM_FORM,
                "the bot token must look like 123456:ABC-def (as @BotFather gives it)",
            ));
        }
        let numeric = chat_id
            .strip_prefix('-')
            .unwrap_or(chat_id)
            .chars()
            .all(|c| c.is_ascii_digit())
            && !chat_id.trim_start_matches('-').is_empty();
        let username = chat_id.strip_prefix('@').is_some_and(|u| {
            (5..=32).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if !(numeric || username) {
            return Err(malformed(
                "tgram",
                TGRAM_FORM,
                "the chat id must be a number (negative for groups) or @channelname",
            ));
        }
        Ok(Self::Tgram {
            bot_token: (*bot_token).to_owned(),
            chat_id: (*chat_id).to_owned(),
        })
    }

    fn discord(rest: &str) -> Result<Self, UrlError> {
        let parts = Self::parts(rest);
        let [id, token] = parts.as_slice() else {
            return Err(malformed(
                "discord",
                DISCORD_FORM,
                "expected exactly a webhook id and a token",
            ));
        };
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(malformed(
                "discord",
                DISCORD_FORM,
                "the webhook id must be a number",
            ));
        }
        if token.is_empty() || !token.chars().all(is_token_char) {
            return Err(malformed(
                "discord",
                DISCORD_FORM,
                "the token must be letters, digits, - or _",
            ));
        }
        Ok(Self::Discord {
            id: (*id).to_owned(),
            token: (*token).to_owned(),
        })
    }

    fn slack(rest: &str) -> Result<Self, UrlError> {
        let parts = Self::parts(rest);
        let [team, bot, token] = parts.as_slice() else {
            return Err(malformed(
                "slack",
                SLACK_FORM,
                "expected three parts: T…, B… and the token",
            ));
        };
        let id = |s: &str, first: char| {
            s.len() > 1
                && s.starts_with(first)
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        if !id(team, 'T') {
            return Err(malformed(
                "slack",
                SLACK_FORM,
                "the first part must be a T… workspace id",
            ));
        }
        if !id(bot, 'B') {
            return Err(malformed(
                "slack",
                SLACK_FORM,
                "the second part must be a B… webhook id",
            ));
        }
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(malformed(
                "slack",
                SLACK_FORM,
                "the token must be letters and digits",
            ));
        }
        Ok(Self::Slack {
            team: (*team).to_owned(),
            bot: (*bot).to_owned(),
            token: (*token).to_owned(),
        })
    }

    /// The kind of destination.
    pub fn kind(&self) -> ChannelKind {
        match self {
            Self::Email => ChannelKind::Email,
            Self::Json(_) => ChannelKind::Json,
            Self::Ntfy(_) => ChannelKind::Ntfy,
            Self::Tgram { .. } => ChannelKind::Tgram,
            Self::Discord { .. } => ChannelKind::Discord,
            Self::Slack { .. } => ChannelKind::Slack,
        }
    }

    /// The URL as the user wrote it (normalised), secrets included: what is sealed in the
    /// database and parsed again when sending.
    pub fn expose(&self) -> String {
        match self {
            Self::Email => "mailto:".into(),
            Self::Json(url) => apprise(url, "json"),
            Self::Ntfy(url) => apprise(url, "ntfy"),
            Self::Tgram { bot_token, chat_id } => format!("tgram://{bot_token}/{chat_id}"),
            Self::Discord { id, token } => format!("discord://{id}/{token}"),
            Self::Slack { team, bot, token } => format!("slack://{team}/{bot}/{token}"),
        }
    }

    /// The URL with its secrets replaced by `***`: what the API and logs show. Webhook URLs
    /// keep their host and path (the signing secret is separate) but lose credentials and
    /// query values; an ntfy topic is its password, so only its first characters remain.
    pub fn masked(&self) -> String {
        match self {
            Self::Email => "mailto:".into(),
            Self::Json(url) => {
                let mut shown = url.clone();
                let _ = shown.set_password(None);
                let _ = shown.set_username("");
                if url.query().is_some() {
                    let keys: Vec<String> =
                        url.query_pairs().map(|(k, _)| format!("{k}=***")).collect();
                    shown.set_query(Some(&keys.join("&")));
                }
                apprise(&shown, "json")
            }
            Self::Ntfy(url) => {
                let topic = url.path().trim_matches('/');
                let mut shown = url.clone();
                let _ = shown.set_password(None);
                let _ = shown.set_username("");
                shown.set_path(&format!("{}***", topic.chars().take(3).collect::<String>()));
                apprise(&shown, "ntfy")
            }
            Self::Tgram { bot_token, chat_id } => {
                let bot_id = bot_token.split(':').next().unwrap_or_default();
                format!("tgram://{bot_id}:***/{chat_id}")
            }
            Self::Discord { id, .. } => format!("discord://{id}/***"),
            Self::Slack { team, bot, .. } => format!("slack://{team}/{bot}/***"),
        }
    }

    /// Where a message is posted, given the configured service bases.
    pub fn endpoint(&self, bases: &ServiceBases) -> Option<Url> {
        let join = |base: &Url, path: &str| -> Option<Url> {
            Url::parse(&format!("{}/{path}", base.as_str().trim_end_matches('/'))).ok()
        };
        match self {
            Self::Email => None,
            Self::Json(url) | Self::Ntfy(url) => {
                let mut url = url.clone();
                // Credentials go in an Authorization header, not the request line.
                let _ = url.set_password(None);
                let _ = url.set_username("");
                Some(url)
            }
            Self::Tgram { bot_token, .. } => {
                join(&bases.telegram, &format!("bot{bot_token}/sendMessage"))
            }
            Self::Discord { id, token } => {
                join(&bases.discord, &format!("api/webhooks/{id}/{token}"))
            }
            Self::Slack { team, bot, token } => {
                join(&bases.slack, &format!("{team}/{bot}/{token}"))
            }
        }
    }

    /// The host a user named (json and ntfy); the cloud kinds go to operator-configured hosts.
    pub fn user_host(&self) -> Option<(String, u16)> {
        match self {
            Self::Json(url) | Self::Ntfy(url) => Some((
                url.host_str()?.trim_matches(['[', ']']).to_owned(),
                url.port_or_known_default()?,
            )),
            _ => None,
        }
    }

    /// Basic-auth credentials of an ntfy URL (`ntfy://user:pass@host/topic`).
    pub fn basic_auth(&self) -> Option<(String, String)> {
        match self {
            Self::Ntfy(url) if !url.username().is_empty() || url.password().is_some() => Some((
                url.username().to_owned(),
                url.password().unwrap_or_default().to_owned(),
            )),
            _ => None,
        }
    }
}

/// `http(s)://…` back to the Apprise scheme (`json(s)://…`, `ntfy(s)://…`).
fn apprise(url: &Url, kind: &str) -> String {
    let tls = if url.scheme() == "https" { "s" } else { "" };
    let rest = url
        .as_str()
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    format!("{kind}{tls}://{rest}")
}

/// The bases of the cloud services (`TELEGRAM_API_URL`, `DISCORD_API_URL`,
/// `SLACK_WEBHOOK_URL`), configurable for tests and air-gapped installs.
#[derive(Debug, Clone)]
pub struct ServiceBases {
    /// Telegram Bot API.
    pub telegram: Url,
    /// Discord.
    pub discord: Url,
    /// Slack incoming webhooks.
    pub slack: Url,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases() -> ServiceBases {
        ServiceBases {
            telegram: Url::parse("https://api.telegram.org").unwrap(),
            discord: Url::parse("https://discord.com").unwrap(),
            slack: Url::parse("https://hooks.slack.com/services").unwrap(),
        }
    }

    #[test]
    fn every_documented_form_parses_into_its_kind_and_endpoint() {
        let cases = [
            ("mailto:", ChannelKind::Email, None),
            (
                "json://hooks.example.com/eb/alerts",
                ChannelKind::Json,
                Some("http://hooks.example.com/eb/alerts"),
            ),
            (
                "jsons://hooks.example.com:8443/in?source=ebay",
                ChannelKind::Json,
                Some("https://hooks.example.com:8443/in?source=ebay"),
            ),
            (
                "ntfy://ntfy.lan/deals_42",
                ChannelKind::Ntfy,
                Some("http://ntfy.lan/deals_42"),
            ),
            (
                "ntfys://me:pw@ntfy.sh/deals",
                ChannelKind::Ntfy,
                Some("https://ntfy.sh/deals"),
            ),
            (
                "tgram://123456:ABC-def_9/-1001234",
                ChannelKind::Tgram,
                Some("https://api.telegram.org/bot123456:ABC-def_9/sendMessage"),
            ),
            (
                "tgram://123456:ABC/@my_channel",
                ChannelKind::Tgram,
                Some("https://api.telegram.org/bot123456:ABC/sendMessage"),
            ),
            (
                "discord://112233/tok-EN_1",
                ChannelKind::Discord,
                Some("https://discord.com/api/webhooks/112233/tok-EN_1"),
            ),
            (
                "slack://T0001/B0002/abcDEF123",
                ChannelKind::Slack,
                Some("https://hooks.slack.com/services/T0001/B0002/abcDEF123"),
            ),
        ];
        for (input, kind, endpoint) in cases {
            let url = ChannelUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.kind(), kind, "{input}");
            assert_eq!(
                url.endpoint(&bases()).map(|u| u.to_string()).as_deref(),
                endpoint,
                "{input}"
            );
            assert_eq!(
                ChannelUrl::parse(&url.expose()).unwrap(),
                url,
                "{input} round-trips"
            );
        }
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason_and_the_expected_form() {
        let cases = [
            ("", "must not be empty"),
            ("   ", "must not be empty"),
            ("https://example.com/hook", "must start with one of"),
            ("gopher://x/y", "must start with one of"),
            ("just words", "without spaces"),
            ("json://", "not a valid json URL"),
            ("json:///path-only", "not a valid json URL"),
            ("json://host/x#frag", "fragment"),
            ("ntfy://ntfy.sh", "the topic is missing"),
            ("ntfy://ntfy.sh/a/b", "only one path segment"),
            ("ntfy://ntfy.sh/bad%20topic", "1–64 letters"),
            ("ntfy://ntfy.sh/topic?x=1", "query parameters"),
            ("tgram://123456/-100", "bot token must look like"),
            ("tgram://abc:def/-100", "bot token must look like"),
            ("tgram://123:abc/not-a-chat", "chat id must be a number"),
            ("tgram://123:abc", "exactly a bot token and a chat id"),
            ("discord://abc/token", "webhook id must be a number"),
            (
                "discord://123/tok/extra",
                "exactly a webhook id and a token",
            ),
            ("discord://123/to.ken", "letters, digits"),
            ("slack://X1/B2/tok", "T… workspace id"),
            ("slack://T1/C2/tok", "B… webhook id"),
            ("slack://T1/B2/to-k", "letters and digits"),
            ("slack://T1/B2", "three parts"),
        ];
        for (input, expected) in cases {
            let error = ChannelUrl::parse(input).expect_err(input).to_string();
            assert!(error.contains(expected), "{input:?}: {error}");
        }
        let long = format!("json://h/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(ChannelUrl::parse(&long), Err(UrlError::TooLong));
    }

    #[test]
    fn masked_urls_show_no_secret() {
        let cases = [
            (
                "tgram://123456:SECRETabc/-1001",
                "tgram://123456:***/-1001",
                "SECRETabc",
            ),
            ("discord://42/SECRETtok", "discord://42/***", "SECRETtok"),
            ("slack://T1/B2/SECRETx", "slack://T1/B2/***", "SECRETx"),
            (
                "ntfys://u:SECRETpw@ntfy.sh/topSECRET",
                "ntfys://ntfy.sh/top***",
                "SECRET",
            ),
            (
                "jsons://user:SECRETpw@h.example/in?token=SECRETq",
                "jsons://h.example/in?token=***",
                "SECRET",
            ),
        ];
        for (input, masked, secret) in cases {
            let url = ChannelUrl::parse(input).unwrap();
            assert_eq!(url.masked(), masked, "{input}");
            assert!(!format!("{url:?}").contains(secret), "Debug hides {input}");
        }
    }

    #[test]
    fn ntfy_credentials_become_basic_auth_not_part_of_the_endpoint() {
        let url = ChannelUrl::parse("ntfy://me:pw@ntfy.lan:8080/t").unwrap();
        assert_eq!(url.basic_auth(), Some(("me".into(), "pw".into())));
        assert_eq!(
            url.endpoint(&bases()).unwrap().as_str(),
            "http://ntfy.lan:8080/t"
        );
        assert_eq!(url.user_host(), Some(("ntfy.lan".into(), 8080)));
    }
}
