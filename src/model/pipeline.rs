//! The pipeline: builds the stages from a scenario, owns the event loop, and routes events
//! and hand-offs between stages. It holds no rule of any single component: stages hand work
//! to each other only through typed [`Handoff`]s, which are routed depth first, in the order
//! they were made, so a hand-off happens at the point of the stage's work that made it.

use super::chunk::Chunk;
use super::delivery::Batch;
use super::faults::FaultSet;
use super::sources::{Intake, TrainRoom};
use super::sources::{Source, SourceEvent};
use super::stages::Destination;
use super::stages::buffer::{Added, BufferId, Buffers};
use super::stages::lambda::LambdaStage;
use super::stages::partitions::{ERRORS, Partitions};
use super::stages::redshift::RedshiftStage;
use super::stages::s3::{Bucket, Kind, Object, S3Destination, Writer};
use super::stages::{http_endpoint, opensearch, splunk};
use super::trace::TraceEvent;
use super::{BackupReport, Calls, RunOptions, RunOutput};
use crate::engine::{EventQueue, RngStreams, SimDuration, SimTime};
use crate::outcome::ledger::Ledger;
use crate::outcome::metrics::{Components, Recorder, Slot};
use crate::scenario::{self, BackupMode, Scenario, Target, Transform};

/// What the event queue holds.
pub(crate) enum Event {
    /// A source's event (calls, resends, call ends).
    Source(SourceEvent),
    /// A buffer opened as generation `gen` reaches its interval (B1, B2).
    BufferDeadline(BufferId, u64),
    /// The attempt in progress of a call ends.
    AttemptEnd(Call),
    /// A call is tried again.
    Retry(Call),
    /// Minute `n` ends: sample what is sampled (M1 `DataFreshness`).
    MinuteEnd(usize),
}

/// Which call an attempt event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// Lambda invocation `id`.
    Lambda(u64),
    /// The head object of a bucket's writer.
    Writer(Bucket),
    /// The destination's call in progress (COPY, bulk request).
    Destination,
}

/// A stage that can be asked to go on with its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resume {
    /// Lambda starts waiting invocations while slots are free (L5).
    Lambda,
    /// A bucket's writer starts its head object.
    Writer(Bucket),
    /// The destination starts its next batch.
    Destination,
}

/// An object a destination handed to S3 was written, or its records all expired before it
/// could be (T10, T12).
pub(crate) struct Notice {
    /// The object.
    pub object: Object,
    /// True when written, false when dropped empty.
    pub written: bool,
}

/// Work one stage hands to another.
pub(crate) enum Handoff {
    /// An object for a bucket's writer (T11).
    Object(Bucket, Object),
    /// Records entering a buffer as one unit (T2, T9).
    Buffer(BufferId, Vec<Chunk>),
    /// News for the destination of an object it handed to S3.
    Notice(Notice),
    /// A stage goes on (a slot was freed, an object was written).
    Resume(Resume),
    /// An object of a partition was written, or dropped empty (P2).
    Released(u32),
}

/// Hand-offs a stage made, in order.
pub(crate) type Handoffs = Vec<Handoff>;

/// What every stage shares: the clock, the queue, the ledger, the trace and the metrics.
pub(crate) struct Ctx {
    /// Now.
    pub now: SimTime,
    /// The end of the run (T1: nothing happens at or after it).
    pub end: SimTime,
    /// The event queue.
    pub queue: EventQueue<Event>,
    /// Record fates.
    pub ledger: Ledger,
    /// The retention window (I4).
    pub retention: SimDuration,
    /// The trace, when kept.
    pub trace: Option<Vec<TraceEvent>>,
    /// The per-minute metrics, when collected.
    pub metrics: Option<Recorder>,
    /// Id of the next batch.
    pub next_batch: u64,
    /// The records `explain` follows.
    pub focus: Option<super::Focus>,
    /// Events handled.
    pub events: u64,
}

impl Ctx {
    /// The instant of the next decision after the one in progress: the next queued event, or
    /// the end; a call train stops before it.
    #[inline]
    pub(crate) fn horizon(&self) -> SimTime {
        self.queue.peek_time().map_or(self.end, |t| t.min(self.end))
    }

    /// Adds to a metric when metrics are collected.
    pub(crate) fn metric(&mut self, slot: Slot, v: f64) {
        if let Some(m) = &mut self.metrics {
            m.add(self.now, slot, v);
        }
    }

    /// Records a trace event when a trace is kept.
    pub(crate) fn trace(&mut self, event: impl FnOnce() -> TraceEvent) {
        if let Some(t) = &mut self.trace {
            t.push(event());
        }
    }

    /// Records a trace event about `chunks` when a trace is kept and, with a focus
    /// (`explain`), only when they hold a followed record.
    pub(crate) fn trace_of(&mut self, chunks: &[Chunk], event: impl FnOnce() -> TraceEvent) {
        if self.trace.is_none() {
            return;
        }
        if let Some(f) = self.focus
            && !chunks
                .iter()
                .any(|c| f.holds(c.first_id, c.count, c.ingest))
        {
            return;
        }
        self.trace(event);
    }

    /// A new batch id.
    pub(crate) fn batch_id(&mut self) -> u64 {
        let id = self.next_batch;
        self.next_batch += 1;
        id
    }
}

/// Every stage after the source.
pub(crate) struct Stages {
    /// Shared state.
    pub ctx: Ctx,
    buffers: Buffers,
    lambda: Option<LambdaStage>,
    main: Writer,
    backup: Writer,
    destination: Box<dyn Destination>,
    /// Call trains may queue as runs of one-call batches ([`TrainRoom::Batches`]): the first
    /// buffer flushes every call (the Lambda buffer's `buffer_interval_in_seconds: 0`, or
    /// without a transform S3's `interval_in_seconds: 0`), no backup, and no trace (which
    /// follows each flush).
    runs: bool,
}

/// Runs `scenario` to its end.
pub fn simulate(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, String> {
    let mut scenario = scenario.clone();
    if let Some(seed) = opts.seed {
        scenario.seed = seed;
    }
    let streams = RngStreams::new(scenario.seed);
    let mut source = Source::new(&scenario, &streams);
    let lambda = scenario.transform.as_ref().map(|t| match t {
        Transform::Lambda(t) => LambdaStage::new(
            t,
            &scenario.services.lambda,
            FaultSet::for_target(&scenario.faults, Target::Lambda),
            streams.stream("lambda"),
            streams.stream("lambda/results"),
        ),
    });
    let (backup_mode, _) = scenario.destination.backup();
    let destination: Box<dyn Destination> = match &scenario.destination {
        scenario::Destination::S3(_) => Box::new(S3Destination::new(&scenario, &streams)),
        scenario::Destination::Redshift(r) => Box::new(RedshiftStage::new(r, &scenario, &streams)),
        scenario::Destination::OpenSearch(d) => Box::new(opensearch::stage(d, &scenario, &streams)),
        scenario::Destination::HttpEndpoint(d) => {
            Box::new(http_endpoint::stage(d, &scenario, &streams))
        }
        scenario::Destination::Splunk(d) => Box::new(splunk::stage(d, &scenario, &streams)),
    };
    let mut stages = Stages {
        ctx: Ctx {
            now: SimTime::ZERO,
            end: SimTime(scenario.duration.0),
            queue: EventQueue::new(),
            ledger: Ledger::default(),
            retention: scenario.stream.retention_window(),
            trace: (opts.trace || opts.focus.is_some()).then(Vec::new),
            metrics: opts.metrics.then(Recorder::default),
            next_batch: 1,
            events: 0,
            focus: opts.focus,
        },
        buffers: Buffers::new(
            &scenario,
            lambda.as_ref().map(|l| l.buffer_hints),
            match &scenario.destination {
                scenario::Destination::S3(d) if d.partitioned() => {
                    Some(Partitions::new(d, &scenario, &streams))
                }
                _ => None,
            },
        ),
        lambda,
        main: Writer::new(&scenario, Bucket::Main, streams.stream("s3")),
        backup: Writer::new(&scenario, Bucket::Backup, streams.stream("backup-s3")),
        destination,
        runs: !opts.trace
            && opts.focus.is_none()
            && backup_mode == BackupMode::Disabled
            && match &scenario.transform {
                Some(Transform::Lambda(t)) => t.buffer_interval_in_seconds == 0,
                None => {
                    matches!(&scenario.destination, scenario::Destination::S3(_))
                        && scenario.destination.buffering_hints().interval_in_seconds == 0
                }
            },
    };
    stages.ctx.ledger.focus = opts.focus;
    // Only a Kinesis source's back pressure (K5) needs the settled bytes.
    stages.ctx.ledger.track_settled_bytes = matches!(source, Source::Kinesis(_));
    let has_backup = backup_mode == BackupMode::Enabled;
    if stages.ctx.metrics.is_some() {
        stages
            .ctx
            .queue
            .push(SimTime(60_000_000), Event::MinuteEnd(0));
    }
    // Call trains (T1): the law stays installed until the run's output is built.
    let _law = if !opts.no_trains && trains_apply(&scenario, opts) {
        match &mut source {
            Source::DirectPut(s) => s.allow_trains(),
            Source::Kinesis(s) => s.allow_trains(),
        }
        .map(|law| law.install())
    } else {
        None
    };
    source.start(&mut stages.ctx);
    let stopped = run(&mut source, &mut stages, &scenario);
    if let Some(why) = &stopped {
        // The report so far: what is still held is in flight at this instant.
        if !opts.report_when_stopped {
            return Err(why.clone());
        }
        stages.ctx.end = stages.ctx.now;
    }
    let mut out = finish(source, stages, scenario, has_backup)?;
    out.stopped = stopped;
    Ok(out)
}

/// True when a run's regular calls may go as call trains: every stage they reach treats a
/// train exactly as the calls one by one (the same numbers, which the property tests check).
/// That needs no call time on ingest (each call's time would be its own; ingest faults only
/// cut trains, see `DirectPutSource::train_calls`), no per-record draw or size change in a
/// transform (a draw per chunk, a rounding per chunk), a destination that splits runs only in
/// proportion to their bytes (S3 without partitioning or format conversion, Redshift, an HTTP
/// endpoint, Splunk), and no focus (`explain` follows ingest steps call by call).
fn trains_apply(scenario: &Scenario, opts: &RunOptions) -> bool {
    let ingest = &scenario.services.ingest.put_time;
    let transform_keeps_runs = match &scenario.transform {
        None => true,
        Some(Transform::Lambda(_)) => {
            let l = &scenario.services.lambda;
            l.dropped == 0.0 && l.processing_failed == 0.0 && l.size_ratio == 1.0
        }
    };
    let destination_keeps_runs = match &scenario.destination {
        scenario::Destination::S3(d) => !d.partitioned() && d.format_conversion.is_none(),
        scenario::Destination::Redshift(_)
        | scenario::Destination::HttpEndpoint(_)
        | scenario::Destination::Splunk(_) => true,
        scenario::Destination::OpenSearch(_) => false,
    };
    opts.focus.is_none()
        && ingest.base == SimDuration::ZERO
        && ingest.per_mib == SimDuration::ZERO
        && transform_keeps_runs
        && destination_keeps_runs
}

/// The most batches, objects and events a run may hold waiting at once (a few hundred MiB
/// to 1 GiB, with the chunks they carry): a pipeline that cannot keep up stops there with an
/// error rather than exhausting memory.
pub(crate) const MAX_QUEUED: usize = 2_000_000;

/// How often (in events) the backlog is measured against [`MAX_QUEUED`].
const BACKLOG_CHECK_EVERY: u64 = 1 << 16;

fn run(source: &mut Source, stages: &mut Stages, scenario: &Scenario) -> Option<String> {
    let mut next_check = BACKLOG_CHECK_EVERY;
    while let Some(t) = stages.ctx.queue.peek_time() {
        if t >= stages.ctx.end {
            break;
        }
        if stages.ctx.events >= next_check {
            next_check = stages.ctx.events + BACKLOG_CHECK_EVERY;
            if let Some(why) = stages.backlog(scenario) {
                return Some(why);
            }
        }
        let Some((t, event)) = stages.ctx.queue.pop() else {
            break;
        };
        stages.ctx.now = t;
        stages.ctx.events += 1;
        match event {
            Event::Source(e) => source.handle(e, stages),
            Event::BufferDeadline(id, generation) => {
                if let Some(batch) = stages.buffers.deadline(&mut stages.ctx, id, generation) {
                    stages.flushed(id, batch);
                }
            }
            Event::AttemptEnd(call) => {
                let hs = match call {
                    Call::Lambda(id) => stages.lambda_mut().map(|(l, ctx)| l.attempt_end(ctx, id)),
                    Call::Writer(b) => {
                        let (w, ctx) = stages.writer(b);
                        Some(w.attempt_end(ctx))
                    }
                    Call::Destination => Some(stages.destination.attempt_end(&mut stages.ctx)),
                };
                stages.route(hs.unwrap_or_default());
            }
            Event::Retry(call) => {
                let hs = match call {
                    Call::Lambda(id) => stages.lambda_mut().map(|(l, ctx)| l.retry(ctx, id)),
                    Call::Writer(b) => {
                        let (w, ctx) = stages.writer(b);
                        Some(w.start(ctx))
                    }
                    Call::Destination => Some(stages.destination.retry(&mut stages.ctx)),
                };
                stages.route(hs.unwrap_or_default());
            }
            Event::MinuteEnd(n) => {
                let now = stages.ctx.now;
                let age = [stages.oldest_pending(), source.oldest_pending(now)]
                    .into_iter()
                    .flatten()
                    .min()
                    .map_or(0.0, |t| now.since(t).as_secs_f64());
                if let Some(m) = &mut stages.ctx.metrics {
                    m.set(n, Slot::Freshness, age);
                }
                if let Some(p) = &stages.buffers.partitions {
                    p.sample(&mut stages.ctx.metrics, n);
                }
                stages
                    .ctx
                    .queue
                    .push(now + SimDuration::from_secs(60), Event::MinuteEnd(n + 1));
            }
        }
    }
    None
}

impl Intake for Stages {
    fn ctx(&mut self) -> &mut Ctx {
        &mut self.ctx
    }

    #[inline]
    fn train_room(&self) -> Option<TrainRoom> {
        if let Some(bytes) = self.buffers.train_room() {
            return Some(TrainRoom::Bytes(bytes));
        }
        let waits = match &self.lambda {
            Some(l) => l.saturated(),
            None => self.main.busy(),
        };
        (self.runs && waits).then_some(TrainRoom::Batches)
    }

    fn accept_run(&mut self, chunk: Chunk, calls: u32) {
        let now = self.ctx.now;
        self.ctx.ledger.ingested(&chunk, now, now, false);
        let first_id = self.ctx.next_batch;
        self.ctx.next_batch += u64::from(calls);
        match &mut self.lambda {
            Some(l) => l.enqueue_run(chunk, calls, first_id),
            None => self.main.enqueue_run(chunk, calls, first_id),
        }
    }

    #[inline]
    fn accept(&mut self, accepted: &[Chunk], first_try: Option<(SimTime, bool)>) {
        if self.buffers.partitioned_intake() {
            return self.accept_partitioned(accepted, first_try);
        }
        let now = self.ctx.now;
        let ledger = &mut self.ctx.ledger;
        let (backup, next) = match first_try {
            Some((first_try, resent)) => self.buffers.intake(now, accepted, true, |c| {
                ledger.ingested(c, first_try, now, resent)
            }),
            None => self.buffers.intake(now, accepted, false, |_| {}),
        };
        if let Some(added) = backup {
            self.after_add(BufferId::Backup, added);
        }
        self.after_add(next.0, next.1);
    }
}

impl Stages {
    /// [`Intake::accept`] into the partition buffers (P1).
    fn accept_partitioned(&mut self, accepted: &[Chunk], first_try: Option<(SimTime, bool)>) {
        let (backup, added) = match first_try {
            Some((first_try, resent)) => {
                self.buffers
                    .intake_partitioned(&mut self.ctx, accepted, true, true, |c, ctx| {
                        ctx.ledger.ingested(c, first_try, ctx.now, resent)
                    })
            }
            None => {
                self.buffers
                    .intake_partitioned(&mut self.ctx, accepted, false, true, |_, _| {})
            }
        };
        if let Some(added) = backup {
            self.after_add(BufferId::Backup, added);
        }
        for (id, a) in added {
            self.after_add(id, a);
        }
    }

    fn lambda_mut(&mut self) -> Option<(&mut LambdaStage, &mut Ctx)> {
        self.lambda.as_mut().map(|l| (l, &mut self.ctx))
    }

    fn writer(&mut self, b: Bucket) -> (&mut Writer, &mut Ctx) {
        let w = match b {
            Bucket::Main => &mut self.main,
            Bucket::Backup => &mut self.backup,
        };
        (w, &mut self.ctx)
    }

    /// A buffer took a unit: its deadline is set and a flush it calls for happens (B1, T2).
    #[inline]
    fn after_add(&mut self, id: BufferId, added: Added) {
        if added.opened.is_none() && !added.flush {
            return;
        }
        if let Some(batch) = self.buffers.after_add(&mut self.ctx, id, added) {
            self.flushed(id, batch);
        }
    }

    /// A buffer flushed: the batch goes to the stage behind that buffer.
    fn flushed(&mut self, id: BufferId, batch: Batch) {
        let hs = match id {
            BufferId::Lambda => match &mut self.lambda {
                Some(l) => l.invoke(&mut self.ctx, batch),
                None => Vec::new(),
            },
            BufferId::Destination => self.destination.accept(&mut self.ctx, batch),
            BufferId::Backup => {
                let object = Object::new(batch, Kind::Backup);
                self.backup.enqueue(&mut self.ctx, object)
            }
            // P2: records over the partition limit go to the error prefix.
            BufferId::Partition(ERRORS) => vec![Handoff::Object(
                Bucket::Main,
                Object::new(batch, Kind::ProcessingFailed),
            )],
            BufferId::Partition(_) => self.destination.accept(&mut self.ctx, batch),
        };
        self.route(hs);
    }

    /// Routes hand-offs depth first, in order. The objects of one list are queued at one
    /// instant, so each holds its partition before any of them is routed (P2): an object
    /// dropped empty at once (T12) must not end a partition another object of the same flush
    /// (a format conversion's error object and converted object, P3) is still queued for.
    fn route(&mut self, hs: Handoffs) {
        if let Some(p) = &mut self.buffers.partitions {
            for h in &hs {
                if let Handoff::Object(_, Object { batch, .. }) = h
                    && let Some(slot) = batch.partition
                {
                    p.hold(slot);
                }
            }
        }
        for h in hs {
            let more = match h {
                Handoff::Object(b, object) => {
                    let (w, ctx) = self.writer(b);
                    w.enqueue(ctx, object)
                }
                Handoff::Buffer(BufferId::Destination, chunks)
                    if self.buffers.partitions.is_some() =>
                {
                    let (_, added) = self.buffers.intake_partitioned(
                        &mut self.ctx,
                        &chunks,
                        false,
                        false,
                        |_, _| {},
                    );
                    for (id, a) in added {
                        self.after_add(id, a);
                    }
                    Vec::new()
                }
                Handoff::Buffer(id, chunks) => {
                    let added = self.buffers.add(id, chunks);
                    self.after_add(id, added);
                    Vec::new()
                }
                Handoff::Released(slot) => {
                    if let Some(p) = &mut self.buffers.partitions {
                        p.release(slot, &mut self.ctx.metrics, self.ctx.now);
                    }
                    Vec::new()
                }
                Handoff::Notice(n) => self.destination.notice(&mut self.ctx, n),
                Handoff::Resume(Resume::Lambda) => match &mut self.lambda {
                    Some(l) => l.start_waiting(&mut self.ctx),
                    None => Vec::new(),
                },
                Handoff::Resume(Resume::Writer(b)) => {
                    let (w, ctx) = self.writer(b);
                    w.start(ctx)
                }
                Handoff::Resume(Resume::Destination) => self.destination.resume(&mut self.ctx),
            };
            self.route(more);
        }
    }

    /// When the batches and events waiting exceed [`MAX_QUEUED`]: why, naming the queue that
    /// holds the most and the setting that fills it.
    fn backlog(&self, scenario: &Scenario) -> Option<String> {
        let lambda = self.lambda.as_ref().map_or(0, |l| l.queued());
        let queues = [
            (self.main.queued(), "objects wait in the S3 queue (T11)"),
            (
                self.backup.queued(),
                "objects wait in the backup bucket's queue",
            ),
            (lambda, "batches wait for a Lambda concurrency slot (L5)"),
            (
                self.destination.queued(),
                "batches wait in the destination's queue",
            ),
            (
                self.ctx.queue.len(),
                "events are scheduled (resends of refused calls, calls in progress)",
            ),
        ];
        let total: usize = queues.iter().map(|q| q.0).sum();
        if total <= MAX_QUEUED {
            return None;
        }
        let (most, what) = queues
            .iter()
            .max_by_key(|q| q.0)
            .copied()
            .unwrap_or((0, ""));
        let interval0 = scenario.destination.buffering_hints().interval_in_seconds == 0;
        let cause = match &scenario.transform {
            Some(Transform::Lambda(t)) if most == lambda => format!(
                "the transform's invocations arrive faster than `services.lambda.concurrency: {}` slots run them{}",
                scenario.services.lambda.concurrency,
                if t.buffer_interval_in_seconds == 0 {
                    " (with `buffer_interval_in_seconds: 0` every call is its own invocation)"
                } else {
                    ""
                }
            ),
            _ if interval0 && most == self.main.queued() => "with `interval_in_seconds: 0` every call is its own object, and the bucket writes them more slowly than they come".into(),
            _ => "the pipeline takes in records faster than it delivers them".into(),
        };
        Some(format!(
            "the run stopped at {} of {}: {} {}, over the bound of {} waiting at once: {}",
            crate::engine::SimDuration(self.ctx.now.0),
            scenario.duration,
            crate::report::grouped(most as u64),
            what,
            crate::report::grouped(MAX_QUEUED as u64),
            cause
        ))
    }

    /// The ingest time of the oldest record in the stream that has no fate yet (M1
    /// `DataFreshness`).
    fn oldest_pending(&self) -> Option<SimTime> {
        [
            self.buffers.oldest_pending(),
            self.main.oldest_pending(),
            self.lambda.as_ref().and_then(|l| l.oldest_pending()),
            self.destination.oldest_pending(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Settles what is still in the stream at the end, checks conservation (F2) and builds the
/// output.
fn finish(
    mut source: Source,
    stages: Stages,
    scenario: Scenario,
    has_backup: bool,
) -> Result<RunOutput, String> {
    let Stages {
        mut ctx,
        buffers,
        lambda,
        main,
        backup,
        destination,
        ..
    } = stages;
    let end = ctx.end;
    source.sample_at_end(&mut ctx);
    {
        let ledger = &mut ctx.ledger;
        let mut in_stream = |c: &Chunk| ledger.in_stream_at_end(c, end);
        buffers.settle_at_end(&mut in_stream);
        main.settle_at_end(&mut in_stream);
        destination.settle_at_end(&mut in_stream);
        if let Some(l) = &lambda {
            l.settle_at_end(&mut in_stream);
        }
    }
    source.settle_at_end(end, &mut ctx.ledger);
    let queue_events = ctx.queue.popped();
    while let Some((_, e)) = ctx.queue.pop() {
        if let Event::Source(e) = e {
            Source::settle_event_at_end(e, &mut ctx.ledger);
        }
    }
    ctx.ledger.close()?;
    let minutes = scenario.duration.0.div_ceil(60_000_000) as usize;
    let metrics = ctx.metrics.take().map(|m| {
        m.finish(
            minutes,
            Components {
                lambda: lambda.is_some(),
                destination: scenario.destination.name(),
                backup: has_backup,
                kinesis: matches!(source, Source::Kinesis(_)),
                partitions: match &scenario.destination {
                    scenario::Destination::S3(d) if d.partitioned() => {
                        Some(d.active_partitions_limit)
                    }
                    _ => None,
                },
                conversion: matches!(&scenario.destination,
                    scenario::Destination::S3(d) if d.format_conversion.is_some()),
            },
        )
    });
    let mut l = ctx.ledger;
    let latency_cdf = l.latency.cdf();
    let (lambda_calls, lambda_report) = match lambda {
        Some(stage) => {
            let (calls, report) = stage.finish();
            (calls, Some(report))
        }
        None => (Default::default(), None),
    };
    let kinesis = source.kinesis(l.counts.expired);
    let mut out = RunOutput {
        records: l.counts,
        latency: l.latency.summary(),
        producer_wait: l.producer_wait.summary(),
        records_resent: l.records_resent,
        throttled_records: l.throttled_records,
        data_freshness_max: l.freshness_max,
        calls: Calls {
            put_record_batch: source.put_record_batch(),
            lambda: lambda_calls,
            s3_put: main.service.calls.counts(),
            redshift_copy: Default::default(),
            opensearch_bulk: Default::default(),
            http_endpoint: Default::default(),
            splunk: Default::default(),
            s3_objects: main.objects,
            s3_bytes: main.bytes,
        },
        lambda: lambda_report,
        kinesis,
        redshift: None,
        opensearch: None,
        http_endpoint: None,
        splunk: None,
        partitions: buffers.partitions.as_ref().map(|p| p.report()),
        format_conversion: None,
        backup: has_backup.then_some(BackupReport {
            objects: backup.objects,
            attempts: backup.service.calls.attempts,
            failed: backup.service.calls.failed,
            copies_expired: l.backup_expired,
        }),
        trace: ctx.trace.unwrap_or_default(),
        metrics,
        latency_cdf,
        ingested: (std::mem::take(&mut l.ingested_by_source), l.ingested_bytes),
        events: ctx.events,
        queue_events,
        focus_log: std::mem::take(&mut l.focus_log),
        focus_near: l.near_focus,
        stopped: None,
        scenario,
    };
    destination.finish(&mut out);
    Ok(out)
}
