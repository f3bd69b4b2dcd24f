//! Retry policies as data: when a failed attempt is tried again, or that it is not (then the
//! stage's give-up route applies). Every service call of the model asks one of these from the
//! shared attempt loop ([`super::delivery`]); no stage computes its own retry times.

use super::delivery::Tries;
use crate::engine::{SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// What the retry duration of a [`RetryPolicy::Backoff`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// Time from the start of the first attempt, the attempt included: a retry is made only if
    /// it would start before `first start + duration` (OpenSearch, E2, T10).
    FromFirstStart,
    /// Only the pauses between attempts, not the time spent waiting for responses: the k-th
    /// retry is made only if the first k pauses sum to at most the duration (HTTP endpoint
    /// and Splunk, H5, SP1).
    PausesOnly,
}

/// When a failed attempt is tried again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RetryPolicy {
    /// A fixed pause after the failed attempt ended, for ever: only the retention window ends
    /// the retries, by expiring the records at an attempt's start (S1, T4, T5).
    Interval(SimDuration),
    /// Attempts on a fixed cadence counted from the first attempt's start, while the next
    /// start is before `first start + duration`; a slot that passed during a long attempt
    /// starts the retry when it ends (Redshift, R3, T10).
    Cadence {
        /// The cadence (5 minutes for Redshift).
        every: SimDuration,
        /// The retry duration.
        duration: SimDuration,
    },
    /// Capped exponential pauses with jitter: the k-th retry waits
    /// `min(max, initial * multiplier^(k-1) * j)` after the failed attempt ended, `j` drawn
    /// uniformly from `[1 - jitter, 1 + jitter]` (no draw when `jitter` is 0), within a
    /// duration counted as `budget` says (OpenSearch E2; HTTP endpoint H5; Splunk SP1).
    Backoff {
        /// The first pause.
        initial: SimDuration,
        /// The growth factor from one pause to the next.
        multiplier: u32,
        /// The longest pause.
        max: SimDuration,
        /// The relative spread of each pause.
        jitter: f64,
        /// The retry duration.
        duration: SimDuration,
        /// What the duration counts.
        budget: Budget,
    },
    /// `retries` retries, each `delay` after the failed attempt ended (Lambda, L2: three by
    /// default, immediate by default).
    Immediate {
        /// Retries after the first attempt.
        retries: u32,
        /// The pause before each retry.
        delay: SimDuration,
    },
}

impl RetryPolicy {
    /// When the next attempt of a batch whose attempt number `tries.attempts` failed and
    /// ended at `now` starts, or `None` when the policy gives up. A backoff with jitter draws
    /// from `rng` (the stage's own stream, X2); the pauses taken are added to `tries.paused`.
    pub(crate) fn next(
        &self,
        tries: &mut Tries,
        now: SimTime,
        rng: &mut ChaCha8Rng,
    ) -> Option<SimTime> {
        match *self {
            RetryPolicy::Interval(pause) => Some(now + pause),
            RetryPolicy::Cadence { every, duration } => {
                let slot = tries.first_start + SimDuration(every.0 * u64::from(tries.attempts));
                let start = slot.max(now);
                (start < tries.first_start + duration).then_some(start)
            }
            RetryPolicy::Backoff {
                initial,
                multiplier,
                max,
                jitter,
                duration,
                budget,
            } => {
                let k = tries.attempts.saturating_sub(1).min(40);
                let mut pause = initial
                    .0
                    .saturating_mul(u64::from(multiplier).saturating_pow(k));
                if jitter > 0.0 {
                    let j = rng.random_range(1.0 - jitter..=1.0 + jitter);
                    pause = (pause as f64 * j) as u64;
                }
                let pause = SimDuration(pause.min(max.0));
                let start = now + pause;
                let allowed = match budget {
                    Budget::FromFirstStart => start < tries.first_start + duration,
                    Budget::PausesOnly => tries.paused + pause <= duration,
                };
                allowed.then(|| {
                    tries.paused = tries.paused + pause;
                    start
                })
            }
            RetryPolicy::Immediate { retries, delay } => {
                (tries.attempts <= retries).then_some(now + delay)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    /// Attempts a batch gets when every attempt fails after `took` (starting at 0), and the
    /// start times of those attempts in seconds.
    fn attempts(policy: &RetryPolicy, took: SimDuration) -> (u32, Vec<f64>) {
        let mut rng = RngStreams::new(1).stream("retry-test");
        let mut tries = Tries::default();
        let mut start = SimTime(0);
        let mut starts = Vec::new();
        loop {
            tries.begin(start);
            starts.push(start.as_secs_f64());
            let Some(next) = policy.next(&mut tries, start + took, &mut rng) else {
                return (tries.attempts, starts);
            };
            assert!(tries.attempts < 10_000, "a policy that never gives up");
            start = next;
        }
    }

    fn cadence(duration_s: u64) -> RetryPolicy {
        RetryPolicy::Cadence {
            every: SimDuration::from_secs(300),
            duration: SimDuration::from_secs(duration_s),
        }
    }

    fn backoff(duration_s: u64, max_s: u64, jitter: f64, budget: Budget) -> RetryPolicy {
        RetryPolicy::Backoff {
            initial: SimDuration::from_secs(1),
            multiplier: 2,
            max: SimDuration::from_secs(max_s),
            jitter,
            duration: SimDuration::from_secs(duration_s),
            budget,
        }
    }

    /// R3: COPY attempts fall on the 5-minute cadence while `300 k < duration`: 3600 s -> 12
    /// attempts, 0 s -> 1, 7200 s -> 24, 301 s -> 2 (and 300 s -> 1), each 300 s apart.
    #[test]
    fn r3_cadence_gives_12_1_24_2_attempts() {
        for (duration, expect) in [(3600, 12), (0, 1), (7200, 24), (301, 2), (300, 1)] {
            let (n, starts) = attempts(&cadence(duration), SimDuration::from_secs(1));
            assert_eq!(n, expect, "duration {duration}");
            for (k, s) in starts.iter().enumerate() {
                assert_eq!(*s, 300.0 * k as f64);
            }
        }
    }

    /// T10 + R3: a COPY still running at its next slot retries when it ends, if that is inside
    /// the duration; a first attempt longer than the duration gets no retry.
    #[test]
    fn t10_cadence_slot_passed_during_a_long_attempt_retries_at_its_end() {
        let (n, starts) = attempts(&cadence(3600), SimDuration::from_secs(400));
        assert_eq!(starts[..3], [0.0, 400.0, 800.0]);
        assert_eq!(n, 9); // 0, 400, ..., 3200 start before 3600; 3600 does not
        let (n, _) = attempts(&cadence(300), SimDuration::from_secs(400));
        assert_eq!(n, 1);
    }

    /// E2: with 300 s counted from the first start and attempts that fail at once, retries
    /// start after 1, 2, 4, 8, 16, 32, 60, 60, 60 s (the pause doubles from 1 s, at most
    /// 60 s): starts 0, 1, 3, 7, 15, 31, 63, 123, 183, 243, and 303 is past the duration, so 10
    /// attempts. With 1 s per failing attempt the starts are 0, 2, 5, 10, 19, 36, 69, 130, 191,
    /// 252, and 313 is out: 10 attempts again.
    #[test]
    fn e2_backoff_from_first_start_gives_10_attempts_in_300_s() {
        let policy = backoff(300, 60, 0.0, Budget::FromFirstStart);
        let (n, starts) = attempts(&policy, SimDuration::ZERO);
        assert_eq!(n, 10);
        assert_eq!(
            starts,
            [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 123.0, 183.0, 243.0]
        );
        let (n, starts) = attempts(&policy, SimDuration::from_secs(1));
        assert_eq!(n, 10);
        assert_eq!(starts[9], 252.0);
        assert_eq!(
            attempts(
                &backoff(0, 60, 0.0, Budget::FromFirstStart),
                SimDuration::ZERO
            )
            .0,
            1
        );
    }

    /// H5: the budget counts only pauses `min(120 s, 2^(k-1) s)`: 300 s -> 9 attempts
    /// (1+2+4+8+16+32+64+120 = 247 <= 300 < 367), 7200 s -> 66, 0 s -> 1, whatever each
    /// attempt lasts; with 170 s per failing attempt and 300 s, 9 x 170 + 247 = 1,777 s.
    #[test]
    fn h5_pause_only_budget_gives_9_66_1_attempts() {
        for (duration, expect) in [(300, 9), (7200, 66), (0, 1)] {
            let policy = backoff(duration, 120, 0.0, Budget::PausesOnly);
            assert_eq!(attempts(&policy, SimDuration::ZERO).0, expect);
            assert_eq!(attempts(&policy, SimDuration::from_secs(170)).0, expect);
        }
        let (_, starts) = attempts(
            &backoff(300, 120, 0.0, Budget::PausesOnly),
            SimDuration::from_secs(170),
        );
        assert_eq!(starts.last().copied().unwrap_or_default() + 170.0, 1777.0);
        // E2's first-start counting would give 2 attempts in 341 s.
        let (n, starts) = attempts(
            &backoff(300, 120, 0.0, Budget::FromFirstStart),
            SimDuration::from_secs(170),
        );
        assert_eq!((n, starts[1] + 170.0), (2, 341.0));
    }

    /// H5: with jitter 0.15 every pause stays within +-15% of the nominal one.
    #[test]
    fn h5_jitter_keeps_pauses_within_15_percent() {
        let policy = backoff(7200, 120, 0.15, Budget::PausesOnly);
        let (_, starts) = attempts(&policy, SimDuration::ZERO);
        for (k, w) in starts.windows(2).enumerate() {
            let nominal = (2f64.powi(k as i32)).min(120.0);
            let pause = w[1] - w[0];
            assert!(pause >= nominal * 0.85 - 1e-6 && pause <= (nominal * 1.15).min(120.0) + 1e-6);
        }
    }

    /// L2: `Immediate(n)` gives n + 1 attempts, each `delay` after the last one ended.
    #[test]
    fn l2_immediate_gives_retries_plus_one_attempts() {
        for retries in [0, 3, 7] {
            let policy = RetryPolicy::Immediate {
                retries,
                delay: SimDuration::from_secs(2),
            };
            let (n, starts) = attempts(&policy, SimDuration::from_secs(1));
            assert_eq!(n, retries + 1);
            assert!(starts.windows(2).all(|w| w[1] - w[0] == 3.0));
        }
    }

    /// S1 + T4: `Interval` retries the pause after each failed attempt ended, however many
    /// attempts failed before: only the retention window (T12), not the policy, ends them.
    #[test]
    fn s1_interval_retries_after_the_pause_for_ever() {
        let mut rng = RngStreams::new(1).stream("t");
        let mut tries = Tries::default();
        let p = RetryPolicy::Interval(SimDuration::from_secs(5));
        for _ in 0..1000 {
            tries.begin(SimTime(0));
        }
        assert_eq!(
            p.next(&mut tries, SimTime(12_000_000), &mut rng),
            Some(SimTime(17_000_000))
        );
    }
}
