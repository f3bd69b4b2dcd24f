//! The OpenSearch destination (E1-E6, T10): one bulk request per flush, served in order,
//! retried with exponential backoff within the retry duration, then skipped to S3.

use super::Chunk;
use super::faults::FaultSet;
use super::trace::Outcome;
use crate::engine::time::{iso_week, parse_utc, utc_parts};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{
    DocumentIdOption, IndexRotation, OpenSearchDestination, OpenSearchService, RetryBackoff,
};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// One bulk request: one flush of the destination buffer (E1).
pub(super) struct Request {
    pub id: u64,
    pub chunks: Vec<Chunk>,
    pub bytes: u64,
    pub oldest: SimTime,
    pub first_start: SimTime,
    pub attempt_start: SimTime,
    pub attempts: u32,
    pub outcome: Outcome,
}

/// What the request queue is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BulkState {
    /// Nothing to do.
    Idle,
    /// An attempt runs, or a retry is scheduled.
    Busy,
    /// A request was skipped; the next waits until its documents are in S3 (T10).
    AwaitingFailedObject,
}

/// `calls.opensearch_bulk`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BulkCalls {
    /// Distinct bulk requests.
    pub batches: u64,
    /// Every try.
    pub attempts: u64,
    /// Failed tries (including timeouts and lost acknowledgements).
    pub failed: u64,
    /// Requests skipped after the retry duration.
    pub skipped_batches: u64,
}

/// The report's `opensearch` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OpenSearchReport {
    /// Documents rejected one by one and sent to S3 without retry (E3).
    pub documents_failed: u64,
    /// Attempts that ran past the request timeout.
    pub timeouts: u64,
    /// Records first delivered, by index name (E6).
    pub indices: BTreeMap<String, u64>,
}

/// Names indices from ingest times (E6).
pub(super) struct IndexNamer {
    name: String,
    rotation: IndexRotation,
    start_epoch: u64,
    counts: BTreeMap<u64, u64>,
    last_day: u64,
    last_day_key: u64,
}

impl IndexNamer {
    fn key(&mut self, ingest: SimTime) -> u64 {
        let epoch = self.start_epoch + ingest.0 / 1_000_000;
        match self.rotation {
            IndexRotation::NoRotation => 0,
            IndexRotation::OneHour => epoch / 3600,
            IndexRotation::OneDay => epoch / 86_400,
            IndexRotation::OneWeek | IndexRotation::OneMonth => {
                let day = epoch / 86_400;
                if day != self.last_day {
                    self.last_day = day;
                    self.last_day_key = if self.rotation == IndexRotation::OneWeek {
                        let (y, w) = iso_week(epoch);
                        y as u64 * 100 + u64::from(w)
                    } else {
                        let (y, m, _, _) = utc_parts(epoch);
                        y as u64 * 100 + u64::from(m)
                    };
                }
                self.last_day_key
            }
        }
    }

    /// Counts `n` records first delivered, ingested at `ingest`.
    pub fn count(&mut self, ingest: SimTime, n: u64) {
        let key = self.key(ingest);
        *self.counts.entry(key).or_default() += n;
    }

    fn index_name(&self, key: u64) -> String {
        let name = &self.name;
        match self.rotation {
            IndexRotation::NoRotation => name.clone(),
            IndexRotation::OneHour => {
                let (y, m, d, h) = utc_parts(key * 3600);
                format!("{name}-{y:04}-{m:02}-{d:02}-{h:02}")
            }
            IndexRotation::OneDay => {
                let (y, m, d, _) = utc_parts(key * 86_400);
                format!("{name}-{y:04}-{m:02}-{d:02}")
            }
            IndexRotation::OneWeek => format!("{name}-{:04}-{:02}", key / 100, key % 100),
            IndexRotation::OneMonth => format!("{name}-{:04}-{:02}", key / 100, key % 100),
        }
    }

    /// Records per index name.
    pub fn by_name(&self) -> BTreeMap<String, u64> {
        self.counts
            .iter()
            .map(|(k, n)| (self.index_name(*k), *n))
            .collect()
    }
}

pub(super) struct OpenSearchStage {
    pub queue: VecDeque<Request>,
    pub state: BulkState,
    pub retry_duration: SimDuration,
    pub service: OpenSearchService,
    pub no_document_id: bool,
    pub faults: FaultSet,
    pub rng: ChaCha8Rng,
    pub docs_rng: ChaCha8Rng,
    pub calls: BulkCalls,
    pub report: OpenSearchReport,
    pub index: IndexNamer,
}

impl OpenSearchStage {
    pub fn new(
        d: &OpenSearchDestination,
        service: &OpenSearchService,
        start_time: &str,
        faults: FaultSet,
        rng: ChaCha8Rng,
        docs_rng: ChaCha8Rng,
    ) -> Self {
        OpenSearchStage {
            queue: VecDeque::new(),
            state: BulkState::Idle,
            retry_duration: SimDuration::from_secs(u64::from(d.retry_options.duration_in_seconds)),
            service: service.clone(),
            no_document_id: d.document_id == DocumentIdOption::NoDocumentId,
            faults,
            rng,
            docs_rng,
            calls: BulkCalls::default(),
            report: OpenSearchReport::default(),
            index: IndexNamer {
                name: d.index_name.clone(),
                rotation: d.index_rotation_period,
                start_epoch: parse_utc(start_time).unwrap_or(0),
                counts: BTreeMap::new(),
                last_day: u64::MAX,
                last_day_key: 0,
            },
        }
    }

    /// The pause after failed attempt number `attempt` (1-based): `initial * 2^(attempt-1)`,
    /// at most `max` (E2 assumption).
    pub fn pause(backoff: &RetryBackoff, attempt: u32) -> SimDuration {
        let factor = 1u64 << attempt.saturating_sub(1).min(40);
        SimDuration(backoff.initial.0.saturating_mul(factor).min(backoff.max.0))
    }

    /// Splits documents rejected one by one (E1, E3), each with probability `p`, off a
    /// successful request's chunks.
    pub fn rejected_documents(p: f64, rng: &mut ChaCha8Rng, chunks: &mut Vec<Chunk>) -> Vec<Chunk> {
        if p <= 0.0 {
            return Vec::new();
        }
        let mut failed = Vec::new();
        let mut kept = Vec::with_capacity(chunks.len());
        for mut c in chunks.drain(..) {
            let n = u64::from(c.count);
            let k = if p >= 1.0 {
                n
            } else {
                Binomial::new(n, p).map_or(0, |b| b.sample(rng))
            };
            if k == n {
                failed.push(c);
                continue;
            }
            if k > 0 {
                failed.push(c.split_front(k as u32));
            }
            kept.push(c);
        }
        *chunks = kept;
        failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E2: the backoff doubles from `initial` and stops at `max`.
    #[test]
    fn e2_backoff_doubles_up_to_max() {
        let b = RetryBackoff {
            initial: SimDuration::from_secs(1),
            max: SimDuration::from_secs(60),
        };
        let pauses: Vec<u64> = (1..=8)
            .map(|k| OpenSearchStage::pause(&b, k).0 / 1_000_000)
            .collect();
        assert_eq!(pauses, vec![1, 2, 4, 8, 16, 32, 60, 60]);
    }
}
