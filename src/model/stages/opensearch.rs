//! The OpenSearch destination (E1-E6, T10), formerly Elasticsearch. It states:
//! - hints: 1-100 MiB and 0-900 s (B3); each flush is one bulk request (E1), served in order;
//! - retry policy: `RetryPolicy::Backoff` doubling from 1 s up to 60 s, a retry made only if
//!   it starts before `first start + duration` (E2, T10);
//! - call: `bulk_time` with a request timeout (T8);
//! - success: documents rejected one by one go to S3 without retry (E3), the rest are
//!   `delivered`; with `NoDocumentId` a repeated request indexes them again (E5);
//! - give-up: the undelivered documents go to S3 under `AmazonOpenSearchService-failed`, and the
//!   next request waits until they are written (E3, T10);
//! - metrics `DeliveryToAmazonOpenSearchService.*`, report `opensearch` with indices (E6),
//!   calls `opensearch_bulk`.

use super::Destination;
use super::s3::{Bucket, Kind, Object};
use crate::engine::time::{iso_week, parse_utc, utc_parts};
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::chunk::Chunk;
use crate::model::delivery::{Batch, Lane, LaneState, MetricSlots, Service};
use crate::model::pipeline::{Call, Ctx, Handoff, Handoffs, Notice, Resume};
use crate::model::retry::{Budget, RetryPolicy};
use crate::model::trace::{Outcome, Stage};
use crate::model::{FaultSet, RunOutput};
use crate::outcome::metrics::Slot;
use crate::scenario::{
    DocumentIdOption, IndexRotation, OpenSearchDestination, OpenSearchService, Scenario, Target,
};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::Serialize;
use std::collections::BTreeMap;

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
struct IndexNamer {
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
    fn count(&mut self, ingest: SimTime, n: u64) {
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
    fn by_name(&self) -> BTreeMap<String, u64> {
        self.counts
            .iter()
            .map(|(k, n)| (self.index_name(*k), *n))
            .collect()
    }
}

/// The bulk request lane.
pub(crate) struct OpenSearchStage {
    lane: Lane<Batch>,
    service: Service,
    bulk_time: crate::scenario::CallTime,
    request_timeout: SimDuration,
    document_failure_rate: f64,
    no_document_id: bool,
    docs_rng: ChaCha8Rng,
    report: OpenSearchReport,
    index: IndexNamer,
}

impl OpenSearchStage {
    /// The stage for destination `d` of `scenario`.
    pub(crate) fn new(
        d: &OpenSearchDestination,
        scenario: &Scenario,
        streams: &RngStreams,
    ) -> Self {
        let s: &OpenSearchService = &scenario.services.opensearch;
        let retry = RetryPolicy::Backoff {
            initial: s.backoff.initial,
            multiplier: 2,
            max: s.backoff.max,
            jitter: 0.0,
            duration: SimDuration::from_secs(u64::from(d.retry_options.duration_in_seconds)),
            budget: Budget::FromFirstStart,
        };
        OpenSearchStage {
            lane: Lane::new(),
            service: Service::new(
                Stage::OpenSearchBulk,
                FaultSet::for_target(&scenario.faults, Target::OpenSearch),
                streams.stream("opensearch"),
                retry,
                MetricSlots {
                    attempts: Slot::OpenSearchAttempts,
                    ok: Slot::OpenSearchOk,
                    records: Some((Slot::OpenSearchRecords, false)),
                    duration_ms: None,
                },
            ),
            bulk_time: s.bulk_time,
            request_timeout: s.request_timeout,
            document_failure_rate: s.document_failure_rate,
            no_document_id: d.document_id == DocumentIdOption::NoDocumentId,
            docs_rng: streams.stream("opensearch/documents"),
            report: OpenSearchReport::default(),
            index: IndexNamer {
                name: d.index_name.clone(),
                rotation: d.index_rotation_period,
                start_epoch: parse_utc(&scenario.start_time).unwrap_or(0),
                counts: BTreeMap::new(),
                last_day: u64::MAX,
                last_day_key: 0,
            },
        }
    }

    /// Starts an attempt of the head request (E1, E2, T8), after expiring its records that
    /// have outlived the retention window (T12).
    fn start(&mut self, ctx: &mut Ctx) {
        if self.lane.state != LaneState::Idle {
            return;
        }
        let Some(req) = self.lane.head(ctx, |_| {}) else {
            return;
        };
        let now = ctx.now;
        let fate = self.service.fate(now);
        self.service.begin(now, &mut req.tries);
        let d = self.bulk_time.for_bytes(req.bytes);
        let (outcome, took) = Service::timed(fate, d, Some(self.request_timeout));
        if outcome == Outcome::Timeout {
            self.report.timeouts += 1;
        }
        Service::schedule_end(ctx, &mut req.tries, outcome, took, Call::Destination);
    }
}

/// Splits documents rejected one by one (E1, E3), each with probability `p`, off a
/// successful request's chunks.
fn rejected_documents(p: f64, rng: &mut ChaCha8Rng, chunks: &mut Vec<Chunk>) -> Vec<Chunk> {
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

impl Destination for OpenSearchStage {
    fn accept(&mut self, ctx: &mut Ctx, batch: Batch) -> Handoffs {
        self.lane.queue.push_back(batch);
        self.start(ctx);
        Vec::new()
    }

    /// A bulk attempt ends: indexed (with per-document rejections), retried with backoff while
    /// the retry duration allows (E2), or skipped to S3 (E3).
    fn attempt_end(&mut self, ctx: &mut Ctx) -> Handoffs {
        let now = ctx.now;
        let Some(req) = self.lane.queue.front_mut() else {
            self.lane.state = LaneState::Idle;
            return Vec::new();
        };
        let outcome = req.tries.outcome;
        self.service
            .trace_end(ctx, req.id, &req.tries, req.records());
        let mut rejected = Vec::new();
        if outcome == Outcome::Ok {
            let p = self.document_failure_rate;
            rejected = rejected_documents(p, &mut self.docs_rng, &mut req.chunks);
            self.report.documents_failed +=
                rejected.iter().map(|c| u64::from(c.count)).sum::<u64>();
        }
        if outcome.reached_target() {
            // Indexed (E5: with Firehose's ids a repeated request overwrites; without, it
            // indexes the documents again).
            let mut firsts = 0;
            for c in &mut req.chunks {
                if !c.is_settled() {
                    let first = ctx.ledger.delivered(c, now);
                    self.index.count(c.ingest, first);
                    firsts += first;
                } else if self.no_document_id {
                    ctx.ledger.delivered(c, now);
                }
            }
            ctx.metric(Slot::Delivered, firsts as f64);
        }
        self.service.count_end(ctx, &req.tries, req.records());
        if outcome == Outcome::Ok {
            let Some(req) = self.lane.queue.pop_front() else {
                return Vec::new();
            };
            self.lane.state = LaneState::Idle;
            let mut hs = Vec::with_capacity(2);
            if !rejected.is_empty() {
                let bytes = rejected.iter().map(|c| c.bytes).sum();
                let batch = Batch::new(req.id, rejected, bytes, now);
                hs.push(Handoff::Object(
                    Bucket::Main,
                    Object::new(batch, Kind::SkippedNoWait),
                ));
            }
            hs.push(Handoff::Resume(Resume::Destination));
            return hs;
        }
        if self.service.retry(ctx, &mut req.tries, Call::Destination) {
            return Vec::new();
        }
        // E3: the duration is spent. The request's undelivered documents go to S3, and the
        // next request waits until they are written (T10).
        self.service.calls.skipped_batches += 1;
        let Some(req) = self.lane.queue.pop_front() else {
            return Vec::new();
        };
        let undelivered: Vec<Chunk> = req.chunks.into_iter().filter(|c| !c.is_settled()).collect();
        if undelivered.is_empty() {
            self.lane.state = LaneState::Idle;
            self.start(ctx);
            return Vec::new();
        }
        self.lane.state = LaneState::Waiting;
        let bytes = undelivered.iter().map(|c| c.bytes).sum();
        let batch = Batch::new(req.id, undelivered, bytes, now);
        vec![Handoff::Object(
            Bucket::Main,
            Object::new(batch, Kind::Skipped),
        )]
    }

    fn retry(&mut self, ctx: &mut Ctx) -> Handoffs {
        self.lane.state = LaneState::Idle;
        self.start(ctx);
        Vec::new()
    }

    /// A skipped request's documents reached S3 (or all expired first): the next request
    /// starts (T10, T12).
    fn notice(&mut self, ctx: &mut Ctx, _n: Notice) -> Handoffs {
        if self.lane.state == LaneState::Waiting {
            self.lane.state = LaneState::Idle;
            self.start(ctx);
        }
        Vec::new()
    }

    fn resume(&mut self, ctx: &mut Ctx) -> Handoffs {
        self.start(ctx);
        Vec::new()
    }

    fn oldest_pending(&self) -> Option<SimTime> {
        self.lane.queue.iter().map(|r| r.oldest).min()
    }

    fn settle_at_end(&self, f: &mut dyn FnMut(&Chunk)) {
        for r in &self.lane.queue {
            r.chunks.iter().for_each(&mut *f);
        }
    }

    fn finish(self: Box<Self>, out: &mut RunOutput) {
        let c = self.service.calls;
        out.calls.opensearch_bulk = BulkCalls {
            batches: c.batches,
            attempts: c.attempts,
            failed: c.failed,
            skipped_batches: c.skipped_batches,
        };
        let mut report = self.report;
        report.indices = self.index.by_name();
        out.opensearch = Some(report);
    }
}
