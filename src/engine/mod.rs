//! The discrete-event kernel: simulated time, the event queue and named random streams.
//!
//! Nothing in this module knows about Firehose; the model in [`crate::model`] builds on it.

pub mod queue;
pub mod rng;
pub mod time;
pub mod train;

pub use queue::EventQueue;
pub use rng::RngStreams;
pub use time::{SimDuration, SimTime};
