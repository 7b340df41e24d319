//! The deterministic catalogue: which listings exist for a query at a given time, and what
//! they cost then.
//!
//! A query has a fixed number of listing *slots* (50–500, from the phrase's hash). Each slot
//! cycles through *generations* with its own period (3–14 days) and phase: generation `g` of
//! slot `s` is one listing, seeded by `(query, s, g)`, which goes live a little after the
//! generation starts and ends when it ends (auctions sooner). So at any instant about 40–400
//! listings are alive, listings appear and end over time, and the set at time T is computed
//! directly from T, with no state.
//!
//! A listing's asking price follows a seeded random walk with hourly steps. The walk is built
//! top-down like a Brownian bridge over a 512-hour horizon, so its value after `k` hours is a
//! sum of `log2(512) = 9` block sums, each derived from a hash, instead of `k` steps from the
//! listing's start. Fixed prices also drift down slowly (sellers cut prices); auction bids rise
//! towards a final price as the end approaches.
//!
//! As on eBay, an auction with Buy It Now loses the Buy It Now option at its first bid, and
//! only a few fixed-price listings have a set end (most are "good 'til cancelled"). Each query
//! sits in one category path. Some sellers list in their own currency (CAD, GBP, AUD, EUR):
//! on `EBAY_US` their prices are converted to USD at a rate that moves day by day, as eBay's
//! `convertedFromValue`/`convertedFromCurrency` show ([`QueryCatalogue::convert_to_usd`]).
//!
//! What a phrase sells ([`Product`]: kind, new price, category) sets the price level and how
//! listings split by condition (eBay's condition ids, for-parts units included), into lots
//! ("Lot of 3 …", "… x2") and bundles, and by shipping terms (free, flat, calculated; see
//! [`crate::shipping`]). Sellers have feedback like eBay's: most 99–100 %, a few lower, and
//! some brand-new accounts with no feedback at all.
//!
//! Only the cheap core of each listing ([`Listing`]) is computed for filtering and sorting;
//! titles, sellers and pictures ([`ListingDetail`]) are built for the returned page only.

use crate::condition;
use crate::hash::{derive, fnv1a64, gaussian, mix, pick, range, unit};
use crate::product::{Kind, Product};
use crate::shipping::ShippingTerms;

/// Seconds per hour.
pub const HOUR: i64 = 3_600;
/// Seconds per day.
pub const DAY: i64 = 86_400;

/// Levels of the dyadic random walk: 2^9 = 512 hours, longer than any listing lives.
const WALK_LEVELS: u32 = 9;
/// Standard deviation of one hourly log-price step (about 1 %).
const HOURLY_SIGMA: f64 = 0.012;
/// Hourly downward drift of fixed prices in log space (about -13 % over two weeks).
const FIXED_PRICE_DRIFT: f64 = -0.0004;

// Labels that keep the hash streams of different attributes apart.
const TAG_SLOTS: u64 = 1;
const TAG_SLOT: u64 = 3;
const TAG_LISTING: u64 = 4;
const TAG_WALK: u64 = 5;
const TAG_SELLER: u64 = 6;
const TAG_CATEGORY: u64 = 7;
const TAG_RATE: u64 = 8;

/// Category paths, leaf first (id, name), as eBay's `categories` lists them.
const CATEGORY_PATHS: &[&[(&str, &str)]] = &[
    &[
        ("9355", "Cell Phones & Smartphones"),
        ("15032", "Cell Phones & Accessories"),
    ],
    &[
        ("58540", "Screen Protectors"),
        ("9394", "Cell Phone Accessories"),
        ("15032", "Cell Phones & Accessories"),
    ],
    &[
        ("19006", "LEGO Complete Sets & Packs"),
        ("183446", "LEGO Building Toys"),
        ("220", "Toys & Hobbies"),
    ],
    &[("31388", "Digital Cameras"), ("625", "Cameras & Photo")],
    &[("179697", "Camera Drones"), ("625", "Cameras & Photo")],
    &[
        ("31387", "Wristwatches"),
        ("260324", "Watches, Parts & Accessories"),
        ("281", "Jewelry & Watches"),
    ],
    &[
        ("44995", "Cables & Adapters"),
        ("58058", "Computers/Tablets & Networking"),
    ],
    &[
        ("139971", "Video Game Consoles"),
        ("1249", "Video Games & Consoles"),
    ],
    &[
        ("183454", "CCG Individual Cards"),
        ("2536", "Collectible Card Games"),
        ("1", "Collectibles"),
    ],
];

/// Currencies some sellers list in, with the rough USD rate of one unit.
const SELLER_CURRENCIES: &[(&str, f64)] =
    &[("CAD", 0.73), ("GBP", 1.27), ("AUD", 0.66), ("EUR", 1.08)];

/// Lower-cases and collapses whitespace, so `"  LEGO   42100"` and `"lego 42100"` are one query.
pub fn normalise_query(query: &str) -> String {
    query
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a listing can be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuyingOptions {
    /// Buy It Now.
    pub fixed_price: bool,
    /// Auction.
    pub auction: bool,
    /// Accepts offers.
    pub best_offer: bool,
}

impl BuyingOptions {
    fn from_roll(roll: u64) -> Self {
        match roll % 100 {
            0..55 => Self {
                fixed_price: true,
                ..Self::default()
            },
            55..70 => Self {
                fixed_price: true,
                best_offer: true,
                ..Self::default()
            },
            70..90 => Self {
                auction: true,
                ..Self::default()
            },
            _ => Self {
                fixed_price: true,
                auction: true,
                ..Self::default()
            },
        }
    }

    /// eBay's names, in eBay's order.
    pub fn names(self) -> Vec<&'static str> {
        let mut names = Vec::with_capacity(2);
        if self.fixed_price {
            names.push("FIXED_PRICE");
        }
        if self.auction {
            names.push("AUCTION");
        }
        if self.best_offer {
            names.push("BEST_OFFER");
        }
        names
    }
}

/// What a query's catalogue is built from.
#[derive(Debug, Clone)]
pub struct QueryCatalogue {
    seed: u64,
    slots: u32,
    /// What the phrase sells: kind, new price, title spelling.
    product: Product,
    sellers: u64,
}

/// The cheap part of one live listing: enough to filter, sort and page.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The listing's own seed.
    pub seed: u64,
    /// The query's slot it occupies (with the query, what `getItem` needs to find it again).
    pub slot: u64,
    /// The legacy item number, 12 digits.
    pub item_number: u64,
    /// When it went live (Unix seconds).
    pub start: i64,
    /// When it ends (Unix seconds).
    pub end: i64,
    /// eBay's condition id (`3000` used, `7000` for parts, ...); `None` when the seller gave
    /// none.
    pub condition_id: Option<u16>,
    /// Its buying options.
    pub options: BuyingOptions,
    /// The asking price at the requested time, in cents (for a pure auction, the current bid).
    pub price_cents: u64,
    /// The current bid, in cents, for auctions.
    pub bid_cents: Option<u64>,
    /// Number of bids (auctions).
    pub bid_count: u32,
    /// How the seller ships it (amounts in the seller's currency).
    pub shipping: ShippingTerms,
    /// Units sold together: `1` for a single item, more for a lot ("Lot of 3 ...").
    pub lot: u32,
    /// The item plus extras ("... Bundle + 3 Games"), priced above a bare unit.
    pub bundle: bool,
    /// Which of the query's sellers lists it.
    pub seller_index: u64,
    /// Stable "best match" rank key.
    pub relevance: u64,
    /// A fixed-price listing with a set duration, which (unlike most) shows its end date.
    pub fixed_duration: bool,
    /// The seller's own currency and amounts, when the prices above were converted from them.
    pub converted_from: Option<ConvertedFrom>,
}

/// A listing's amounts in the seller's currency, before conversion to the marketplace's.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertedFrom {
    /// ISO 4217 code, e.g. `CAD`.
    pub currency: &'static str,
    /// Asking price in the seller's cents.
    pub price_cents: u64,
    /// Current bid in the seller's cents.
    pub bid_cents: Option<u64>,
    /// Marketplace units per seller unit on the day (shipping is converted with it).
    pub rate: f64,
}

/// The presentational part of a listing, built only for listings on the returned page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingDetail {
    /// Title, at most 80 characters like eBay's.
    pub title: String,
    /// Picture URL.
    pub image_url: String,
    /// Seller user name.
    pub seller_username: String,
    /// Seller positive feedback, e.g. `"99.4"`.
    pub seller_feedback_percentage: String,
    /// Seller feedback score.
    pub seller_feedback_score: u64,
    /// Partial postal code like `951**`.
    pub postal_code: String,
    /// The condition's display name.
    pub condition_name: Option<&'static str>,
    /// The large picture eBay lists under `thumbnailImages`.
    pub thumbnail_url: String,
}

impl QueryCatalogue {
    /// The catalogue of a (normalised) query.
    pub fn new(normalised_query: &str) -> Self {
        let seed = fnv1a64(normalised_query.as_bytes());
        let slots = u32::try_from(range(derive(seed, &[TAG_SLOTS]), 50, 500)).unwrap_or(50);
        Self {
            seed,
            slots,
            product: Product::of(normalised_query, seed, title_case),
            sellers: u64::from(slots / 4).max(8),
        }
    }

    /// What the phrase sells.
    pub fn product(&self) -> &Product {
        &self.product
    }

    /// The phrase's hash.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The typical price of one new unit of what the phrase sells.
    pub fn base_price(&self) -> f64 {
        self.product.new_price
    }

    /// Every listing alive at `now` (Unix seconds), priced as of then.
    pub fn listings_at(&self, now: i64) -> Vec<Listing> {
        let mut listings = Vec::with_capacity(self.slots as usize);
        for slot in 0..u64::from(self.slots) {
            if let Some(listing) = self.listing_in_slot(slot, now) {
                listings.push(listing);
            }
        }
        listings
    }

    /// The category path of this query's listings, leaf first.
    pub fn categories(&self) -> &'static [(&'static str, &'static str)] {
        let known = self.product.kind.categories();
        if !known.is_empty() {
            return known;
        }
        let index = derive(self.seed, &[TAG_CATEGORY]) % CATEGORY_PATHS.len() as u64;
        CATEGORY_PATHS
            .get(usize::try_from(index).unwrap_or(0))
            .copied()
            .unwrap_or(&[])
    }

    /// The currency seller number `index` lists in when it is not the marketplace's: about
    /// one seller in eight sells from abroad.
    pub fn seller_currency(&self, index: u64) -> Option<(&'static str, f64)> {
        let seed = mix(derive(self.seed, &[TAG_SELLER, index]) ^ 13);
        if seed % 100 >= 12 {
            return None;
        }
        let pick = (seed / 100) % SELLER_CURRENCIES.len() as u64;
        SELLER_CURRENCIES
            .get(usize::try_from(pick).unwrap_or(0))
            .copied()
    }

    /// Converts a foreign seller's listing to USD as of `now`, keeping the seller's amounts
    /// in [`Listing::converted_from`]. The rate moves a little each day (it is the same for
    /// every query), so such prices change even when the seller's do not.
    pub fn convert_to_usd(&self, listing: &mut Listing, now: i64) {
        let Some((currency, base_rate)) = self.seller_currency(listing.seller_index) else {
            return;
        };
        let day = u64::try_from(now.div_euclid(DAY)).unwrap_or(0);
        let rate = base_rate
            * (0.004 * gaussian(derive(fnv1a64(currency.as_bytes()), &[TAG_RATE, day]))).exp();
        let convert = |cents: u64| (cents as f64 * rate).round() as u64;
        listing.converted_from = Some(ConvertedFrom {
            currency,
            price_cents: listing.price_cents,
            bid_cents: listing.bid_cents,
            rate,
        });
        listing.price_cents = convert(listing.price_cents).max(1);
        listing.bid_cents = listing.bid_cents.map(convert);
    }

    /// The country the item ships from: the seller's, for sellers abroad.
    pub fn origin_country(
        &self,
        listing: &Listing,
        marketplace_country: &'static str,
    ) -> &'static str {
        match self
            .seller_currency(listing.seller_index)
            .map(|(currency, _)| currency)
        {
            Some("CAD") => "CA",
            Some("GBP") => "GB",
            Some("AUD") => "AU",
            Some("EUR") => "DE",
            _ => marketplace_country,
        }
    }

    /// The first three digits of the item's postal code (`951` of `951**`).
    pub fn origin_postal_prefix(listing: &Listing) -> u64 {
        range(derive(listing.seed, &[103]), 10, 999)
    }

    /// The seller's markdown in percent, for about one fixed-price listing in eight.
    pub fn markdown_percent(&self, listing: &Listing) -> Option<u32> {
        let roll = derive(listing.seed, &[120]);
        (listing.options.fixed_price && !listing.options.auction && roll % 100 < 12)
            .then(|| pick(mix(roll), &[10, 15, 20, 25, 30, 40]).unwrap_or(20))
    }

    /// The listing that occupies `slot` at `now`, if any, priced as of then. A slot holds one
    /// listing after another; `getItem` uses this to find a listing again.
    pub fn listing_in_slot(&self, slot: u64, now: i64) -> Option<Listing> {
        let slot_seed = derive(self.seed, &[TAG_SLOT, slot]);
        let period = i64::try_from(range(slot_seed, 3 * DAY as u64, 14 * DAY as u64)).ok()?;
        let phase = i64::try_from(range(mix(slot_seed), 0, (period - 1) as u64)).ok()?;
        let generation = (now - phase).div_euclid(period);
        let generation_start = phase + generation * period;
        let seed = derive(self.seed, &[TAG_LISTING, slot, generation as u64]);
        let attribute = |label: u64| derive(seed, &[label]);

        // Listings go live up to 15 % into their generation, so slots are sometimes empty.
        let gap = (unit(attribute(1)) * 0.15 * period as f64) as i64;
        let start = generation_start + gap;
        let options = BuyingOptions::from_roll(attribute(2));
        let generation_end = generation_start + period;
        let end = if options.auction {
            let days = pick(attribute(3), &[3, 5, 7, 10]).unwrap_or(7);
            (start + days * DAY).min(generation_end)
        } else {
            generation_end
        };
        if now < start || now >= end {
            return None;
        }

        let product = &self.product;
        let kind = product.kind;
        let condition_id = product.condition_from_roll(attribute(4));
        let (lot_share, lot_sizes) = kind.lots();
        let kind_roll = u32::try_from(attribute(5) % 1_000).unwrap_or(0);
        let (lot, bundle) = if kind_roll < lot_share {
            (pick(mix(attribute(5)), lot_sizes).unwrap_or(2), false)
        } else {
            (1, kind_roll < lot_share + kind.bundles())
        };
        // A lot costs about its units' worth, a little less per unit; a bulk lot (fifty cards)
        // far less per unit. A bundle adds games or accessories to one unit.
        let quantity_factor = if lot > 5 {
            f64::from(lot).powf(0.35)
        } else if lot > 1 {
            f64::from(lot).powf(0.92)
        } else if bundle {
            1.2 + 0.25 * unit(attribute(17))
        } else {
            1.0
        };
        let spread = (product.spread * gaussian(attribute(6))).exp();
        let unit_price =
            product.new_price * condition::price_factor(condition_id, kind == Kind::Cards);
        let list_price = unit_price * quantity_factor * spread;

        let hours = u64::try_from(now.div_euclid(HOUR) - start.div_euclid(HOUR)).unwrap_or(0);
        let walked = {
            let log_change =
                random_walk(seed, hours, HOURLY_SIGMA) + FIXED_PRICE_DRIFT * hours as f64;
            list_price * log_change.exp().clamp(0.35, 2.0)
        };
        let charm = unit(attribute(7)) < 0.5;
        let fixed_cents = to_cents(walked, charm);

        let (price_cents, bid_cents, bid_count) = if options.auction {
            let progress = ((now - start) as f64 / (end - start).max(1) as f64).clamp(0.0, 1.0);
            let max_bids = range(attribute(8), 3, 40) as f64;
            // A trickle of bids over the auction and a rush in its last hours; never fewer
            // bids, and so never a lower bid, later on.
            let activity = 0.55 * progress.powf(1.5) + 0.45 * progress.powi(24);
            let bids = (max_bids * activity).floor();
            // A quarter of sellers start at $0.99; the rest at 10–45 % of the item's worth.
            let opening = if unit(attribute(18)) < 0.25 {
                0.99
            } else {
                list_price * (0.1 + 0.35 * unit(attribute(9)))
            };
            let final_price = list_price * (0.78 + 0.32 * unit(attribute(10)));
            let bid = if bids < 1.0 {
                opening
            } else {
                opening + (final_price - opening).max(0.0) * (bids / max_bids).powf(1.2)
            };
            let bid_cents = to_cents(bid, false);
            let price = if options.fixed_price {
                // Auction with Buy It Now: the BIN price is the asking price.
                fixed_cents.max(bid_cents + 100)
            } else {
                bid_cents
            };
            (price, Some(bid_cents), bids as u32)
        } else {
            (fixed_cents, None, 0)
        };
        // eBay removes Buy It Now from an auction at its first bid: only AUCTION remains, and
        // the asking price is the bid.
        let mut options = options;
        let price_cents = if options.auction && options.fixed_price && bid_count > 0 {
            options.fixed_price = false;
            bid_cents.unwrap_or(price_cents)
        } else {
            price_cents
        };

        let weight_grams = kind.weight_grams() * lot.clamp(1, 5);

        Some(Listing {
            seed,
            slot,
            item_number: 100_000_000_000 + attribute(13) % 900_000_000_000,
            start,
            end,
            condition_id,
            options,
            price_cents,
            bid_cents,
            bid_count,
            shipping: shipping_terms(weight_grams, attribute(11), attribute(12)),
            lot,
            bundle,
            seller_index: attribute(14) % self.sellers,
            relevance: attribute(15),
            fixed_duration: !options.auction && attribute(16) % 100 < 5,
            converted_from: None,
        })
    }

    /// The seller user name of seller number `index` of this query.
    pub fn seller_username(&self, index: u64) -> String {
        let seed = derive(self.seed, &[TAG_SELLER, index]);
        let first = pick(seed, SELLER_FIRST).unwrap_or("best");
        let second = pick(mix(seed), SELLER_SECOND).unwrap_or("deals");
        let number = range(mix(mix(seed)), 1, 999);
        match seed % 3 {
            0 => format!("{first}_{second}_{number}"),
            1 => format!("{first}{second}{number}"),
            _ => format!("{first}-{second}"),
        }
    }

    /// Seller number `index`'s positive feedback (`"99.4"`) and feedback score. Most sellers
    /// have 99–100 %, about one in seven 97–99 %, one in twenty less; about one in seventeen
    /// is a new account with a handful of ratings, or none ("0.0" with a score of 0, as eBay
    /// shows it).
    pub fn seller_feedback(&self, index: u64) -> (String, u64) {
        let seed = derive(self.seed, &[TAG_SELLER, index]);
        let tenths = |low: u64, high: u64| range(mix(seed ^ 7), low, high);
        if mix(seed ^ 5) % 100 < 6 {
            let score = range(mix(seed ^ 11), 0, 9);
            let percent = match score {
                0 => "0.0".to_owned(),
                _ if mix(seed ^ 13).is_multiple_of(4) => {
                    format!("{:.1}", 100.0 * (score - 1) as f64 / score as f64)
                }
                _ => "100.0".to_owned(),
            };
            return (percent, score);
        }
        let percent_tenths = match mix(seed ^ 9) % 100 {
            0..80 => tenths(990, 1_000),
            80..95 => tenths(970, 989),
            _ => tenths(880, 969),
        };
        let score = (10.0 * 8_000f64.powf(unit(mix(seed ^ 11)))) as u64;
        (
            format!("{}.{}", percent_tenths / 10, percent_tenths % 10),
            score,
        )
    }

    /// Titles, seller and picture for one listing.
    pub fn detail(&self, listing: &Listing) -> ListingDetail {
        let attribute = |label: u64| derive(listing.seed, &[100 + label]);
        let (feedback_percentage, feedback_score) = self.seller_feedback(listing.seller_index);
        ListingDetail {
            title: self.title(listing, &attribute),
            image_url: format!(
                "https://i.ebayimg.com/images/g/{}/s-l225.jpg",
                base62(attribute(1), attribute(2), 16)
            ),
            seller_username: self.seller_username(listing.seller_index),
            seller_feedback_percentage: feedback_percentage,
            seller_feedback_score: feedback_score,
            postal_code: format!("{:03}**", Self::origin_postal_prefix(listing)),
            thumbnail_url: format!(
                "https://i.ebayimg.com/images/g/{}/s-l1600.jpg",
                base62(attribute(1), attribute(2), 16)
            ),
            condition_name: listing
                .condition_id
                .map(|id| condition::name(id, self.product.kind == Kind::Cards)),
        }
    }

    fn title(&self, listing: &Listing, attribute: &dyn Fn(u64) -> u64) -> String {
        let core = self.product.title.as_str();
        let group = listing.condition_id.map(condition::group);
        let cards = self.product.kind == Kind::Cards;
        let suffix = match (listing.condition_id, group) {
            (Some(2750), _) if cards => pick(attribute(12), GRADED_SUFFIXES),
            (Some(4000), _) if cards => pick(attribute(12), UNGRADED_SUFFIXES),
            (Some(1750), _) => pick(attribute(12), DEFECT_SUFFIXES),
            (_, Some(condition::Group::New)) => pick(attribute(12), NEW_SUFFIXES),
            (_, Some(condition::Group::OpenBox)) => pick(attribute(12), NEW_OTHER_SUFFIXES),
            (_, Some(condition::Group::Refurbished)) => pick(attribute(12), REFURBISHED_SUFFIXES),
            (_, Some(condition::Group::Used)) => pick(attribute(12), USED_SUFFIXES),
            (_, Some(condition::Group::ForParts)) => pick(attribute(12), PARTS_SUFFIXES),
            (None, None) | (Some(_), None) => pick(attribute(12), DESCRIPTORS),
        }
        .unwrap_or("");
        let extra = if attribute(13).is_multiple_of(4) {
            pick(attribute(14), SELLING_POINTS).unwrap_or("")
        } else {
            ""
        };
        let units = listing.lot;
        let parts: Vec<String> = if units > 1 {
            // The ways sellers say "several units in one listing".
            let head = match attribute(15) % 10 {
                0..5 => format!("Lot of {units} {core}"),
                5..8 => format!("{core} x{units}"),
                _ => format!("{core} Bundle of {units}"),
            };
            vec![head, suffix.to_owned(), extra.to_owned()]
        } else if listing.bundle {
            let extras = pick(attribute(16), self.product.kind.bundle_extras()).unwrap_or("Bundle");
            vec![core.to_owned(), extras.to_owned(), suffix.to_owned()]
        } else {
            let prefix = match group {
                Some(condition::Group::New) if !cards => pick(attribute(10), NEW_PREFIXES),
                _ => pick(attribute(10), USED_PREFIXES),
            }
            .unwrap_or("");
            let descriptor = pick(attribute(11), DESCRIPTORS).unwrap_or("");
            vec![
                prefix.to_owned(),
                core.to_owned(),
                descriptor.to_owned(),
                suffix.to_owned(),
                extra.to_owned(),
            ]
        };
        let mut title = String::with_capacity(80);
        for part in &parts {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if !title.is_empty() {
                title.push(' ');
            }
            title.push_str(part);
        }
        truncate_title(title)
    }
}

/// A listing's shipping terms: free (about 45 %, 60 % for small parcels), a flat rate, or
/// calculated by the carrier (15 %, 25 % for heavy parcels), in the seller's cents.
fn shipping_terms(weight_grams: u32, roll: u64, amount_roll: u64) -> ShippingTerms {
    let share = unit(roll);
    let (free_share, calculated_share) = match weight_grams {
        0..=250 => (0.6, 0.1),
        251..=2_500 => (0.45, 0.15),
        _ => (0.35, 0.25),
    };
    // Flat domestic rates end in .99, by parcel size.
    let (low, high) = match weight_grams {
        0..=250 => (0, 4),
        251..=1_000 => (4, 12),
        1_001..=2_500 => (8, 19),
        _ => (14, 34),
    };
    let domestic_cents = range(amount_roll, low, high) * 100 + 99;
    let international_cents =
        (range(mix(amount_roll), 19, 34) + u64::from(weight_grams / 500) * 4) * 100 + 99;
    if share < free_share {
        ShippingTerms::Free {
            international_cents,
        }
    } else if share < free_share + calculated_share {
        ShippingTerms::Calculated { weight_grams }
    } else {
        ShippingTerms::Fixed {
            domestic_cents,
            international_cents,
        }
    }
}

/// The walk's value after `hours` hourly steps (0 at the listing's start).
///
/// Block sums are generated top-down: the whole 512-step sum first, then each block's sum is
/// split between its halves with Brownian-bridge noise (a half of `n` steps gets variance
/// `n/4 · σ²` around half the parent). The prefix sum up to `hours` adds the left halves where
/// the path goes right, so it costs `WALK_LEVELS` hashes and is consistent for every `hours`.
pub fn random_walk(seed: u64, hours: u64, sigma: f64) -> f64 {
    let horizon = 1u64 << WALK_LEVELS;
    let hours = hours.min(horizon - 1);
    // One derived stream for the walk; each node then costs two mixes (hot path: every live
    // listing of every search evaluates this).
    let walk_seed = derive(seed, &[TAG_WALK]);
    let node =
        |level: u32, block: u64| gaussian(mix(walk_seed ^ mix((u64::from(level) << 48) | block)));
    let mut block_sum = node(WALK_LEVELS + 1, 0) * sigma * (horizon as f64).sqrt();
    let mut block = 0u64;
    let mut prefix = 0.0;
    for level in (1..=WALK_LEVELS).rev() {
        let steps = (1u64 << level) as f64;
        let left = block_sum / 2.0 + node(level, block) * sigma * (steps / 4.0).sqrt();
        if (hours >> (level - 1)) & 1 == 1 {
            prefix += left;
            block_sum -= left;
            block = 2 * block + 1;
        } else {
            block_sum = left;
            block *= 2;
        }
    }
    prefix
}

/// Rounds a price to cents, at least 0.99; `charm` prices end in .99.
fn to_cents(price: f64, charm: bool) -> u64 {
    let cents = (price * 100.0).round().max(99.0) as u64;
    if charm && cents >= 200 {
        (cents / 100) * 100 + 99 - 100
    } else {
        cents
    }
}

fn title_case(phrase: &str) -> String {
    phrase
        .split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// eBay titles are at most 80 characters; cut at a word boundary.
fn truncate_title(title: String) -> String {
    const MAX: usize = 80;
    if title.chars().count() <= MAX {
        return title;
    }
    let mut cut = String::with_capacity(MAX);
    for word in title.split(' ') {
        let needed = if cut.is_empty() {
            word.chars().count()
        } else {
            word.chars().count() + 1
        };
        if cut.chars().count() + needed > MAX {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    if cut.is_empty() {
        title.chars().take(MAX).collect()
    } else {
        cut
    }
}

fn base62(a: u64, b: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    let mut state = [a, b];
    for i in 0..len {
        let word = &mut state[i % 2];
        out.push(char::from(ALPHABET[(*word % 62) as usize]));
        *word = mix(*word);
    }
    out
}

const NEW_PREFIXES: &[&str] = &[
    "",
    "",
    "",
    "",
    "NEW",
    "Brand New",
    "Genuine",
    "Authentic",
    "Original",
    "Sealed",
    "OEM",
];
const USED_PREFIXES: &[&str] = &[
    "",
    "",
    "",
    "",
    "Vintage",
    "Rare",
    "Genuine",
    "Authentic",
    "Original",
];
const DESCRIPTORS: &[&str] = &[
    "",
    "",
    "",
    "Set",
    "Kit",
    "Complete",
    "with Box",
    "w/ Manual",
    "Limited Edition",
    "Black",
    "Silver",
    "Collector's Edition",
    "Original Packaging",
];
const NEW_SUFFIXES: &[&str] = &[
    "",
    "- Brand New Sealed",
    "NIB",
    "BNIB",
    "Factory Sealed",
    "- New in Box",
    "NEW",
];
const DEFECT_SUFFIXES: &[&str] = &[
    "- New with Defects",
    "New, Cosmetic Scratches",
    "New - Damaged Box",
];
const GRADED_SUFFIXES: &[&str] = &["PSA 10", "PSA 9", "BGS 9.5", "CGC 9", "PSA 8"];
const UNGRADED_SUFFIXES: &[&str] = &["", "NM", "Near Mint", "LP", "Holo", "Pack Fresh"];
const NEW_OTHER_SUFFIXES: &[&str] = &[
    "- Open Box",
    "New (Other)",
    "Open Box, Never Used",
    "Box Damaged",
];
const REFURBISHED_SUFFIXES: &[&str] = &[
    "- Refurbished",
    "Certified Refurbished",
    "Renewed",
    "Refurb, Warranty",
];
const USED_SUFFIXES: &[&str] = &[
    "- Used, Good Condition",
    "Tested Working",
    "Pre-owned",
    "- Excellent Condition",
    "(Used)",
    "Lightly Used",
    "Great Shape",
];
const PARTS_SUFFIXES: &[&str] = &[
    "- For Parts / Not Working",
    "AS-IS Parts Only",
    "For Repair",
];
const SELLING_POINTS: &[&str] = &[
    "Free Shipping",
    "Fast Ship",
    "US Seller",
    "Ships Today",
    "Free Returns",
];
const SELLER_FIRST: &[&str] = &[
    "retro", "bargain", "prime", "golden", "happy", "quick", "north", "urban", "vintage", "blue",
    "smart", "treasure", "maple", "silver", "rapid",
];
const SELLER_SECOND: &[&str] = &[
    "finds", "deals", "outlet", "store", "trader", "emporium", "goods", "supply", "market",
    "closet", "depot", "shop",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_is_zero_at_the_start_and_consistent_step_by_step() {
        let seed = 42;
        assert_eq!(random_walk(seed, 0, 0.01), 0.0);
        // The prefix sums of a fixed seed must not depend on how they are reached.
        let values: Vec<f64> = (0..512).map(|k| random_walk(seed, k, 0.01)).collect();
        let steps: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
        let mean = steps.iter().sum::<f64>() / steps.len() as f64;
        let variance = steps.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / steps.len() as f64;
        // Hourly steps should have roughly sigma 0.01 (loose bounds: one sample path).
        assert!(
            variance.sqrt() > 0.004 && variance.sqrt() < 0.02,
            "sd {}",
            variance.sqrt()
        );
    }

    #[test]
    fn titles_never_exceed_eighty_characters() {
        let catalogue = QueryCatalogue::new(&normalise_query(
            "extremely long search phrase about a vintage mechanical wristwatch with box and papers",
        ));
        for listing in catalogue.listings_at(1_800_000_000) {
            let title = catalogue.detail(&listing).title;
            assert!(title.chars().count() <= 80, "{title}");
            assert!(!title.is_empty());
        }
    }

    #[test]
    fn charm_prices_end_in_ninety_nine_cents() {
        assert_eq!(to_cents(23.47, true), 2299);
        assert_eq!(to_cents(23.47, false), 2347);
        assert_eq!(to_cents(0.10, false), 99);
    }

    /// Every listing alive on any of 20 days, once each (the first time it is seen).
    fn listings_over_days(phrase: &str) -> (QueryCatalogue, Vec<Listing>) {
        let catalogue = QueryCatalogue::new(phrase);
        let mut seen = std::collections::HashSet::new();
        let mut listings = Vec::new();
        for day in 0..20 {
            for listing in catalogue.listings_at(1_800_000_000 + day * DAY) {
                if seen.insert(listing.item_number) {
                    listings.push(listing);
                }
            }
        }
        (catalogue, listings)
    }

    fn median_dollars(listings: &[&Listing]) -> u64 {
        let mut cents: Vec<u64> = listings.iter().map(|l| l.price_cents).collect();
        cents.sort_unstable();
        cents.get(cents.len() / 2).copied().unwrap_or(0) / 100
    }

    /// Fixed-price single units (no lot, no bundle) in one condition.
    fn singles(listings: &[Listing], condition_id: u16) -> Vec<&Listing> {
        listings
            .iter()
            .filter(|l| {
                l.condition_id == Some(condition_id)
                    && !l.options.auction
                    && l.lot == 1
                    && !l.bundle
            })
            .collect()
    }

    #[test]
    fn the_demos_phrases_sell_at_believable_prices_per_condition() {
        // (phrase, condition id, median range in dollars)
        let cases = [
            ("nintendo switch oled", 1000, 300..=370),
            ("nintendo switch oled", 1500, 270..=330),
            ("nintendo switch oled", 3000, 200..=270),
            ("nintendo switch oled", 7000, 60..=130),
            ("lego 42100", 1000, 450..=580),
            ("lego 42100", 3000, 320..=400),
            ("sony wh-1000xm5", 1000, 280..=350),
            ("sony wh-1000xm5", 3000, 190..=250),
        ];
        for (phrase, condition_id, range) in cases {
            let (_, listings) = listings_over_days(phrase);
            let singles = singles(&listings, condition_id);
            assert!(
                singles.len() >= 3,
                "{phrase} {condition_id}: {}",
                singles.len()
            );
            let median = median_dollars(&singles);
            assert!(
                range.contains(&median),
                "{phrase} {condition_id}: ${median}"
            );
        }
    }

    #[test]
    fn a_newcomers_first_alert_finds_used_switches_under_three_hundred_with_shipping() {
        let catalogue = QueryCatalogue::new("nintendo switch oled");
        let destination = crate::shipping::Destination::marketplace_default("US");
        let hits = catalogue
            .listings_at(1_800_000_000)
            .into_iter()
            .filter(|l| l.condition_id == Some(3000) && l.options.fixed_price)
            .filter(|l| {
                let quote = crate::shipping::quote(l.shipping, "US", 1, &destination);
                quote
                    .cost_cents
                    .is_some_and(|s| l.price_cents + s <= 30_000)
            })
            .count();
        assert!(hits >= 3, "{hits}");
    }

    #[test]
    fn for_parts_units_lots_and_bundles_are_priced_apart_from_working_units() {
        let (_, listings) = listings_over_days("nintendo switch oled");
        let used = median_dollars(&singles(&listings, 3000));
        let parts = median_dollars(&singles(&listings, 7000));
        let new = median_dollars(&singles(&listings, 1000));
        let open_box = median_dollars(&singles(&listings, 1500));
        let used_lots: Vec<&Listing> = listings
            .iter()
            .filter(|l| l.condition_id == Some(3000) && l.lot > 1 && !l.options.auction)
            .collect();
        let used_bundles: Vec<&Listing> = listings
            .iter()
            .filter(|l| l.condition_id == Some(3000) && l.bundle && !l.options.auction)
            .collect();

        assert!(parts * 2 < used, "parts ${parts}, used ${used}");
        assert!(
            open_box * 100 >= new * 80 && open_box < new,
            "open box ${open_box}, new ${new}"
        );
        assert!(!used_lots.is_empty() && !used_bundles.is_empty());
        assert!(
            median_dollars(&used_lots) > used * 3 / 2,
            "lots ${}",
            median_dollars(&used_lots)
        );
        assert!(
            median_dollars(&used_bundles) > used,
            "bundles ${}",
            median_dollars(&used_bundles)
        );
    }

    #[test]
    fn conditions_lots_and_shipping_terms_come_at_realistic_shares() {
        let mut all = Vec::new();
        for phrase in [
            "nintendo switch oled",
            "sony wh-1000xm5",
            "nikon d750",
            "iphone 13",
            "dji mini 3",
        ] {
            all.extend(listings_over_days(phrase).1);
        }
        let share = |test: &dyn Fn(&Listing) -> bool| {
            all.iter().filter(|l| test(l)).count() as f64 / all.len() as f64
        };
        let cases: [(&str, f64, std::ops::Range<f64>); 8] = [
            (
                "for parts",
                share(&|l| l.condition_id == Some(7000)),
                0.05..0.12,
            ),
            ("used", share(&|l| l.condition_id == Some(3000)), 0.40..0.60),
            ("new", share(&|l| l.condition_id == Some(1000)), 0.12..0.30),
            ("lots", share(&|l| l.lot > 1), 0.02..0.07),
            ("bundles", share(&|l| l.bundle), 0.02..0.09),
            (
                "free shipping",
                share(&|l| matches!(l.shipping, ShippingTerms::Free { .. })),
                0.38..0.52,
            ),
            (
                "calculated shipping",
                share(&|l| matches!(l.shipping, ShippingTerms::Calculated { .. })),
                0.10..0.22,
            ),
            ("auctions", share(&|l| l.options.auction), 0.2..0.4),
        ];
        for (what, value, range) in cases {
            assert!(range.contains(&value), "{what}: {value:.3}");
        }
    }

    #[test]
    fn new_ish_and_broken_phrases_bring_new_and_for_parts_listings() {
        let share = |phrase: &str, id: u16| {
            let (_, listings) = listings_over_days(phrase);
            listings
                .iter()
                .filter(|l| l.condition_id == Some(id))
                .count() as f64
                / listings.len() as f64
        };
        assert!(share("nintendo switch oled sealed", 1000) > 0.45);
        assert!(share("broken nintendo switch oled", 7000) > 0.35);
    }

    #[test]
    fn an_auctions_bid_and_bid_count_never_fall_and_rise_towards_its_end() {
        let catalogue = QueryCatalogue::new("nintendo switch oled");
        let start = 1_800_000_000;
        let auctions: Vec<Listing> = catalogue
            .listings_at(start)
            .into_iter()
            .filter(|l| l.options.auction)
            .collect();
        assert!(auctions.len() >= 5);
        let mut rose = 0;
        for auction in &auctions {
            let mut last = (0, 0);
            let mut at = start;
            while let Some(now) = catalogue.listing_in_slot(auction.slot, at) {
                if now.item_number != auction.item_number {
                    break;
                }
                let bid = (now.bid_cents.unwrap_or(0), now.bid_count);
                assert!(bid.0 >= last.0 && bid.1 >= last.1, "{last:?} then {bid:?}");
                last = bid;
                at += HOUR;
            }
            if last.1 > auction.bid_count && last.0 > auction.bid_cents.unwrap_or(0) {
                rose += 1;
            }
        }
        assert!(
            rose * 10 >= auctions.len() * 8,
            "{rose} of {}",
            auctions.len()
        );
    }

    #[test]
    fn most_sellers_have_ninety_seven_percent_feedback_or_more_and_some_less() {
        let catalogue = QueryCatalogue::new("nintendo switch oled");
        let feedback: Vec<(f64, u64)> = (0..2_000)
            .map(|index| {
                let (percent, score) = catalogue.seller_feedback(index);
                (percent.parse::<f64>().unwrap_or(-1.0), score)
            })
            .collect();
        let share = |test: &dyn Fn(&(f64, u64)) -> bool| {
            feedback.iter().filter(|f| test(f)).count() as f64 / feedback.len() as f64
        };
        assert!(feedback.iter().all(|(p, _)| (0.0..=100.0).contains(p)));
        assert!(share(&|(p, _)| *p >= 97.0) > 0.85);
        assert!(share(&|(p, s)| *p < 97.0 && *s >= 10) > 0.02);
        assert!(share(&|(_, s)| *s < 10) > 0.02);
        assert!(share(&|(_, s)| *s > 1_000) > 0.2);
    }
}
