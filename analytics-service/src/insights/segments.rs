//! Like-for-like comparison (DESIGN §10 "Wave 2"), pure: which **segment** a listing belongs to,
//! what price it is measured at, and which prices are too far below the rest to be comparable.
//!
//! A segment is a condition group × a buying format, e.g. `used/fixed_price`. Two groups are
//! not conditions but kinds of listing that must never set the figures of working single items:
//! `for_parts` (eBay condition 7000, or a title that says so) and `lot` (several units or a
//! bundle in one listing, detected from the title by [`is_lot`]). Listings without any condition
//! (events from before the field existed) are `unknown`, a segment of their own.
//!
//! Prices, on the alert's price basis ([`PriceBasis`]):
//! * `with_shipping` (the default): item price + shipping. A listing whose shipping is unknown
//!   (eBay's "calculated", or an event from before the field existed) is measured at its item
//!   price alone and counted as such (`without_shipping`), so old history still ingests and the
//!   report can say how many prices lack shipping; such a listing never gets a deal verdict,
//!   because its real total is not known.
//! * `item`: the item price alone.
//!
//! Auctions are measured by their current bid **near the end** only ([`AUCTION_NEAR_END`]) and
//! only once someone has bid: a bid days before the end is not a price anybody paid, and a
//! starting price without bids is not a market price. Earlier sightings are kept as facts but set
//! no figure.
//!
//! Robust lows: a price is an **outlier** when it is below the segment's lower fence, the higher
//! of Tukey's far-out fence (Q1 − 3 × IQR) and half the median — see [`lower_fence`]. The "lowest" of
//! a day is its lowest price at or above the fence ([`robust_low`]), so one mispriced listing
//! (a $1.02 bid, a box without the console, a typo) never becomes "the lowest price".

use chrono::{DateTime, Duration, Utc};
use pubsub::ObservedItem;
use rust_decimal::Decimal;

use crate::ingest::rollup::{DayStats, Histogram};

/// An auction's current bid counts as a price when the auction ends within this time of the
/// sighting: late bids are close to the final price, early ones are not.
pub const AUCTION_NEAR_END: Duration = Duration::hours(3);

/// What an alert compares prices on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceBasis {
    /// Item price plus shipping (the default for new alerts).
    #[default]
    WithShipping,
    /// Item price alone (alerts from before the setting existed).
    Item,
}

impl PriceBasis {
    /// From the alert's `price_basis` as stored in `dim_alert`: `None` is an alert analytics has
    /// not heard of (its creation event not yet consumed), which gets the default of new alerts.
    pub fn of_alert(known: bool, price_basis: Option<&str>) -> Self {
        match price_basis {
            Some("item") => Self::Item,
            Some(_) => Self::WithShipping,
            // Events from before the field existed mean "item", as those alerts always compared.
            None if known => Self::Item,
            None => Self::WithShipping,
        }
    }
}

/// The condition side of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// eBay 1000.
    New,
    /// eBay 1500–1750 ("new other", "new with defects").
    OpenBox,
    /// eBay 2000–2500.
    Refurbished,
    /// eBay 2750–6000.
    Used,
    /// No condition given.
    Unknown,
    /// eBay 7000, or a title saying "for parts" / "not working".
    ForParts,
    /// Several units or a bundle in one listing.
    Lot,
}

impl Group {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::OpenBox => "open_box",
            Self::Refurbished => "refurbished",
            Self::Used => "used",
            Self::Unknown => "unknown",
            Self::ForParts => "for_parts",
            Self::Lot => "lot",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::OpenBox => "Open box",
            Self::Refurbished => "Refurbished",
            Self::Used => "Used",
            Self::Unknown => "Condition not given",
            Self::ForParts => "For parts or not working",
            Self::Lot => "Lots and bundles",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "new" => Self::New,
            "open_box" => Self::OpenBox,
            "refurbished" => Self::Refurbished,
            "used" => Self::Used,
            "unknown" => Self::Unknown,
            "for_parts" => Self::ForParts,
            "lot" => Self::Lot,
            _ => return None,
        })
    }
}

/// The buying side of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Buy It Now.
    FixedPrice,
    /// Bids.
    Auction,
}

/// A condition group × a buying format: the unit every figure is computed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Segment {
    /// Condition group (or lot / for parts).
    pub group: Group,
    /// Fixed price or auction.
    pub format: Format,
}

impl Segment {
    /// The stored and exported name, e.g. `used/fixed_price`.
    pub fn key(self) -> String {
        let format = match self.format {
            Format::FixedPrice => "fixed_price",
            Format::Auction => "auction",
        };
        format!("{}/{format}", self.group.as_str())
    }

    /// Parses [`Segment::key`]'s output.
    pub fn parse(key: &str) -> Option<Self> {
        let (group, format) = key.split_once('/')?;
        let format = match format {
            "fixed_price" => Format::FixedPrice,
            "auction" => Format::Auction,
            _ => return None,
        };
        Some(Self {
            group: Group::parse(group)?,
            format,
        })
    }

    /// Plain words for people, e.g. "Used, fixed price".
    pub fn label(self) -> String {
        let format = match self.format {
            Format::FixedPrice => "fixed price",
            Format::Auction => "auctions (bids near the end)",
        };
        format!("{}, {format}", self.group.label())
    }

    /// Working single items: the segments whose figures a buyer of one working unit compares with.
    pub fn is_working_single(self) -> bool {
        !matches!(self.group, Group::ForParts | Group::Lot)
    }
}

/// A listing's segment from its condition, title and buying options.
pub fn segment_of(item: &ObservedItem) -> Segment {
    let format = format_of(item);
    let group = if is_for_parts(item) {
        Group::ForParts
    } else if is_lot(&item.title) {
        Group::Lot
    } else {
        condition_group(item.condition_id, item.condition.as_deref())
    };
    Segment { group, format }
}

fn format_of(item: &ObservedItem) -> Format {
    match item.buying_option.as_deref() {
        Some("auction") => Format::Auction,
        Some(_) => Format::FixedPrice,
        // Older events: an auction is a listing offered by auction only (an auction with Buy It
        // Now shows its fixed price, which is an asking price).
        None if item.buying_options.iter().any(|o| o == "AUCTION")
            && !item.buying_options.iter().any(|o| o == "FIXED_PRICE") =>
        {
            Format::Auction
        }
        None => Format::FixedPrice,
    }
}

/// eBay's condition id first (DESIGN §6 groups), then its label.
pub fn condition_group(condition_id: Option<u32>, label: Option<&str>) -> Group {
    match condition_id {
        Some(1000) => return Group::New,
        Some(1500..=1750) => return Group::OpenBox,
        Some(2000..=2500) => return Group::Refurbished,
        Some(2750..=6000) => return Group::Used,
        Some(7000) => return Group::ForParts,
        _ => {}
    }
    let Some(label) = label else {
        return Group::Unknown;
    };
    let label = label.to_lowercase();
    if label.contains("parts") || label.contains("not working") {
        Group::ForParts
    } else if label.contains("open box") || label.contains("new other") || label.contains("defects")
    {
        Group::OpenBox
    } else if label.contains("refurbished") {
        Group::Refurbished
    } else if label.starts_with("new") || label == "brand new" {
        Group::New
    } else if label.is_empty() {
        Group::Unknown
    } else {
        // "Used", "Pre-owned", "Like New", "Very Good", "Good", "Acceptable", and anything else
        // a seller wrote: a second-hand unit.
        Group::Used
    }
}

fn is_for_parts(item: &ObservedItem) -> bool {
    if condition_group(item.condition_id, item.condition.as_deref()) == Group::ForParts {
        return true;
    }
    let words = words(&item.title);
    contains_phrase(&words, &["for", "parts"])
        || contains_phrase(&words, &["parts", "only"])
        || contains_phrase(&words, &["not", "working"])
        || contains_phrase(&words, &["spares", "or", "repair"])
}

/// Whether a title offers several units or a bundle in one listing.
///
/// Matched, case-insensitively on whole words: "lot", "lot of N", "set of N" / "pack of N" /
/// "pair of" (N ≥ 2), "bundle", "xN" and "N x" (N ≥ 2, e.g. "Controller x2", "2 x Controller"),
/// "N pcs" / "N pack" / "N-pack" (N ≥ 2), "qty N" (N ≥ 2).
///
/// Not matched: "set" alone ("LEGO Technic Set 42100" is one set), "kit", "combo" (a "Fly More
/// Combo" is one drone with spares, close to a bundle but sold as one unit everywhere), "2x zoom"
/// written without a space is matched only as "2x" + a word — see the accepted false positives.
///
/// False positives we accept (tested below): a single official console bundle ("PS5 Spider-Man
/// Bundle") is a lot, since it is priced with its games; a model name that ends in "x2"
/// ("Casio FX x2 …") reads as two units; "2x zoom" reads as two units. Each only moves a listing
/// out of the working-single segment, which at worst hides one listing from the "lowest" rather
/// than showing a lot as the lowest.
pub fn is_lot(title: &str) -> bool {
    let words = words(title);
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        let after = words.get(i + 2).map(String::as_str);
        match word.as_str() {
            "lot" | "lots" | "bundle" | "bundled" => return true,
            "set" | "pack" | "box" if next == Some("of") && after.is_some_and(several) => {
                return true;
            }
            "pair" if next == Some("of") => return true,
            "qty" | "quantity" if next.is_some_and(several) => return true,
            _ => {}
        }
        // "x2", "x10"
        if let Some(n) = word.strip_prefix('x')
            && several(n)
        {
            return true;
        }
        // "2x", "3pcs", "4pack"
        for suffix in ["x", "pcs", "pc", "pack", "pk"] {
            if let Some(n) = word.strip_suffix(suffix)
                && several(n)
            {
                return true;
            }
        }
        // "2 x", "3 pcs", "4 pack"
        if several(word)
            && next.is_some_and(|n| matches!(n, "x" | "pcs" | "pc" | "pack" | "pk" | "units"))
        {
            return true;
        }
    }
    false
}

/// A whole number of at least two.
fn several(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u32>().is_ok_and(|n| n >= 2)
}

/// Lower-case words of a title; punctuation separates words ("Set-of-2" → set, of, 2), so does
/// a hyphen between a number and "pack" ("4-pack" → 4, pack).
fn words(title: &str) -> Vec<String> {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn contains_phrase(words: &[String], phrase: &[&str]) -> bool {
    words
        .windows(phrase.len())
        .any(|w| w.iter().zip(phrase).all(|(a, b)| a == b))
}

/// A listing's price on a basis, as a segment measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasuredPrice {
    /// The price the segment's figures use.
    pub amount: Decimal,
    /// True when the basis wanted shipping but it was unknown (the item price alone).
    pub without_shipping: bool,
}

/// The price a listing is measured at, or `None` when it sets no figure: an auction sighted long
/// before its end or without a bid.
pub fn measured_price(
    item: &ObservedItem,
    format: Format,
    basis: PriceBasis,
    observed_at: DateTime<Utc>,
) -> Option<MeasuredPrice> {
    let base = match format {
        Format::FixedPrice => item.price.value,
        Format::Auction => {
            let near_end = item
                .ends_at
                .is_some_and(|end| end >= observed_at && end - observed_at <= AUCTION_NEAR_END);
            let has_bids = item.bid_count.is_some_and(|n| n > 0);
            if !near_end || !has_bids {
                return None;
            }
            item.current_bid
                .as_ref()
                .map_or(item.price.value, |bid| bid.value)
        }
    };
    Some(match (basis, &item.shipping_cost) {
        (PriceBasis::Item, _) => MeasuredPrice {
            amount: base,
            without_shipping: false,
        },
        (PriceBasis::WithShipping, Some(shipping)) => MeasuredPrice {
            amount: base + shipping.value,
            without_shipping: false,
        },
        (PriceBasis::WithShipping, None) => MeasuredPrice {
            amount: base,
            without_shipping: true,
        },
    })
}

/// Below this price a listing is not comparable with the rest of its segment: the higher of
/// Tukey's "far out" fence (Q1 − 3 × IQR) and half the median.
///
/// Why both: Tukey's fence alone lets a mispriced listing through when a segment has only a few
/// prices (with 1.02, 200 and 210, Q1 is 100.51 and the fence negative); half the median alone
/// lets through a box without its console at 55 % of a tight segment's price. The far-out fence
/// (3 × IQR rather than the usual 1.5) keeps genuine deals: in a tight segment (Q1 200, Q3 210) a
/// single listing at 180 is still comparable, while 26.99 is not.
pub fn lower_fence(stats: &DayStats) -> Decimal {
    let tukey = stats.p25 - (stats.p75 - stats.p25) * Decimal::from(3);
    let half_median = stats.median / Decimal::TWO;
    tukey.max(half_median)
}

/// The lowest price of a histogram at or above its lower fence; `None` when it is empty.
pub fn robust_low(histogram: &Histogram, stats: &DayStats) -> Option<Decimal> {
    let fence = lower_fence(stats);
    histogram
        .iter()
        .filter(|(price, count)| **count > 0 && **price >= fence)
        .map(|(price, _)| *price)
        .next()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use pubsub::Money;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::ingest::rollup::{add, day_stats};

    fn item(title: &str) -> ObservedItem {
        ObservedItem {
            item_id: "v1|1|0".into(),
            title: title.into(),
            price: Money::new(dec!(100), "USD"),
            shipping_cost: None,
            condition: None,
            buying_options: vec!["FIXED_PRICE".into()],
            item_url: "https://www.ebay.com/itm/1".into(),
            image_url: None,
            seller: None,
            condition_id: None,
            buying_option: None,
            current_bid: None,
            bid_count: None,
            ends_at: None,
            seller_feedback_percent: None,
        }
    }

    #[test]
    fn lots_and_bundles_are_recognised_from_titles() {
        let cases = [
            ("Lot of 3 Nintendo Switch Joy-Con", true),
            ("Nintendo Switch Joy-Con x2 Neon", true),
            ("Nintendo Switch OLED Bundle of 4", true),
            ("Nintendo Switch OLED Bundle + 3 Games", true),
            ("Set of 2 Pokemon Booster Boxes", true),
            ("Pack of 10 AA batteries", true),
            ("Pair of Sony WH-1000XM4 ear pads", true),
            ("2 x Xbox Wireless Controller", true),
            ("3pcs USB-C cable", true),
            ("AirPods Pro 4-Pack", true),
            ("Qty 5 Raspberry Pi 4", true),
            ("Job lot vintage cameras", true),
            // Single items.
            ("LEGO Technic Set 42100 Liebherr", false),
            ("Nintendo Switch OLED Set - White", false),
            ("Sony A7 III Kit with 28-70mm", false),
            ("DJI Mini 3 Fly More Combo", false),
            ("iPhone 13 Pro 128GB Graphite", false),
            ("Canon EOS R6 Mark II x1", false),
            ("Xbox Series X Console", false),
            ("Set of 1 replacement strap", false),
            ("Pixel 7a 1 pack", false),
            // Accepted false positives (written down in `is_lot`'s doc).
            ("PS5 Spider-Man 2 Bundle Console", true),
            ("Canon PowerShot 2x zoom compact", true),
        ];
        for (title, lot) in cases {
            assert_eq!(is_lot(title), lot, "{title}");
        }
    }

    #[test]
    fn condition_groups_come_from_the_id_then_the_label() {
        let cases = [
            (Some(1000), None, Group::New),
            (Some(1500), Some("New"), Group::OpenBox),
            (Some(1750), None, Group::OpenBox),
            (Some(2000), None, Group::Refurbished),
            (Some(2500), None, Group::Refurbished),
            (Some(2750), None, Group::Used),
            (Some(3000), Some("New"), Group::Used),
            (Some(6000), None, Group::Used),
            (Some(7000), None, Group::ForParts),
            (None, Some("New"), Group::New),
            (None, Some("Brand New"), Group::New),
            (None, Some("New other (see details)"), Group::OpenBox),
            (None, Some("Open box"), Group::OpenBox),
            (None, Some("Certified - Refurbished"), Group::Refurbished),
            (None, Some("Pre-owned"), Group::Used),
            (None, Some("Used"), Group::Used),
            (None, Some("Like New"), Group::Used),
            (None, Some("For parts or not working"), Group::ForParts),
            (None, None, Group::Unknown),
            (Some(9999), None, Group::Unknown),
        ];
        for (id, label, group) in cases {
            assert_eq!(condition_group(id, label), group, "{id:?} {label:?}");
        }
    }

    #[test]
    fn for_parts_outranks_lots_and_titles_can_say_it() {
        let mut broken = item("Nintendo Switch Oled Set - For Parts / Not Working");
        broken.condition_id = Some(3000);
        assert_eq!(segment_of(&broken).group, Group::ForParts);

        let mut lot_of_broken = item("Lot of 3 Switch consoles");
        lot_of_broken.condition_id = Some(7000);
        assert_eq!(segment_of(&lot_of_broken).group, Group::ForParts);

        let mut lot = item("Lot of 3 Switch consoles");
        lot.condition_id = Some(3000);
        assert_eq!(segment_of(&lot).group, Group::Lot);

        let mut fine = item("Nintendo Switch OLED working perfectly");
        fine.condition_id = Some(3000);
        assert_eq!(
            segment_of(&fine),
            Segment {
                group: Group::Used,
                format: Format::FixedPrice
            }
        );
    }

    #[test]
    fn buying_formats_come_from_the_listing_then_the_options() {
        let mut a = item("x");
        a.buying_option = Some("auction".into());
        assert_eq!(segment_of(&a).format, Format::Auction);
        let mut b = item("x");
        b.buying_options = vec!["AUCTION".into()];
        assert_eq!(segment_of(&b).format, Format::Auction);
        let mut c = item("x");
        c.buying_options = vec!["AUCTION".into(), "FIXED_PRICE".into()];
        assert_eq!(segment_of(&c).format, Format::FixedPrice);
        assert_eq!(segment_of(&item("x")).format, Format::FixedPrice);
    }

    #[test]
    fn segment_keys_round_trip_and_read_plainly() {
        let s = Segment {
            group: Group::ForParts,
            format: Format::Auction,
        };
        assert_eq!(s.key(), "for_parts/auction");
        assert_eq!(Segment::parse(&s.key()), Some(s));
        assert_eq!(Segment::parse("used/barter"), None);
        assert_eq!(Segment::parse("mint/auction"), None);
        assert_eq!(
            Segment::parse("used/fixed_price").unwrap().label(),
            "Used, fixed price"
        );
        assert!(!s.is_working_single());
    }

    #[test]
    fn prices_are_measured_on_the_alerts_basis_and_auctions_only_near_the_end() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
        let mut shipped = item("x");
        shipped.shipping_cost = Some(Money::new(dec!(7.5), "USD"));
        let no_shipping = item("x");

        let mut ending = item("x");
        ending.buying_option = Some("auction".into());
        ending.price = Money::new(dec!(1.02), "USD");
        ending.current_bid = Some(Money::new(dec!(61), "USD"));
        ending.bid_count = Some(9);
        ending.ends_at = Some(at + Duration::minutes(90));
        ending.shipping_cost = Some(Money::new(dec!(5), "USD"));
        let mut early = ending.clone();
        early.ends_at = Some(at + Duration::days(3));
        let mut no_bids = ending.clone();
        no_bids.bid_count = Some(0);
        let mut ended = ending.clone();
        ended.ends_at = Some(at - Duration::minutes(1));

        let fp = Format::FixedPrice;
        let au = Format::Auction;
        let cases = [
            (
                &shipped,
                fp,
                PriceBasis::WithShipping,
                Some((dec!(107.5), false)),
            ),
            (&shipped, fp, PriceBasis::Item, Some((dec!(100), false))),
            (
                &no_shipping,
                fp,
                PriceBasis::WithShipping,
                Some((dec!(100), true)),
            ),
            (&no_shipping, fp, PriceBasis::Item, Some((dec!(100), false))),
            (
                &ending,
                au,
                PriceBasis::WithShipping,
                Some((dec!(66), false)),
            ),
            (&ending, au, PriceBasis::Item, Some((dec!(61), false))),
            (&early, au, PriceBasis::WithShipping, None),
            (&no_bids, au, PriceBasis::WithShipping, None),
            (&ended, au, PriceBasis::WithShipping, None),
        ];
        for (n, (item, format, basis, want)) in cases.into_iter().enumerate() {
            let got =
                measured_price(item, format, basis, at).map(|m| (m.amount, m.without_shipping));
            assert_eq!(got, want, "case {n}");
        }
    }

    #[test]
    fn the_price_basis_of_unknown_and_older_alerts() {
        assert_eq!(PriceBasis::of_alert(false, None), PriceBasis::WithShipping);
        assert_eq!(PriceBasis::of_alert(true, None), PriceBasis::Item);
        assert_eq!(PriceBasis::of_alert(true, Some("item")), PriceBasis::Item);
        assert_eq!(
            PriceBasis::of_alert(true, Some("with_shipping")),
            PriceBasis::WithShipping
        );
    }

    fn histogram(prices: &[(Decimal, u64)]) -> Histogram {
        let mut h = Histogram::new();
        for (p, n) in prices {
            add(&mut h, *p, *n);
        }
        h
    }

    /// Hand-computed: one mispriced listing seen on every run never becomes the low.
    #[test]
    fn a_single_mispriced_listing_does_not_move_the_robust_low() {
        // (histogram, robust low). Fences by hand (fence = max(Q1 − 3 × IQR, median / 2)):
        // 1) 26.99, 200, 210, 220, 230 once each: Q1 200, median 210, Q3 220, IQR 20 →
        //    max(140, 105) = 140 → 26.99 is out, low 200.
        // 2) the same with every listing seen on 24 runs (the histogram counts runs): the
        //    quantile positions scale, same quartiles → 200.
        // 3) only three prices 1.02, 200, 210: Q1 = 1.02 + (200 − 1.02) × 0.5 = 100.51,
        //    median 200, Q3 205, Tukey negative, half median 100 → fence 100.51 → low 200.
        // 4) a genuine deal in a tight segment: 180, 200, 205, 210, 215: Q1 200, Q3 210,
        //    IQR 10 → max(170, 102.5) = 170 → 180 is comparable, low 180.
        // 5) a $1 "box only" listing and a genuine 180 together: 1, 180, 200, 205, 210, 215:
        //    Q1 pos 1.25 → 180 + 20 × 0.25 = 185, median 202.5, Q3 pos 3.75 → 208.75,
        //    IQR 23.75 → max(113.75, 101.25) → low 180.
        let cases: [(&[(Decimal, u64)], Decimal); 5] = [
            (
                &[
                    (dec!(26.99), 1),
                    (dec!(200), 1),
                    (dec!(210), 1),
                    (dec!(220), 1),
                    (dec!(230), 1),
                ],
                dec!(200),
            ),
            (
                &[
                    (dec!(26.99), 24),
                    (dec!(200), 24),
                    (dec!(210), 24),
                    (dec!(220), 24),
                    (dec!(230), 24),
                ],
                dec!(200),
            ),
            (
                &[(dec!(1.02), 1), (dec!(200), 1), (dec!(210), 1)],
                dec!(200),
            ),
            (
                &[
                    (dec!(180), 1),
                    (dec!(200), 1),
                    (dec!(205), 1),
                    (dec!(210), 1),
                    (dec!(215), 1),
                ],
                dec!(180),
            ),
            (
                &[
                    (dec!(1), 1),
                    (dec!(180), 1),
                    (dec!(200), 1),
                    (dec!(205), 1),
                    (dec!(210), 1),
                    (dec!(215), 1),
                ],
                dec!(180),
            ),
        ];
        for (n, (prices, want)) in cases.into_iter().enumerate() {
            let h = histogram(prices);
            let stats = day_stats(&h).unwrap();
            assert_eq!(robust_low(&h, &stats), Some(want), "case {}", n + 1);
        }
    }

    #[test]
    fn a_single_price_is_its_own_robust_low() {
        let h = histogram(&[(dec!(50), 3)]);
        let stats = day_stats(&h).unwrap();
        assert_eq!(robust_low(&h, &stats), Some(dec!(50)));
    }
}
