//! Call trains: the times of a constant-rate producer's calls as a law (T1), so that a run of
//! regular calls can be handled, stored and measured as one unit without a step per call.
//!
//! Call `k` is sent at `floor(k * step / denom)` microseconds and carries record ids
//! `k * per_call .. (k + 1) * per_call`. Every question a train is asked (how many calls come
//! before an instant, when the call holding a record id was sent, the sum of call times over
//! a range) is answered in O(1) or O(log) from the law, never by walking the calls.
//!
//! A run has at most one law (trains need a single producer, whose record ids are then
//! contiguous). With a Kinesis source the law has lanes, one per shard ([`CallLaw::lanes`]):
//! a record's id is its shard's lane in the top bits and its rank among that shard's records
//! below, so that a shard's records of many calls are one run of ids. It is installed for the thread that runs the simulation ([`CallLaw::install`]),
//! so that a chunk, which stays four words, can find its records' ingest times when it is
//! split; sweeps run each simulation wholly on one thread.

use super::SimTime;
use std::cell::Cell;

/// The call times and record ids of one constant-rate producer (T1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLaw {
    /// Records per call.
    pub per_call: u64,
    /// Numerator of the gap between calls, in microseconds.
    pub step: u64,
    /// Its denominator.
    pub denom: u64,
    /// The bits of an id that count records within its lane (all of them without lanes).
    pub lane_mask: u64,
}

/// Where a lane's number starts in an id: below it, 2^48 records a lane.
pub const LANE_SHIFT: u32 = 48;

thread_local! {
    static LAW: Cell<Option<CallLaw>> = const { Cell::new(None) };
}

/// Removes the installed law when dropped.
pub struct Installed(Option<CallLaw>);

impl Drop for Installed {
    fn drop(&mut self) {
        LAW.with(|l| l.set(self.0));
    }
}

impl CallLaw {
    /// The law of a producer sending `per_call` records a call, call `k` at
    /// `floor(k * step / denom)` microseconds, its ids consecutive (no lanes).
    pub fn new(per_call: u64, step: u64, denom: u64) -> Self {
        CallLaw {
            per_call,
            step,
            denom,
            lane_mask: u64::MAX,
        }
    }

    /// The same call times with a lane per shard, each call putting `per_lane` records in
    /// every lane (K2: uniform keys, a call a multiple of the shards).
    pub fn lanes(self, per_lane: u64) -> Self {
        CallLaw {
            per_call: per_lane,
            lane_mask: (1 << LANE_SHIFT) - 1,
            ..self
        }
    }

    /// The id of the record of rank `local` in lane `lane`.
    #[inline]
    pub fn lane_id(lane: u64, local: u64) -> u64 {
        (lane << LANE_SHIFT) | local
    }

    /// Record `id`'s rank within its lane (the id itself without lanes).
    #[inline]
    pub fn local(&self, id: u64) -> u64 {
        id & self.lane_mask
    }

    /// The time of call `k`.
    #[inline]
    pub fn time(&self, k: u64) -> SimTime {
        SimTime((u128::from(k) * u128::from(self.step) / u128::from(self.denom)) as u64)
    }

    /// How many calls are sent before `t`: the first call at or after `t` (T1's floor means
    /// call `k` is before `t` exactly when `k * step < t * denom`).
    #[inline]
    pub fn calls_before(&self, t: SimTime) -> u64 {
        (u128::from(t.0) * u128::from(self.denom)).div_ceil(u128::from(self.step)) as u64
    }

    /// The call that carries record `id`.
    #[inline]
    pub fn call_of(&self, id: u64) -> u64 {
        self.local(id) / self.per_call
    }

    /// The time the call carrying record `id` was sent.
    #[inline]
    pub fn time_of_id(&self, id: u64) -> SimTime {
        self.time(self.call_of(id))
    }

    /// The sum of the times of calls `from..to`, exactly (O(log) by the floor-sum recursion).
    pub fn time_sum(&self, from: u64, to: u64) -> u128 {
        if to <= from {
            return 0;
        }
        floor_sum(to, self.denom, self.step) - floor_sum(from, self.denom, self.step)
    }

    /// Makes this law the running thread's until the returned guard is dropped.
    pub fn install(self) -> Installed {
        Installed(LAW.with(|l| l.replace(Some(self))))
    }

    /// The running thread's law, if one is installed.
    #[inline]
    pub fn current() -> Option<CallLaw> {
        LAW.with(|l| l.get())
    }
}

/// `sum_{i=0}^{n-1} floor(a * i / m)`, by the Euclid-like recursion (no overflow for the
/// values a run can hold: every product is taken in 128 bits).
fn floor_sum(n: u64, m: u64, a: u64) -> u128 {
    let (mut n, mut m, mut a, mut b) = (u128::from(n), u128::from(m), u128::from(a), 0u128);
    let mut total = 0u128;
    loop {
        if a >= m {
            total += n * n.saturating_sub(1) / 2 * (a / m);
            a %= m;
        }
        if b >= m {
            total += n * (b / m);
            b %= m;
        }
        let y_max = a * n + b;
        if y_max < m {
            return total;
        }
        n = y_max / m;
        b = y_max % m;
        std::mem::swap(&mut m, &mut a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn law(step: u64, denom: u64) -> CallLaw {
        CallLaw::new(10, step, denom)
    }

    /// T1: the law gives `floor(k * step / denom)`, and `calls_before` counts exactly the
    /// calls strictly before an instant.
    #[test]
    fn t1_law_times_and_counts_agree() {
        for (step, denom) in [(1_000_000u64, 3u64), (1_000u64, 1u64), (7_000_000, 13)] {
            let l = law(step, denom);
            for k in 0..2_000u64 {
                let t = l.time(k);
                assert_eq!(
                    t.0 as u128,
                    u128::from(k) * u128::from(step) / u128::from(denom)
                );
                // Call k is before t + 1 but not before t.
                assert!(l.calls_before(SimTime(t.0 + 1)) > k);
                assert!(l.calls_before(t) <= k);
            }
        }
    }

    #[test]
    fn time_sums_match_a_plain_sum() {
        for (step, denom) in [(1_000_000u64, 3u64), (1_000u64, 1u64), (7_000_003, 13)] {
            let l = law(step, denom);
            for (from, to) in [(0u64, 1u64), (0, 500), (17, 1_234), (999, 1_000), (5, 5)] {
                let plain: u128 = (from..to).map(|k| u128::from(l.time(k).0)).sum();
                assert_eq!(l.time_sum(from, to), plain, "{step}/{denom} {from}..{to}");
            }
        }
    }

    #[test]
    fn an_installed_law_is_removed_with_its_guard() {
        assert_eq!(CallLaw::current(), None);
        {
            let _g = law(3, 1).install();
            assert_eq!(CallLaw::current(), Some(law(3, 1)));
        }
        assert_eq!(CallLaw::current(), None);
    }
}
