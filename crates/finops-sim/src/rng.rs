//! Seeding: every independent piece of the timeline (the population, each hour) gets its own random
//! stream derived from the user's seed, so output does not depend on how work is split across threads.
use rand_pcg::Pcg64Mcg;

/// Stream ids; each names one independent use of randomness.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Stream {
    Population = 1,
    Hour = 2,
    Scenario = 3,
    Drift = 4,
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The generator for `(seed, stream, index)`; the same triple always gives the same sequence.
pub fn stream_rng(seed: u64, stream: Stream, index: u64) -> Pcg64Mcg {
    let a = splitmix64(seed ^ splitmix64(stream as u64));
    let b = splitmix64(a ^ splitmix64(index.wrapping_add(0x5851_F42D_4C95_7F2D)));
    let state = (u128::from(a) << 64) | u128::from(b) | 1;
    Pcg64Mcg::new(state)
}
