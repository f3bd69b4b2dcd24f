//! What a run produced: the ledger of record fates (F1-F4) with its latency histogram, the
//! per-minute CloudWatch-named metrics (M1), and the id range sets that track resent copies.
//! The model feeds these; the reports read them. Nothing here knows the model's types: the
//! ledger settles any [`ledger::RecordRun`].

pub mod ledger;
pub mod metrics;
pub mod ranges;
