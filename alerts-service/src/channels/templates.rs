//! Channel templates: optional `title_template` / `body_template` in Tera (DESIGN §12).
//!
//! Variables (the [`Notification`] as a template sees it):
//!
//! * `headline` — the one-line summary ("1 at or under your target, 1 new — switch oled").
//! * `alert.search_phrase`, `alert.url`, `alert.id`.
//! * `listings` — each with `reason` (`new`, `price_drop`, `target`, `ending_soon`), `title`,
//!   `url`, `price`, `shipping_cost`, `total_price`, `currency`, `price_line`,
//!   `previous_price`, `condition`, `buying_option`, `ends_at`, `image_url`, `deal` (the
//!   verdict's badge, e.g. "Lowest in 30 days", or null).
//! * `counts.new`, `counts.price_drops`, `counts.at_target`, `counts.ending_soon`,
//!   `counts.total`.
//! * `type` — `alert.listings`, `alert.insight` or `channel.test`.
//! * `insight` (only for `alert.insight`, absent otherwise) — `median_line`, `median_now`,
//!   `median_before`, `median_change_pct`, `compared_with`, `segment`, `currency`,
//!   `enough_data`, `deals`, `new_listings`, `days`, `period_start`, `chart_url`; its best deal
//!   is `listings[0]` with reason `best_deal` (see `docs/channels.md`).
//!
//! A template is checked when saved by rendering it on [`Notification::sample`]: one that does
//! not parse or render is a 422 naming the line. Rendering is bounded so a template cannot hurt
//! the service: the source is at most [`MAX_SOURCE`] characters with at most
//! [`MAX_LOOPS`] `for` loops (over at most 25 listings: no unbounded iteration; `range` is
//! disabled), output past [`MAX_OUTPUT`] bytes stops rendering, and output is never
//! HTML-escaped here (each sender escapes for its service).

use std::io::Write;

use super::message::{Notification, Rendered};

/// Longest template source, in characters.
pub const MAX_SOURCE: usize = 4_000;
/// Most `{% for %}` loops in one template (nesting them is what could multiply work).
pub const MAX_LOOPS: usize = 2;
/// Largest rendered output, in bytes.
pub const MAX_OUTPUT: usize = 16 * 1024;

/// Why a template is refused; `Display` completes "title_template …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Over [`MAX_SOURCE`].
    #[error("must be at most {MAX_SOURCE} characters")]
    TooLong,
    /// Over [`MAX_LOOPS`].
    #[error("may use at most {MAX_LOOPS} for loops")]
    TooManyLoops,
    /// Does not parse or render.
    #[error("line {line}: {message}")]
    AtLine {
        /// 1-based line.
        line: usize,
        /// Tera's message.
        message: String,
    },
    /// Fails without a position.
    #[error("{0}")]
    Other(String),
}

fn engine() -> tera::Tera {
    let mut tera = tera::Tera::new();
    // `range(end=10^9)` is the one way to loop without data; channel templates do not need it.
    tera.register_function(
        "range",
        |_: tera::Kwargs, _: &tera::State| -> tera::TeraResult<Vec<i64>> {
            Err(tera::Error::message(
                "range() is not available in channel templates",
            ))
        },
    );
    tera
}

/// A writer that refuses to grow past [`MAX_OUTPUT`].
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            return Err(std::io::Error::other(format!(
                "the output is larger than {MAX_OUTPUT} bytes"
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn error(e: &tera::Error) -> TemplateError {
    use std::error::Error as _;
    let report = match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
        _ => None,
    };
    match report {
        Some(r) => TemplateError::AtLine {
            line: r.span().start_line.max(1),
            message: r.message().to_owned(),
        },
        None => {
            let mut message = e.to_string();
            if let Some(source) = e.source() {
                message = format!("{message}: {source}");
            }
            // Reference checks (unknown filters, functions) come as a report:
            // "error: Unknown filter `x`\n --> __tera_one_off:2:15\n …".
            let line = message.split_once(" --> ").and_then(|(_, at)| {
                at.split(':')
                    .nth(1)
                    .and_then(|l| l.trim().parse::<usize>().ok())
            });
            let first = message
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_owned();
            match line {
                Some(line) => TemplateError::AtLine {
                    line,
                    message: first,
                },
                None => TemplateError::Other(first),
            }
        }
    }
}

/// Renders `source` with `n`, within the bounds.
pub fn render(source: &str, n: &Notification) -> Result<String, TemplateError> {
    if source.chars().count() > MAX_SOURCE {
        return Err(TemplateError::TooLong);
    }
    let loops = source
        .split("{%")
        .skip(1)
        .filter(|s| s.trim_start_matches(['-', ' ']).starts_with("for "))
        .count();
    if loops > MAX_LOOPS {
        return Err(TemplateError::TooManyLoops);
    }
    let context = tera::Context::from_serialize(n).map_err(|e| error(&e))?;
    let mut out = Capped(Vec::new());
    engine()
        .render_str_to(source, &context, false, &mut out)
        .map_err(|e| error(&e))?;
    String::from_utf8(out.0).map_err(|_| TemplateError::Other("the output is not UTF-8".into()))
}

/// Checks a template on sample data (what saving a channel does).
pub fn check(source: &str) -> Result<(), TemplateError> {
    render(source, &Notification::sample()).map(|_| ())
}

/// The title and text for `n` with a channel's templates (or the defaults). A template that
/// stopped rendering since it was saved (it cannot: the data's shape is fixed) falls back to
/// the default rather than losing the notification.
pub fn apply(title: Option<&str>, body: Option<&str>, n: &Notification) -> Rendered {
    let title = title
        .and_then(|t| render(t, n).ok())
        .map(|t| {
            t.lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
                .trim()
                .to_owned()
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| n.headline.clone());
    let custom = body
        .and_then(|b| render(b, n).ok())
        .filter(|b| !b.trim().is_empty());
    Rendered {
        title,
        custom_body: custom.is_some(),
        body: custom.unwrap_or_else(|| n.default_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_variables_render_on_sample_data() {
        let out = render(
            "{{ counts.total }} for {{ alert.search_phrase }}:{% for l in listings %} {{ l.title }} at {{ l.price }} {{ l.currency }};{% endfor %}",
            &Notification::sample(),
        )
        .unwrap();
        assert!(out.starts_with("2 for nintendo switch oled:"), "{out}");
        assert!(out.contains("at 249.00 USD;"), "{out}");
    }

    #[test]
    fn bad_templates_name_the_line() {
        let cases = [
            ("ok\n{{ listings | nosuchfilter }}", 2),
            (
                "line one\nline two\n{% for l in listings %}\n{{ l.title }}",
                4,
            ),
            ("{{ alert.search_phrase }}\n\n{{ 1 + }}", 3),
        ];
        for (source, line) in cases {
            match check(source) {
                Err(TemplateError::AtLine { line: got, .. }) => {
                    assert_eq!(got, line, "{source:?}")
                }
                other => panic!("{source:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn templates_cannot_loop_without_bound_or_grow_without_bound() {
        assert!(check("{% for i in range(end=1000000000) %}x{% endfor %}").is_err());
        assert_eq!(
            check(
                "{% for a in listings %}{% for b in listings %}{% for c in listings %}{% endfor %}{% endfor %}{% endfor %}"
            ),
            Err(TemplateError::TooManyLoops)
        );
        assert_eq!(
            check(&"x".repeat(MAX_SOURCE + 1)),
            Err(TemplateError::TooLong)
        );
        let big = format!(
            "{{% for a in listings %}}{{% for b in listings %}}{}{{% endfor %}}{{% endfor %}}",
            "{{ alert.url }}".repeat(100)
        );
        let mut n = Notification::sample();
        n.listings = (0..25).map(|_| n.listings[0].clone()).collect();
        assert!(
            render(&big, &n).is_err(),
            "25×25×100 URLs exceed the output cap"
        );
    }

    #[test]
    fn templates_fill_title_and_body_and_fall_back_to_defaults() {
        let n = Notification::sample();
        let r = apply(Some("Deal: {{ alert.search_phrase }}\n"), None, &n);
        assert_eq!(r.title, "Deal: nintendo switch oled");
        assert!(!r.custom_body);
        assert_eq!(r.body, n.default_body());
        let r = apply(None, Some("{{ counts.at_target }} hits"), &n);
        assert_eq!(r.title, n.headline);
        assert_eq!(r.body, "1 hits");
        assert!(r.custom_body);
    }
}
