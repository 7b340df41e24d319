//! Combining held notifications into one digest (issue #18, part 5): the message a destination
//! gets when quiet hours end or at a digest alert's hour.
//!
//! Pure, so the rules are tested as a table: a listing told by several held notifications
//! appears once, with its most important reason and its latest price; the most important come
//! first; the counts are of the digest's listings plus those the held notifications had already
//! left out (each carries at most [`LISTINGS_CAP`]).
//!
//! Used by `workers::channel_sender::release_digests_once`.

use chrono::{DateTime, Utc};

use super::message::{Counts, ListingRef, Notification};
use super::notify::LISTINGS_CAP;

/// The `type` of a digest notification.
pub const DIGEST_KIND: &str = "alert.digest";

/// How important a reason is: lower first (a target hit before a price drop before an auction
/// ending soon before a new listing).
fn rank(reason: &str) -> u8 {
    match reason {
        "target" => 0,
        "price_drop" => 1,
        "ending_soon" => 2,
        "new" => 3,
        _ => 4,
    }
}

/// One digest for the held notifications of one destination, oldest first; `None` when there
/// are none.
pub fn combine(held: &[Notification], now: DateTime<Utc>) -> Option<Notification> {
    let first = held.first()?;
    let mut listings: Vec<ListingRef> = Vec::new();
    let mut left_out = 0;
    for n in held {
        left_out += n.counts.total.saturating_sub(n.listings.len());
        for l in &n.listings {
            match listings.iter_mut().find(|seen| seen.url == l.url) {
                Some(seen) => {
                    // The latest price, with the more important of the two reasons.
                    let reason = if rank(&l.reason) <= rank(&seen.reason) {
                        l.reason.clone()
                    } else {
                        seen.reason.clone()
                    };
                    *seen = ListingRef {
                        reason,
                        ..l.clone()
                    };
                }
                None => listings.push(l.clone()),
            }
        }
    }
    // Stable: within a reason, the order they were told in.
    listings.sort_by_key(|l| rank(&l.reason));
    let mut counts = Counts::default();
    for l in &listings {
        match l.reason.as_str() {
            "target" => counts.at_target += 1,
            "price_drop" => counts.price_drops += 1,
            "ending_soon" => counts.ending_soon += 1,
            _ => counts.new += 1,
        }
    }
    counts.total = listings.len() + left_out;
    listings.truncate(LISTINGS_CAP);
    let one_alert = first.alert.as_ref().filter(|a| {
        held.iter()
            .all(|n| n.alert.as_ref().map(|b| b.id) == Some(a.id))
    });
    let alerts = {
        let mut ids: Vec<_> = held
            .iter()
            .filter_map(|n| n.alert.as_ref().map(|a| a.id))
            .collect();
        ids.sort();
        ids.dedup();
        ids.len()
    };
    let listing_word = if counts.total == 1 {
        "listing"
    } else {
        "listings"
    };
    let headline = match one_alert {
        Some(a) => format!(
            "Digest for \u{201c}{}\u{201d}: {} {listing_word}",
            a.search_phrase, counts.total
        ),
        None => format!(
            "Digest: {} {listing_word} from {alerts} alert{}",
            counts.total,
            if alerts == 1 { "" } else { "s" }
        ),
    };
    Some(Notification {
        kind: DIGEST_KIND.into(),
        headline,
        alert: one_alert.cloned(),
        listings,
        counts,
        run_id: None,
        created_at: now,
        insight: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::message::AlertRef;
    use uuid::Uuid;

    fn listing(url: &str, reason: &str, price: &str) -> ListingRef {
        let mut l = Notification::sample().listings[0].clone();
        l.url = url.into();
        l.reason = reason.into();
        l.price = price.into();
        l
    }

    fn held(alert: u128, phrase: &str, listings: Vec<ListingRef>, total: usize) -> Notification {
        let mut n = Notification::sample();
        n.alert = Some(AlertRef {
            id: Uuid::from_u128(alert),
            search_phrase: phrase.into(),
            url: format!("https://alerts.example/alerts/{alert}"),
        });
        n.listings = listings;
        n.counts = Counts {
            total,
            ..Counts::default()
        };
        n
    }

    #[test]
    fn nothing_held_is_no_digest() {
        assert_eq!(combine(&[], Utc::now()), None);
    }

    #[test]
    fn held_notifications_combine_deduplicated_most_important_first_with_counts() {
        let now = Utc::now();
        // (held notifications, expected (url, reason, price) in order, counts, headline)
        type Case = (
            Vec<Notification>,
            Vec<(&'static str, &'static str, &'static str)>,
            (usize, usize, usize, usize, usize),
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                vec![
                    held(
                        1,
                        "lego",
                        vec![listing("a", "new", "10"), listing("b", "new", "20")],
                        2,
                    ),
                    // a again, now cheaper: one entry, the drop's reason and price.
                    held(
                        1,
                        "lego",
                        vec![listing("a", "price_drop", "8"), listing("c", "target", "5")],
                        2,
                    ),
                ],
                vec![
                    ("c", "target", "5"),
                    ("a", "price_drop", "8"),
                    ("b", "new", "20"),
                ],
                (1, 1, 1, 0, 3),
                "Digest for \u{201c}lego\u{201d}: 3 listings",
            ),
            (
                vec![
                    held(1, "lego", vec![listing("a", "target", "9")], 1),
                    // A later "new" does not demote a target hit; its price is the latest.
                    held(
                        2,
                        "switch",
                        vec![
                            listing("a", "new", "9.5"),
                            listing("d", "ending_soon", "30"),
                        ],
                        40,
                    ),
                ],
                vec![("a", "target", "9.5"), ("d", "ending_soon", "30")],
                // 38 listings the second notification had already left out still count.
                (0, 0, 1, 1, 40),
                "Digest: 40 listings from 2 alerts",
            ),
            (
                vec![held(3, "camera", vec![listing("e", "new", "1")], 1)],
                vec![("e", "new", "1")],
                (1, 0, 0, 0, 1),
                "Digest for \u{201c}camera\u{201d}: 1 listing",
            ),
        ];
        for (notifications, expected, (new, drops, target, ending, total), headline) in cases {
            let digest = combine(&notifications, now).unwrap();
            let got: Vec<(&str, &str, &str)> = digest
                .listings
                .iter()
                .map(|l| (l.url.as_str(), l.reason.as_str(), l.price.as_str()))
                .collect();
            assert_eq!(got, expected, "{headline}");
            let c = digest.counts;
            assert_eq!(
                (c.new, c.price_drops, c.at_target, c.ending_soon, c.total),
                (new, drops, target, ending, total),
                "{headline}"
            );
            assert_eq!(digest.headline, headline);
            assert_eq!(digest.kind, DIGEST_KIND);
            assert_eq!(digest.run_id, None);
            assert_eq!(digest.created_at, now);
        }
    }

    #[test]
    fn a_digest_carries_at_most_the_listing_cap_but_counts_them_all() {
        let many: Vec<ListingRef> = (0..LISTINGS_CAP + 10)
            .map(|i| listing(&format!("u{i}"), "new", "1"))
            .collect();
        let digest = combine(&[held(1, "x", many, LISTINGS_CAP + 10)], Utc::now()).unwrap();
        assert_eq!(digest.listings.len(), LISTINGS_CAP);
        assert_eq!(digest.counts.total, LISTINGS_CAP + 10);
        assert_eq!(digest.counts.new, LISTINGS_CAP + 10);
    }
}
