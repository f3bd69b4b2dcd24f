//! Record ids with a state, stored as disjoint half-open ranges. The ledger uses it only for
//! records a producer resent after a lost acknowledgement, whose copies may reach the
//! destination before, after or instead of the original (F1, F3).

use std::collections::BTreeMap;
use std::ops::Range;

/// A fate other than delivered, for an original whose copy may still be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherFate {
    /// `expired`.
    Expired,
    /// `processing_failed`.
    ProcessingFailed,
    /// `skipped`.
    Skipped,
    /// `dropped`.
    Dropped,
    /// `in_flight` at the end.
    InFlight,
    /// `discarded` (H4).
    Discarded,
}

/// Where a copied record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdState {
    /// Neither the original nor a copy has a fate yet.
    Pending,
    /// The original was delivered.
    OriginalDelivered,
    /// A copy was delivered first.
    CopyDelivered,
    /// The original ended in another fate; a copy may still be delivered.
    Other(OtherFate),
}

/// Ids with states, as disjoint ranges: start -> (end, state).
#[derive(Debug, Clone, Default)]
pub struct IdStates {
    map: BTreeMap<u64, (u64, IdState)>,
}

impl IdStates {
    /// True when no id is tracked.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Makes `x` a range boundary.
    fn split_at(&mut self, x: u64) {
        let hit = self
            .map
            .range(..x)
            .next_back()
            .filter(|(_, (end, _))| *end > x)
            .map(|(s, (e, st))| (*s, *e, *st));
        if let Some((s, e, st)) = hit {
            self.map.insert(s, (x, st));
            self.map.insert(x, (e, st));
        }
    }

    /// Tracks the untracked ids of `r` with `state`.
    pub fn fill(&mut self, r: Range<u64>, state: IdState) {
        if r.is_empty() {
            return;
        }
        self.split_at(r.start);
        self.split_at(r.end);
        let pieces: Vec<(u64, u64)> = self
            .map
            .range(r.clone())
            .map(|(s, (e, _))| (*s, *e))
            .collect();
        let mut at = r.start;
        for (s, e) in pieces {
            if s > at {
                self.map.insert(at, (s, state));
            }
            at = e;
        }
        if at < r.end {
            self.map.insert(at, (r.end, state));
        }
    }

    /// Calls `f(state, count)` for every tracked piece of `r` and stores what it returns.
    /// Returns the number of ids of `r` that are tracked.
    pub fn update(&mut self, r: Range<u64>, mut f: impl FnMut(IdState, u64) -> IdState) -> u64 {
        if r.is_empty() || self.map.is_empty() {
            return 0;
        }
        self.split_at(r.start);
        self.split_at(r.end);
        let mut tracked = 0;
        for (s, (e, st)) in self.map.range_mut(r) {
            let n = *e - *s;
            tracked += n;
            *st = f(*st, n);
        }
        tracked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_and_update_split_ranges() {
        let mut s = IdStates::default();
        s.fill(10..20, IdState::Pending);
        let mut seen = Vec::new();
        let n = s.update(15..30, |st, k| {
            seen.push((st, k));
            IdState::CopyDelivered
        });
        assert_eq!((n, seen), (5, vec![(IdState::Pending, 5)]));
        s.fill(0..40, IdState::Pending);
        let mut counts = (0, 0);
        s.update(0..40, |st, k| {
            if st == IdState::CopyDelivered {
                counts.0 += k;
            } else {
                counts.1 += k;
            }
            st
        });
        assert_eq!(counts, (5, 35));
    }
}
