//! Capacity in fixed one-second windows `[n s, n+1 s)`, taken in whole records from the front
//! of a call (T6): the stream's Direct PUT quotas (I2), a Kinesis shard's write capacity (K2)
//! and a `GetRecords` call's read limits (K3) all take records this way.

use crate::engine::SimTime;
use crate::engine::time::MICROS_PER_SEC;
use crate::model::chunk::Chunk;
use crate::model::faults::FaultSet;
use crate::scenario::{CallTime, QuotaLimits};
use rand_chacha::ChaCha8Rng;

/// What is left of a capacity.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window {
    /// Records left.
    pub records_left: u64,
    /// Bytes left.
    pub bytes_left: u64,
}

impl Window {
    /// How many of `c`'s first records fit, in whole records.
    #[inline]
    pub(crate) fn fit(&self, c: &Chunk) -> u32 {
        let record = c.record_bytes().max(1);
        let n = u64::from(c.count);
        if n <= self.records_left && n * record <= self.bytes_left {
            // All fit: no division for the bytes.
            return c.count;
        }
        n.min(self.records_left).min(self.bytes_left / record) as u32
    }

    /// Uses the capacity of `taken`.
    #[inline]
    pub(crate) fn consume(&mut self, taken: &Chunk) {
        self.records_left -= u64::from(taken.count);
        self.bytes_left = self.bytes_left.saturating_sub(taken.bytes);
    }

    /// Takes the first records of `c` that fit, in whole records: returns (the part taken,
    /// the part refused).
    #[inline]
    pub(crate) fn take(&mut self, mut c: Chunk) -> (Option<Chunk>, Option<Chunk>) {
        let fit = self.fit(&c);
        if fit == 0 {
            return (None, Some(c));
        }
        let (front, rest) = if fit == c.count {
            (c, None)
        } else {
            (c.split_front(fit), Some(c))
        };
        self.consume(&front);
        (Some(front), rest)
    }
}

/// The start of the one-second window holding `now`, and the `Throttle` factor of `faults` in
/// force at that start (X1: a window that starts inside the fault's window is throttled).
pub(crate) fn window_start(now: SimTime, faults: &FaultSet) -> (u64, f64) {
    let start = now.0 / MICROS_PER_SEC * MICROS_PER_SEC;
    let f = if faults.is_empty() {
        1.0
    } else {
        faults.throttle(SimTime(start))
    };
    (start, f)
}

/// `v` scaled by a `Throttle` factor, rounded down.
pub(crate) fn scaled(v: u64, f: f64) -> u64 {
    (v as f64 * f).floor() as u64
}

/// The stream's per-second quotas (I2, T6).
pub(crate) struct Ingest {
    pub limits: QuotaLimits,
    pub window_end: u64,
    pub window: Window,
    pub requests_left: u64,
    pub faults: FaultSet,
    pub rng: ChaCha8Rng,
    pub put_time: CallTime,
    /// True when calls take no time (the default): records are ingested as they are sent.
    pub instant: bool,
}

impl Ingest {
    /// Opens the window holding `now` if it is not the current one; returns its end.
    #[inline]
    pub(crate) fn window_for(&mut self, now: SimTime) -> u64 {
        if now.0 >= self.window_end {
            let (start, f) = window_start(now, &self.faults);
            self.window_end = start + MICROS_PER_SEC;
            self.window = Window {
                records_left: scaled(self.limits.records, f),
                bytes_left: scaled(self.limits.bytes, f),
            };
            self.requests_left = scaled(self.limits.requests, f);
        }
        self.window_end
    }

    /// Takes a call whole when it can (T6), as [`Ingest::admit`] would: `Some(false)` when the
    /// window has no request, record or byte left, so the call is refused whole (using a
    /// request if one is left); `Some(true)` when the call is one chunk that fits whole, now
    /// accepted; `None` when only [`Ingest::admit`] can split it.
    #[inline(always)]
    pub(crate) fn admit_whole(&mut self, now: SimTime, chunks: &[Chunk]) -> Option<bool> {
        self.window_for(now);
        let w = &mut self.window;
        if self.requests_left == 0 || w.records_left == 0 || w.bytes_left == 0 {
            self.requests_left = self.requests_left.saturating_sub(1);
            return Some(false);
        }
        match chunks {
            [c] if w.fit(c) == c.count => {
                self.requests_left -= 1;
                w.consume(c);
                Some(true)
            }
            _ => None,
        }
    }

    /// Splits `chunks` into what the quota accepts (the first records of the call) and what it
    /// refuses; returns the records refused.
    pub(crate) fn admit(
        &mut self,
        now: SimTime,
        chunks: &[Chunk],
        accepted: &mut Vec<Chunk>,
        refused: &mut Vec<Chunk>,
    ) -> u64 {
        self.window_for(now);
        let mut throttled = 0;
        if self.requests_left == 0 {
            refused.extend_from_slice(chunks);
            return chunks.iter().map(|c| u64::from(c.count)).sum();
        }
        self.requests_left -= 1;
        for &c in chunks {
            let mut c = c;
            // Once a record is refused, the rest of the call is too: the first ones are taken.
            let fit = if refused.is_empty() {
                self.window.fit(&c)
            } else {
                0
            };
            if fit > 0 {
                let whole = fit == c.count;
                let front = if whole { c } else { c.split_front(fit) };
                self.window.consume(&front);
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
