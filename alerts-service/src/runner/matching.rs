//! Which listings an alert email mentions: pure rules, tested without a database.
//!
//! Prices here are the alert's *compared* amounts ([`Listing::compared`]): item price plus
//! shipping on the `with_shipping` basis (unknown when shipping is calculated), the item price
//! on the `item` basis.
//!
//! * A fixed-price listing never seen before is **new**.
//! * A fixed-price listing whose compared price fell at least [`DROP_THRESHOLD`] below the one it
//!   was last mentioned at (or, if never mentioned, last seen at) is a **price drop**; with an
//!   unknown total on either side there is no drop to claim.
//! * A fixed-price listing at or under the alert's target price is mentioned once when it gets
//!   there; an unknown total never reaches a target.
//! * An **auction** is a bid, not an asking price: it is never a target hit or a price drop.
//!   Without `ending_within_hours` a new auction is mentioned once as new; with it, an auction
//!   is mentioned once, as **ending soon**, when it ends within that window.
//! * The first run mentions only the [`FIRST_RUN_CAP`] cheapest listings (plus target hits),
//!   so a new alert does not start with a wall of old listings.
//!
//! Anything else was already mentioned or is not interesting: it is never sent twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::{ConditionGroup, PriceBasis};

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
    /// eBay's condition label, e.g. "Used".
    pub condition: Option<String>,
    /// eBay's condition id, e.g. 3000.
    pub condition_id: Option<u32>,
    /// The condition group of `condition_id`.
    pub condition_group: Option<ConditionGroup>,
    /// Asking price; for an auction, its current bid.
    pub price: Decimal,
    /// Its currency.
    pub currency: String,
    /// Cheapest shipping to the owner; `None` when eBay does not state it (calculated).
    pub shipping: Option<Decimal>,
    /// FIXED_PRICE, AUCTION, …
    pub buying_options: Vec<String>,
    /// Seller name.
    pub seller: Option<String>,
    /// Seller's positive feedback, percent; `None` when unknown or when the seller has no
    /// feedback at all (eBay then says "0.0", which is not 0 % positive).
    pub seller_feedback_percent: Option<Decimal>,
    /// Seller's feedback score (ratings received); 0 for a brand-new account.
    pub seller_feedback_score: Option<i64>,
    /// Bids so far (auctions).
    pub bid_count: Option<u32>,
    /// When the listing ends (auctions).
    pub ends_at: Option<DateTime<Utc>>,
    /// When it went live (eBay's `itemCreationDate`): how the scheduler tells listings new
    /// since its previous search.
    pub listed_at: Option<DateTime<Utc>>,
}

impl Listing {
    /// An auction without Buy It Now: its price is a bid that will rise.
    pub fn is_auction(&self) -> bool {
        let offers = |o: &str| {
            self.buying_options
                .iter()
                .any(|b| b.eq_ignore_ascii_case(o))
        };
        offers("AUCTION") && !offers("FIXED_PRICE")
    }

    /// `auction` or `fixed_price`, as the API and emails name the format.
    pub fn buying_option(&self) -> &'static str {
        if self.is_auction() {
            "auction"
        } else {
            "fixed_price"
        }
    }

    /// Price plus shipping, when shipping is known.
    pub fn total(&self) -> Option<Decimal> {
        self.shipping.map(|s| self.price + s)
    }

    /// What the alert compares: the total (unknown when shipping is) or the item price.
    pub fn compared(&self, basis: PriceBasis) -> Option<Decimal> {
        match basis {
            PriceBasis::WithShipping => self.total(),
            PriceBasis::Item => Some(self.price),
        }
    }
}

/// What the alert already knows about a listing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    /// Compared price at the last run that saw it (`None`: total unknown then).
    pub last_price: Option<Decimal>,
    /// Compared price it was last mentioned at in an email.
    pub last_notified_price: Option<Decimal>,
    /// Whether it was already reported as ending soon.
    pub ending_notified: bool,
}

/// An alert's rules for what is worth mentioning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Target price on the basis.
    pub target: Option<Decimal>,
    /// What prices are compared.
    pub basis: PriceBasis,
    /// Report auctions ending within this many hours (once each).
    pub ending_within_hours: Option<u32>,
}

/// Why a listing is mentioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Reached the target price.
    Target,
    /// Cheaper than before.
    PriceDrop,
    /// An auction ending within the alert's window.
    EndingSoon,
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

/// Chooses, among the listings the alert keeps (`kept`, indices into `listings`), those to
/// mention, most important first: target hits, then drops, then auctions ending soon, then new
/// listings, each cheapest first (unknown totals last).
pub fn select(
    listings: &[Listing],
    kept: &[usize],
    seen: &HashMap<String, Seen>,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Vec<Notice> {
    let at_target = |c: Option<Decimal>| matches!((c, rules.target), (Some(c), Some(t)) if c <= t);
    let mut notices: Vec<Notice> = Vec::new();
    for &index in kept {
        let listing = &listings[index];
        let known = seen.get(&listing.item_id);
        let notice = if listing.is_auction() {
            auction_notice(listing, known, rules, now).map(|reason| Notice {
                index,
                reason,
                previous_price: None,
            })
        } else {
            let compared = listing.compared(rules.basis);
            match known {
                None => Some(Notice {
                    index,
                    reason: if at_target(compared) {
                        Reason::Target
                    } else {
                        Reason::New
                    },
                    previous_price: None,
                }),
                Some(known) => {
                    let reference = known.last_notified_price.or(known.last_price);
                    let dropped = matches!((compared, reference),
                        (Some(now), Some(before)) if now <= before * (Decimal::ONE - DROP_THRESHOLD));
                    let newly_at_target = at_target(compared)
                        && known
                            .last_notified_price
                            .is_none_or(|p| rules.target.is_some_and(|t| p > t));
                    if newly_at_target {
                        Some(Notice {
                            index,
                            reason: Reason::Target,
                            previous_price: reference,
                        })
                    } else if dropped {
                        Some(Notice {
                            index,
                            reason: Reason::PriceDrop,
                            previous_price: reference,
                        })
                    } else {
                        None
                    }
                }
            }
        };
        notices.extend(notice);
    }
    let rank = |r: Reason| match r {
        Reason::Target => 0,
        Reason::PriceDrop => 1,
        Reason::EndingSoon => 2,
        Reason::New => 3,
    };
    let price = |n: &Notice| {
        let l = &listings[n.index];
        // Unknown totals sort after every known one.
        (
            l.compared(rules.basis).is_none(),
            l.compared(rules.basis).unwrap_or(l.price),
        )
    };
    notices.sort_by(|a, b| {
        rank(a.reason)
            .cmp(&rank(b.reason))
            .then(price(a).cmp(&price(b)))
    });
    notices
}

/// A first run mentions only the [`FIRST_RUN_CAP`] most important listings (target hits are
/// never cut); returns how many there were before the cut.
pub fn cap_first_run(notices: &mut Vec<Notice>) -> usize {
    let before = notices.len();
    let targets = notices
        .iter()
        .filter(|n| n.reason == Reason::Target)
        .count();
    notices.truncate(targets.max(FIRST_RUN_CAP));
    before
}

/// An auction is mentioned once: as ending soon when the alert watches endings, else as new.
fn auction_notice(
    listing: &Listing,
    known: Option<&Seen>,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Option<Reason> {
    match rules.ending_within_hours {
        Some(hours) => {
            let window = now + chrono::Duration::hours(i64::from(hours));
            let ending = listing
                .ends_at
                .is_some_and(|end| end > now && end <= window);
            (ending && !known.is_some_and(|k| k.ending_notified)).then_some(Reason::EndingSoon)
        }
        None => known.is_none().then_some(Reason::New),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// A fixed-price listing with free shipping.
    pub(crate) fn listing(id: &str, price: Decimal) -> Listing {
        Listing {
            item_id: id.into(),
            title: format!("item {id}"),
            item_url: format!("https://www.ebay.com/itm/{id}"),
            image_url: None,
            condition: None,
            condition_id: None,
            condition_group: None,
            price,
            currency: "USD".into(),
            shipping: Some(Decimal::ZERO),
            buying_options: vec!["FIXED_PRICE".into()],
            seller: None,
            seller_feedback_percent: None,
            seller_feedback_score: None,
            bid_count: None,
            ends_at: None,
            listed_at: None,
        }
    }

    fn seen(last: Decimal, notified: Option<Decimal>) -> Seen {
        Seen {
            last_price: Some(last),
            last_notified_price: notified,
            ending_notified: false,
        }
    }

    fn rules(target: Option<Decimal>) -> Rules {
        Rules {
            target,
            basis: PriceBasis::WithShipping,
            ending_within_hours: None,
        }
    }

    fn all(listings: &[Listing]) -> Vec<usize> {
        (0..listings.len()).collect()
    }

    fn select(
        listings: &[Listing],
        seen: &HashMap<String, Seen>,
        first_run: bool,
        target: Option<Decimal>,
    ) -> Vec<Notice> {
        let mut notices = super::select(listings, &all(listings), seen, &rules(target), Utc::now());
        if first_run {
            cap_first_run(&mut notices);
        }
        notices
    }

    fn auction(id: &str, bid: Decimal, ends_in_hours: i64) -> Listing {
        let mut l = listing(id, bid);
        l.buying_options = vec!["AUCTION".into()];
        l.bid_count = Some(3);
        l.ends_at = Some(Utc::now() + chrono::Duration::hours(ends_in_hours));
        l
    }

    #[test]
    fn auctions_are_never_target_hits_and_ending_soon_is_said_once() {
        let listings = vec![auction("a", dec!(10), 2), auction("b", dec!(5), 30)];
        let plain = super::select(
            &listings,
            &all(&listings),
            &HashMap::new(),
            &rules(Some(dec!(50))),
            Utc::now(),
        );
        assert_eq!(
            plain.iter().map(|n| n.reason).collect::<Vec<_>>(),
            vec![Reason::New, Reason::New]
        );

        let ending = Rules {
            ending_within_hours: Some(6),
            ..rules(Some(dec!(50)))
        };
        let first = super::select(
            &listings,
            &all(&listings),
            &HashMap::new(),
            &ending,
            Utc::now(),
        );
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].index, first[0].reason), (0, Reason::EndingSoon));
        let told = HashMap::from([(
            "a".to_owned(),
            Seen {
                last_price: Some(dec!(10)),
                last_notified_price: Some(dec!(10)),
                ending_notified: true,
            },
        )]);
        assert!(super::select(&listings, &all(&listings), &told, &ending, Utc::now()).is_empty());
    }

    #[test]
    fn unknown_shipping_never_reaches_a_target_on_the_total() {
        let mut l = listing("a", dec!(40));
        l.shipping = None;
        let notices = select(&[l.clone()], &HashMap::new(), false, Some(dec!(50)));
        assert_eq!(notices[0].reason, Reason::New);
        let item = Rules {
            basis: PriceBasis::Item,
            ..rules(Some(dec!(50)))
        };
        let notices = super::select(&[l], &[0], &HashMap::new(), &item, Utc::now());
        assert_eq!(notices[0].reason, Reason::Target);
    }

    #[test]
    fn target_and_drops_compare_the_total_with_shipping() {
        let mut l = listing("a", dec!(45));
        l.shipping = Some(dec!(10));
        // 55 with shipping: not at a 50 target.
        assert_eq!(
            select(&[l.clone()], &HashMap::new(), false, Some(dec!(50)))[0].reason,
            Reason::New
        );
        // Seen at 60 total before: 55 is a drop of 8 %.
        let known = HashMap::from([("a".to_owned(), seen(dec!(60), None))]);
        assert_eq!(
            select(&[l], &known, false, None)[0].reason,
            Reason::PriceDrop
        );
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
