//! Shipping: a listing's terms (free, flat rate, or calculated by the carrier), where the buyer
//! is (`X-EBAY-C-ENDUSERCTX: contextualLocation=country%3DUS%2Czip%3D19406`, else the
//! marketplace's country), and the cost and delivery window that follow for that buyer.
//!
//! As eBay documents, calculated shipping has no cost until eBay knows where the parcel goes:
//! without the header such a listing says `shippingCostType: CALCULATED` and nothing more.
//! Flat rates differ at home and abroad, and "free shipping" is free at home only (abroad it
//! costs eBay's international rate). Calculated costs grow with the parcel's weight and the
//! distance between the seller's and the buyer's postal regions.

/// How a seller ships a listing. Amounts are in the seller's own currency, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippingTerms {
    /// Free at home; abroad at the international rate.
    Free {
        /// Cost to another country.
        international_cents: u64,
    },
    /// Flat rates.
    Fixed {
        /// Cost within the item's country.
        domestic_cents: u64,
        /// Cost to another country.
        international_cents: u64,
    },
    /// The carrier's rate for the parcel's weight and the distance.
    Calculated {
        /// The parcel's weight.
        weight_grams: u32,
    },
}

/// Where the buyer receives parcels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// ISO 3166 country code.
    pub country: String,
    /// Postal code, when the buyer gave one.
    pub postal_code: Option<String>,
    /// Whether the request said where (the header); otherwise this is the marketplace's
    /// country, eBay's default, which is not enough for a calculated rate.
    pub stated: bool,
}

impl Destination {
    /// The marketplace's country, eBay's default without the header.
    pub fn marketplace_default(country: &str) -> Self {
        Self {
            country: country.to_owned(),
            postal_code: None,
            stated: false,
        }
    }

    /// Reads `X-EBAY-C-ENDUSERCTX`: comma-separated `name=value` pairs, one of them
    /// `contextualLocation=` followed by the URL-encoded `country=US,zip=19406`. A header
    /// without a usable location (only affiliate fields, say, or a malformed value) leaves the
    /// marketplace's default, as eBay ignores what it cannot read.
    pub fn from_end_user_context(header: Option<&str>, marketplace_country: &str) -> Self {
        header
            .and_then(parse_contextual_location)
            .unwrap_or_else(|| Self::marketplace_default(marketplace_country))
    }
}

fn parse_contextual_location(header: &str) -> Option<Destination> {
    let encoded = header
        .split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| name.trim() == "contextualLocation")?
        .1;
    let decoded = percent_decode(encoded.trim())?;
    let mut country = None;
    let mut postal_code = None;
    for pair in decoded.split(',') {
        match pair.trim().split_once('=') {
            Some(("country", value)) => country = Some(value.trim().to_ascii_uppercase()),
            Some(("zip", value)) if !value.trim().is_empty() => {
                postal_code = Some(value.trim().to_owned());
            }
            _ => {}
        }
    }
    let country = country.filter(|c| c.len() == 2 && c.chars().all(|c| c.is_ascii_uppercase()))?;
    Some(Destination {
        country,
        postal_code,
        stated: true,
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = text.get(index + 1..index + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// What shipping one listing to one buyer costs and takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// `FIXED` or `CALCULATED`, eBay's `shippingCostType`.
    pub cost_type: &'static str,
    /// The cost in the seller's cents; `None` for calculated shipping to an unknown place.
    pub cost_cents: Option<u64>,
    /// Whether the parcel stays in the item's country.
    pub domestic: bool,
    /// Delivery window in days from now, when the cost is known.
    pub days: Option<(i64, i64)>,
    /// The carrier (`USPS`, ...).
    pub carrier: &'static str,
    /// The service (`USPS Ground Advantage`, ...).
    pub service: &'static str,
    /// eBay's option type (`Standard Shipping`, ...).
    pub kind: &'static str,
}

/// The quote for `terms` from an item in `origin_country` (postal region `origin_region`,
/// 0–9) to `destination`.
pub fn quote(
    terms: ShippingTerms,
    origin_country: &str,
    origin_region: u8,
    destination: &Destination,
) -> Quote {
    let domestic = destination.country == origin_country;
    let (carrier, service, kind, days) = if domestic {
        match terms {
            ShippingTerms::Calculated { weight_grams } if weight_grams > 2_000 => {
                ("UPS", "UPS Ground", "Standard Shipping", (3, 6))
            }
            _ => ("USPS", "USPS Ground Advantage", "Standard Shipping", (2, 5)),
        }
    } else {
        (
            "eBay International Shipping",
            "eBay International Standard Delivery",
            "Economy Shipping",
            (8, 20),
        )
    };
    let (cost_type, cost_cents) = match terms {
        ShippingTerms::Free {
            international_cents,
        } => (
            "FIXED",
            Some(if domestic { 0 } else { international_cents }),
        ),
        ShippingTerms::Fixed {
            domestic_cents,
            international_cents,
        } => (
            "FIXED",
            Some(if domestic {
                domestic_cents
            } else {
                international_cents
            }),
        ),
        ShippingTerms::Calculated { weight_grams } => (
            "CALCULATED",
            destination
                .stated
                .then(|| calculated_cents(weight_grams, domestic, origin_region, destination)),
        ),
    };
    Quote {
        cost_type,
        cost_cents,
        domestic,
        days: cost_cents.map(|_| days),
        carrier,
        service,
        kind,
    }
}

/// A carrier's rate: a base by weight plus a step per postal zone crossed (or an
/// international surcharge).
fn calculated_cents(
    weight_grams: u32,
    domestic: bool,
    origin_region: u8,
    destination: &Destination,
) -> u64 {
    let (base, per_zone) = match weight_grams {
        0..=250 => (450, 35),
        251..=1_000 => (795, 90),
        1_001..=2_500 => (1_195, 160),
        _ => (1_795, 310),
    };
    if !domestic {
        return base * 3 + 1_500;
    }
    // The first digit of a US ZIP code is a region, west (9) to east (0); elsewhere the first
    // character still tells regions apart roughly. Without a postal code, a middle distance.
    let zone = destination
        .postal_code
        .as_deref()
        .and_then(|code| code.chars().next())
        .map_or(4, |first| {
            let buyer_region = first.to_digit(10).unwrap_or(u32::from(first) % 10);
            buyer_region.abs_diff(u32::from(origin_region))
        });
    base + per_zone * u64::from(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(zip: Option<&str>) -> Destination {
        Destination {
            country: "US".to_owned(),
            postal_code: zip.map(str::to_owned),
            stated: true,
        }
    }

    #[test]
    fn the_end_user_context_header_is_read_as_ebay_documents_it() {
        let cases: Vec<(Option<&str>, Destination)> = vec![
            (
                Some("contextualLocation=country%3DUS%2Czip%3D19406"),
                us(Some("19406")),
            ),
            (
                Some("affiliateCampaignId=1,contextualLocation=country%3DGB%2Czip%3DSW1A%201AA"),
                Destination {
                    country: "GB".to_owned(),
                    postal_code: Some("SW1A 1AA".to_owned()),
                    stated: true,
                },
            ),
            (
                Some("contextualLocation=country%3Dde"),
                Destination {
                    country: "DE".to_owned(),
                    postal_code: None,
                    stated: true,
                },
            ),
            (None, Destination::marketplace_default("US")),
            (
                Some("affiliateCampaignId=1"),
                Destination::marketplace_default("US"),
            ),
            (
                Some("contextualLocation=zip%3D19406"),
                Destination::marketplace_default("US"),
            ),
            (
                Some("contextualLocation=country%3DUSA"),
                Destination::marketplace_default("US"),
            ),
            (
                Some("contextualLocation=country%3"),
                Destination::marketplace_default("US"),
            ),
            (Some("garbage"), Destination::marketplace_default("US")),
        ];
        for (header, expected) in cases {
            assert_eq!(
                Destination::from_end_user_context(header, "US"),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn costs_depend_on_the_terms_and_the_destination() {
        let free = ShippingTerms::Free {
            international_cents: 2_999,
        };
        let fixed = ShippingTerms::Fixed {
            domestic_cents: 899,
            international_cents: 3_499,
        };
        let calculated = ShippingTerms::Calculated {
            weight_grams: 2_000,
        };
        let default = Destination::marketplace_default("US");
        let abroad = Destination {
            country: "CA".to_owned(),
            postal_code: None,
            stated: true,
        };

        assert_eq!(quote(free, "US", 1, &default).cost_cents, Some(0));
        assert_eq!(quote(free, "US", 1, &abroad).cost_cents, Some(2_999));
        assert_eq!(quote(fixed, "US", 1, &default).cost_cents, Some(899));
        assert_eq!(quote(fixed, "US", 1, &abroad).cost_cents, Some(3_499));
        let unknown = quote(calculated, "US", 1, &default);
        assert_eq!(
            (unknown.cost_type, unknown.cost_cents),
            ("CALCULATED", None)
        );
        assert_eq!(unknown.days, None);
        let near = quote(calculated, "US", 1, &us(Some("19406"))).cost_cents;
        let far = quote(calculated, "US", 1, &us(Some("94105"))).cost_cents;
        assert!(near < far, "{near:?} {far:?}");
        let international = quote(calculated, "US", 1, &abroad).cost_cents;
        assert!(international > far, "{international:?}");
    }
}
