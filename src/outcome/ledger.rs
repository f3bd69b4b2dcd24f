//! The record ledger (F1-F4): fates as counters, duplicates, and the latency histogram fed with
//! (latency, count) pairs, so memory never grows with the records simulated.

use crate::engine::train::CallLaw;
use crate::engine::{SimDuration, SimTime};
use crate::outcome::ranges::{IdState, IdStates, OtherFate};
use hdrhistogram::Histogram;
use serde::Serialize;

/// A run of consecutive records that entered the stream together: what the ledger settles.
/// The model's chunks implement it, so the ledger needs nothing of the model.
pub trait RecordRun {
    /// Id of the first record.
    fn first_id(&self) -> u64;
    /// Records in the run.
    fn count(&self) -> u32;
    /// When the stream accepted them.
    fn ingest(&self) -> SimTime;
    /// True for a copy resent after a lost acknowledgement (F3): it adds only `duplicates`.
    fn is_copy(&self) -> bool;
    /// True once the records have their fate.
    fn is_settled(&self) -> bool;
    /// True for originals that still await a fate.
    fn is_unsettled(&self) -> bool;
    /// Marks the records as settled.
    fn mark_settled(&mut self);
    /// Their bytes.
    fn bytes(&self) -> u64;
    /// True once they were written to S3 in any object (K5).
    fn is_in_s3(&self) -> bool;
    /// Marks them as written to S3.
    fn mark_in_s3(&mut self);
    /// Index of the producer that sent them.
    fn source(&self) -> usize;
    /// For a call train, the law of the records' ingest times (each as old as its call);
    /// `None` when all were ingested at `ingest`.
    fn law(&self) -> Option<CallLaw> {
        None
    }
}

/// One ledger step of records that `explain` follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FocusEntry {
    /// When.
    pub at: SimTime,
    /// `ingested`, `rejected`, a fate (`delivered`, `expired`, ...), `duplicate` or
    /// `in_flight`.
    pub what: &'static str,
    /// The run's first record id and its records.
    pub first_id: u64,
    /// Records in the run.
    pub records: u32,
    /// Their ingest time.
    pub ingest: SimTime,
}

/// Counts of record fates (F1-F3), in the order of the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    /// Records the producers tried to send (each counted once, whatever its retries).
    pub produced: u64,
    /// Never accepted by the stream.
    pub rejected: u64,
    /// Not rejected: `produced - rejected` (accepted by the stream, or still being offered by
    /// a producer when the run ended).
    pub ingested: u64,
    /// Reached the destination at least once.
    pub delivered: u64,
    /// Extra copies that reached the destination (F3).
    pub duplicates: u64,
    /// Dropped by the transform (intended).
    pub dropped: u64,
    /// The transform failed; in S3 under `processing-failed`.
    pub processing_failed: u64,
    /// The destination gave up; in S3.
    pub skipped: u64,
    /// Not delivered within the retention window: gone.
    pub expired: u64,
    /// Refused permanently by the destination, with no copy kept (an HTTP endpoint's 413, H4).
    pub discarded: u64,
    /// Still unsettled when the run ended.
    pub in_flight: u64,
    /// `rejected + expired + discarded`.
    pub lost: u64,
    /// `processing_failed + skipped`.
    pub recoverable: u64,
    /// Backup copies written (copies, not fates).
    pub backup_copies: u64,
}

impl RecordCounts {
    /// The sum of the fates, which F2 says equals `produced`.
    pub fn fates_total(&self) -> u64 {
        self.rejected
            + self.delivered
            + self.dropped
            + self.processing_failed
            + self.skipped
            + self.expired
            + self.discarded
            + self.in_flight
    }
}

/// Summary of a histogram of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DurationSummary {
    /// Records counted.
    pub count: u64,
    /// Exact mean.
    pub mean: f64,
    /// Median (T7: HDR, 3 significant digits, nearest rank).
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Exact maximum.
    pub max: f64,
}

/// A histogram of durations in microseconds with an exact mean and maximum beside it.
///
/// Values are counted in the buckets of an HDR histogram with 3 significant digits (T7),
/// indexed here so that a train of calls delivered at one instant ([`Self::record_calls`]) is
/// recorded in O(buckets touched) rather than a step per call; percentiles are read from an
/// `hdrhistogram` built from these counts, so they are that crate's (nearest rank).
#[derive(Default)]
pub struct DurationHistogram {
    counts: Vec<u64>,
    len: u64,
    sum_us: u128,
    max_us: u64,
}

/// Sub-buckets in each half of an HDR bucket at 3 significant digits (2,048 sub-buckets:
/// every value below 2,048 us has its own bucket).
const HALF_MAGNITUDE: u32 = 10;
const HALF: u64 = 1 << HALF_MAGNITUDE;

/// The HDR bucket (power of two) of `v`, and its counts index: `hdrhistogram`'s layout for 3
/// significant digits and a lowest discernible value of 1.
#[inline]
fn hdr_index(v: u64) -> (u32, usize) {
    let bucket = 53 - (v | (2 * HALF - 1)).leading_zeros();
    let index = ((u64::from(bucket) + 1) << HALF_MAGNITUDE) + (v >> bucket) - HALF;
    (bucket, index as usize)
}

/// The lowest value counted at `index`.
fn hdr_value(index: usize) -> u64 {
    let index = index as u64;
    let bucket = (index >> HALF_MAGNITUDE) as i64 - 1;
    let mut sub = (index & (HALF - 1)) + HALF;
    if bucket < 0 {
        sub -= HALF;
        return sub;
    }
    sub << bucket
}

impl DurationHistogram {
    #[inline]
    fn add(&mut self, index: usize, count: u64) {
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        self.counts[index] += count;
    }

    /// Records `count` values of `d`.
    #[inline]
    pub fn record(&mut self, d: SimDuration, count: u64) {
        if count == 0 {
            return;
        }
        self.add(hdr_index(d.0).1, count);
        self.len += count;
        self.sum_us += u128::from(d.0) * u128::from(count);
        self.max_us = self.max_us.max(d.0);
    }

    /// Records the ages at `now` of records `first_id..first_id + count` of a call train
    /// (each record is as old as the call that carried it, `law`): in O(calls) while calls
    /// are further apart than the buckets are wide, in O(buckets) where buckets hold many
    /// calls; the sum (for the exact mean) comes from the law in O(log).
    pub fn record_calls(&mut self, now: SimTime, law: &CallLaw, first_id: u64, count: u64) {
        if count == 0 {
            return;
        }
        let per_call = law.per_call;
        // Within its lane (a Kinesis shard's), the run's ids are consecutive.
        let first_id = law.local(first_id);
        let last = first_id + count - 1;
        let (a, b) = (law.call_of(first_id), law.call_of(last));
        let age = |k: u64| now.since(law.time(k));
        if a == b {
            return self.record(age(a), count);
        }
        self.record(age(a), (a + 1) * per_call - first_id);
        self.record(age(b), last + 1 - b * per_call);
        let (from, to) = (a + 1, b);
        if to <= from {
            return;
        }
        let calls = to - from;
        self.len += calls * per_call;
        self.sum_us +=
            u128::from(per_call) * (u128::from(calls) * u128::from(now.0) - law.time_sum(from, to));
        // Calls from the oldest (`from`) on: ages fall call by call.
        let whole = law.step / law.denom;
        let frac = law.step % law.denom;
        let start = |k: u64| {
            let p = u128::from(k) * u128::from(law.step);
            (
                (p / u128::from(law.denom)) as u64,
                (p % u128::from(law.denom)) as u64,
            )
        };
        let (mut k, (mut t, mut rem)) = (from, start(from));
        // The oldest age is the largest index: room for every index at once.
        let top = hdr_index(now.0 - t).1;
        if top >= self.counts.len() {
            self.counts.resize(top + 1, 0);
        }
        let counts = &mut self.counts[..=top];
        let (now, denom) = (now.0, law.denom);
        while k < to {
            let v = now - t;
            let (bucket, index) = hdr_index(v);
            if bucket > 0 && (1u64 << bucket) > 2 * (whole + 1) {
                // A wide bucket: every call down to its lowest age at once.
                let lowest = (v >> bucket) << bucket;
                let end = law.calls_before(SimTime(now - lowest + 1)).min(to);
                counts[index] += (end - k) * per_call;
                k = end;
                (t, rem) = start(k);
                continue;
            }
            // Narrow buckets: one call a step while the ages stay in this power of two (below
            // 2,048 us, `bucket` 0, every age is its own index). Calls up to `last` qualify.
            let floor = if bucket == 0 { 0 } else { HALF << bucket };
            let last = law.calls_before(SimTime(now - floor + 1)).min(to);
            let base = index - (v >> bucket) as usize;
            let slots = &mut counts[..=index];
            if frac == 0 {
                let mut v = now - t;
                for _ in k..last {
                    slots[base + (v >> bucket) as usize] += per_call;
                    v = v.wrapping_sub(whole);
                }
                t += (last - k) * whole;
            } else {
                for _ in k..last {
                    slots[base + ((now - t) >> bucket) as usize] += per_call;
                    t += whole;
                    rem += frac;
                    if rem >= denom {
                        t += 1;
                        rem -= denom;
                    }
                }
            }
            k = last;
        }
    }

    /// The `hdrhistogram` of these counts (at most one record per bucket).
    fn hist(&self) -> Histogram<u64> {
        let mut h = Histogram::new(3).expect("3 significant digits is a valid precision");
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                // The histogram auto-resizes, so recording cannot fail for any u64.
                let _ = h.record_n(hdr_value(i), c);
            }
        }
        h
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.len
    }

    /// The distribution function as (seconds, fraction at or below), at 200 quantiles and the
    /// far tail.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        if self.len == 0 {
            return Vec::new();
        }
        let hist = self.hist();
        let mut qs: Vec<f64> = (0..=200).map(|i| f64::from(i) / 200.0).collect();
        qs.extend([0.999, 0.9999]);
        qs.sort_by(f64::total_cmp);
        qs.iter()
            .map(|&q| {
                let v = hist.value_at_quantile(q).min(self.max_us) as f64 / 1e6;
                (v, q)
            })
            .collect()
    }

    /// Percentiles in seconds (clamped to the exact maximum: a quantile never exceeds it).
    pub fn summary(&self) -> DurationSummary {
        let n = self.len;
        if n == 0 {
            return DurationSummary::default();
        }
        let hist = self.hist();
        let q = |x: f64| hist.value_at_quantile(x).min(self.max_us) as f64 / 1e6;
        DurationSummary {
            count: n,
            mean: (self.sum_us as f64 / n as f64) / 1e6,
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            max: self.max_us as f64 / 1e6,
        }
    }
}

/// Fates and timings of every record of a run.
#[derive(Default)]
pub struct Ledger {
    /// The counters (`in_flight`, `lost` and `recoverable` are filled in at the end).
    pub counts: RecordCounts,
    /// Latency of delivered records: first delivery minus ingest (F4).
    pub latency: DurationHistogram,
    /// Producers' added wait: first try to acceptance, for every ingested record.
    pub producer_wait: DurationHistogram,
    /// Records accepted only after at least one resend.
    pub records_resent: u64,
    /// Records refused by the quota, counting every refusal (CloudWatch `ThrottledRecords`).
    pub throttled_records: u64,
    /// Original records the stream accepted.
    pub accepted: u64,
    /// Original records still with their producer (not yet accepted) at the end.
    pub with_producer: u64,
    /// Backup copies that expired before they could be written (L6): only copies are lost.
    pub backup_expired: u64,
    /// The records `explain` follows, and what happened to them.
    pub focus: Option<crate::model::Focus>,
    /// With a focus: every ledger step of a run that holds a followed record, in order.
    pub focus_log: Vec<FocusEntry>,
    /// Records a producer resent after a lost acknowledgement, and where each stands (F1).
    copies: IdStates,
    /// The longest any record stayed in the stream before it left it (`DataFreshness` max).
    pub freshness_max: SimDuration,
    /// Bytes of original records settled for back pressure (K5): delivered the first time,
    /// written to S3 in any object, dropped or expired. A transform's change of size counts
    /// as settled (or unsettled, for growth) when it happens, so that what is read less what
    /// is settled is the bytes Firehose holds now.
    pub settled_bytes: i64,
    /// Whether `settled_bytes` is kept (only a Kinesis source needs it).
    pub track_settled_bytes: bool,
    /// Records the stream accepted, copies included, by producer (what ingestion bills, C1).
    pub ingested_by_source: Vec<u64>,
    /// Their bytes.
    pub ingested_bytes: u64,
    /// With a focus on an instant (`explain --at`): the last ingest before it and the first
    /// after it, to name when no record was ingested at it.
    pub near_focus: (Option<SimTime>, Option<SimTime>),
}

impl Ledger {
    /// With a focus, logs step `what` of `c` at `now` when it holds a followed record.
    #[inline]
    fn note(&mut self, c: &impl RecordRun, what: &'static str, now: SimTime) {
        if let Some(f) = self.focus
            && f.holds(c.first_id(), c.count(), c.ingest())
        {
            self.focus_log.push(FocusEntry {
                at: now,
                what,
                first_id: c.first_id(),
                records: c.count(),
                ingest: c.ingest(),
            });
        }
    }

    /// A producer made `n` new records.
    pub fn produced(&mut self, n: u32) {
        self.counts.produced += u64::from(n);
    }

    /// The stream accepted `c` at `now`, first tried at `first_try`.
    pub fn ingested(&mut self, c: &impl RecordRun, first_try: SimTime, now: SimTime, resent: bool) {
        self.note(
            c,
            if resent {
                "ingested after a resend"
            } else {
                "ingested"
            },
            now,
        );
        if let Some(crate::model::Focus::At(t)) = self.focus {
            let i = c.ingest();
            if i < t {
                self.near_focus.0 = Some(self.near_focus.0.map_or(i, |b| b.max(i)));
            } else if i > t && self.near_focus.1.is_none_or(|a| i < a) {
                self.near_focus.1 = Some(i);
            }
        }
        let source = c.source();
        if source >= self.ingested_by_source.len() {
            self.ingested_by_source.resize(source + 1, 0);
        }
        self.ingested_by_source[source] += u64::from(c.count());
        self.ingested_bytes += c.bytes();
        if c.is_copy() {
            return;
        }
        let n = u64::from(c.count());
        self.accepted += n;
        self.producer_wait.record(now.since(first_try), n);
        if resent {
            self.records_resent += n;
        }
    }

    /// The producer gave up on `c` at `now` (its last call returned refused).
    pub fn rejected(&mut self, c: &impl RecordRun, now: SimTime) {
        self.note(c, "rejected", now);
        if !c.is_copy() {
            self.counts.rejected += u64::from(c.count());
        }
    }

    /// A producer resends `c`'s records as a copy (`AckLost` on ingest): from now on, the
    /// first of the original and its copies to reach the destination makes them `delivered`.
    pub fn copied(&mut self, c: &impl RecordRun) {
        self.copies.fill(Self::ids(c), IdState::Pending);
    }

    fn ids(c: &impl RecordRun) -> std::ops::Range<u64> {
        c.first_id()..c.first_id() + u64::from(c.count())
    }

    /// Counts `c`'s bytes as settled (K5), once.
    #[inline]
    fn settle_bytes(&mut self, c: &mut impl RecordRun) {
        if self.track_settled_bytes && !c.is_in_s3() {
            self.settled_bytes += c.bytes() as i64;
            c.mark_in_s3();
        }
    }

    /// `c` was written to S3 in an object that is not yet its fate (Redshift's intermediate
    /// objects): settled for back pressure (K5) only.
    pub fn in_s3(&mut self, c: &mut impl RecordRun) {
        if c.is_unsettled() {
            self.settle_bytes(c);
        }
    }

    /// A transform changed unsettled records' size from `before` to `after` bytes: from now on
    /// Firehose holds `after` of them (K5).
    pub fn resized(&mut self, before: u64, after: u64) {
        self.settled_bytes += before as i64 - after as i64;
    }

    fn first_delivery(&mut self, age: SimDuration, n: u64) {
        if n > 0 {
            self.counts.delivered += n;
            self.latency.record(age, n);
            self.freshness_max = self.freshness_max.max(age);
        }
    }

    /// All of call train `c` (`law`) reached the destination at `now` for the first time.
    fn first_delivery_of_train(&mut self, c: &impl RecordRun, law: &CallLaw, now: SimTime) {
        let n = u64::from(c.count());
        self.counts.delivered += n;
        self.latency.record_calls(now, law, c.first_id(), n);
        self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
    }

    /// `c` reached the destination at `now`: a first delivery, or duplicates for records that
    /// were delivered before (F3). A resent copy delivers a record whose original ended in
    /// another fate (F1: delivered at least once). Returns the records delivered for the
    /// first time.
    pub fn delivered(&mut self, c: &mut impl RecordRun, now: SimTime) -> u64 {
        self.note(
            c,
            if c.is_settled() {
                "delivered again (duplicate)"
            } else {
                "delivered"
            },
            now,
        );
        let n = u64::from(c.count());
        let age = now.since(c.ingest());
        if c.is_settled() {
            self.counts.duplicates += n;
            return 0;
        }
        if self.track_settled_bytes && !c.is_copy() {
            self.settle_bytes(c);
        }
        c.mark_settled();
        if c.is_copy() {
            let (mut first, mut dup) = (0, 0);
            let mut moved = [0u64; 6];
            let tracked = self.copies.update(Self::ids(c), |st, k| match st {
                IdState::Pending => {
                    first += k;
                    IdState::CopyDelivered
                }
                IdState::Other(f) => {
                    first += k;
                    moved[f as usize] += k;
                    IdState::CopyDelivered
                }
                IdState::OriginalDelivered | IdState::CopyDelivered => {
                    dup += k;
                    st
                }
            });
            let counts = &mut self.counts;
            counts.expired -= moved[OtherFate::Expired as usize];
            counts.processing_failed -= moved[OtherFate::ProcessingFailed as usize];
            counts.skipped -= moved[OtherFate::Skipped as usize];
            counts.dropped -= moved[OtherFate::Dropped as usize];
            counts.in_flight -= moved[OtherFate::InFlight as usize];
            counts.discarded -= moved[OtherFate::Discarded as usize];
            counts.duplicates += dup + (n - tracked);
            self.first_delivery(age, first);
            return first;
        }
        let mut dup = 0;
        if !self.copies.is_empty() {
            self.copies.update(Self::ids(c), |st, k| match st {
                IdState::CopyDelivered => {
                    dup += k;
                    st
                }
                _ => IdState::OriginalDelivered,
            });
        }
        self.counts.duplicates += dup;
        match c.law() {
            // A train's records are all new: copies come only from lost acknowledgements on
            // ingest, which no train has.
            Some(law) if dup == 0 => self.first_delivery_of_train(c, &law, now),
            _ => self.first_delivery(age, n - dup),
        }
        n - dup
    }

    /// How many of original `c`'s records take `fate`: those a copy already delivered keep
    /// `delivered`.
    fn other_fate(&mut self, c: &impl RecordRun, fate: OtherFate) -> u64 {
        let n = u64::from(c.count());
        if self.copies.is_empty() {
            return n;
        }
        let mut absorbed = 0;
        self.copies.update(Self::ids(c), |st, k| match st {
            IdState::CopyDelivered => {
                absorbed += k;
                st
            }
            _ => IdState::Other(fate),
        });
        n - absorbed
    }

    /// The transform answered `Dropped` for `c` at `now` (L4).
    pub fn dropped(&mut self, c: &mut impl RecordRun, now: SimTime) {
        if c.is_unsettled() {
            self.note(c, "dropped", now);
            self.settle_bytes(c);
            self.counts.dropped += self.other_fate(c, OtherFate::Dropped);
            self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
        }
    }

    /// `c` was written to S3 under the `processing-failed` prefix at `now` (L3, T11). A
    /// repeated write (lost acknowledgement) changes nothing.
    pub fn processing_failed(&mut self, c: &mut impl RecordRun, now: SimTime) {
        if c.is_unsettled() {
            self.note(c, "processing_failed", now);
            self.settle_bytes(c);
            self.counts.processing_failed += self.other_fate(c, OtherFate::ProcessingFailed);
            self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
            c.mark_settled();
        }
    }

    /// The destination gave up on `c` at `now` (R4, E3): its records are in S3.
    pub fn skipped(&mut self, c: &mut impl RecordRun, now: SimTime) {
        if c.is_unsettled() {
            self.note(c, "skipped", now);
            self.settle_bytes(c);
            self.counts.skipped += self.other_fate(c, OtherFate::Skipped);
            self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
            c.mark_settled();
        }
    }

    /// `c` outlived the retention window at `now` (I4); records already delivered keep their
    /// fate.
    pub fn expired(&mut self, c: &mut impl RecordRun, now: SimTime) {
        if c.is_unsettled() {
            self.note(c, "expired", now);
            self.settle_bytes(c);
            self.counts.expired += self.other_fate(c, OtherFate::Expired);
            self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
        }
    }

    /// The destination refused `c` permanently at `now` and Firehose keeps no copy (H4).
    pub fn discarded(&mut self, c: &mut impl RecordRun, now: SimTime) {
        if c.is_unsettled() {
            self.note(c, "discarded", now);
            self.settle_bytes(c);
            self.counts.discarded += self.other_fate(c, OtherFate::Discarded);
            self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
            c.mark_settled();
        }
    }

    /// `c` was still unsettled at the end `now`, having entered the stream.
    pub fn in_stream_at_end(&mut self, c: &impl RecordRun, now: SimTime) {
        if c.is_unsettled() {
            self.note(c, "in_flight", now);
            self.counts.in_flight += self.other_fate(c, OtherFate::InFlight);
            self.freshness_max = self.freshness_max.max(now.since(c.ingest()));
        }
    }

    /// `c` was still with its producer (not yet accepted) at the end.
    pub fn with_producer_at_end(&mut self, c: &impl RecordRun) {
        if c.is_unsettled() {
            let n = self.other_fate(c, OtherFate::InFlight);
            self.counts.in_flight += n;
            self.with_producer += n;
        }
    }

    /// Fills in the derived counts and checks conservation (F2).
    pub fn close(&mut self) -> Result<(), String> {
        let c = &mut self.counts;
        c.lost = c.rejected + c.expired + c.discarded;
        c.recoverable = c.processing_failed + c.skipped;
        if c.fates_total() != c.produced {
            return Err(format!(
                "conservation (F2) broken: produced {} but fates add up to {} ({:?})",
                c.produced,
                c.fates_total(),
                c
            ));
        }
        c.ingested = c.produced - c.rejected.min(c.produced);
        if self.accepted + self.with_producer != c.ingested {
            return Err(format!(
                "ingest accounting broken: {} accepted + {} still with producers != {} not rejected",
                self.accepted, self.with_producer, c.ingested
            ));
        }
        if self.latency.count() != c.delivered {
            return Err(format!(
                "latency histogram holds {} records but {} were delivered",
                self.latency.count(),
                c.delivered
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// T7: the buckets here are `hdrhistogram`'s at 3 significant digits, value for value.
    #[test]
    fn t7_buckets_are_hdrhistograms() {
        let h = Histogram::<u64>::new(3).expect("valid");
        let mut v = 0u64;
        while v < 1 << 50 {
            for x in [v, v + 1, v.saturating_sub(1), v | 1023, v + v / 3] {
                let (_, i) = hdr_index(x);
                assert_eq!(hdr_value(i), h.lowest_equivalent(x), "lowest of {x}");
                assert_eq!(
                    hdr_value(i + 1) - 1,
                    h.highest_equivalent(x),
                    "highest of {x}"
                );
            }
            v = v * 5 / 4 + 1;
        }
    }

    /// A call train's ages go into the same buckets, with the same sum and maximum, as one
    /// record per call would (T1, T7), for laws with and without a remainder, and trains cut
    /// mid-call at both ends, and within a shard's lane (K2) as in the first.
    #[test]
    fn t7_a_train_records_as_its_calls_would() {
        for (step, denom, now) in [
            (500_000_000u64, 500_000u64, 90_000_000u64),
            (1_000_000, 3, 5_000_000_000),
            (7_000_003, 13, 400_000_000_000),
        ] {
            for (law, lane) in [
                (CallLaw::new(7, step, denom), 0),
                (CallLaw::new(700, step, denom).lanes(7), 99),
            ] {
                for (local, count) in [(0u64, 7u64), (3, 2), (5, 900), (14, 70_000)] {
                    let first = CallLaw::lane_id(lane, local);
                    let mut bulk = DurationHistogram::default();
                    bulk.record_calls(SimTime(now), &law, first, count);
                    let mut one = DurationHistogram::default();
                    for id in first..first + count {
                        one.record(SimTime(now).since(law.time_of_id(id)), 1);
                    }
                    let trim = |c: &[u64]| c.iter().rposition(|&x| x > 0).map_or(0, |p| p + 1);
                    assert_eq!(
                        bulk.counts[..trim(&bulk.counts)],
                        one.counts[..trim(&one.counts)]
                    );
                    assert_eq!(
                        (bulk.len, bulk.sum_us, bulk.max_us),
                        (one.len, one.sum_us, one.max_us),
                        "{step}/{denom} {first}+{count}"
                    );
                    assert_eq!(bulk.summary(), one.summary());
                }
            }
        }
    }
}
