//! The event queue: pops in (time, class, insertion sequence) order, so that ties are
//! first-in first-out within a class and a run is a pure function of its inputs. The class
//! lets a rule decide ties at an instant: T2 puts a buffer's deadline before any arrival at the
//! same instant, whenever either was scheduled.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A queued event's place: its order key and the slot that holds the event. The heap moves
/// only these 32 bytes; the events stay put in their slots.
struct Entry {
    /// `time << 64 | class << 56 | insertion sequence`: one comparison orders by time, then
    /// ties by class, then first-in first-out.
    key: u128,
    slot: u32,
}

impl Entry {
    #[inline]
    fn time(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest key first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of events of type `E`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `time`, after every event already scheduled at that time.
    pub fn push(&mut self, time: SimTime, event: E) {
        self.push_in_class(time, 2, event);
    }

    /// Schedules `event` at `time` ahead of every ordinary event at that time (e.g. a
    /// deadline, which T2 puts before arrivals at the same instant).
    pub fn push_first(&mut self, time: SimTime, event: E) {
        self.push_in_class(time, 1, event);
    }

    /// Schedules `event` at `time` ahead of every other event at that time, deadlines
    /// included: it sees the state just before the instant (a sample, K6).
    pub fn push_before_all(&mut self, time: SimTime, event: E) {
        self.push_in_class(time, 0, event);
    }

    /// Schedules `event` at `time` after every other event at that time, also those scheduled
    /// later for that time, except what it causes itself (`GetRecords`, K3).
    pub fn push_last(&mut self, time: SimTime, event: E) {
        self.push_in_class(time, 3, event);
    }

    /// Takes the place in the insertion order that an event pushed now would have, for an
    /// event that is pushed later with [`EventQueue::push_first_at`]: a deadline that need not
    /// be in the queue while an earlier one of the same buffer is.
    pub fn reserve(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` as [`EventQueue::push_first`] would have when `seq` was reserved.
    pub fn push_first_at(&mut self, time: SimTime, seq: u64, event: E) {
        self.insert(time, 1, seq, event);
    }

    fn push_in_class(&mut self, time: SimTime, class: u8, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(time, class, seq, event);
    }

    #[inline]
    fn insert(&mut self, time: SimTime, class: u8, seq: u64, event: E) {
        debug_assert!(seq < 1 << 56);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Entry {
            key: u128::from(time.0) << 64 | u128::from(u64::from(class) << 56 | seq),
            slot,
        });
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        self.popped += 1;
        self.free.push(e.slot);
        let event = self.slots[e.slot as usize].take()?;
        Some((e.time(), event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time())
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "b");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "c");
        q.push(SimTime(3), "x");
        q.push_last(SimTime(5), "last");
        q.push_first(SimTime(5), "first");
        q.push_before_all(SimTime(5), "sample");
        q.push(SimTime(5), "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            vec!["a", "x", "sample", "first", "b", "c", "d", "last"]
        );
    }

    /// The key keeps time above class and sequence at any magnitude: one microsecond earlier
    /// wins over any class and any sequence, even past 2^56 us (about 2,284 years).
    #[test]
    fn time_orders_before_class_and_sequence_at_any_magnitude() {
        let mut q = EventQueue::new();
        let big = 1u64 << 60;
        q.push_before_all(SimTime(big + 1), "later sample");
        q.push_last(SimTime(big), "earlier last");
        q.push(SimTime(u64::MAX), "end of time");
        q.push_first(SimTime(big + 1), "later deadline");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(
            order,
            vec![
                (big, "earlier last"),
                (big + 1, "later sample"),
                (big + 1, "later deadline"),
                (u64::MAX, "end of time")
            ]
        );
    }

    /// A reserved place keeps its order: pushed later, the event comes where a
    /// `push_first` at reservation would have put it among same-instant deadlines.
    #[test]
    fn a_reserved_place_keeps_its_order() {
        let mut q = EventQueue::new();
        let early = q.reserve();
        q.push_first(SimTime(5), "second");
        q.push(SimTime(5), "arrival");
        q.push_first_at(SimTime(5), early, "first");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["first", "second", "arrival"]);
    }
}
