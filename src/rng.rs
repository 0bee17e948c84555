//! The run's random generator: seeded from the config, and counted, so that a checkpoint can put a
//! restored run's generator exactly where the original's was (the same dropout masks follow).

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

/// How far a generator has moved since it was seeded: calls of each width. Every call moves the
/// underlying state by a fixed number of steps, so replaying the counts reproduces the state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draws {
    pub u32s: u64,
    pub u64s: u64,
}

#[derive(Debug, Clone)]
pub struct RunRng {
    inner: SmallRng,
    draws: Draws,
}

impl RunRng {
    pub fn new(seed: u64) -> Self {
        RunRng {
            inner: SmallRng::seed_from_u64(seed),
            draws: Draws::default(),
        }
    }

    /// A generator seeded with `seed` and moved on by `draws`, as the one that reported them.
    pub fn resume(seed: u64, draws: Draws) -> Self {
        let mut rng = RunRng::new(seed);
        for _ in 0..draws.u32s {
            rng.next_u32();
        }
        for _ in 0..draws.u64s {
            rng.next_u64();
        }
        rng
    }

    pub fn draws(&self) -> Draws {
        self.draws
    }
}

impl RngCore for RunRng {
    fn next_u32(&mut self) -> u32 {
        self.draws.u32s += 1;
        self.inner.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.draws.u64s += 1;
        self.inner.next_u64()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        // Through next_u64, so that the bytes are counted like any other draw.
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn a_resumed_generator_continues_the_same_sequence() {
        let mut original = RunRng::new(7);
        for _ in 0..100 {
            original.random::<f64>();
        }
        let _: u32 = original.random();
        let mut bytes = [0u8; 13];
        original.fill_bytes(&mut bytes);
        let mut resumed = RunRng::resume(7, original.draws());
        let ahead: Vec<f64> = (0..10).map(|_| original.random()).collect();
        let again: Vec<f64> = (0..10).map(|_| resumed.random()).collect();
        assert_eq!(ahead, again);
        assert_ne!(
            RunRng::resume(7, Draws::default()).random::<f64>(),
            ahead[0]
        );
    }
}
