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

    /// Adds a unit held in a vector; into an empty buffer the vector itself moves.
    pub fn add_vec(&mut self, unit: Vec<Chunk>) -> Added {
        let was_empty = self.chunks.is_empty();
        if was_empty {
            self.bytes = unit.iter().map(|c| c.bytes).sum();
            self.chunks = unit;
        } else {
            self.bytes += unit.iter().map(|c| c.bytes).sum::<u64>();
            self.chunks.extend_from_slice(&unit);
        }
        self.close_unit(was_empty)
    }

    /// Adds one chunk of a unit; call [`Buffer::close_unit`] after the unit's last chunk with
    /// what [`Buffer::is_empty`] said before its first.
    pub fn push(&mut self, c: Chunk) {
        self.bytes += c.bytes;
        self.chunks.push(c);
    }

    /// Ends a unit added with [`Buffer::push`].
    pub fn close_unit(&mut self, was_empty: bool) -> Added {
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
        // The next buffer will likely hold as many chunks; the batch keeps only what it holds,
        // since batches can queue by the million during an outage.
        let capacity = self.chunks.len();
        let mut chunks = std::mem::replace(&mut self.chunks, Vec::with_capacity(capacity));
        if chunks.capacity() > chunks.len() + chunks.len() / 8 {
            chunks.shrink_to_fit();
        }
        (chunks, std::mem::take(&mut self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    /// B1/B2: a unit is added whole; the first unit opens a generation; reaching the hint
    /// asks for a flush; an interval of 0 flushes every unit.
    #[test]
    fn b1_units_open_and_fill_the_buffer() {
        let c = |id| Chunk::new(id, 10, 400, SimTime(0));
        let mut b = Buffer::new(1000, SimDuration::from_secs(60));
        let a = b.add_vec(vec![c(0), c(10)]);
        assert_eq!((a.opened, a.flush), (Some(1), false));
        let a = b.add_vec(vec![c(20)]);
        assert_eq!((a.opened, a.flush), (None, true));
        let (chunks, bytes) = b.take();
        assert_eq!((chunks.len(), bytes, b.is_empty()), (3, 1200, true));
        let mut zero = Buffer::new(1000, SimDuration::ZERO);
        assert!(zero.add_vec(vec![c(0)]).flush);
    }
}
