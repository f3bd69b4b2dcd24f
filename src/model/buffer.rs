//! A buffer that flushes on a size hint or an interval (B1-B3, L1, L6).

use super::Chunk;
use crate::engine::SimDuration;

/// The three buffers a stream can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BufferId {
    /// The Lambda buffer (L1).
    Lambda,
    /// The destination buffer (B1-B4).
    Destination,
    /// The source record backup buffer (L6).
    Backup,
}

/// What adding a unit did.
pub(super) struct Added {
    /// The buffer was empty: its interval starts now, as generation `generation`.
    pub opened: Option<u64>,
    /// The size hint is reached (or the interval is 0): flush now.
    pub flush: bool,
}

pub(super) struct Buffer {
    hint_bytes: u64,
    pub interval: SimDuration,
    chunks: Vec<Chunk>,
    bytes: u64,
    pub generation: u64,
}

impl Buffer {
    pub fn new(hint_bytes: u64, interval: SimDuration) -> Self {
        Buffer {
            hint_bytes,
            interval,
            chunks: Vec::new(),
            bytes: 0,
            generation: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Adds the chunks of one unit (a call, or one invocation's output), whole (B1).
    pub fn add(&mut self, unit: impl IntoIterator<Item = Chunk>) -> Added {
        let was_empty = self.chunks.is_empty();
        for c in unit {
            self.bytes += c.bytes;
            self.chunks.push(c);
        }
        if self.chunks.is_empty() {
            return Added {
                opened: None,
                flush: false,
            };
        }
        let opened = was_empty.then(|| {
            self.generation += 1;
            self.generation
        });
        let flush = self.interval == SimDuration::ZERO || self.bytes >= self.hint_bytes;
        Added { opened, flush }
    }

    /// Empties the buffer.
    pub fn take(&mut self) -> (Vec<Chunk>, u64) {
        let capacity = self.chunks.len() + 16;
        let chunks = std::mem::replace(&mut self.chunks, Vec::with_capacity(capacity));
        (chunks, std::mem::take(&mut self.bytes))
    }
}
