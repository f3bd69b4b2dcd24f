//! The commands that run many simulations, each built on single runs ([`crate::simulate`])
//! and their JSON report:
//!
//! - [`sweep`]: a grid of settings times several seeds, in parallel, summarised with means,
//!   95% confidence intervals and charts (`firehose-sim sweep`);
//! - [`check`]: a search of fault schedules for one that breaks a property of the report,
//!   shrunk to a minimal one (`firehose-sim check`);
//! - [`advise`]: every combination of some settings checked against a property and
//!   costed; the cheapest that holds (`firehose-sim advise`);
//! - [`gallery`]: the reports of every bundled scenario and sweep, with an index
//!   (`firehose-sim gallery`);
//! - [`explain`]: the path of one record through a run (`firehose-sim explain`);
//! - [`fields`]: the field paths that sweeps' axes and outputs and check's properties name.
//!
//! The strategies for users' own property tests stay in [`crate::testing`], which `check`
//! builds on.

pub mod advise;
pub mod check;
pub mod explain;
pub mod fields;
pub mod gallery;
pub mod sweep;
