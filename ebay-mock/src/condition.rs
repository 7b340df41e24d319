//! eBay's item condition ids as the mock uses them: their names, and the groups its filters
//! and price levels go by. (The mock keeps its own table rather than sharing the SDK's, so a
//! mistake in one is caught by tests of the other.)

/// The buyer-facing groups of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// 1000 New, 1750 New with defects.
    New,
    /// 1500 New other / open box.
    OpenBox,
    /// 2000–2500 refurbished.
    Refurbished,
    /// 2750–6000 pre-owned.
    Used,
    /// 7000 for parts or not working.
    ForParts,
}

/// The group of a condition id.
pub fn group(condition_id: u16) -> Group {
    match condition_id {
        1000 | 1750 => Group::New,
        1500 => Group::OpenBox,
        2000..=2500 => Group::Refurbished,
        7000 => Group::ForParts,
        _ => Group::Used,
    }
}

/// eBay's coarse `conditions` filter: `NEW` covers 1000–1750, `USED` everything from 2000
/// (refurbished and for parts included), `UNSPECIFIED` listings without a condition.
pub fn coarse_name(condition_id: Option<u16>) -> &'static str {
    match condition_id {
        None => "UNSPECIFIED",
        Some(id) if id < 2000 => "NEW",
        Some(_) => "USED",
    }
}

/// The condition's display name. Trading-card categories name 2750 and 4000 "Graded" and
/// "Ungraded", as eBay does there.
pub fn name(condition_id: u16, cards: bool) -> &'static str {
    match (condition_id, cards) {
        (2750, true) => "Graded",
        (4000, true) => "Ungraded",
        (1000, _) => "New",
        (1500, _) => "New other (see details)",
        (1750, _) => "New with defects",
        (2000, _) => "Certified - Refurbished",
        (2010, _) => "Excellent - Refurbished",
        (2020, _) => "Very Good - Refurbished",
        (2030, _) => "Good - Refurbished",
        (2500, _) => "Seller refurbished",
        (2750, _) => "Like New",
        (2990, _) => "Pre-owned - Excellent",
        (3000, _) => "Used",
        (3010, _) => "Pre-owned - Fair",
        (4000, _) => "Very Good",
        (5000, _) => "Good",
        (6000, _) => "Acceptable",
        (7000, _) => "For parts or not working",
        _ => "Used",
    }
}

/// Price of a unit in this condition relative to a new one: open box near new, refurbished
/// and used below, for parts far below a working used unit. Graded cards are worth several
/// ungraded ones.
pub fn price_factor(condition_id: Option<u16>, cards: bool) -> f64 {
    match (condition_id, cards) {
        (Some(2750), true) => 3.0,
        (Some(4000), true) => 1.0,
        (None, _) => 0.85,
        (Some(1000), _) => 1.0,
        (Some(1500), _) => 0.9,
        (Some(1750), _) => 0.82,
        (Some(2000), _) => 0.82,
        (Some(2010), _) => 0.8,
        (Some(2020), _) => 0.76,
        (Some(2030), _) => 0.72,
        (Some(2500), _) => 0.74,
        (Some(2750), _) => 0.8,
        (Some(2990), _) => 0.74,
        (Some(3000), _) => 0.7,
        (Some(3010), _) => 0.56,
        (Some(4000), _) => 0.68,
        (Some(5000), _) => 0.62,
        (Some(6000), _) => 0.5,
        (Some(7000), _) => 0.28,
        (Some(_), _) => 0.7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_ebays_id_ranges() {
        let cases = [
            (1000, Group::New),
            (1500, Group::OpenBox),
            (1750, Group::New),
            (2000, Group::Refurbished),
            (2030, Group::Refurbished),
            (2500, Group::Refurbished),
            (2750, Group::Used),
            (3000, Group::Used),
            (6000, Group::Used),
            (7000, Group::ForParts),
        ];
        for (id, expected) in cases {
            assert_eq!(group(id), expected, "{id}");
        }
    }

    #[test]
    fn for_parts_is_far_below_used_and_open_box_near_new() {
        let f = |id| price_factor(Some(id), false);
        assert!(f(7000) < 0.5 * f(3000));
        assert!(f(1500) >= 0.85 * f(1000));
        assert!(f(2000) > f(3000));
    }
}
