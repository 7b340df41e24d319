//! Daily statistics of asking prices from a price histogram.
//!
//! Ingestion keeps, per alert, day and currency, how many observations had each distinct price
//! (`daily_price`). A listing usually keeps its price across the day's runs, so the histogram
//! has about as many rows as listings while the day may have dozens of runs: recomputing the
//! day's exact quartiles from it after every batch costs the same whether it was the first or
//! the fiftieth run of the day. Quartiles are interpolated linearly between order statistics
//! (the definition of Postgres' `percentile_cont`), then everything is rounded to cents.

use rust_decimal::{Decimal, RoundingStrategy};

/// How many observations had one price, and one listing that had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceCount {
    /// The asking price.
    pub price: Decimal,
    /// Observations at that price.
    pub count: u64,
    /// A listing seen at that price (the first one stored), to name the day's low.
    pub item_key: i64,
}

/// One day's statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStats {
    /// Observations.
    pub count: u64,
    /// Lowest price.
    pub min: Decimal,
    /// First quartile.
    pub p25: Decimal,
    /// Median.
    pub median: Decimal,
    /// Third quartile.
    pub p75: Decimal,
    /// Mean.
    pub mean: Decimal,
    /// Highest price.
    pub max: Decimal,
    /// A listing at the lowest price.
    pub min_item_key: i64,
}

/// Rounds to cents, half away from zero (how people round money).
pub fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The statistics of a histogram; `None` when it holds no observation.
pub fn day_stats(histogram: &[PriceCount]) -> Option<DayStats> {
    let mut sorted: Vec<&PriceCount> = histogram.iter().filter(|p| p.count > 0).collect();
    sorted.sort_by(|a, b| a.price.cmp(&b.price).then(a.item_key.cmp(&b.item_key)));
    let first = sorted.first()?;
    let last = sorted.last()?;
    let count: u64 = sorted.iter().map(|p| p.count).sum();
    let sum: Decimal = sorted
        .iter()
        .map(|p| p.price * Decimal::from(p.count))
        .sum();
    Some(DayStats {
        count,
        min: first.price,
        p25: cents(percentile(&sorted, count, Decimal::new(25, 2))),
        median: cents(percentile(&sorted, count, Decimal::new(5, 1))),
        p75: cents(percentile(&sorted, count, Decimal::new(75, 2))),
        mean: cents(sum / Decimal::from(count)),
        max: last.price,
        min_item_key: first.item_key,
    })
}

/// The `q` quantile of a sorted, non-empty histogram of `count` observations.
fn percentile(sorted: &[&PriceCount], count: u64, q: Decimal) -> Decimal {
    let position = Decimal::from(count - 1) * q;
    let lower = position.floor();
    let fraction = position - lower;
    let lower_index = u64::try_from(lower).unwrap_or(0);
    let low = nth(sorted, lower_index);
    if fraction.is_zero() {
        return low;
    }
    let high = nth(sorted, lower_index + 1);
    low + (high - low) * fraction
}

/// The `index`-th observation (0-based) in price order.
fn nth(sorted: &[&PriceCount], index: u64) -> Decimal {
    let mut seen = 0;
    for entry in sorted {
        seen += entry.count;
        if index < seen {
            return entry.price;
        }
    }
    sorted.last().map_or(Decimal::ZERO, |p| p.price)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn histogram(prices: &[(Decimal, u64)]) -> Vec<PriceCount> {
        prices
            .iter()
            .enumerate()
            .map(|(i, (price, count))| PriceCount {
                price: *price,
                count: *count,
                item_key: i as i64 + 1,
            })
            .collect()
    }

    #[test]
    fn quartiles_interpolate_between_observations_like_percentile_cont() {
        // Observations 10, 20, 20, 30, 40 (20 seen twice).
        // p25: position 1 -> 20; median: position 2 -> 20; p75: position 3 -> 30.
        // mean = 120 / 5 = 24.
        let stats = day_stats(&histogram(&[
            (dec!(30), 1),
            (dec!(10), 1),
            (dec!(20), 2),
            (dec!(40), 1),
        ]))
        .unwrap();
        assert_eq!(stats.count, 5);
        assert_eq!(stats.min, dec!(10));
        assert_eq!(stats.p25, dec!(20));
        assert_eq!(stats.median, dec!(20));
        assert_eq!(stats.p75, dec!(30));
        assert_eq!(stats.mean, dec!(24));
        assert_eq!(stats.max, dec!(40));
        assert_eq!(stats.min_item_key, 2, "the listing at the low");
    }

    #[test]
    fn an_even_count_takes_the_midpoint_and_rounds_to_cents() {
        // 10.00, 10.01, 10.02, 10.04: median position 1.5 -> 10.015 -> 10.02 (half away).
        // p25 position 0.75 -> 10.0075 -> 10.01; p75 position 2.25 -> 10.025 -> 10.03.
        // mean 40.07 / 4 = 10.0175 -> 10.02.
        let stats = day_stats(&histogram(&[
            (dec!(10.00), 1),
            (dec!(10.01), 1),
            (dec!(10.02), 1),
            (dec!(10.04), 1),
        ]))
        .unwrap();
        assert_eq!(stats.median, dec!(10.02));
        assert_eq!(stats.p25, dec!(10.01));
        assert_eq!(stats.p75, dec!(10.03));
        assert_eq!(stats.mean, dec!(10.02));
    }

    #[test]
    fn one_observation_is_every_statistic_and_nothing_is_none() {
        let stats = day_stats(&histogram(&[(dec!(99.99), 1)])).unwrap();
        assert_eq!(
            (stats.min, stats.p25, stats.median, stats.p75, stats.max),
            (
                dec!(99.99),
                dec!(99.99),
                dec!(99.99),
                dec!(99.99),
                dec!(99.99)
            )
        );
        assert!(day_stats(&[]).is_none());
        assert!(day_stats(&histogram(&[(dec!(1), 0)])).is_none());
    }
}
