//! Daily statistics of asking prices from a price histogram.
//!
//! Each `daily_rollup` row keeps, beside its statistics, how many observations had each
//! distinct price that day (`price_counts`, e.g. `"12.99*3 13.5*1"`). A listing usually keeps
//! its price across the day's runs, so the histogram has about as many entries as listings
//! while the day may have hundreds of runs: updating the day after a batch means reading and
//! writing one row per (alert, day), and recomputing its exact quartiles costs the same whether
//! it was the first or the five-hundredth run of the day. Quartiles are interpolated linearly
//! between order statistics (the definition of Postgres' `percentile_cont`), then everything is
//! rounded to cents.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

/// How many observations had each price (normalised, so `10.5` and `10.50` are one key).
pub type Histogram = BTreeMap<Decimal, u64>;

/// Adds `count` observations at `price`.
pub fn add(histogram: &mut Histogram, price: Decimal, count: u64) {
    *histogram.entry(price.normalize()).or_insert(0) += count;
}

/// The stored form: `price*count` pairs in price order, separated by spaces.
pub fn encode(histogram: &Histogram) -> String {
    let mut out = String::with_capacity(histogram.len() * 10);
    for (price, count) in histogram {
        if *count == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&price.to_string());
        out.push('*');
        out.push_str(&count.to_string());
    }
    out
}

/// Parses [`encode`]'s output; `None` when it is damaged.
pub fn decode(text: &str) -> Option<Histogram> {
    let mut histogram = Histogram::new();
    for pair in text.split_ascii_whitespace() {
        let (price, count) = pair.split_once('*')?;
        add(&mut histogram, price.parse().ok()?, count.parse().ok()?);
    }
    Some(histogram)
}

/// One day's statistics of asking prices: the one daily-statistics type. Ingest computes it
/// from the histogram and stores it in `daily_rollup`; the insights read it back inside
/// [`crate::insights::compute::RollupDay`] and show it as the wire's `DailyPoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStats {
    /// Observations (one per listing per run).
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
}

/// Rounds to cents, half away from zero (how people round money).
pub fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The statistics of a histogram; `None` when it holds no observation.
pub fn day_stats(histogram: &Histogram) -> Option<DayStats> {
    let sorted: Vec<(Decimal, u64)> = histogram
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|(price, count)| (*price, *count))
        .collect();
    let (min, _) = *sorted.first()?;
    let (max, _) = *sorted.last()?;
    let count: u64 = sorted.iter().map(|(_, c)| c).sum();
    let sum: Decimal = sorted
        .iter()
        .map(|(price, c)| price * Decimal::from(*c))
        .sum();
    Some(DayStats {
        count,
        min,
        p25: cents(percentile(&sorted, count, Decimal::new(25, 2))),
        median: cents(percentile(&sorted, count, Decimal::new(5, 1))),
        p75: cents(percentile(&sorted, count, Decimal::new(75, 2))),
        mean: cents(sum / Decimal::from(count)),
        max,
    })
}

/// The `q` quantile of a sorted, non-empty histogram of `count` observations.
fn percentile(sorted: &[(Decimal, u64)], count: u64, q: Decimal) -> Decimal {
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
fn nth(sorted: &[(Decimal, u64)], index: u64) -> Decimal {
    let mut seen = 0;
    for (price, count) in sorted {
        seen += count;
        if index < seen {
            return *price;
        }
    }
    sorted.last().map_or(Decimal::ZERO, |(price, _)| *price)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn histogram(prices: &[(Decimal, u64)]) -> Histogram {
        let mut histogram = Histogram::new();
        for (price, count) in prices {
            add(&mut histogram, *price, *count);
        }
        histogram
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
        assert!(day_stats(&Histogram::new()).is_none());
        assert!(day_stats(&histogram(&[(dec!(1), 0)])).is_none());
    }

    #[test]
    fn histograms_survive_storage_and_merge_equal_amounts() {
        let mut h = histogram(&[(dec!(10.50), 2), (dec!(9), 1)]);
        add(&mut h, dec!(10.5), 1);
        let text = encode(&h);
        assert_eq!(text, "9*1 10.5*3");
        assert_eq!(decode(&text), Some(h));
        assert_eq!(decode(""), Some(Histogram::new()));
        assert_eq!(decode("x*1"), None);
        assert_eq!(decode("1*x"), None);
    }
}
