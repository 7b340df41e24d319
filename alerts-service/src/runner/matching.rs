//! Which listings an alert email mentions: pure rules, tested without a database.
//!
//! * A listing never seen before is **new**.
//! * A listing whose price fell at least [`DROP_THRESHOLD`] below the price it was last
//!   mentioned at (or, if never mentioned, last seen at) is a **price drop**.
//! * A listing at or under the alert's target price is mentioned once when it gets there.
//! * The first run mentions only the [`FIRST_RUN_CAP`] cheapest listings (plus target hits),
//!   so a new alert does not start with a wall of old listings.
//!
//! Anything else was already mentioned or is not interesting: it is never sent twice.

use std::collections::HashMap;

use rust_decimal::Decimal;

/// A price drop must be at least 5 %.
pub const DROP_THRESHOLD: Decimal = Decimal::from_parts(5, 0, 0, false, 2);
/// Listings mentioned by a first run.
pub const FIRST_RUN_CAP: usize = 10;
/// Listings mentioned in one email at most (the rest are counted).
pub const EMAIL_CAP: usize = 50;

/// One listing from a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// eBay item id.
    pub item_id: String,
    /// Title.
    pub title: String,
    /// Page on eBay.
    pub item_url: String,
    /// Picture.
    pub image_url: Option<String>,
    /// Condition label.
    pub condition: Option<String>,
    /// Asking price.
    pub price: Decimal,
    /// Its currency.
    pub currency: String,
    /// Cheapest shipping.
    pub shipping: Option<Decimal>,
    /// FIXED_PRICE, AUCTION, …
    pub buying_options: Vec<String>,
    /// Seller name.
    pub seller: Option<String>,
}

/// What the alert already knows about a listing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    /// Price at the last run that saw it.
    pub last_price: Decimal,
    /// Price it was last mentioned at in an email.
    pub last_notified_price: Option<Decimal>,
}

/// Why a listing is mentioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Reached the target price.
    Target,
    /// Cheaper than before.
    PriceDrop,
    /// Never seen before.
    New,
}

/// A listing to mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Index into the run's listings.
    pub index: usize,
    /// Why.
    pub reason: Reason,
    /// The earlier price, for drops.
    pub previous_price: Option<Decimal>,
}

/// Chooses the listings to mention, most important first: target hits, then drops, then new
/// listings, each cheapest first.
pub fn select(
    listings: &[Listing],
    seen: &HashMap<String, Seen>,
    first_run: bool,
    target: Option<Decimal>,
) -> Vec<Notice> {
    let at_target = |l: &Listing| target.is_some_and(|t| l.price <= t);
    let mut notices: Vec<Notice> = Vec::new();
    for (index, listing) in listings.iter().enumerate() {
        let notice = match seen.get(&listing.item_id) {
            None => Some(Notice {
                index,
                reason: if at_target(listing) {
                    Reason::Target
                } else {
                    Reason::New
                },
                previous_price: None,
            }),
            Some(known) => {
                let reference = known.last_notified_price.unwrap_or(known.last_price);
                let dropped = listing.price <= reference * (Decimal::ONE - DROP_THRESHOLD);
                let newly_at_target = at_target(listing)
                    && known
                        .last_notified_price
                        .is_none_or(|p| target.is_some_and(|t| p > t));
                if newly_at_target {
                    Some(Notice {
                        index,
                        reason: Reason::Target,
                        previous_price: Some(reference),
                    })
                } else if dropped {
                    Some(Notice {
                        index,
                        reason: Reason::PriceDrop,
                        previous_price: Some(reference),
                    })
                } else {
                    None
                }
            }
        };
        notices.extend(notice);
    }
    let rank = |r: Reason| match r {
        Reason::Target => 0,
        Reason::PriceDrop => 1,
        Reason::New => 2,
    };
    notices.sort_by(|a, b| {
        rank(a.reason)
            .cmp(&rank(b.reason))
            .then(listings[a.index].price.cmp(&listings[b.index].price))
    });
    if first_run {
        let targets = notices
            .iter()
            .filter(|n| n.reason == Reason::Target)
            .count();
        notices.truncate(targets.max(FIRST_RUN_CAP));
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn listing(id: &str, price: Decimal) -> Listing {
        Listing {
            item_id: id.into(),
            title: format!("item {id}"),
            item_url: format!("https://www.ebay.com/itm/{id}"),
            image_url: None,
            condition: None,
            price,
            currency: "USD".into(),
            shipping: None,
            buying_options: vec!["FIXED_PRICE".into()],
            seller: None,
        }
    }

    fn seen(last: Decimal, notified: Option<Decimal>) -> Seen {
        Seen {
            last_price: last,
            last_notified_price: notified,
        }
    }

    #[test]
    fn a_first_run_mentions_the_cheapest_matches_up_to_the_cap() {
        let listings: Vec<Listing> = (0..25)
            .map(|i| listing(&i.to_string(), Decimal::from(100 - i)))
            .collect();
        let notices = select(&listings, &HashMap::new(), true, None);
        assert_eq!(notices.len(), FIRST_RUN_CAP);
        assert_eq!(listings[notices[0].index].price, dec!(76), "cheapest first");
    }

    #[test]
    fn only_unseen_listings_are_new_and_nothing_is_mentioned_twice() {
        let listings = vec![listing("a", dec!(10)), listing("b", dec!(20))];
        let known = HashMap::from([("a".to_owned(), seen(dec!(10), Some(dec!(10))))]);
        let notices = select(&listings, &known, false, None);
        assert_eq!(
            notices,
            vec![Notice {
                index: 1,
                reason: Reason::New,
                previous_price: None
            }]
        );

        let all_known = HashMap::from([
            ("a".to_owned(), seen(dec!(10), Some(dec!(10)))),
            ("b".to_owned(), seen(dec!(20), None)),
        ]);
        assert!(select(&listings, &all_known, false, None).is_empty());
    }

    #[test]
    fn a_drop_of_five_percent_from_the_mentioned_price_is_mentioned() {
        let listings = vec![
            listing("a", dec!(95)),
            listing("b", dec!(95.01)),
            listing("c", dec!(79.80)),
        ];
        let known = HashMap::from([
            ("a".to_owned(), seen(dec!(100), Some(dec!(100)))),
            ("b".to_owned(), seen(dec!(100), Some(dec!(100)))),
            ("c".to_owned(), seen(dec!(84), None)),
        ]);
        let notices = select(&listings, &known, false, None);
        let ids: Vec<(&str, Reason, Option<Decimal>)> = notices
            .iter()
            .map(|n| {
                (
                    listings[n.index].item_id.as_str(),
                    n.reason,
                    n.previous_price,
                )
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                ("c", Reason::PriceDrop, Some(dec!(84))),
                ("a", Reason::PriceDrop, Some(dec!(100)))
            ]
        );
    }

    #[test]
    fn reaching_the_target_price_is_mentioned_once() {
        let listings = vec![listing("a", dec!(49.99)), listing("new", dec!(45))];
        let before = HashMap::from([("a".to_owned(), seen(dec!(52), Some(dec!(52))))]);
        let notices = select(&listings, &before, false, Some(dec!(50)));
        assert_eq!(
            notices.iter().map(|n| n.reason).collect::<Vec<_>>(),
            vec![Reason::Target, Reason::Target]
        );

        let after = HashMap::from([
            ("a".to_owned(), seen(dec!(49.99), Some(dec!(49.99)))),
            ("new".to_owned(), seen(dec!(45), Some(dec!(45)))),
        ]);
        assert!(select(&listings, &after, false, Some(dec!(50))).is_empty());
    }

    #[test]
    fn target_hits_are_never_cut_by_the_first_run_cap() {
        let listings: Vec<Listing> = (0..30)
            .map(|i| listing(&i.to_string(), Decimal::from(10 + i)))
            .collect();
        let notices = select(&listings, &HashMap::new(), true, Some(dec!(24)));
        assert_eq!(notices.len(), 15);
        assert!(notices.iter().all(|n| n.reason == Reason::Target));
    }
}
