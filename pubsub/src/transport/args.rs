//! [`TransportArgs`]: the broker settings both services take from the command line and the
//! environment (DESIGN §4), defined once beside the transports they configure and flattened
//! into each service's own settings.

use clap::Args;
use service_kit::Sensitive;

use super::{TransportError, TransportKind, TransportSettings};

/// `REDIS_URL`, `PUBSUB_TRANSPORT` and `REDIS_KEY_PREFIX`, as clap parses them.
#[derive(Debug, Clone, Args)]
pub struct TransportArgs {
    /// Redis for events and cross-replica counters; `memory://` only in the one-process mode.
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub redis_url: Sensitive<String>,

    /// `streams` (durable, default) or `pubsub` (fire-and-forget, as the original system).
    // A string, not a `TransportKind`, so a bad value is reported by `settings()` as one line
    // naming the variable instead of clap's multi-line usage error.
    #[arg(long, env = "PUBSUB_TRANSPORT", default_value = "streams")]
    pub pubsub_transport: String,

    /// Prefix of every Redis key (lets several deployments share one Redis).
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "")]
    pub redis_key_prefix: String,
}

impl TransportArgs {
    /// Arguments for a broker URL with the default kind (Streams) and no key prefix.
    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            redis_url: Sensitive::new(redis_url.into()),
            pubsub_transport: TransportKind::Streams.to_string(),
            redis_key_prefix: String::new(),
        }
    }

    /// Whether these point at the in-process broker (`memory://`) rather than Redis.
    pub fn is_memory(&self) -> bool {
        self.redis_url.expose().trim().starts_with("memory:")
    }

    /// Typed transport settings; the error is one sentence naming the variable.
    pub fn settings(&self) -> Result<TransportSettings, TransportError> {
        let kind: TransportKind = self
            .pubsub_transport
            .parse()
            .map_err(|e: String| TransportError::Config(format!("PUBSUB_TRANSPORT: {e}")))?;
        Ok(TransportSettings::new(self.redis_url.expose().trim())
            .with_kind(kind)
            .with_key_prefix(self.redis_key_prefix.clone()))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        transport: TransportArgs,
    }

    #[test]
    fn values_parse_into_settings_or_a_one_line_error_naming_the_variable() {
        // (arguments, Ok((url, kind, prefix)) or Err(variable named in the error))
        type Expected = Result<(&'static str, TransportKind, &'static str), &'static str>;
        let cases: &[(&[&str], Expected)] = &[
            (
                &[],
                Ok(("redis://127.0.0.1:6379", TransportKind::Streams, "")),
            ),
            (
                &["--pubsub-transport", "pubsub", "--redis-key-prefix", "t1:"],
                Ok(("redis://127.0.0.1:6379", TransportKind::PubSub, "t1:")),
            ),
            (
                &["--redis-url", " memory:// "],
                Ok(("memory://", TransportKind::Streams, "")),
            ),
            (&["--pubsub-transport", "kafka"], Err("PUBSUB_TRANSPORT")),
        ];
        for (args, expected) in cases {
            let argv = std::iter::once("test").chain(args.iter().copied());
            let parsed = Cli::try_parse_from(argv).unwrap().transport;
            match (parsed.settings(), expected) {
                (Ok(settings), Ok((url, kind, prefix))) => {
                    assert_eq!(
                        (
                            settings.url.as_str(),
                            settings.kind,
                            settings.key_prefix.as_str()
                        ),
                        (*url, *kind, *prefix),
                        "{args:?}"
                    );
                }
                (Err(error), Err(variable)) => {
                    let message = error.to_string();
                    assert!(message.contains(variable), "{args:?}: {message}");
                    assert!(!message.contains('\n'), "{args:?}: {message}");
                }
                (got, want) => panic!("{args:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn the_redis_url_never_shows_in_debug_output() {
        let args = TransportArgs::new("redis://:hunter2@redis:6379");
        assert!(!format!("{args:?}").contains("hunter2"));
        assert!(!format!("{:?}", args.settings().unwrap()).contains("hunter2"));
    }
}
