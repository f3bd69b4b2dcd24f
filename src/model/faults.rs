//! Injected faults (X1): the compiled form of a scenario's `faults` for one target.

use crate::engine::SimTime;
use crate::scenario::{Fault, Target};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Outage,
    Errors(f64),
    Slow(f64),
    AckLost(f64),
    Throttle(f64),
}

#[derive(Debug, Clone, Copy)]
struct Active {
    kind: Kind,
    from: u64,
    until: u64,
}

/// What the faults do to one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallFate {
    /// The call fails (`Outage`, or an `Errors` draw).
    pub failed: bool,
    /// The call succeeds at the target but is reported failed (`AckLost` draw).
    pub ack_lost: bool,
    /// Factor on the call's time (`Slow`).
    pub slow: f64,
}

impl CallFate {
    /// The fate of a call no fault acts on.
    pub const NONE: CallFate = CallFate {
        failed: false,
        ack_lost: false,
        slow: 1.0,
    };
}

/// The faults of one target, in scenario order.
#[derive(Debug, Clone, Default)]
pub struct FaultSet {
    faults: Vec<Active>,
}

impl FaultSet {
    /// The faults of `faults` that act on `target`.
    pub fn for_target(faults: &[Fault], target: Target) -> Self {
        let faults = faults
            .iter()
            .filter(|f| f.target() == target)
            .map(|f| {
                let (from, until) = f.window();
                let kind = match *f {
                    Fault::Outage { .. } => Kind::Outage,
                    Fault::Errors { probability, .. } => Kind::Errors(probability),
                    Fault::Slow { factor, .. } => Kind::Slow(factor),
                    Fault::AckLost { probability, .. } => Kind::AckLost(probability),
                    Fault::Throttle { factor, .. } => Kind::Throttle(factor),
                };
                Active {
                    kind,
                    from: from.0,
                    until: until.0,
                }
            })
            .collect();
        FaultSet { faults }
    }

    /// The fate of a call starting at `start`, as [`FaultSet::call`], with no draw at all when
    /// no fault acts on the target (X2: a component without faults draws nothing).
    #[inline]
    pub fn fate(&self, start: SimTime, rng: &mut ChaCha8Rng) -> CallFate {
        if self.faults.is_empty() {
            CallFate::NONE
        } else {
            self.call(start, rng)
        }
    }

    /// True when no fault acts on the target.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The fate of a call starting at `start` (T3: the window is judged at the call's start).
    /// Draws from `rng` once for every probabilistic fault whose window holds `start`.
    pub fn call(&self, start: SimTime, rng: &mut ChaCha8Rng) -> CallFate {
        let mut fate = CallFate {
            failed: false,
            ack_lost: false,
            slow: 1.0,
        };
        for f in &self.faults {
            if start.0 < f.from || start.0 >= f.until {
                continue;
            }
            match f.kind {
                Kind::Outage => fate.failed = true,
                Kind::Errors(p) => fate.failed |= rng.random_bool(p),
                Kind::Slow(x) => fate.slow *= x,
                Kind::AckLost(p) => fate.ack_lost |= rng.random_bool(p),
                Kind::Throttle(_) => {}
            }
        }
        if fate.failed {
            fate.ack_lost = false;
        }
        fate
    }

    /// When no fault that can fail, slow or draw for a call holds `at`: the instant the next
    /// such fault starts (`SimTime(u64::MAX)` when none does), before which every call meets
    /// no fault and draws nothing (`Throttle` acts on quota windows, not on calls). `None`
    /// when such a fault holds `at`.
    #[inline]
    pub fn calm_until(&self, at: SimTime) -> Option<SimTime> {
        let mut next = u64::MAX;
        for f in &self.faults {
            if matches!(f.kind, Kind::Throttle(_)) || at.0 >= f.until {
                continue;
            }
            if at.0 >= f.from {
                return None;
            }
            next = next.min(f.from);
        }
        Some(SimTime(next))
    }

    /// Product of the `Throttle` factors whose window holds `at`.
    pub fn throttle(&self, at: SimTime) -> f64 {
        self.faults
            .iter()
            .filter(|f| at.0 >= f.from && at.0 < f.until)
            .map(|f| match f.kind {
                Kind::Throttle(x) => x,
                _ => 1.0,
            })
            .product()
    }
}
