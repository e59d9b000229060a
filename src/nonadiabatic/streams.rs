//! Independent random streams from one seed: stream `k` of seed `s` is seeded with
//! SplitMix64 of `(s, k)`, so any stream can be made directly (trajectory `k` of an
//! ensemble, start `k` of a fit) and results do not depend on which thread runs it.

/// The seed of stream `k` (stream 0 is `seed` itself).
pub fn stream_seed(seed: u64, k: u64) -> u64 {
    if k == 0 {
        return seed;
    }
    let mut z = seed.wrapping_add(k.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_distinct_and_stream_zero_is_the_seed() {
        assert_eq!(stream_seed(17, 0), 17);
        let mut seen: Vec<u64> = (0..10_000).map(|k| stream_seed(17, k)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 10_000);
        assert_ne!(stream_seed(17, 1), stream_seed(18, 1));
    }
}
