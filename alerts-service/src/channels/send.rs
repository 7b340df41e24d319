//! One delivery: build the service's request, send it through the guarded client, and classify
//! the answer (DESIGN §12): 2xx delivered; timeouts, connection failures, 408, 429 and 5xx
//! retried (honouring `Retry-After`); any other answer — other 4xx, and 3xx since redirects are
//! not followed — failed for good; an address the SSRF rules forbid is failed for good too.
//! Only the first [`MAX_ANSWER`] bytes of an answer are read.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::message::{self, Notification};
use super::ssrf::{Refused, forbidden};
use super::{ChannelKind, ChannelUrl, Channels, secrets, templates};

/// Bytes of a receiver's answer kept (shown by "Send test" and on the channel).
pub const MAX_ANSWER: usize = 2 * 1024;

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver accepted it.
    Delivered,
    /// Try again later; `after` is the receiver's `Retry-After`, if it sent one.
    Retry {
        /// The receiver's wish.
        after: Option<Duration>,
    },
    /// Do not try again.
    Failed,
}

/// One attempt's result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    /// `delivered`, `retry` or `failed`.
    pub outcome: &'static str,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The start of the receiver's answer.
    pub answer: Option<String>,
    /// What went wrong, in words.
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds.
    pub duration_ms: u64,
    #[serde(skip)]
    #[schema(ignore)]
    /// For the worker.
    pub next: Outcome,
}

/// What to deliver where.
pub struct Delivery<'a> {
    /// The destination.
    pub url: &'a ChannelUrl,
    /// The webhook signing secret (`json` channels).
    pub secret: Option<&'a str>,
    /// The channel's title template.
    pub title_template: Option<&'a str>,
    /// The channel's body template.
    pub body_template: Option<&'a str>,
    /// The outbox row's id: `webhook-id` is `msg_` + this, the same on every retry.
    pub message_id: String,
    /// The notification.
    pub notification: &'a Notification,
}

/// Sends one delivery and classifies the answer.
pub async fn deliver(channels: &Channels, d: Delivery<'_>) -> Attempt {
    let started = Instant::now();
    let kind = d.url.kind();
    let mut attempt = send(channels, &d).await;
    attempt.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let label = [kind.as_str()];
    channels
        .metrics
        .latency
        .with_label_values(&label)
        .observe(started.elapsed().as_secs_f64());
    attempt
}

fn failed(error: impl Into<String>) -> Attempt {
    Attempt {
        outcome: "failed",
        status: None,
        answer: None,
        error: Some(error.into()),
        duration_ms: 0,
        next: Outcome::Failed,
    }
}

async fn send(channels: &Channels, d: &Delivery<'_>) -> Attempt {
    let Some(endpoint) = d.url.endpoint(&channels.bases) else {
        return failed("email is delivered by the email sender");
    };
    // IP literals never reach the resolver, so the rules are applied here for them.
    if let Some(host) = endpoint.host_str()
        && let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>()
        && let Some(reason) = forbidden(ip).filter(|_| !channels.allowed.contains(host))
    {
        return failed(
            Refused::Forbidden {
                host: host.to_owned(),
                ip,
                reason,
            }
            .to_string(),
        );
    }
    let n = d.notification;
    let rendered = templates::apply(d.title_template, d.body_template, n);
    let request = channels.http.post(endpoint.clone());
    let request = match d.url {
        ChannelUrl::Email => return failed("email is delivered by the email sender"),
        ChannelUrl::Json(_) => {
            let timestamp = Utc::now();
            let body = json!({
                "type": n.kind,
                "timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "data": n,
                "message": {"title": rendered.title, "body": rendered.body},
            });
            let bytes = match serde_json::to_vec(&body) {
                Ok(bytes) => bytes,
                Err(e) => return failed(format!("cannot encode the body: {e}")),
            };
            let id = format!("msg_{}", d.message_id);
            let mut request = request
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", timestamp.timestamp().to_string());
            if let Some(secret) = d.secret {
                request = request.header(
                    "webhook-signature",
                    secrets::sign(secret, &id, timestamp.timestamp(), &bytes),
                );
            }
            request.body(bytes)
        }
        ChannelUrl::Ntfy(_) => {
            let mut request = request
                .header("content-type", "text/plain; charset=utf-8")
                .body(message::clip(&rendered.body, 4_000));
            for (name, value) in message::ntfy_headers(n, &rendered) {
                request = request.header(name, value);
            }
            if let Some((user, password)) = d.url.basic_auth() {
                request = request.basic_auth(user, Some(password));
            }
            request
        }
        ChannelUrl::Tgram { chat_id, .. } => {
            request.json(&message::telegram_body(chat_id, n, &rendered))
        }
        ChannelUrl::Discord { .. } => request.json(&message::discord_body(n, &rendered)),
        ChannelUrl::Slack { .. } => request.json(&message::slack_body(n, &rendered)),
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => return transport_failure(d.url.kind(), &error),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let answer = read_capped(response).await;
    let code = status.as_u16();
    let (outcome, next, error) = if status.is_success() {
        ("delivered", Outcome::Delivered, None)
    } else if code == 408 || code == 429 || status.is_server_error() {
        (
            "retry",
            Outcome::Retry { after: retry_after },
            Some(format!("the receiver answered {status}; will retry")),
        )
    } else if status.is_redirection() {
        (
            "failed",
            Outcome::Failed,
            Some(format!(
                "the receiver answered {status}; redirects are not followed, use the final URL"
            )),
        )
    } else {
        (
            "failed",
            Outcome::Failed,
            Some(format!("the receiver answered {status}")),
        )
    };
    Attempt {
        outcome,
        status: Some(code),
        answer: Some(answer),
        error,
        duration_ms: 0,
        next,
    }
}

fn transport_failure(kind: ChannelKind, error: &reqwest::Error) -> Attempt {
    // The guard refusing an address is final; anything else on the way is worth retrying.
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        if let Some(refused @ Refused::Forbidden { .. }) = e.downcast_ref::<Refused>() {
            return failed(refused.to_string());
        }
        source = e.source();
    }
    let what = if error.is_timeout() {
        "the receiver did not answer in time".to_owned()
    } else if error.is_connect() {
        format!("cannot connect to the receiver: {}", root_cause(error))
    } else {
        format!("the request failed: {}", root_cause(error))
    };
    tracing::debug!(%kind, error = %what, "channel delivery attempt failed");
    Attempt {
        outcome: "retry",
        status: None,
        answer: None,
        error: Some(format!("{what}; will retry")),
        duration_ms: 0,
        next: Outcome::Retry { after: None },
    }
}

/// The innermost error's message: reqwest's own message names the URL, which holds secrets.
fn root_cause(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut message = None;
    let mut next = error.source();
    while let Some(e) = next {
        message = Some(e.to_string());
        next = e.source();
    }
    message.unwrap_or_else(|| "transport error".into())
}

async fn read_capped(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ANSWER.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ANSWER {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// `Retry-After` as seconds or an HTTP date; capped at a day.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let secs = match value.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            u64::try_from((at.with_timezone(&Utc) - Utc::now()).num_seconds().max(0)).ok()?
        }
    };
    Some(Duration::from_secs(secs.min(24 * 3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("999999999"),
            Some(Duration::from_secs(86_400))
        );
        let later = (Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let parsed = parse_retry_after(&later).unwrap().as_secs();
        assert!((118..=120).contains(&parsed), "{parsed}");
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
