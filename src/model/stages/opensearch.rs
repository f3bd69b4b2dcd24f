//! The OpenSearch destination (E1-E6, T10), formerly Elasticsearch, on the shared request
//! loop ([`super::requests`]). It states:
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

use super::requests::{Protocol, Request, RequestStage, SkipStats};
use super::s3::{Bucket, Kind, Object, split_by_rate};
use crate::engine::time::{iso_week, parse_utc, utc_parts};
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::delivery::{Batch, DeliveryCalls, MetricSlots, Service};
use crate::model::faults::CallFate;
use crate::model::pipeline::{Ctx, Handoff, Handoffs};
use crate::model::retry::{Budget, RetryPolicy};
use crate::model::trace::{Outcome, Stage};
use crate::model::{FaultSet, RunOutput};
use crate::outcome::metrics::Slot;
use crate::scenario::{
    DocumentIdOption, IndexRotation, OpenSearchDestination, OpenSearchService, Scenario, Target,
};
use rand_chacha::ChaCha8Rng;
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

/// What the OpenSearch stage states.
pub(crate) struct OpenSearch {
    bulk_time: crate::scenario::CallTime,
    request_timeout: SimDuration,
    document_failure_rate: f64,
    no_document_id: bool,
    docs_rng: ChaCha8Rng,
    report: OpenSearchReport,
    index: IndexNamer,
}

/// The stage for destination `d` of `scenario`.
pub(crate) fn stage(
    d: &OpenSearchDestination,
    scenario: &Scenario,
    streams: &RngStreams,
) -> RequestStage<OpenSearch> {
    let s: &OpenSearchService = &scenario.services.opensearch;
    let retry = RetryPolicy::Backoff {
        initial: s.backoff.initial,
        multiplier: 2,
        max: s.backoff.max,
        jitter: 0.0,
        duration: SimDuration::from_secs(u64::from(d.retry_options.duration_in_seconds)),
        budget: Budget::FromFirstStart,
    };
    let service = Service::new(
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
    );
    RequestStage::new(
        service,
        OpenSearch {
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
        },
    )
}

impl Protocol for OpenSearch {
    /// E1: each flush is one bulk request.
    fn requests(&mut self, _ctx: &mut Ctx, batch: Batch) -> Vec<Batch> {
        vec![batch]
    }

    /// E3: only the documents not yet indexed go to S3.
    fn skips_all(&self) -> bool {
        false
    }

    /// E1, E2, T8: the bulk time, failing at the request timeout.
    fn attempt(
        &mut self,
        req: &Request,
        fate: CallFate,
        _rng: &mut ChaCha8Rng,
    ) -> (Outcome, SimDuration) {
        let d = self.bulk_time.for_bytes(req.batch.bytes);
        let (outcome, took) = Service::timed(fate, d, Some(self.request_timeout));
        if outcome == Outcome::Timeout {
            self.report.timeouts += 1;
        }
        (outcome, took)
    }

    /// An indexed request: documents rejected one by one go to S3 without retry (E3), the
    /// rest are delivered, counted per index (E6); with `NoDocumentId` a repeat indexes them
    /// again (E5).
    fn ended(&mut self, ctx: &mut Ctx, req: &mut Request, outcome: Outcome) -> Handoffs {
        let now = ctx.now;
        let mut hs = Vec::new();
        if outcome == Outcome::Ok {
            let p = self.document_failure_rate;
            let rejected = split_by_rate(p, &mut self.docs_rng, &mut req.batch.chunks);
            if !rejected.is_empty() {
                self.report.documents_failed +=
                    rejected.iter().map(|c| u64::from(c.count)).sum::<u64>();
                let bytes = rejected.iter().map(|c| c.bytes).sum();
                let batch = Batch::new(req.batch.id, rejected, bytes, now);
                hs.push(Handoff::Object(
                    Bucket::Main,
                    Object::new(batch, Kind::SkippedNoWait),
                ));
            }
        }
        if outcome.reached_target() {
            let mut firsts = 0;
            for c in &mut req.batch.chunks {
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
        hs
    }

    fn finish(self, c: DeliveryCalls, _skips: SkipStats, out: &mut RunOutput) {
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
