//! What an alert keeps of a shared search, and why it hides the rest: pure rules, tested
//! without a database.
//!
//! Alerts with the same eBay query share one search; each then applies its own filters that
//! eBay cannot (excluded words: `q` has no NOT), or that it re-checks because a listing may slip
//! through eBay's (condition groups, excluded sellers), or that depend on the price basis:
//!
//! * **Price basis.** With `with_shipping` (the default) an alert compares item price plus the
//!   cheapest shipping to the owner. A listing whose shipping eBay does not state (calculated at
//!   checkout) has no known total: it still satisfies a `min_price` (its total is at least its
//!   price) but can never satisfy a `max_price` or a target, because that would treat unknown
//!   shipping as free. Auctions compare their current bid (plus shipping).
//! * Hidden listings are counted per reason ([`Hidden`]) so the dashboard can say
//!   "12 hidden: 8 for parts, 3 excluded words, 1 seller".

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::matching::Listing;
use crate::domain::{
    ConditionGroup, Conditions, ExcludeSellers, FeedbackPercent, PriceBasis, WordMatcher,
};

/// How many listings a run hid, by reason. A listing is counted under the first reason that
/// applies, in the order of the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Hidden {
    /// All hidden listings.
    pub total: u32,
    /// "For parts or not working" while the alert leaves that group out.
    pub for_parts: u32,
    /// Another condition group the alert leaves out.
    pub condition: u32,
    /// The title contains an excluded word or phrase.
    pub excluded_words: u32,
    /// An excluded seller.
    pub seller: u32,
    /// The seller's positive feedback is below the alert's minimum (or unknown).
    pub seller_feedback: u32,
    /// Outside the price range on the alert's price basis (or total unknown under a maximum).
    pub price: u32,
}

/// Why a listing is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HideReason {
    /// For parts or not working.
    ForParts,
    /// Another unwanted condition group.
    Condition,
    /// An excluded word in the title.
    ExcludedWords,
    /// An excluded seller.
    Seller,
    /// Feedback below the minimum.
    SellerFeedback,
    /// Outside the price range.
    Price,
}

impl Hidden {
    /// Counts one hidden listing.
    pub fn add(&mut self, reason: HideReason) {
        self.total += 1;
        let slot = match reason {
            HideReason::ForParts => &mut self.for_parts,
            HideReason::Condition => &mut self.condition,
            HideReason::ExcludedWords => &mut self.excluded_words,
            HideReason::Seller => &mut self.seller,
            HideReason::SellerFeedback => &mut self.seller_feedback,
            HideReason::Price => &mut self.price,
        };
        *slot += 1;
    }
}

/// One alert's filters, prepared once per run.
#[derive(Debug, Clone)]
pub struct AlertFilter {
    /// Condition groups wanted.
    pub conditions: Conditions,
    /// Excluded words, folded.
    pub words: WordMatcher,
    /// Excluded sellers.
    pub sellers: ExcludeSellers,
    /// Feedback floor.
    pub min_feedback: Option<FeedbackPercent>,
    /// What prices are compared with.
    pub basis: PriceBasis,
    /// Lower bound.
    pub min_price: Option<Decimal>,
    /// Upper bound.
    pub max_price: Option<Decimal>,
}

impl AlertFilter {
    /// Why `listing` is hidden from this alert, or `None` when it is kept.
    pub fn hide(&self, listing: &Listing) -> Option<HideReason> {
        if !self.conditions.is_all() {
            match listing.condition_group {
                Some(ConditionGroup::ForParts)
                    if !self.conditions.contains(ConditionGroup::ForParts) =>
                {
                    return Some(HideReason::ForParts);
                }
                Some(group) if !self.conditions.contains(group) => {
                    return Some(HideReason::Condition);
                }
                // A listing without a known condition cannot be shown to be in a group the
                // alert asked for.
                None => return Some(HideReason::Condition),
                _ => {}
            }
        }
        if self.words.matches(&listing.title) {
            return Some(HideReason::ExcludedWords);
        }
        if listing
            .seller
            .as_deref()
            .is_some_and(|s| self.sellers.contains(s))
        {
            return Some(HideReason::Seller);
        }
        if let Some(floor) = self.min_feedback
            && listing
                .seller_feedback_percent
                .is_none_or(|f| f < floor.value())
        {
            return Some(HideReason::SellerFeedback);
        }
        if !self.in_range(listing) {
            return Some(HideReason::Price);
        }
        None
    }

    fn in_range(&self, listing: &Listing) -> bool {
        // The item price is a lower bound of the total: enough for the minimum either way.
        if let Some(min) = self.min_price
            && listing.price < min
            && listing.compared(self.basis).is_none_or(|c| c < min)
        {
            return false;
        }
        if let Some(max) = self.max_price {
            return listing.compared(self.basis).is_some_and(|c| c <= max);
        }
        true
    }
}

/// Splits a search's listings into the indices an alert keeps and the counts of what it hid.
pub fn keep(filter: &AlertFilter, listings: &[Listing]) -> (Vec<usize>, Hidden) {
    let mut hidden = Hidden::default();
    let mut kept = Vec::with_capacity(listings.len());
    for (index, listing) in listings.iter().enumerate() {
        match filter.hide(listing) {
            Some(reason) => hidden.add(reason),
            None => kept.push(index),
        }
    }
    (kept, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ExcludeWords, FeedbackPercent};
    use crate::runner::matching::tests::listing;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn filter() -> AlertFilter {
        AlertFilter {
            conditions: Conditions::default(),
            words: ExcludeWords::parse_json(&json!(["lot", "for parts"]))
                .unwrap()
                .matcher(),
            sellers: ExcludeSellers::parse_json(&json!(["junkdealer"])).unwrap(),
            min_feedback: Some(FeedbackPercent::parse("98").unwrap()),
            basis: PriceBasis::WithShipping,
            min_price: Some(dec!(100)),
            max_price: Some(dec!(300)),
        }
    }

    #[test]
    fn each_listing_is_hidden_for_the_first_reason_that_applies() {
        let f = filter();
        let good = || {
            let mut l = listing("ok", dec!(250));
            l.shipping = Some(dec!(12.50));
            l.condition_group = Some(ConditionGroup::Used);
            l.seller = Some("goodshop".into());
            l.seller_feedback_percent = Some(dec!(99.5));
            l
        };
        let cases: Vec<(Listing, Option<HideReason>)> = vec![
            (good(), None),
            (
                {
                    let mut l = good();
                    l.condition_group = Some(ConditionGroup::ForParts);
                    l
                },
                Some(HideReason::ForParts),
            ),
            (
                {
                    let mut l = good();
                    l.condition_group = None;
                    l
                },
                Some(HideReason::Condition),
            ),
            (
                {
                    let mut l = good();
                    l.title = "Switch OLED LOT of 2".into();
                    l
                },
                Some(HideReason::ExcludedWords),
            ),
            (
                {
                    let mut l = good();
                    l.seller = Some("JunkDealer".into());
                    l
                },
                Some(HideReason::Seller),
            ),
            (
                {
                    let mut l = good();
                    l.seller_feedback_percent = Some(dec!(97.9));
                    l
                },
                Some(HideReason::SellerFeedback),
            ),
            (
                {
                    let mut l = good();
                    l.seller_feedback_percent = None;
                    l
                },
                Some(HideReason::SellerFeedback),
            ),
            // 295 + 12.50 shipping is over the 300 maximum on the total.
            (
                {
                    let mut l = good();
                    l.price = dec!(295);
                    l
                },
                Some(HideReason::Price),
            ),
            // Unknown shipping is never free: it cannot satisfy a maximum on the total…
            (
                {
                    let mut l = good();
                    l.shipping = None;
                    l
                },
                Some(HideReason::Price),
            ),
            // …but the item price alone satisfies the minimum.
            (
                {
                    let mut l = good();
                    l.price = dec!(95);
                    l.shipping = Some(dec!(10));
                    l
                },
                None,
            ),
            (
                {
                    let mut l = good();
                    l.price = dec!(80);
                    l.shipping = Some(dec!(10));
                    l
                },
                Some(HideReason::Price),
            ),
        ];
        for (l, expected) in cases {
            assert_eq!(f.hide(&l), expected, "{l:?}");
        }
    }

    #[test]
    fn the_item_basis_ignores_shipping() {
        let mut f = filter();
        f.basis = PriceBasis::Item;
        let mut l = listing("a", dec!(295));
        l.shipping = None;
        l.condition_group = Some(ConditionGroup::New);
        l.seller_feedback_percent = Some(dec!(100));
        assert_eq!(f.hide(&l), None);
    }

    #[test]
    fn hidden_listings_are_counted_by_reason() {
        let f = filter();
        let mut listings = Vec::new();
        for (i, group) in [
            ConditionGroup::ForParts,
            ConditionGroup::ForParts,
            ConditionGroup::Used,
        ]
        .into_iter()
        .enumerate()
        {
            let mut l = listing(&i.to_string(), dec!(200));
            l.shipping = Some(dec!(0));
            l.condition_group = Some(group);
            l.seller_feedback_percent = Some(dec!(100));
            listings.push(l);
        }
        let (kept, hidden) = keep(&f, &listings);
        assert_eq!(kept, vec![2]);
        assert_eq!(
            hidden,
            Hidden {
                total: 2,
                for_parts: 2,
                ..Hidden::default()
            }
        );
    }
}
