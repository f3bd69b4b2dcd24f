//! The stream's ingest endpoint: per-second quota windows (I2, T6).

use crate::engine::SimTime;
use crate::engine::time::MICROS_PER_SEC;
use crate::model::chunk::Chunk;
use crate::model::faults::FaultSet;
use crate::scenario::{CallTime, QuotaLimits};
use rand_chacha::ChaCha8Rng;

/// The stream's per-second quotas (I2, T6).
pub(crate) struct Ingest {
    pub limits: QuotaLimits,
    pub window_end: u64,
    pub records_left: u64,
    pub requests_left: u64,
    pub bytes_left: u64,
    pub faults: FaultSet,
    pub rng: ChaCha8Rng,
    pub put_time: CallTime,
    /// True when calls take no time (the default): records are ingested as they are sent.
    pub instant: bool,
}

impl Ingest {
    /// Splits `chunks` into what the quota accepts (the first records of the call) and what it
    /// refuses; returns the records refused.
    pub(crate) fn admit(
        &mut self,
        now: SimTime,
        chunks: &[Chunk],
        accepted: &mut Vec<Chunk>,
        refused: &mut Vec<Chunk>,
    ) -> u64 {
        if now.0 >= self.window_end {
            let start = now.0 / MICROS_PER_SEC * MICROS_PER_SEC;
            self.window_end = start + MICROS_PER_SEC;
            let f = if self.faults.is_empty() {
                1.0
            } else {
                self.faults.throttle(SimTime(start))
            };
            let scale = |v: u64| (v as f64 * f).floor() as u64;
            self.records_left = scale(self.limits.records);
            self.requests_left = scale(self.limits.requests);
            self.bytes_left = scale(self.limits.bytes);
        }
        let mut throttled = 0;
        if self.requests_left == 0 {
            refused.extend_from_slice(chunks);
            return chunks.iter().map(|c| u64::from(c.count)).sum();
        }
        self.requests_left -= 1;
        for &c in chunks {
            let mut c = c;
            let fit = if refused.is_empty() {
                let by_bytes = self.bytes_left / c.record_bytes().max(1);
                u64::from(c.count).min(self.records_left).min(by_bytes) as u32
            } else {
                0
            };
            if fit > 0 {
                let whole = fit == c.count;
                let front = if whole { c } else { c.split_front(fit) };
                self.records_left -= u64::from(front.count);
                self.bytes_left = self.bytes_left.saturating_sub(front.bytes);
                accepted.push(front);
                if whole {
                    continue;
                }
            }
            throttled += u64::from(c.count);
            refused.push(c);
        }
        throttled
    }
}
