//! The notification a channel receives, and how it is shaped for each service.
//!
//! [`Notification`] is what the runner writes into the channel outbox (JSON) and what a
//! generic webhook receives as `data`. [`Rendered`] is the title and text after the channel's
//! templates; the per-service builders ([`telegram_body`], [`discord_body`], [`slack_body`],
//! [`ntfy_headers`]) fit it into each service's documented limits:
//!
//! * Telegram `sendMessage`: `text` 1–4096 characters after entities are parsed, `parse_mode`
//!   `HTML` (only `<b>`, `<i>`, `<a href>`, … and `&lt; &gt; &amp;` escapes). One notification
//!   is one message: it is trimmed at a line boundary with "… and N more" rather than split,
//!   because a split message retried after its first part was delivered would repeat that part.
//! * Discord execute-webhook: at most 10 embeds, title ≤ 256, description ≤ 4096, footer ≤
//!   2048, and 6000 characters across all embeds; `content` ≤ 2000.
//! * Slack incoming webhooks: at most 50 blocks, a `header` block's plain text ≤ 150, a
//!   `section`'s mrkdwn text ≤ 3000; `text` is the notification fallback.
//! * ntfy publish: the body is the message; `Title`, `Tags` (comma-separated emoji short
//!   codes), `Priority` (1–5) and `Click` (URL opened on tap) headers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// The alert a notification is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct AlertRef {
    /// Alert id.
    pub id: Uuid,
    /// Its search phrase.
    pub search_phrase: String,
    /// The alert in the dashboard.
    pub url: String,
}

/// One listing worth telling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ListingRef {
    /// Why it is mentioned: `new`, `price_drop`, `target`, `ending_soon`.
    pub reason: String,
    /// eBay's title.
    pub title: String,
    /// The listing on eBay.
    pub url: String,
    /// A picture, if eBay has one.
    pub image_url: Option<String>,
    /// Price (decimal string) in `currency`.
    pub price: String,
    /// Shipping to the owner (null = unknown or calculated).
    pub shipping_cost: Option<String>,
    /// Price plus shipping, when shipping is known.
    pub total_price: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// The price as a buyer reads it ("$89.00 + $12.50 shipping").
    pub price_line: String,
    /// The compared price before a drop.
    pub previous_price: Option<String>,
    /// Condition group or eBay's label.
    pub condition: Option<String>,
    /// The seller and their feedback ("gamer_123 · 99.8% positive"), when eBay says.
    #[serde(default)]
    pub seller: Option<String>,
    /// `fixed_price` or `auction`.
    pub buying_option: String,
    /// When an auction ends.
    pub ends_at: Option<DateTime<Utc>>,
    /// The deal verdict's badge ("Lowest in 30 days", "18.0 % below typical"); null when the
    /// listing has none or analytics could not say.
    pub deal: Option<String>,
}

impl ListingRef {
    /// The price line with the deal badge after it, as the built-in messages show it.
    pub fn price_and_deal(&self) -> String {
        match &self.deal {
            Some(deal) => format!("{} · {deal}", self.price_line),
            None => self.price_line.clone(),
        }
    }
}

/// Counts by reason.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Counts {
    /// New listings.
    pub new: usize,
    /// Price drops.
    pub price_drops: usize,
    /// At or under the target price.
    pub at_target: usize,
    /// Auctions ending soon.
    pub ending_soon: usize,
    /// Listings worth mentioning (may exceed `listings`, which is capped).
    pub total: usize,
}

/// The figures of an insight summary (`alert.insight`), from analytics' `insight.generated`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct InsightRef {
    /// Start of the insight period.
    pub period_start: DateTime<Utc>,
    /// Length of the report's window in days.
    pub days: u32,
    /// The segment the figures describe, in words ("Used, fixed price").
    pub segment: Option<String>,
    /// ISO 4217 code of the prices.
    pub currency: String,
    /// False when there were too few days with prices to say anything.
    pub enough_data: bool,
    /// The median now (decimal string).
    pub median_now: Option<String>,
    /// What it is compared with: the median before (decimal string).
    pub median_before: Option<String>,
    /// The change in percent (decimal string, negative = cheaper).
    pub median_change_pct: Option<String>,
    /// The comparison in words ("the week before").
    pub compared_with: Option<String>,
    /// The trend as one sentence ("Median $389.00, down 4.2 % from $406.00 the week before").
    pub median_line: String,
    /// Listings with a deal verdict in the latest run.
    pub deals: u32,
    /// Listings first seen in the window.
    pub new_listings: u64,
    /// The alert's chart and insights in the dashboard.
    pub chart_url: String,
}

impl InsightRef {
    /// The summary's lines before its best deal: the trend and the counts.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.median_line.clone()];
        if let Some(segment) = &self.segment {
            lines[0] = format!("{} ({segment})", self.median_line);
        }
        lines.push(format!(
            "{} with a deal verdict, {} new in {} days",
            plural(self.deals as usize, "listing"),
            self.new_listings,
            self.days
        ));
        lines
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What a channel is told: the body of the outbox row, and `data` of a webhook.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Notification {
    /// `alert.listings` (a run found something), `alert.digest` (held notifications combined:
    /// `alert` is null when they came from several alerts, `run_id` is null), `alert.insight`
    /// (an insight summary) or `channel.test`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The one-line summary, as an email subject would say it.
    pub headline: String,
    /// The alert.
    pub alert: Option<AlertRef>,
    /// The listings, most important first (at most 25).
    pub listings: Vec<ListingRef>,
    /// Counts by reason.
    pub counts: Counts,
    /// The run that found them.
    pub run_id: Option<Uuid>,
    /// When the run happened.
    pub created_at: DateTime<Utc>,
    /// The insight summary's figures (`alert.insight` only; its best deal is the one listing,
    /// with reason `best_deal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insight: Option<InsightRef>,
}

impl Notification {
    /// The message `POST /api/v1/channels/{id}/test` sends.
    pub fn test(dashboard_url: String) -> Self {
        Self {
            kind: "channel.test".into(),
            headline: "Test from eBay Alerts: this channel works".into(),
            alert: Some(AlertRef {
                id: Uuid::nil(),
                search_phrase: "test message".into(),
                url: dashboard_url,
            }),
            listings: Vec::new(),
            counts: Counts::default(),
            run_id: None,
            created_at: Utc::now(),
            insight: None,
        }
    }

    /// Sample data for template previews and checks: two listings, one a target hit.
    pub fn sample() -> Self {
        let listing = |reason: &str, title: &str, price: &str, ship: Option<&str>| ListingRef {
            reason: reason.into(),
            title: title.into(),
            url: "https://www.ebay.com/itm/123456789012".into(),
            image_url: None,
            price: price.into(),
            shipping_cost: ship.map(str::to_owned),
            total_price: None,
            currency: "USD".into(),
            price_line: format!("${price}"),
            previous_price: None,
            condition: Some("Used".into()),
            seller: Some("gamer_123 · 99.8% positive".into()),
            buying_option: "fixed_price".into(),
            ends_at: None,
            deal: (reason == "target").then(|| "Lowest in 30 days".to_owned()),
        };
        Self {
            kind: "alert.listings".into(),
            headline: "1 at or under your target, 1 new — nintendo switch oled".into(),
            alert: Some(AlertRef {
                id: Uuid::nil(),
                search_phrase: "nintendo switch oled".into(),
                url: "https://alerts.example/alerts/00000000-0000-0000-0000-000000000000".into(),
            }),
            listings: vec![
                listing(
                    "target",
                    "Nintendo Switch OLED – white",
                    "249.00",
                    Some("0"),
                ),
                listing("new", "Switch OLED with case", "275.50", None),
            ],
            counts: Counts {
                new: 1,
                at_target: 1,
                total: 2,
                ..Counts::default()
            },
            run_id: Some(Uuid::nil()),
            created_at: Utc::now(),
            insight: None,
        }
    }

    /// The link a tap should open: the alert, else the first listing.
    pub fn click_url(&self) -> Option<&str> {
        self.alert
            .as_ref()
            .map(|a| a.url.as_str())
            .or_else(|| self.listings.first().map(|l| l.url.as_str()))
    }

    /// The insight summary's lines (empty for other kinds), shown before the listings.
    pub fn insight_lines(&self) -> Vec<String> {
        self.insight
            .as_ref()
            .map(InsightRef::lines)
            .unwrap_or_default()
    }

    /// The default text body: an insight summary's trend and counts, then one line per listing.
    pub fn default_body(&self) -> String {
        let mut lines = self.insight_lines();
        lines.extend(
            self.listings
                .iter()
                .map(|l| format!("{} — {} {}", label(&l.reason), l.title, l.price_and_deal())),
        );
        if self.counts.total > self.listings.len() {
            lines.push(format!(
                "… and {} more",
                self.counts.total - self.listings.len()
            ));
        }
        if let Some(url) = self.click_url() {
            lines.push(url.to_owned());
        }
        lines.join("\n")
    }
}

/// The human label of a reason.
pub fn label(reason: &str) -> &'static str {
    match reason {
        "target" => "Target price",
        "price_drop" => "Price drop",
        "ending_soon" => "Ending soon",
        "best_deal" => "Best deal",
        _ => "New",
    }
}

/// The title and text after a channel's templates (or the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    /// One line.
    pub title: String,
    /// Plain text.
    pub body: String,
    /// Whether `body` came from the channel's template (then the rich per-listing layouts of
    /// Discord and Slack give way to the text).
    #[serde(skip)]
    pub custom_body: bool,
}

/// Cuts `text` to at most `max` characters, ending in `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Escapes text for Telegram's HTML parse mode.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Telegram's limit on a message's text.
pub const TELEGRAM_MAX: usize = 4096;

/// The `sendMessage` body: the title in bold, then the text; links to listings when the text
/// is the default one. Trimmed to [`TELEGRAM_MAX`] at a line boundary.
pub fn telegram_body(chat_id: &str, n: &Notification, r: &Rendered) -> Value {
    let mut lines = vec![format!("<b>{}</b>", escape_html(&r.title))];
    if r.custom_body {
        lines.extend(r.body.lines().map(escape_html));
    } else {
        lines.extend(n.insight_lines().iter().map(|l| escape_html(l)));
        for l in &n.listings {
            lines.push(format!(
                "{}: <a href=\"{}\">{}</a> — {}",
                label(&l.reason),
                escape_html(&l.url),
                escape_html(&l.title),
                escape_html(&l.price_and_deal())
            ));
        }
        if let Some(url) = n.click_url() {
            lines.push(format!(
                "<a href=\"{}\">Open the alert</a>",
                escape_html(url)
            ));
        }
    }
    // Visible length is what Telegram counts, but markup only adds to it, so counting the
    // markup too keeps us inside the limit.
    let mut text = String::new();
    let total = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let more = format!("\n… and {} more lines", total - i);
        let needed = text.chars().count() + 1 + line.chars().count();
        if needed + more.chars().count() > TELEGRAM_MAX {
            if i == 0 {
                text = clip(&line, TELEGRAM_MAX);
            } else {
                text.push_str(&more);
            }
            break;
        }
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&line);
    }
    json!({
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    })
}

/// Discord's limits on execute-webhook embeds.
pub mod discord_limits {
    /// Embeds per message.
    pub const EMBEDS: usize = 10;
    /// Embed title.
    pub const TITLE: usize = 256;
    /// Embed description.
    pub const DESCRIPTION: usize = 4096;
    /// Embed footer.
    pub const FOOTER: usize = 2048;
    /// Characters across all embeds.
    pub const TOTAL: usize = 6000;
    /// Message content.
    pub const CONTENT: usize = 2000;
}

/// The execute-webhook body: the title as `content`, then an embed per listing while the
/// limits allow (or one embed with the templated text).
pub fn discord_body(n: &Notification, r: &Rendered) -> Value {
    use discord_limits as lim;
    let mut embeds = Vec::new();
    let mut budget = lim::TOTAL;
    let mut push = |embeds: &mut Vec<Value>,
                    title: String,
                    description: String,
                    url: Option<&str>,
                    footer: String|
     -> bool {
        let title = clip(&title, lim::TITLE);
        let description = clip(&description, lim::DESCRIPTION);
        let footer = clip(&footer, lim::FOOTER);
        let size = title.chars().count() + description.chars().count() + footer.chars().count();
        if embeds.len() >= lim::EMBEDS || size > budget {
            return false;
        }
        budget -= size;
        let mut embed = json!({"title": title, "description": description});
        if let Some(url) = url {
            embed["url"] = json!(url);
        }
        if !footer.is_empty() {
            embed["footer"] = json!({"text": footer});
        }
        embeds.push(embed);
        true
    };
    if r.custom_body {
        push(
            &mut embeds,
            r.title.clone(),
            r.body.clone(),
            n.click_url(),
            String::new(),
        );
    } else {
        for l in &n.listings {
            let footer = [
                l.condition.clone(),
                Some(buying_label(&l.buying_option).to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
            if !push(
                &mut embeds,
                l.title.clone(),
                format!("**{}** — {}", label(&l.reason), l.price_and_deal()),
                Some(&l.url),
                footer,
            ) {
                break;
            }
        }
    }
    let shown = if r.custom_body {
        n.listings.len()
    } else {
        embeds.len()
    };
    let mut content = r.title.clone();
    if n.counts.total > shown && !r.custom_body {
        content.push_str(&format!(" (showing {shown} of {})", n.counts.total));
    }
    if !r.custom_body {
        for line in n.insight_lines() {
            content.push('\n');
            content.push_str(&line);
        }
    }
    json!({
        "content": clip(&content, lim::CONTENT),
        "embeds": embeds,
        "allowed_mentions": {"parse": []},
    })
}

fn buying_label(option: &str) -> &'static str {
    if option == "auction" {
        "Auction"
    } else {
        "Buy It Now"
    }
}

/// Escapes text for Slack mrkdwn (`&`, `<`, `>` are control characters there).
pub fn escape_slack(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack's limits on incoming webhook blocks.
pub mod slack_limits {
    /// Blocks per message.
    pub const BLOCKS: usize = 50;
    /// A header block's text.
    pub const HEADER: usize = 150;
    /// A section's text.
    pub const SECTION: usize = 3000;
}

/// The incoming-webhook body: a header, a section per listing (or the templated text), and a
/// link to the alert; `text` is the fallback shown in notifications.
pub fn slack_body(n: &Notification, r: &Rendered) -> Value {
    use slack_limits as lim;
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": clip(&r.title, lim::HEADER)}
    })];
    let section = |text: String| json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&text, lim::SECTION)}});
    if r.custom_body {
        blocks.push(section(escape_slack(&r.body)));
    } else {
        let insight = n.insight_lines();
        if !insight.is_empty() {
            blocks.push(section(escape_slack(&insight.join("\n"))));
        }
        // Two blocks stay free: the "more" line and the link.
        for l in n.listings.iter().take(lim::BLOCKS - 4) {
            blocks.push(section(format!(
                "*{}* <{}|{}>\n{}",
                label(&l.reason),
                l.url,
                escape_slack(&l.title),
                escape_slack(&l.price_and_deal())
            )));
        }
        let shown = n.listings.len().min(lim::BLOCKS - 4);
        if n.counts.total > shown {
            blocks.push(json!({"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("… and {} more", n.counts.total - shown)}
            ]}));
        }
    }
    if let Some(url) = n.click_url() {
        blocks.push(section(format!("<{url}|Open the alert>")));
    }
    json!({"text": clip(&r.title, lim::SECTION), "blocks": blocks})
}

/// ntfy's publish headers: `Title`, `Tags`, `Priority` (high for a target hit), `Click`.
pub fn ntfy_headers(n: &Notification, r: &Rendered) -> Vec<(&'static str, String)> {
    let mut headers = vec![("Title", header_safe(&clip(&r.title, 250)))];
    let target = n.counts.at_target > 0;
    headers.push((
        "Tags",
        if target {
            "moneybag,shopping_cart"
        } else {
            "shopping_cart"
        }
        .into(),
    ));
    headers.push(("Priority", if target { "4" } else { "3" }.into()));
    if let Some(url) = n.click_url() {
        headers.push(("Click", header_safe(url)));
    }
    headers
}

/// Header values may not carry line breaks or other control characters.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn many(n: usize, title_len: usize) -> Notification {
        let mut sample = Notification::sample();
        let one = sample.listings[0].clone();
        sample.listings = (0..n)
            .map(|i| ListingRef {
                title: format!("{i} {}", "x".repeat(title_len)),
                ..one.clone()
            })
            .collect();
        sample.counts.total = n + 7;
        sample
    }

    fn rendered(n: &Notification) -> Rendered {
        Rendered {
            title: n.headline.clone(),
            body: n.default_body(),
            custom_body: false,
        }
    }

    #[test]
    fn telegram_messages_stay_within_4096_characters_and_say_what_was_cut() {
        for (count, len) in [(1, 10), (25, 300), (25, 5000)] {
            let n = many(count, len);
            let body = telegram_body("-100", &n, &rendered(&n));
            let text = body["text"].as_str().unwrap();
            assert!(text.chars().count() <= TELEGRAM_MAX, "{count}×{len}");
            assert_eq!(body["parse_mode"], "HTML");
            if len > 200 {
                assert!(text.contains("more lines"), "{count}×{len}");
            }
        }
    }

    #[test]
    fn telegram_text_is_html_escaped() {
        let mut n = many(1, 1);
        n.listings[0].title = "<script>&".into();
        let body = telegram_body("1", &n, &rendered(&n));
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("&lt;script&gt;&amp;"), "{text}");
        assert!(!text.contains("<script>"));
    }

    #[test]
    fn discord_bodies_respect_every_embed_limit() {
        for (count, len) in [(3, 10), (25, 100), (25, 5000)] {
            let n = many(count, len);
            let body = discord_body(&n, &rendered(&n));
            let embeds = body["embeds"].as_array().unwrap();
            assert!(embeds.len() <= discord_limits::EMBEDS);
            let mut total = 0;
            for e in embeds {
                let t = e["title"].as_str().unwrap().chars().count();
                let d = e["description"].as_str().unwrap().chars().count();
                let f = e["footer"]["text"].as_str().unwrap_or("").chars().count();
                assert!(t <= discord_limits::TITLE && d <= discord_limits::DESCRIPTION);
                total += t + d + f;
            }
            assert!(total <= discord_limits::TOTAL, "{count}×{len}: {total}");
            assert!(body["content"].as_str().unwrap().chars().count() <= discord_limits::CONTENT);
            assert!(body["content"].as_str().unwrap().contains("showing"));
        }
    }

    #[test]
    fn slack_bodies_respect_block_limits() {
        let n = many(60, 4000);
        let body = slack_body(&n, &rendered(&n));
        let blocks = body["blocks"].as_array().unwrap();
        assert!(blocks.len() <= slack_limits::BLOCKS, "{}", blocks.len());
        for b in blocks {
            if b["type"] == "section" {
                assert!(
                    b["text"]["text"].as_str().unwrap().chars().count() <= slack_limits::SECTION
                );
            }
            if b["type"] == "header" {
                assert!(
                    b["text"]["text"].as_str().unwrap().chars().count() <= slack_limits::HEADER
                );
            }
        }
    }

    #[test]
    fn ntfy_headers_carry_title_tags_priority_and_click_without_line_breaks() {
        let n = Notification::sample();
        let r = Rendered {
            title: "two\nlines".into(),
            body: String::new(),
            custom_body: false,
        };
        let headers = ntfy_headers(&n, &r);
        let get = |k: &str| {
            headers
                .iter()
                .find(|(h, _)| *h == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("Title"), Some("two lines"));
        assert_eq!(get("Priority"), Some("4"));
        assert_eq!(get("Tags"), Some("moneybag,shopping_cart"));
        assert!(get("Click").unwrap().starts_with("https://"));
    }

    fn insight() -> Notification {
        let summary = pubsub::fixtures::insight_summary(uuid::Uuid::nil());
        crate::channels::notify::insight_notification(
            |p| format!("https://alerts.example{p}"),
            "lego 42100",
            &summary,
            Utc::now(),
        )
    }

    #[test]
    fn every_service_shows_an_insights_trend_before_its_best_deal() {
        let n = insight();
        let r = rendered(&n);
        let trend = "Median $389.00, down 4.2 % from $406.00 the week before";

        let telegram = telegram_body("1", &n, &r)["text"]
            .as_str()
            .unwrap()
            .to_owned();
        let discord = discord_body(&n, &r);
        let slack = slack_body(&n, &r);

        assert!(
            telegram.find(trend).unwrap() < telegram.find("Best deal").unwrap(),
            "{telegram}"
        );
        assert!(
            discord["content"].as_str().unwrap().contains(trend),
            "{discord}"
        );
        assert_eq!(
            discord["embeds"].as_array().unwrap().len(),
            1,
            "the best deal"
        );
        assert!(
            discord["embeds"][0]["description"]
                .as_str()
                .unwrap()
                .contains("Lowest in 30 days")
        );
        let blocks = slack["blocks"].as_array().unwrap();
        assert!(
            blocks[1]["text"]["text"]
                .as_str()
                .unwrap()
                .starts_with(trend),
            "{slack}"
        );
        assert!(
            blocks[2]["text"]["text"]
                .as_str()
                .unwrap()
                .contains("Best deal"),
            "{slack}"
        );
        assert!(r.body.starts_with(trend), "ntfy's body is the default text");
    }

    #[test]
    fn templates_see_an_insights_figures() {
        let n = insight();
        let out = crate::channels::templates::render(
            "{{ insight.median_now }} {{ insight.compared_with }} {{ listings[0].deal }} {{ insight.chart_url }}",
            &n,
        )
        .unwrap();
        assert_eq!(
            out,
            "389.00 the week before Lowest in 30 days https://alerts.example/alerts/00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn a_listings_notification_has_no_insight_lines() {
        let n = Notification::sample();
        assert!(n.insight_lines().is_empty());
        let json = serde_json::to_value(&n).unwrap();
        assert!(json.get("insight").is_none(), "absent, not null: {json}");
    }
}
