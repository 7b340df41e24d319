//! What a search phrase is *for*: the kind of product (console, LEGO set, trading cards, ...),
//! its typical new price, its eBay category, and how its listings split by condition and into
//! lots and bundles, the way they do on eBay.
//!
//! A few phrases the demo and the tests use are known products with real-world price levels
//! (a used Nintendo Switch OLED sells for about $240, a new one for about $330–350). Other
//! phrases get their kind from keywords ("drone", "cable", "rolex") or, failing that, a general
//! kind with a hashed price, as before. Words in the phrase shift the condition mix as eBay's
//! text match does: "sealed" or "new" brings mostly new listings, "broken" or "for parts"
//! mostly for-parts ones.

use crate::hash::{derive, unit};

/// The kinds of product the mock knows how to sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Game consoles: many used units, some broken ones, bundles with games.
    Console,
    /// Phones: used and refurbished dominate.
    Phone,
    /// Headphones and earbuds.
    Headphones,
    /// Cameras and lenses.
    Camera,
    /// Camera drones.
    Drone,
    /// Wristwatches.
    Watch,
    /// LEGO sets: mostly new (sealed) or used complete.
    Lego,
    /// Cables and small accessories: almost all new, often multi-packs.
    Cable,
    /// Screen protectors.
    ScreenProtector,
    /// Trading cards: graded or ungraded, and bulk lots.
    Cards,
    /// Anything else.
    General,
}

/// A condition id and its weight (out of 1,000) in a kind's mix; `None` = no condition given.
type Share = (Option<u16>, u32);

impl Kind {
    /// The category path, leaf first (id, name).
    pub fn categories(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Console => &[
                ("139971", "Video Game Consoles"),
                ("1249", "Video Games & Consoles"),
            ],
            Self::Phone => &[
                ("9355", "Cell Phones & Smartphones"),
                ("15032", "Cell Phones & Accessories"),
            ],
            Self::Headphones => &[
                ("112529", "Headphones"),
                ("15052", "Portable Audio & Headphones"),
                ("293", "Consumer Electronics"),
            ],
            Self::Camera => &[("31388", "Digital Cameras"), ("625", "Cameras & Photo")],
            Self::Drone => &[("179697", "Camera Drones"), ("625", "Cameras & Photo")],
            Self::Watch => &[
                ("31387", "Wristwatches"),
                ("260324", "Watches, Parts & Accessories"),
                ("281", "Jewelry & Watches"),
            ],
            Self::Lego => &[
                ("19006", "LEGO Complete Sets & Packs"),
                ("183446", "LEGO Building Toys"),
                ("220", "Toys & Hobbies"),
            ],
            Self::Cable => &[
                ("44995", "Cables & Adapters"),
                ("58058", "Computers/Tablets & Networking"),
            ],
            Self::ScreenProtector => &[
                ("58540", "Screen Protectors"),
                ("9394", "Cell Phone Accessories"),
                ("15032", "Cell Phones & Accessories"),
            ],
            Self::Cards => &[
                ("183454", "CCG Individual Cards"),
                ("2536", "Collectible Card Games"),
                ("1", "Collectibles"),
            ],
            Self::General => &[],
        }
    }

    /// How listings of this kind split by condition, in 1/1000 (each list sums to 1,000).
    fn condition_shares(self) -> &'static [Share] {
        match self {
            Self::Console => &[
                (Some(1000), 220),
                (Some(1500), 70),
                (Some(1750), 10),
                (Some(2000), 15),
                (Some(2010), 15),
                (Some(2020), 15),
                (Some(2030), 10),
                (Some(2500), 35),
                (Some(3000), 520),
                (Some(7000), 80),
                (None, 10),
            ],
            Self::Phone => &[
                (Some(1000), 150),
                (Some(1500), 50),
                (Some(2000), 30),
                (Some(2010), 60),
                (Some(2020), 60),
                (Some(2030), 40),
                (Some(2500), 60),
                (Some(3000), 460),
                (Some(7000), 80),
                (None, 10),
            ],
            Self::Headphones => &[
                (Some(1000), 300),
                (Some(1500), 120),
                (Some(2000), 30),
                (Some(2500), 60),
                (Some(3000), 420),
                (Some(7000), 60),
                (None, 10),
            ],
            Self::Camera => &[
                (Some(1000), 120),
                (Some(1500), 40),
                (Some(2000), 20),
                (Some(2500), 40),
                (Some(3000), 680),
                (Some(7000), 90),
                (None, 10),
            ],
            Self::Drone => &[
                (Some(1000), 250),
                (Some(1500), 80),
                (Some(2000), 40),
                (Some(2500), 50),
                (Some(3000), 470),
                (Some(7000), 100),
                (None, 10),
            ],
            Self::Watch => &[
                (Some(1000), 200),
                (Some(1500), 50),
                (Some(2500), 30),
                (Some(3000), 600),
                (Some(7000), 110),
                (None, 10),
            ],
            Self::Lego => &[
                (Some(1000), 480),
                (Some(1500), 120),
                (Some(1750), 20),
                (Some(3000), 360),
                (Some(7000), 10),
                (None, 10),
            ],
            Self::Cable | Self::ScreenProtector => &[
                (Some(1000), 800),
                (Some(1500), 80),
                (Some(3000), 100),
                (Some(7000), 10),
                (None, 10),
            ],
            // Cards: eBay's card categories use 2750 "Graded" and 4000 "Ungraded".
            Self::Cards => &[(Some(2750), 150), (Some(4000), 840), (None, 10)],
            Self::General => &[
                (Some(1000), 350),
                (Some(1500), 60),
                (Some(1750), 10),
                (Some(2000), 10),
                (Some(2500), 30),
                (Some(2750), 20),
                (Some(2990), 10),
                (Some(3000), 400),
                (Some(3010), 10),
                (Some(4000), 20),
                (Some(5000), 20),
                (Some(6000), 10),
                (Some(7000), 40),
                (None, 10),
            ],
        }
    }

    /// Share (in 1/1000) of listings that are lots of several units, and the unit counts.
    pub fn lots(self) -> (u32, &'static [u32]) {
        match self {
            Self::Cards => (250, &[10, 25, 50, 100]),
            Self::Cable | Self::ScreenProtector => (150, &[2, 3, 5]),
            Self::Lego => (20, &[2, 3]),
            Self::Watch => (15, &[2, 3]),
            _ => (40, &[2, 2, 3, 3, 5]),
        }
    }

    /// Share (in 1/1000) of listings that are the item plus extras (games, lenses, ...).
    pub fn bundles(self) -> u32 {
        match self {
            Self::Console => 90,
            Self::Camera | Self::Drone => 60,
            Self::Phone | Self::Headphones => 30,
            Self::Lego => 20,
            Self::Watch | Self::Cable | Self::ScreenProtector | Self::Cards => 0,
            Self::General => 20,
        }
    }

    /// What a bundle adds, for its title.
    pub fn bundle_extras(self) -> &'static [&'static str] {
        match self {
            Self::Console => &[
                "Bundle + 3 Games",
                "Bundle w/ Case & Games",
                "Bundle with 2 Controllers",
                "Console Bundle + Mario Kart",
            ],
            Self::Camera => &["Bundle w/ 2 Lenses", "Kit Bundle + Bag & Cards"],
            Self::Drone => &["Fly More Combo Bundle", "Bundle + Extra Batteries"],
            Self::Phone => &["Bundle w/ Case & Charger"],
            Self::Headphones => &["Bundle w/ Case & Cables"],
            _ => &["Bundle with Extras"],
        }
    }

    /// Parcel weight in grams (for calculated shipping).
    pub fn weight_grams(self) -> u32 {
        match self {
            Self::Cards | Self::Cable | Self::ScreenProtector => 120,
            Self::Watch => 400,
            Self::Phone => 500,
            Self::Headphones => 900,
            Self::Camera => 1_500,
            Self::Console => 2_000,
            Self::Drone => 1_800,
            Self::Lego => 6_000,
            Self::General => 1_000,
        }
    }

    /// Price range (USD, log-uniform) of an unknown product of this kind.
    fn price_range(self) -> (f64, f64) {
        match self {
            Self::Console => (150.0, 500.0),
            Self::Phone => (150.0, 900.0),
            Self::Headphones => (40.0, 400.0),
            Self::Camera => (200.0, 2_000.0),
            Self::Drone => (200.0, 1_500.0),
            Self::Watch => (80.0, 12_000.0),
            Self::Lego => (20.0, 800.0),
            Self::Cable => (5.0, 25.0),
            Self::ScreenProtector => (5.0, 20.0),
            Self::Cards => (5.0, 200.0),
            Self::General => (5.0, 2_000.0),
        }
    }
}

/// Keywords that identify a kind when the phrase is not a known product, first match wins.
const KIND_KEYWORDS: &[(&str, Kind)] = &[
    ("screen protector", Kind::ScreenProtector),
    ("tempered glass", Kind::ScreenProtector),
    ("cable", Kind::Cable),
    ("charger", Kind::Cable),
    ("adapter", Kind::Cable),
    ("lego", Kind::Lego),
    ("pokemon", Kind::Cards),
    ("cards", Kind::Cards),
    ("card", Kind::Cards),
    ("rolex", Kind::Watch),
    ("omega", Kind::Watch),
    ("seiko", Kind::Watch),
    ("watch", Kind::Watch),
    ("drone", Kind::Drone),
    ("dji", Kind::Drone),
    ("nintendo", Kind::Console),
    ("switch", Kind::Console),
    ("playstation", Kind::Console),
    ("ps5", Kind::Console),
    ("ps4", Kind::Console),
    ("xbox", Kind::Console),
    ("iphone", Kind::Phone),
    ("galaxy", Kind::Phone),
    ("pixel", Kind::Phone),
    ("phone", Kind::Phone),
    ("headphones", Kind::Headphones),
    ("earbuds", Kind::Headphones),
    ("airpods", Kind::Headphones),
    ("wh-1000", Kind::Headphones),
    ("bose", Kind::Headphones),
    ("nikon", Kind::Camera),
    ("canon", Kind::Camera),
    ("sony a7", Kind::Camera),
    ("fujifilm", Kind::Camera),
    ("camera", Kind::Camera),
];

/// Products with real-world price levels: phrase, title spelling, new price in USD, kind.
const KNOWN_PRODUCTS: &[(&str, &str, f64, Kind)] = &[
    (
        "nintendo switch oled",
        "Nintendo Switch OLED",
        339.0,
        Kind::Console,
    ),
    ("nintendo switch", "Nintendo Switch", 279.0, Kind::Console),
    ("lego 42100", "LEGO 42100", 520.0, Kind::Lego),
    (
        "sony wh-1000xm5",
        "Sony WH-1000XM5",
        329.0,
        Kind::Headphones,
    ),
    (
        "sony wh-1000xm4",
        "Sony WH-1000XM4",
        249.0,
        Kind::Headphones,
    ),
    ("iphone 13", "iPhone 13", 420.0, Kind::Phone),
    ("nikon d750", "Nikon D750", 950.0, Kind::Camera),
    (
        "rolex submariner",
        "Rolex Submariner",
        13_500.0,
        Kind::Watch,
    ),
    ("vintage rolex", "Vintage Rolex", 7_500.0, Kind::Watch),
    ("usb cable", "USB Cable", 9.0, Kind::Cable),
    ("pokemon cards", "Pokemon Cards", 25.0, Kind::Cards),
    ("kindle", "Kindle", 110.0, Kind::General),
];

/// What the words of a phrase ask for, which biases the condition mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Leaning {
    /// "new", "sealed", "nib", ...
    pub new: bool,
    /// "broken", "for parts", "repair", ...
    pub parts: bool,
    /// "refurbished", "renewed", ...
    pub refurbished: bool,
    /// "used", "pre-owned".
    pub used: bool,
}

impl Leaning {
    fn of(words: &[&str]) -> Self {
        let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
        Self {
            new: has(&[
                "new", "sealed", "nib", "bnib", "nwt", "bnwt", "unopened", "misb",
            ]),
            parts: has(&[
                "broken",
                "parts",
                "repair",
                "faulty",
                "defective",
                "cracked",
            ]),
            refurbished: has(&["refurbished", "refurb", "renewed", "reconditioned"]),
            used: has(&["used", "pre-owned", "preowned"]),
        }
    }

    /// A condition's weight multiplier under this leaning.
    fn boost(self, condition_id: Option<u16>) -> u32 {
        let group = condition_id.map(crate::condition::group);
        use crate::condition::Group;
        let mut factor = 1;
        if self.new {
            factor *= match group {
                Some(Group::New) => 6,
                Some(Group::OpenBox) => 3,
                _ => 1,
            };
        }
        if self.parts && group == Some(Group::ForParts) {
            factor *= 12;
        }
        if self.refurbished && group == Some(Group::Refurbished) {
            factor *= 10;
        }
        if self.used && group == Some(Group::Used) {
            factor *= 2;
        }
        factor
    }
}

/// A phrase's product: kind, new price, title spelling, and leaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The kind of product.
    pub kind: Kind,
    /// Typical price of one new unit, in USD.
    pub new_price: f64,
    /// How much single listings' prices spread (log-normal sigma): tight for a known model,
    /// wide for a vague phrase that covers many products.
    pub spread: f64,
    /// The phrase as titles spell it ("Nintendo Switch OLED").
    pub title: String,
    /// What the phrase's words ask for.
    pub leaning: Leaning,
    /// Whether the phrase is a product the mock knows the price of.
    pub known: bool,
}

impl Product {
    /// The product a normalised phrase searches for; `seed` is the phrase's hash.
    pub fn of(normalised_query: &str, seed: u64, title_case: impl Fn(&str) -> String) -> Self {
        let words: Vec<&str> = normalised_query.split_whitespace().collect();
        let leaning = Leaning::of(&words);
        let padded = format!(" {normalised_query} ");
        let known = KNOWN_PRODUCTS
            .iter()
            .filter(|(phrase, ..)| padded.contains(&format!(" {phrase} ")))
            .max_by_key(|(phrase, ..)| phrase.len());
        if let Some((phrase, title, price, kind)) = known {
            // The rest of the phrase ("used", "white") keeps its own spelling around the
            // product's.
            let title = padded
                .replacen(&format!(" {phrase} "), &format!(" {title} "), 1)
                .split_whitespace()
                .map(|word| {
                    if title.split(' ').any(|part| part == word) {
                        word.to_owned()
                    } else {
                        title_case(word)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            return Self {
                kind: *kind,
                new_price: *price,
                spread: 0.09,
                title,
                leaning,
                known: true,
            };
        }
        let kind = KIND_KEYWORDS
            .iter()
            .find(|(keyword, _)| padded.contains(keyword))
            .map_or(Kind::General, |(_, kind)| *kind);
        let (low, high) = kind.price_range();
        let new_price = low * (high / low).powf(unit(derive(seed, &[2])));
        Self {
            kind,
            new_price,
            spread: if kind == Kind::General { 0.28 } else { 0.18 },
            title: title_case(normalised_query),
            leaning,
            known: false,
        }
    }

    /// Picks a condition id (or none) from `roll`, per the kind's shares and the leaning.
    pub fn condition_from_roll(&self, roll: u64) -> Option<u16> {
        let shares = self.kind.condition_shares();
        let weights: Vec<u64> = shares
            .iter()
            .map(|(id, weight)| u64::from(*weight) * u64::from(self.leaning.boost(*id)))
            .collect();
        let total: u64 = weights.iter().sum();
        let mut point = roll % total.max(1);
        for ((id, _), weight) in shares.iter().zip(weights) {
            if point < weight {
                return *id;
            }
            point -= weight;
        }
        Some(3000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::mix;

    fn product(phrase: &str) -> Product {
        Product::of(phrase, crate::hash::fnv1a64(phrase.as_bytes()), |w| {
            w.to_uppercase()
        })
    }

    #[test]
    fn every_kinds_condition_shares_sum_to_a_thousand() {
        for kind in [
            Kind::Console,
            Kind::Phone,
            Kind::Headphones,
            Kind::Camera,
            Kind::Drone,
            Kind::Watch,
            Kind::Lego,
            Kind::Cable,
            Kind::ScreenProtector,
            Kind::Cards,
            Kind::General,
        ] {
            let total: u32 = kind.condition_shares().iter().map(|(_, w)| w).sum();
            assert_eq!(total, 1_000, "{kind:?}");
        }
    }

    #[test]
    fn known_products_are_found_inside_longer_phrases_and_keep_their_spelling() {
        let cases = [
            ("nintendo switch oled", "Nintendo Switch OLED", 339.0),
            (
                "used nintendo switch oled",
                "USED Nintendo Switch OLED",
                339.0,
            ),
            ("nintendo switch", "Nintendo Switch", 279.0),
            ("lego 42100", "LEGO 42100", 520.0),
            ("sony wh-1000xm5", "Sony WH-1000XM5", 329.0),
        ];
        for (phrase, title, price) in cases {
            let found = product(phrase);
            assert!(found.known, "{phrase}");
            assert_eq!(found.title, title, "{phrase}");
            assert_eq!(found.new_price, price, "{phrase}");
        }
        assert!(!product("nintendo switchblade").known);
    }

    #[test]
    fn keywords_pick_the_kind_of_unknown_phrases() {
        let cases = [
            ("dji mini 4 pro", Kind::Drone),
            ("anker usb-c cable", Kind::Cable),
            ("charizard card psa", Kind::Cards),
            ("omega speedmaster", Kind::Watch),
            ("garden gnome", Kind::General),
        ];
        for (phrase, kind) in cases {
            assert_eq!(product(phrase).kind, kind, "{phrase}");
        }
    }

    #[test]
    fn the_phrases_words_shift_the_condition_mix() {
        let share = |phrase: &str, wanted: &dyn Fn(Option<u16>) -> bool| {
            let product = product(phrase);
            let hits = (0..20_000u64)
                .filter(|i| wanted(product.condition_from_roll(mix(*i))))
                .count();
            hits as f64 / 20_000.0
        };
        let new = |id: Option<u16>| id == Some(1000);
        let parts = |id: Option<u16>| id == Some(7000);
        let base_new = share("nintendo switch oled", &new);
        let base_parts = share("nintendo switch oled", &parts);
        assert!((0.19..0.25).contains(&base_new), "{base_new}");
        assert!((0.06..0.10).contains(&base_parts), "{base_parts}");
        assert!(share("nintendo switch oled sealed", &new) > 0.5);
        assert!(share("broken nintendo switch oled", &parts) > 0.4);
    }
}
