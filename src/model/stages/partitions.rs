//! Dynamic partitioning on S3 (P1, P2): every partition key has its own buffer with the
//! destination's hints, and at most `active_partitions_limit` partitions are active at once; a
//! record whose partition would be one more goes to the S3 error prefix instead
//! (`processing_failed`, counted as `partition_limit_exceeded`).
//!
//! Keys are drawn per chunk by a multinomial split over the producer's keys (no loop over
//! records): the key range is halved and the chunk's records shared by a binomial draw, down
//! to single keys, so a chunk of `n` records over `K` keys becomes at most `min(n, K)`
//! sub-chunks of consecutive ids in `O(min(n, K) log K)` draws.
//!
//! Cost: a chunk's sub-chunks find their partition through a hash map (`O(1)` each); the
//! partitions a unit touched are listed as it goes, so closing a unit costs the partitions it
//! touched, never all of them; deadlines go through the event queue. Only the end of the run
//! and the per-minute `DataFreshness` sample (with metrics) look at every partition.

use super::buffer::{Added, Buffer};
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::chunk::Chunk;
use crate::outcome::metrics::{Recorder, Slot};
use crate::scenario::{MIB, PartitionKey, S3Destination, Scenario, Source};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::Serialize;
use std::collections::HashMap;

/// The slot of the error-prefix buffer (records over the limit, P2).
pub(crate) const ERRORS: u32 = u32::MAX;

/// The report's `partitions` section (P1, P2).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PartitionsReport {
    /// The most partitions active at once.
    pub max_active: u64,
    /// Records sent to the error prefix because their partition would have been one over
    /// the limit (`processing_failed`).
    pub partition_limit_exceeded: u64,
    /// Objects flushed from partition buffers (destination objects, before conversion).
    pub objects: u64,
    /// The limit in force.
    pub active_partitions_limit: u64,
    /// Times a partition became active (a key can become active again after its objects
    /// were written).
    pub activations: u64,
}

/// How one producer's records spread over keys.
enum Keys {
    One,
    Uniform(u64),
    /// Cumulative weights, `count + 1` of them from 0.
    Zipf(Vec<f64>),
    /// Interval in us, keys, and a namespace shared by the producers with that interval.
    PerInterval(u64, u64, u64),
}

impl Keys {
    fn new(k: Option<PartitionKey>, namespace: u64) -> Self {
        match k {
            None | Some(PartitionKey::Constant) => Keys::One,
            Some(PartitionKey::Uniform(n)) => Keys::Uniform(u64::from(n.max(1))),
            Some(PartitionKey::Zipf { count, exponent }) => {
                let mut cum = Vec::with_capacity(count as usize + 1);
                let mut total = 0.0;
                cum.push(0.0);
                for k in 1..=count.max(1) {
                    total += 1.0 / f64::from(k).powf(exponent);
                    cum.push(total);
                }
                Keys::Zipf(cum)
            }
            Some(PartitionKey::PerInterval(interval, n)) => {
                Keys::PerInterval(interval.0.max(1), u64::from(n.max(1)), namespace)
            }
        }
    }

    /// Keys at one time, and the share of `[lo, mid)` in `[lo, hi)`.
    fn count(&self) -> u64 {
        match self {
            Keys::One => 1,
            Keys::Uniform(n) | Keys::PerInterval(_, n, _) => *n,
            Keys::Zipf(cum) => cum.len() as u64 - 1,
        }
    }

    /// The key in `[lo, hi)` at fraction `u` of that range's weight.
    fn pick(&self, lo: u64, hi: u64, u: f64) -> u64 {
        match self {
            Keys::Zipf(cum) => {
                let (l, h) = (cum[lo as usize], cum[hi as usize]);
                let target = l + u * (h - l);
                let i = cum[lo as usize + 1..hi as usize].partition_point(|&w| w <= target);
                lo + i as u64
            }
            _ => (lo + (u * (hi - lo) as f64) as u64).min(hi - 1),
        }
    }

    fn share(&self, lo: u64, mid: u64, hi: u64) -> f64 {
        match self {
            Keys::Zipf(cum) => {
                let (l, m, h) = (cum[lo as usize], cum[mid as usize], cum[hi as usize]);
                (m - l) / (h - l)
            }
            _ => (mid - lo) as f64 / (hi - lo) as f64,
        }
    }
}

/// One partition's buffer and the objects it has in S3's queue.
struct Part {
    key: u64,
    buffer: Buffer,
    /// Objects of this partition queued for S3 and not yet written (P2).
    outstanding: u32,
    /// Whether the buffer was empty when the current unit first touched it.
    touched: Option<bool>,
}

/// Every partition's buffer, the active set and its limit (P1, P2).
pub(crate) struct Partitions {
    keys: Vec<Keys>,
    rng: ChaCha8Rng,
    hint_bytes: u64,
    interval: SimDuration,
    limit: u32,
    parts: Vec<Part>,
    free: Vec<u32>,
    /// Slots of the keys of producers without intervals (`u32::MAX`: not active).
    direct: Vec<u32>,
    /// Slots of interval keys.
    index: HashMap<u64, u32>,
    active: u32,
    errors: Buffer,
    errors_touched: Option<bool>,
    touched: Vec<u32>,
    stack: Vec<(u64, u64, u64)>,
    report: PartitionsReport,
}

impl Partitions {
    /// The partitions of S3 destination `d`, when dynamic partitioning is on.
    pub(crate) fn new(d: &S3Destination, scenario: &Scenario, streams: &RngStreams) -> Self {
        let hints = d.hints();
        let buffer = || {
            Buffer::new(
                u64::from(hints.size_in_mbs) * MIB,
                SimDuration::from_secs(u64::from(hints.interval_in_seconds)),
            )
        };
        Partitions {
            keys: {
                // One namespace per distinct interval, in order of first use.
                let mut intervals: Vec<u64> = Vec::new();
                scenario
                    .sources
                    .iter()
                    .map(|s| match s {
                        Source::DirectPut(p) => {
                            let ns = match p.partition_key {
                                Some(PartitionKey::PerInterval(i, _)) => {
                                    match intervals.iter().position(|x| *x == i.0) {
                                        Some(k) => k as u64,
                                        None => {
                                            intervals.push(i.0);
                                            intervals.len() as u64 - 1
                                        }
                                    }
                                }
                                _ => 0,
                            };
                            Keys::new(p.partition_key, ns)
                        }
                    })
                    .collect()
            },
            rng: streams.stream("partitions/keys"),
            hint_bytes: u64::from(hints.size_in_mbs) * MIB,
            interval: SimDuration::from_secs(u64::from(hints.interval_in_seconds)),
            limit: d.active_partitions_limit,
            parts: Vec::new(),
            free: Vec::new(),
            direct: vec![
                u32::MAX;
                scenario
                    .sources
                    .iter()
                    .map(|s| match s {
                        Source::DirectPut(p) => p.partition_key.map_or(1, |k| k.count()),
                    })
                    .max()
                    .unwrap_or(1) as usize
            ],
            index: HashMap::new(),
            active: 0,
            errors: buffer(),
            errors_touched: None,
            touched: Vec::new(),
            stack: Vec::new(),
            report: PartitionsReport {
                active_partitions_limit: u64::from(d.active_partitions_limit),
                ..PartitionsReport::default()
            },
        }
    }

    /// The buffer of `slot` (or the error buffer).
    pub(crate) fn buffer(&mut self, slot: u32) -> &mut Buffer {
        if slot == ERRORS {
            return &mut self.errors;
        }
        &mut self.parts[slot as usize].buffer
    }

    /// Adds one chunk of a unit: its records are split over their keys (P1) and each part
    /// goes to its partition's buffer, or to the error buffer when its partition would be one
    /// over the limit (P2). Call [`Partitions::close_unit`] after the unit's last chunk.
    pub(crate) fn push(&mut self, c: Chunk, metrics: &mut Option<Recorder>, now: SimTime) {
        let keys = &self.keys[usize::from(c.source).min(self.keys.len() - 1)];
        let k = keys.count();
        // Interval keys: key (20 bits), interval number + 1 (32 bits), and the interval's
        // namespace, so they never meet plain keys (below 2^20) nor another interval's.
        let epoch = match keys {
            Keys::PerInterval(interval, _, ns) => (ns << 52) | ((c.ingest.0 / interval + 1) << 20),
            _ => 0,
        };
        if k == 1 {
            return self.route(epoch, c, metrics, now);
        }
        let mut rest = c;
        self.stack.clear();
        self.stack.push((0, k, u64::from(c.count)));
        while let Some((lo, hi, n)) = self.stack.pop() {
            if n == 0 {
                continue;
            }
            if hi - lo == 1 || n == 1 {
                // One record left in the range: its key by one inverse-CDF draw, which is
                // what the halving would reach, in one step.
                let key = if hi - lo == 1 {
                    lo
                } else {
                    let u = self.rng.random::<f64>();
                    keys_pick(&self.keys, c.source, lo, hi, u)
                };
                let part = if n == u64::from(rest.count) {
                    rest
                } else {
                    rest.split_front(n as u32)
                };
                self.route(epoch | key, part, metrics, now);
                continue;
            }
            let mid = lo + (hi - lo) / 2;
            let p = keys_share(&self.keys, c.source, lo, mid, hi);
            let left = binomial(n, p, &mut self.rng);
            // The lower keys first: sub-chunks come out in key order, ids ascending.
            self.stack.push((mid, hi, n - left));
            self.stack.push((lo, mid, left));
        }
    }

    /// Sends records of one key to its partition (P2).
    fn route(&mut self, key: u64, c: Chunk, metrics: &mut Option<Recorder>, now: SimTime) {
        let found = match self.direct.get(key as usize) {
            Some(&s) => (s != u32::MAX).then_some(s),
            None => self.index.get(&key).copied(),
        };
        let slot = match found {
            Some(s) => s,
            None if self.active < self.limit => self.activate(key, metrics, now),
            None => {
                self.report.partition_limit_exceeded += u64::from(c.count);
                if let Some(m) = metrics {
                    m.max(now, Slot::PartitionCountExceeded, 1.0);
                }
                if self.errors_touched.is_none() {
                    self.errors_touched = Some(self.errors.is_empty());
                }
                self.errors.push(c);
                return;
            }
        };
        let part = &mut self.parts[slot as usize];
        if part.touched.is_none() {
            part.touched = Some(part.buffer.is_empty());
            self.touched.push(slot);
        }
        part.buffer.push(c);
    }

    /// A new partition becomes active (P2).
    fn activate(&mut self, key: u64, metrics: &mut Option<Recorder>, now: SimTime) -> u32 {
        let slot = match self.free.pop() {
            Some(s) => {
                self.parts[s as usize].key = key;
                s
            }
            None => {
                self.parts.push(Part {
                    key,
                    buffer: Buffer::new(self.hint_bytes, self.interval),
                    outstanding: 0,
                    touched: None,
                });
                (self.parts.len() - 1) as u32
            }
        };
        match self.direct.get_mut(key as usize) {
            Some(d) => *d = slot,
            None => {
                self.index.insert(key, slot);
            }
        }
        self.active += 1;
        self.report.activations += 1;
        self.report.max_active = self.report.max_active.max(u64::from(self.active));
        if let Some(m) = metrics {
            m.max(now, Slot::PartitionCount, f64::from(self.active));
        }
        slot
    }

    /// Ends a unit: what it did to each buffer it touched, as `(slot, added)`.
    pub(crate) fn close_unit(&mut self, out: &mut Vec<(u32, Added)>) {
        for slot in self.touched.drain(..) {
            let part = &mut self.parts[slot as usize];
            if let Some(was_empty) = part.touched.take() {
                out.push((slot, part.buffer.close_unit(was_empty)));
            }
        }
        if let Some(was_empty) = self.errors_touched.take() {
            out.push((ERRORS, self.errors.close_unit(was_empty)));
        }
    }

    /// An object of partition `slot` was queued for S3.
    pub(crate) fn hold(&mut self, slot: u32) {
        if let Some(p) = self.parts.get_mut(slot as usize) {
            p.outstanding += 1;
        }
    }

    /// A buffer of partition `slot` flushed.
    pub(crate) fn flushed(&mut self, slot: u32) {
        if slot != ERRORS {
            self.report.objects += 1;
        }
    }

    /// An object of partition `slot` was written, or dropped empty (T12): with nothing left in
    /// its buffer or in S3's queue, the partition is no longer active (P2).
    pub(crate) fn release(&mut self, slot: u32, metrics: &mut Option<Recorder>, now: SimTime) {
        let Some(p) = self.parts.get_mut(slot as usize) else {
            return;
        };
        p.outstanding = p.outstanding.saturating_sub(1);
        if p.outstanding == 0 && p.buffer.is_empty() {
            match self.direct.get_mut(p.key as usize) {
                Some(d) => *d = u32::MAX,
                None => {
                    self.index.remove(&p.key);
                }
            }
            self.free.push(slot);
            self.active -= 1;
            if let Some(m) = metrics {
                m.max(now, Slot::PartitionCount, f64::from(self.active));
            }
        }
    }

    /// The minute that `now` ends starts with the active count it ended with (P2 metrics).
    pub(crate) fn sample(&self, metrics: &mut Option<Recorder>, minute: usize) {
        if let Some(m) = metrics {
            m.max_at(minute + 1, Slot::PartitionCount, f64::from(self.active));
        }
    }

    /// Every chunk still in a partition buffer (the end, and `DataFreshness`).
    pub(crate) fn chunks(&self) -> impl Iterator<Item = &Chunk> {
        self.parts
            .iter()
            .flat_map(|p| p.buffer.chunks())
            .chain(self.errors.chunks())
    }

    /// The report section.
    pub(crate) fn report(&self) -> PartitionsReport {
        self.report.clone()
    }
}

/// A binomial draw. Below 64 trials, inversion (BINV, as `rand_distr` does it for small
/// means) with `q^n` by multiplication: the tree's draws are mostly of a few records, and
/// `rand_distr::Binomial::new` pays a `powf` for each.
fn binomial(n: u64, p: f64, rng: &mut ChaCha8Rng) -> u64 {
    if p >= 1.0 {
        return n;
    }
    if p <= 0.0 || n == 0 {
        return 0;
    }
    if n > 64 {
        return Binomial::new(n, p).map_or(0, |b| b.sample(rng));
    }
    let (p, flip) = if p > 0.5 { (1.0 - p, true) } else { (p, false) };
    let q = 1.0 - p;
    let s = p / q;
    let a = (n + 1) as f64 * s;
    let r0 = q.powi(n as i32);
    loop {
        let (mut r, mut u, mut x) = (r0, rng.random::<f64>(), 0u64);
        while u > r && x <= n {
            u -= r;
            x += 1;
            r *= a / x as f64 - s;
        }
        // Rounding can carry the search past n: draw again.
        if x <= n {
            return if flip { n - x } else { x };
        }
    }
}

fn keys_pick(keys: &[Keys], source: u16, lo: u64, hi: u64, u: f64) -> u64 {
    keys[usize::from(source).min(keys.len() - 1)].pick(lo, hi, u)
}

fn keys_share(keys: &[Keys], source: u16, lo: u64, mid: u64, hi: u64) -> f64 {
    keys[usize::from(source).min(keys.len() - 1)].share(lo, mid, hi)
}
