//! eBay's item condition ids and the five condition groups buyers think in (new, open box,
//! refurbished, used, for parts), per eBay's "Item condition ID and name values" page.
//!
//! eBay uses the same numeric id for the same condition quality on every marketplace and in
//! every category; only the display names vary (1500 is "New other", "Open box" or "New
//! without tags" depending on the category). Searches filter by id (`conditionIds:{…}`), so
//! a group is sent as the ids eBay documents for it.

/// Every condition id eBay documents, ascending.
pub const DOCUMENTED_CONDITION_IDS: [u32; 16] = [
    1000, 1500, 1750, 2000, 2010, 2020, 2030, 2500, 2750, 2990, 3000, 3010, 4000, 5000, 6000, 7000,
];

/// eBay's typical display name for a documented condition id, e.g. `For parts or not working`
/// for 7000; `None` for an id eBay does not document.
pub fn condition_name(condition_id: u32) -> Option<&'static str> {
    Some(match condition_id {
        1000 => "New",
        1500 => "New other (see details)",
        1750 => "New with defects",
        2000 => "Certified - Refurbished",
        2010 => "Excellent - Refurbished",
        2020 => "Very Good - Refurbished",
        2030 => "Good - Refurbished",
        2500 => "Seller refurbished",
        2750 => "Like New",
        2990 => "Pre-owned - Excellent",
        3000 => "Used",
        3010 => "Pre-owned - Fair",
        4000 => "Very Good",
        5000 => "Good",
        6000 => "Acceptable",
        7000 => "For parts or not working",
        _ => return None,
    })
}

/// Whether eBay documents `condition_id` (only those are accepted in a `conditionIds` filter).
pub fn is_documented_condition_id(condition_id: u32) -> bool {
    DOCUMENTED_CONDITION_IDS.contains(&condition_id)
}

/// The condition groups an alert chooses from (DESIGN §6 Wave 2: `new`, `open_box`,
/// `refurbished`, `used`, `for_parts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionGroup {
    /// Brand new (1000), and new with defects (1750): unused, whatever the packaging says.
    New,
    /// New other / open box (1500): unused, packaging opened or missing.
    OpenBox,
    /// Certified and seller refurbished (2000–2500).
    Refurbished,
    /// Pre-owned in working order (2750–6000).
    Used,
    /// For parts or not working (7000).
    ForParts,
}

impl ConditionGroup {
    /// Every group, in the order above.
    pub const ALL: [ConditionGroup; 5] = [
        Self::New,
        Self::OpenBox,
        Self::Refurbished,
        Self::Used,
        Self::ForParts,
    ];

    /// The group's name in our API: `new`, `open_box`, `refurbished`, `used`, `for_parts`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::OpenBox => "open_box",
            Self::Refurbished => "refurbished",
            Self::Used => "used",
            Self::ForParts => "for_parts",
        }
    }

    /// The group named `name` (as [`ConditionGroup::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|group| group.as_str() == name)
    }

    /// The condition ids eBay documents for this group, ascending: what a search for this
    /// group sends in `conditionIds`.
    pub fn condition_ids(self) -> &'static [u32] {
        match self {
            Self::New => &[1000, 1750],
            Self::OpenBox => &[1500],
            Self::Refurbished => &[2000, 2010, 2020, 2030, 2500],
            Self::Used => &[2750, 2990, 3000, 3010, 4000, 5000, 6000],
            Self::ForParts => &[7000],
        }
    }
}

impl std::fmt::Display for ConditionGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The group of an eBay condition id.
///
/// Ids eBay does not document (it warns that the list may grow) fall into the group whose
/// documented range they lie in (2000–2500 refurbished, 2750–6000 used); anything else
/// unknown is [`ConditionGroup::Used`]. That is the safe reading for a buyer: an unknown
/// condition is never passed off as new, and it is not hidden as "for parts" either, which
/// alerts exclude by default.
pub fn condition_group(condition_id: u32) -> ConditionGroup {
    match condition_id {
        1000 | 1750 => ConditionGroup::New,
        1500 => ConditionGroup::OpenBox,
        2000..=2500 => ConditionGroup::Refurbished,
        7000 => ConditionGroup::ForParts,
        _ => ConditionGroup::Used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_condition_id_maps_to_its_group() {
        let cases = [
            (1000, ConditionGroup::New),
            (1500, ConditionGroup::OpenBox),
            (1750, ConditionGroup::New),
            (2000, ConditionGroup::Refurbished),
            (2010, ConditionGroup::Refurbished),
            (2020, ConditionGroup::Refurbished),
            (2030, ConditionGroup::Refurbished),
            (2500, ConditionGroup::Refurbished),
            (2750, ConditionGroup::Used),
            (2990, ConditionGroup::Used),
            (3000, ConditionGroup::Used),
            (3010, ConditionGroup::Used),
            (4000, ConditionGroup::Used),
            (5000, ConditionGroup::Used),
            (6000, ConditionGroup::Used),
            (7000, ConditionGroup::ForParts),
        ];
        assert_eq!(cases.len(), DOCUMENTED_CONDITION_IDS.len());
        for (id, group) in cases {
            assert_eq!(condition_group(id), group, "{id}");
            assert!(condition_name(id).is_some(), "{id}");
        }
    }

    #[test]
    fn unknown_condition_ids_are_read_as_used_or_by_their_range_and_never_panic() {
        let cases = [
            (0, ConditionGroup::Used),
            (999, ConditionGroup::Used),
            (1001, ConditionGroup::Used),
            (2100, ConditionGroup::Refurbished),
            (2600, ConditionGroup::Used),
            (3500, ConditionGroup::Used),
            (6500, ConditionGroup::Used),
            (7001, ConditionGroup::Used),
            (u32::MAX, ConditionGroup::Used),
        ];
        for (id, group) in cases {
            assert_eq!(condition_group(id), group, "{id}");
            assert!(!is_documented_condition_id(id), "{id}");
        }
    }

    #[test]
    fn each_groups_ids_are_documented_map_back_to_it_and_cover_the_list_once() {
        let mut all: Vec<u32> = Vec::new();
        for group in ConditionGroup::ALL {
            for &id in group.condition_ids() {
                assert!(is_documented_condition_id(id), "{group}: {id}");
                assert_eq!(condition_group(id), group, "{id}");
            }
            all.extend_from_slice(group.condition_ids());
        }
        all.sort_unstable();
        assert_eq!(all, DOCUMENTED_CONDITION_IDS);
    }

    #[test]
    fn group_names_round_trip() {
        let names = ["new", "open_box", "refurbished", "used", "for_parts"];
        for (group, name) in ConditionGroup::ALL.into_iter().zip(names) {
            assert_eq!(group.as_str(), name);
            assert_eq!(ConditionGroup::parse(name), Some(group));
        }
        for bad in ["", "NEW", "open box", "parts"] {
            assert_eq!(ConditionGroup::parse(bad), None, "{bad}");
        }
    }
}
