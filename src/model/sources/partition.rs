//! How a call's records spread over a Kinesis data stream's shards (K2): record id `k` goes to
//! shard `k mod shard_count` (uniform partition keys, an assumption), or, with a hot key of
//! share `s`, the ids with `floor((k+1) s) > floor(k s)` go to shard 0 and the others by
//! `k mod shard_count`.
//!
//! Cost per call: `min(records, shards)` steps, plus one per hot record with a hot key.

use crate::model::chunk::Chunk;
use crate::scenario::PartitionKeys;

/// The spread of record ids over shards.
pub(crate) struct Spread {
    shards: u64,
    /// A hot key's share as the exact fraction `num / den`.
    hot: Option<(u128, u128)>,
    scratch: Vec<u64>,
}

/// `share` as an exact fraction when it has at most 9 decimals.
fn fraction(share: f64) -> (u128, u128) {
    let den = 1_000_000_000u128;
    (((share * den as f64).round() as u128).clamp(1, den), den)
}

impl Spread {
    /// The spread of `keys` over `shards` shards.
    pub(crate) fn new(keys: PartitionKeys, shards: u32) -> Self {
        Spread {
            shards: u64::from(shards.max(1)),
            hot: match keys {
                PartitionKeys::Uniform => None,
                PartitionKeys::Hot(share) => Some(fraction(share)),
            },
            scratch: Vec::new(),
        }
    }

    /// True for uniform partition keys (no hot key).
    pub(crate) fn is_uniform(&self) -> bool {
        self.hot.is_none()
    }

    /// The shard record id `k` goes to (K2).
    fn shard_of(&self, k: u64) -> u64 {
        if let Some((num, den)) = self.hot
            && (u128::from(k) + 1) * num / den > u128::from(k) * num / den
        {
            return 0;
        }
        k % self.shards
    }

    /// Splits chunk `c` (consecutive ids) into one piece per shard it touches, handed to
    /// `piece(shard, chunk)`; bytes are shared in proportion to the records, conserving the
    /// total. The pieces take consecutive ids in the order they are handed out, so that each
    /// id names one record of one shard: a relabelling within the call. With `follow` (an
    /// id of `c` that `explain` follows) it returns `(shard, relabelled id)` of that record.
    pub(crate) fn split(
        &mut self,
        c: Chunk,
        follow: Option<u64>,
        mut piece: impl FnMut(u32, Chunk),
    ) -> Option<(u32, u64)> {
        // The followed record's shard and its rank among that shard's records of the call:
        // one pass over the call's ids (at most 500), only for `explain`.
        let followed = follow
            .filter(|k| *k >= c.first_id && *k - c.first_id < u64::from(c.count))
            .map(|k| {
                let shard = self.shard_of(k);
                let rank = (c.first_id..k)
                    .filter(|&i| self.shard_of(i) == shard)
                    .count();
                (shard, rank as u64)
            });
        let mut relabelled = None;
        let shards = self.shards;
        let (a, n) = (c.first_id, u64::from(c.count));
        let classes = n.min(shards);
        // Records of residue class j (ids a + j, a + j + shards, ...), and of them the hot.
        let uniform = |j: u64| (n - 1 - j) / shards + 1;
        let hot = &mut self.scratch;
        hot.clear();
        hot.resize(classes as usize, 0);
        let mut hot_total = 0;
        if let Some((num, den)) = self.hot {
            // Hot ids are k = ceil(j / share) - 1 for j in (floor(a share), floor((a+n) share)].
            let (lo, hi) = (u128::from(a) * num / den, u128::from(a + n) * num / den);
            for j in lo + 1..=hi {
                let k = (j * den).div_ceil(num) - 1;
                hot[((k as u64 - a) % shards) as usize] += 1;
            }
            hot_total = (hi - lo) as u64;
        }
        let mut assigned = 0u128;
        let total = u128::from(n.max(1));
        let mut emit = |shard: u64, count: u64| {
            let first_id = a + assigned as u64;
            if let Some((s, rank)) = followed
                && s == shard
            {
                relabelled = Some((shard as u32, first_id + rank));
            }
            let from = u128::from(c.bytes) * assigned / total;
            assigned += u128::from(count);
            let to = u128::from(c.bytes) * assigned / total;
            piece(
                shard as u32,
                Chunk::new(first_id, count as u32, (to - from) as u64, c.ingest)
                    .from_source(c.source),
            );
        };
        let mut zero_seen = false;
        for j in 0..classes {
            let shard = (a + j) % shards;
            let mut count = uniform(j) - hot[j as usize];
            if shard == 0 {
                count += hot_total;
                zero_seen = true;
            }
            if count > 0 {
                emit(shard, count);
            }
        }
        // A call touching fewer shards than there are may still send hot records to shard 0.
        if !zero_seen && hot_total > 0 {
            emit(0, hot_total);
        }
        relabelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn pieces(keys: PartitionKeys, shards: u32, first: u64, n: u32) -> Vec<(u32, u32, u64)> {
        let mut out = Vec::new();
        Spread::new(keys, shards).split(
            Chunk::new(first, n, u64::from(n) * 100, SimTime(0)),
            None,
            |s, c| out.push((s, c.count, c.bytes)),
        );
        out
    }

    /// Per-shard counts checked record by record against the K2 rule.
    fn by_rule(keys: PartitionKeys, shards: u64, first: u64, n: u64) -> Vec<u64> {
        let mut counts = vec![0; shards as usize];
        for k in first..first + n {
            let shard = match keys {
                PartitionKeys::Hot(s) if ((k + 1) as f64 * s).floor() > (k as f64 * s).floor() => 0,
                _ => k % shards,
            };
            counts[shard as usize] += 1;
        }
        counts
    }

    /// K2: `record_id mod shard_count`: 10 records from id 7 over 4 shards go 3, 3, 2, 2 to
    /// shards 3, 0, 1, 2 (ids 7, 11, 15 / 8, 12, 16 / 9, 13 / 10, 14), bytes in proportion.
    #[test]
    fn k2_uniform_keys_spread_by_id_mod_shards() {
        let p = pieces(PartitionKeys::Uniform, 4, 7, 10);
        assert_eq!(p, vec![(3, 3, 300), (0, 3, 300), (1, 2, 200), (2, 2, 200)]);
        // A call smaller than the shard count touches only its records' shards.
        assert_eq!(pieces(PartitionKeys::Uniform, 100, 250, 3).len(), 3);
    }

    /// K2 with `Hot(share)`: the per-shard counts equal the rule applied record by record, for
    /// calls at many offsets; every record and byte is in exactly one piece.
    #[test]
    fn k2_hot_key_counts_follow_the_rule() {
        for (share, shards) in [(0.3, 4), (0.5, 3), (1.0, 2), (0.25, 7), (0.9, 1)] {
            for first in [0u64, 1, 9, 500, 12_345] {
                for n in [1u32, 3, 10, 500] {
                    let keys = PartitionKeys::Hot(share);
                    let mut got = vec![0u64; shards as usize];
                    let mut bytes = 0;
                    for (s, count, b) in pieces(keys, shards, first, n) {
                        got[s as usize] += u64::from(count);
                        bytes += b;
                    }
                    assert_eq!(got, by_rule(keys, u64::from(shards), first, u64::from(n)));
                    assert_eq!(bytes, u64::from(n) * 100);
                }
            }
        }
    }

    /// K2 and `explain`: the followed record's shard is the rule's, and the relabelled ids
    /// of a call are each of its ids once (a bijection onto the call's id range).
    #[test]
    fn k2_a_followed_record_keeps_its_shard_and_ids_stay_one_to_one() {
        for keys in [PartitionKeys::Uniform, PartitionKeys::Hot(0.37)] {
            let (first, n, shards) = (1_000_003u64, 97u32, 4u32);
            let mut seen = Vec::new();
            let mut spread = Spread::new(keys, shards);
            for k in first..first + u64::from(n) {
                let mut ranges = Vec::new();
                let got = spread.split(
                    Chunk::new(first, n, u64::from(n), SimTime(0)),
                    Some(k),
                    |s, c| ranges.push((s, c.first_id, c.count)),
                );
                let (shard, id) = got.unwrap();
                let rule = match keys {
                    PartitionKeys::Hot(s)
                        if ((k + 1) as f64 * s).floor() > (k as f64 * s).floor() =>
                    {
                        0
                    }
                    _ => k % u64::from(shards),
                };
                assert_eq!(u64::from(shard), rule, "record {k}");
                let (_, lo, count) = ranges.iter().find(|r| r.0 == shard).unwrap();
                assert!(id >= *lo && id < lo + u64::from(*count));
                seen.push(id);
                // The pieces tile the call's range without overlap.
                let mut next = first;
                for (_, lo, count) in &ranges {
                    assert_eq!(*lo, next);
                    next += u64::from(*count);
                }
                assert_eq!(next, first + u64::from(n));
            }
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), n as usize);
        }
    }
}
