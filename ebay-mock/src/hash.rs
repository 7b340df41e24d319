//! Stable, seedable pseudo-randomness: the same inputs give the same numbers in every process
//! and on every machine (unlike `std`'s randomly keyed hasher), so a query's catalogue is
//! reproducible.

/// FNV-1a, 64 bit: a stable hash of a string.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// SplitMix64's finaliser: scrambles a 64-bit value so nearby inputs give unrelated outputs.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A value derived from a seed and a stream of labels: `derive(seed, &[slot, generation])`.
pub fn derive(seed: u64, labels: &[u64]) -> u64 {
    labels
        .iter()
        .fold(mix(seed), |acc, label| mix(acc ^ mix(*label)))
}

/// A uniform float in `[0, 1)` from 53 bits of `x`.
pub fn unit(x: u64) -> f64 {
    // 53 bits fit exactly in an f64 mantissa.
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// An approximately standard normal value (mean 0, variance 1) from the four 16-bit quarters of
/// `x` (Irwin–Hall with n = 4, rescaled): cheap and bounded to about ±3.5.
pub fn gaussian(x: u64) -> f64 {
    let quarter = |shift: u32| ((x >> shift) & 0xffff) as f64 / 65_536.0;
    let sum = quarter(0) + quarter(16) + quarter(32) + quarter(48);
    (sum - 2.0) * 3.0_f64.sqrt()
}

/// An integer in `[low, high]` (inclusive) from `x`.
pub fn range(x: u64, low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    low + x % (high - low + 1)
}

/// Picks an element of a non-empty slice; `None` only for an empty slice.
pub fn pick<T: Copy>(x: u64, items: &[T]) -> Option<T> {
    if items.is_empty() {
        return None;
    }
    items.get((x % items.len() as u64) as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn gaussian_values_have_roughly_zero_mean_and_unit_variance() {
        let n = 20_000u64;
        let samples: Vec<f64> = (0..n).map(|i| gaussian(mix(i))).collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let variance = samples.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.05, "variance {variance}");
    }

    #[test]
    fn unit_values_stay_in_the_half_open_interval() {
        for i in 0..10_000u64 {
            let u = unit(mix(i));
            assert!((0.0..1.0).contains(&u));
        }
        assert!(unit(u64::MAX) < 1.0);
    }
}
