//! A small deterministic random generator for tests and benchmarks, so a
//! failure or a figure can be replayed exactly.

pub struct Lcg(pub u64);

impl Lcg {
    /// The next number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
