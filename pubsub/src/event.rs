//! The CloudEvents 1.0 envelope (JSON structured mode) and its encoding.
//!
//! An [`Event`] is one message on a topic: the envelope attributes plus a typed [`Payload`].
//! Decoding never panics and never silently drops information: an event whose `type` this build
//! does not know is returned as [`Payload::Unknown`] so the consumer can decide (usually: dead-letter
//! it with a clear reason), and malformed bytes give a [`DecodeError`] that says what was wrong.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::event_type;
use crate::payload::{AlertChanged, AlertDeleted, InsightGenerated, Payload, ProductsObserved};

/// The only CloudEvents spec version this crate speaks.
pub const SPEC_VERSION: &str = "1.0";
/// `datacontenttype` of every event we publish.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// One event: the CloudEvents context attributes and a typed payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique per event (a UUID v7 for events we produce); consumers deduplicate on it.
    pub id: String,
    /// The producing service, e.g. `alerts-service`.
    pub source: String,
    /// What the event is about, e.g. the alert id.
    pub subject: Option<String>,
    /// When the change happened.
    pub time: Option<DateTime<Utc>>,
    /// The typed `data`; its variant determines the CloudEvents `type`.
    pub payload: Payload,
}

/// Why bytes taken off a topic could not be turned into an [`Event`].
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, truncated, or missing a required envelope attribute.
    #[error("not a CloudEvents JSON envelope: {0}")]
    Envelope(#[source] serde_json::Error),
    /// A `specversion` other than 1.0.
    #[error("unsupported CloudEvents specversion {0:?} (only 1.0 is understood)")]
    SpecVersion(String),
    /// A `datacontenttype` other than JSON.
    #[error("unsupported datacontenttype {0:?} (only application/json is understood)")]
    ContentType(String),
    /// An envelope attribute that must not be empty was empty.
    #[error("CloudEvents attribute `{0}` must not be empty")]
    EmptyAttribute(&'static str),
    /// A known event type whose `data` does not match its schema.
    #[error("`data` of a {event_type} event does not match its schema: {source}")]
    Data {
        /// The CloudEvents type that was declared.
        event_type: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
    /// A known event type whose `data` parsed but holds impossible values.
    #[error("`data` of a {event_type} event is invalid: {reason}")]
    Invalid {
        /// The CloudEvents type that was declared.
        event_type: String,
        /// A human sentence saying which value is wrong.
        reason: String,
    },
}

/// Why an [`Event`] could not be encoded (practically unreachable: all fields are serialisable).
#[derive(Debug, thiserror::Error)]
#[error("could not encode event: {0}")]
pub struct EncodeError(#[from] serde_json::Error);

/// The wire shape, borrowed for encoding.
#[derive(Serialize)]
struct WireOut<'a, D: Serialize> {
    specversion: &'static str,
    id: &'a str,
    source: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    datacontenttype: &'static str,
    data: &'a D,
}

/// The wire shape for decoding; `data` is kept raw so it is parsed once, straight into its type.
#[derive(Deserialize)]
struct WireIn<'a> {
    specversion: String,
    id: String,
    source: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    time: Option<DateTime<Utc>>,
    #[serde(default)]
    datacontenttype: Option<String>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

impl Event {
    /// A new event from `source` with a fresh UUID v7 id and the current time.
    pub fn new(source: impl Into<String>, subject: Option<String>, payload: Payload) -> Self {
        Self {
            id: Uuid::now_v7().to_string(),
            source: source.into(),
            subject,
            time: Some(Utc::now()),
            payload,
        }
    }

    /// The CloudEvents `type` of this event.
    pub fn event_type(&self) -> &str {
        self.payload.event_type()
    }

    /// Serialises the event as one CloudEvents JSON document.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        match &self.payload {
            Payload::AlertCreated(d) | Payload::AlertUpdated(d) => self.encode_with(d),
            Payload::AlertDeleted(d) => self.encode_with(d),
            Payload::ProductsObserved(d) => self.encode_with(d),
            Payload::InsightGenerated(d) => self.encode_with(d),
            Payload::Unknown { data, .. } => self.encode_with(data),
        }
    }

    fn encode_with<D: Serialize>(&self, data: &D) -> Result<Vec<u8>, EncodeError> {
        Ok(serde_json::to_vec(&WireOut {
            specversion: SPEC_VERSION,
            id: &self.id,
            source: &self.source,
            event_type: self.event_type(),
            subject: self.subject.as_deref(),
            time: self
                .time
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            datacontenttype: JSON_CONTENT_TYPE,
            data,
        })?)
    }

    /// Parses one CloudEvents JSON document.
    ///
    /// Unknown `type`s are not an error: they come back as [`Payload::Unknown`] with their raw
    /// data, so a newer producer never crashes an older consumer.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let wire: WireIn<'_> = serde_json::from_slice(bytes).map_err(DecodeError::Envelope)?;
        if wire.specversion != SPEC_VERSION {
            return Err(DecodeError::SpecVersion(wire.specversion));
        }
        if let Some(ct) = &wire.datacontenttype {
            // Parameters such as `; charset=utf-8` are allowed by the spec.
            let media = ct.split(';').next().unwrap_or_default().trim();
            if !media.eq_ignore_ascii_case(JSON_CONTENT_TYPE) && !media.ends_with("+json") {
                return Err(DecodeError::ContentType(ct.clone()));
            }
        }
        if wire.id.is_empty() {
            return Err(DecodeError::EmptyAttribute("id"));
        }
        if wire.source.is_empty() {
            return Err(DecodeError::EmptyAttribute("source"));
        }
        if wire.event_type.is_empty() {
            return Err(DecodeError::EmptyAttribute("type"));
        }
        let raw = wire.data.map(RawValue::get).unwrap_or("null");
        let payload = Payload::from_json(&wire.event_type, raw)?;
        Ok(Self {
            id: wire.id,
            source: wire.source,
            subject: wire.subject,
            time: wire.time,
            payload,
        })
    }
}

impl Payload {
    /// Parses `data` for a given CloudEvents type and checks its invariants.
    fn from_json(event_type: &str, raw: &str) -> Result<Self, DecodeError> {
        fn parse<T: for<'de> Deserialize<'de>>(
            event_type: &str,
            raw: &str,
        ) -> Result<T, DecodeError> {
            serde_json::from_str(raw).map_err(|source| DecodeError::Data {
                event_type: event_type.to_owned(),
                source,
            })
        }
        let payload = match event_type {
            event_type::ALERT_CREATED => {
                Payload::AlertCreated(parse::<AlertChanged>(event_type, raw)?)
            }
            event_type::ALERT_UPDATED => {
                Payload::AlertUpdated(parse::<AlertChanged>(event_type, raw)?)
            }
            event_type::ALERT_DELETED => {
                Payload::AlertDeleted(parse::<AlertDeleted>(event_type, raw)?)
            }
            event_type::PRODUCTS_OBSERVED => {
                Payload::ProductsObserved(parse::<ProductsObserved>(event_type, raw)?)
            }
            event_type::INSIGHT_GENERATED => {
                Payload::InsightGenerated(parse::<InsightGenerated>(event_type, raw)?)
            }
            other => {
                return Ok(Payload::Unknown {
                    event_type: other.to_owned(),
                    data: parse::<serde_json::Value>(other, raw)?,
                });
            }
        };
        payload.validate().map_err(|reason| DecodeError::Invalid {
            event_type: event_type.to_owned(),
            reason,
        })?;
        Ok(payload)
    }
}
