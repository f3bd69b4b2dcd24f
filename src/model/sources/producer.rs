//! Producers (I1, I3): when each `PutRecordBatch` call is sent, how large it is, and how long a
//! producer waits before resending refused records.

use crate::engine::time::MICROS_PER_SEC;
use crate::engine::train::CallLaw;
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::scenario::{Backoff, DirectPut, Rate, SizeDist};
use crate::scenario::{MAX_CALL_BYTES, MAX_RECORD_BYTES};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal};

/// Call times of one producer.
enum Arrivals {
    /// T1 exactly: call k at `floor(k * step / denom)` us, computed without division.
    Constant {
        next: u64,
        whole: u64,
        frac: u64,
        rem: u64,
        denom: u64,
        /// The index of the call at `next`.
        k: u64,
    },
    /// Exponential gaps between calls, each rounded down to whole microseconds and added to
    /// an integer clock.
    Poisson { next_us: u64, gap: Exp<f64> },
    /// Call k when the cumulative records reach `k * records_per_call`.
    Steps {
        steps: Vec<(f64, f64)>,
        seg: usize,
        seg_cum: f64,
        k: u64,
    },
    /// Same, for a sinusoidal rate.
    Diurnal {
        mean: f64,
        amplitude: f64,
        period_s: f64,
        k: u64,
        last_s: f64,
    },
}

/// `rate` as an exact fraction `num / den` when it has at most 9 decimals (beyond that, the
/// nearest such fraction).
fn as_fraction(rate: f64) -> (u64, u64) {
    for den in [
        1u64,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ] {
        let num = rate * den as f64;
        if (num - num.round()).abs() < 1e-9 * num.max(1.0) && num.round() >= 1.0 {
            return (num.round() as u64, den);
        }
    }
    (((rate * 1e9).round() as u64).max(1), 1_000_000_000)
}

impl Arrivals {
    /// The law of constant-rate call times (T1), with `per_call` records a call.
    fn law(&self, per_call: u32) -> Option<CallLaw> {
        match *self {
            Arrivals::Constant {
                whole, frac, denom, ..
            } => Some(CallLaw::new(
                u64::from(per_call),
                whole * denom + frac,
                denom,
            )),
            _ => None,
        }
    }

    /// Moves a constant-rate producer `n` calls on without sending them (a call train took
    /// them): returns the index and time of the call now due.
    fn skip(&mut self, n: u64, per_call: u32) -> Option<(u64, SimTime)> {
        let law = self.law(per_call)?;
        let Arrivals::Constant { next, rem, k, .. } = self else {
            return None;
        };
        *k += n;
        let p = u128::from(*k) * u128::from(law.step);
        *next = (p / u128::from(law.denom)) as u64;
        *rem = (p % u128::from(law.denom)) as u64;
        Some((*k, SimTime(*next)))
    }

    fn new(rate: &Rate, records_per_call: u32) -> Self {
        let rpc = f64::from(records_per_call);
        match rate {
            Rate::Constant(r) => {
                // gap = rpc / rate s = rpc * den * 1e6 / num us.
                let (num, den) = as_fraction(*r);
                let step = u64::from(records_per_call) * den * MICROS_PER_SEC;
                Arrivals::Constant {
                    next: 0,
                    whole: step / num,
                    frac: step % num,
                    rem: 0,
                    denom: num,
                    k: 0,
                }
            }
            Rate::Poisson(r) => {
                let gap = Exp::new(r / rpc)
                    .unwrap_or_else(|_| Exp::new(1.0).expect("1.0 is a valid rate"));
                Arrivals::Poisson { next_us: 0, gap }
            }
            Rate::Steps(steps) => Arrivals::Steps {
                steps: steps.iter().map(|(t, r)| (t.as_secs_f64(), *r)).collect(),
                seg: 0,
                seg_cum: 0.0,
                k: 0,
            },
            Rate::Diurnal {
                mean,
                amplitude,
                period,
            } => Arrivals::Diurnal {
                mean: *mean,
                amplitude: *amplitude,
                period_s: period.as_secs_f64(),
                k: 0,
                last_s: 0.0,
            },
        }
    }

    /// The time of the next call, or `None` when the producer has no more calls.
    fn next(&mut self, rpc: f64, rng: &mut ChaCha8Rng) -> Option<SimTime> {
        match self {
            Arrivals::Constant {
                next,
                whole,
                frac,
                rem,
                denom,
                k,
            } => {
                let t = *next;
                *k += 1;
                *next += *whole;
                *rem += *frac;
                if *rem >= *denom {
                    *next += 1;
                    *rem -= *denom;
                }
                Some(SimTime(t))
            }
            Arrivals::Poisson { next_us, gap } => {
                let t = *next_us;
                let step = gap.sample(rng) * MICROS_PER_SEC as f64;
                *next_us = next_us.saturating_add(step.min(u64::MAX as f64 / 4.0) as u64);
                Some(SimTime(t))
            }
            Arrivals::Steps {
                steps,
                seg,
                seg_cum,
                k,
            } => {
                let target = *k as f64 * rpc;
                loop {
                    let (start, rate) = steps[*seg];
                    let end = steps.get(*seg + 1).map(|s| s.0);
                    let cum_at_end = end.map(|e| *seg_cum + rate * (e - start));
                    match cum_at_end {
                        Some(c) if c <= target => {
                            *seg_cum = c;
                            *seg += 1;
                        }
                        // A zero rate: move on to the next step, if there is one.
                        _ if rate <= 0.0 => {
                            end?;
                        }
                        _ => {
                            *k += 1;
                            let t = start + (target - *seg_cum) / rate;
                            return Some(
                                SimTime((t * MICROS_PER_SEC as f64 + 1e-3).floor() as u64),
                            );
                        }
                    }
                }
            }
            Arrivals::Diurnal {
                mean,
                amplitude,
                period_s,
                k,
                last_s,
            } => {
                let target = *k as f64 * rpc;
                *k += 1;
                let w = std::f64::consts::TAU / *period_s;
                let cum = |t: f64| *mean * (t + *amplitude / w * (1.0 - (w * t).cos()));
                // cum(t) >= mean * t, so the answer lies in [last, target / mean].
                let (mut lo, mut hi) = (*last_s, (target / *mean).max(*last_s));
                let mut t = *last_s;
                for _ in 0..100 {
                    let f = cum(t) - target;
                    if f.abs() < 1e-9 * target.max(1.0) || hi - lo < 1e-7 {
                        break;
                    }
                    if f < 0.0 {
                        lo = t;
                    } else {
                        hi = t;
                    }
                    let slope = *mean * (1.0 + *amplitude * (w * t).sin());
                    let newton = t - f / slope;
                    t = if slope > 0.0 && newton >= lo && newton <= hi {
                        newton
                    } else {
                        0.5 * (lo + hi)
                    };
                }
                *last_s = t;
                // Round down, forgiving the last bits of the float: a call due at exactly a
                // whole microsecond is not put one microsecond early.
                Some(SimTime((t * MICROS_PER_SEC as f64 + 1e-3).floor() as u64))
            }
        }
    }
}

/// The standard normal distribution function, from the error function of Abramowitz and
/// Stegun 7.1.26 (absolute error below 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Mean and variance of `min(X, 1,024,000)` for `X` log-normal with parameters `mu`,
/// `sigma`: the record sizes actually drawn, so that sums of many records have the right mean
/// however skewed the distribution.
fn clipped_lognormal_moments(mu: f64, sigma: f64) -> (f64, f64) {
    let cap = MAX_RECORD_BYTES as f64;
    if sigma <= 0.0 {
        return (mu.exp().min(cap), 0.0);
    }
    let s2 = sigma * sigma;
    let lc = cap.ln();
    let above = 1.0 - normal_cdf((lc - mu) / sigma);
    let m1 = (mu + s2 / 2.0).exp() * normal_cdf((lc - mu - s2) / sigma) + cap * above;
    let m2 =
        (2.0 * mu + 2.0 * s2).exp() * normal_cdf((lc - mu - 2.0 * s2) / sigma) + cap * cap * above;
    (m1, (m2 - m1 * m1).max(0.0))
}

/// Record sizes: the bytes of a call of `n` records.
enum Sizes {
    Fixed(u64),
    Uniform(u64, u64),
    LogNormal {
        dist: LogNormal<f64>,
        mu: f64,
        sigma: f64,
    },
}

/// Calls of more records than this draw their total from the normal approximation of the
/// sum (central limit theorem) rather than one draw per record.
const EXACT_SUM_UP_TO: u32 = 16;

impl Sizes {
    fn new(d: &SizeDist) -> Self {
        match *d {
            SizeDist::Fixed(n) => Sizes::Fixed(n),
            SizeDist::Uniform(a, b) => Sizes::Uniform(a, b),
            SizeDist::LogNormal { median, p99 } => {
                // z(0.99) = 2.326348: sigma from the ratio p99 / median.
                let sigma = ((p99 as f64) / (median as f64)).ln() / 2.326_348;
                let (mu, sigma) = ((median as f64).ln(), sigma.max(0.0));
                let dist = LogNormal::new(mu, sigma)
                    .unwrap_or_else(|_| LogNormal::new(0.0, 0.0).expect("valid"));
                Sizes::LogNormal { dist, mu, sigma }
            }
        }
    }

    fn one(&self, rng: &mut ChaCha8Rng) -> u64 {
        match self {
            Sizes::Fixed(n) => *n,
            Sizes::Uniform(a, b) => rng.random_range(*a..=*b),
            Sizes::LogNormal { dist, .. } => {
                (dist.sample(rng).round() as u64).clamp(1, MAX_RECORD_BYTES)
            }
        }
    }

    fn mean_var(&self) -> (f64, f64) {
        match self {
            Sizes::Fixed(n) => (*n as f64, 0.0),
            Sizes::Uniform(a, b) => {
                let w = (*b - *a + 1) as f64;
                ((*a + *b) as f64 / 2.0, (w * w - 1.0) / 12.0)
            }
            Sizes::LogNormal { mu, sigma, .. } => clipped_lognormal_moments(*mu, *sigma),
        }
    }

    fn call(&self, n: u32, rng: &mut ChaCha8Rng) -> u64 {
        let total = match self {
            Sizes::Fixed(b) => u64::from(n) * b,
            _ if n <= EXACT_SUM_UP_TO => (0..n).map(|_| self.one(rng)).sum(),
            Sizes::Uniform(a, b) => {
                // Symmetric and bounded: the normal approximation of the sum.
                let (m, v) = self.mean_var();
                let n_f = f64::from(n);
                let draw =
                    Normal::new(n_f * m, (n_f * v).sqrt()).map_or(n_f * m, |d| d.sample(rng));
                (draw.round().max(0.0) as u64).clamp(u64::from(n) * a, u64::from(n) * b)
            }
            Sizes::LogNormal { .. } => {
                // Skewed: a log-normal with the sum's mean and variance (Fenton-Wilkinson),
                // which stays positive and keeps the mean.
                let (m, v) = self.mean_var();
                let (mean, var) = (f64::from(n) * m, f64::from(n) * v);
                let s2 = (1.0 + var / (mean * mean)).ln();
                let draw =
                    LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt()).map_or(mean, |d| d.sample(rng));
                (draw.round() as u64).clamp(u64::from(n), u64::from(n) * MAX_RECORD_BYTES)
            }
        };
        total.min(MAX_CALL_BYTES)
    }
}

/// One producer's state.
pub struct Producer {
    /// Its name in the scenario.
    pub name: String,
    /// Records per call.
    pub records_per_call: u32,
    /// Resends allowed after the first try.
    pub max_retries: u32,
    backoff: Backoff,
    arrivals: Arrivals,
    sizes: Sizes,
    arrivals_rng: ChaCha8Rng,
    sizes_rng: ChaCha8Rng,
    retry_rng: ChaCha8Rng,
}

impl Producer {
    /// A producer for `spec`, drawing from the streams named after it.
    pub fn new(spec: &DirectPut, streams: &RngStreams) -> Self {
        let base = format!("source/{}", spec.name);
        Producer {
            name: spec.name.clone(),
            records_per_call: spec.records_per_call,
            max_retries: spec.max_retries,
            backoff: spec.backoff,
            arrivals: Arrivals::new(&spec.rate, spec.records_per_call),
            sizes: Sizes::new(&spec.record_bytes),
            arrivals_rng: streams.stream(&format!("{base}/arrivals")),
            sizes_rng: streams.stream(&format!("{base}/sizes")),
            retry_rng: streams.stream(&format!("{base}/retries")),
        }
    }

    /// The time of the next first-try call.
    pub fn next_call(&mut self) -> Option<SimTime> {
        self.arrivals
            .next(f64::from(self.records_per_call), &mut self.arrivals_rng)
    }

    /// The law of its call times and record ids when it sends at a constant rate (T1); the
    /// ids hold only when it is the run's one producer.
    pub fn law(&self) -> Option<CallLaw> {
        self.arrivals.law(self.records_per_call)
    }

    /// Bytes of every call when record sizes are fixed.
    pub fn fixed_call_bytes(&self) -> Option<u64> {
        match self.sizes {
            Sizes::Fixed(b) => Some((u64::from(self.records_per_call) * b).min(MAX_CALL_BYTES)),
            _ => None,
        }
    }

    /// Moves `n` first-try calls on without sending them (a call train carries them); returns
    /// the time of the call due next, as [`Producer::next_call`] would after them.
    pub fn skip_calls(&mut self, n: u64) -> Option<SimTime> {
        self.arrivals.skip(n, self.records_per_call).map(|(_, t)| t)
    }

    /// Bytes of the next call of `n` records.
    pub fn call_bytes(&mut self, n: u32) -> u64 {
        self.sizes.call(n, &mut self.sizes_rng)
    }

    /// Pause before resend number `retry` (1-based): full jitter below
    /// `min(max, initial * 2^(retry-1))` (I3 assumption).
    pub fn backoff(&mut self, retry: u32) -> SimDuration {
        let cap = self
            .backoff
            .initial
            .0
            .saturating_mul(1u64 << (retry.saturating_sub(1)).min(40))
            .min(self.backoff.max.0);
        SimDuration(self.retry_rng.random_range(0..=cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(rate: Rate, rpc: u32, n: usize) -> Vec<u64> {
        let mut a = Arrivals::new(&rate, rpc);
        let mut rng = RngStreams::new(1).stream("t");
        (0..n)
            .map(|_| a.next(f64::from(rpc), &mut rng).map_or(u64::MAX, |t| t.0))
            .collect()
    }

    /// T1: call k at floor(k * records_per_call / rate) seconds.
    #[test]
    fn t1_constant_rate_call_times_are_exact() {
        assert_eq!(
            times(Rate::Constant(3.0), 1, 4),
            vec![0, 333_333, 666_666, 1_000_000]
        );
        assert_eq!(
            times(Rate::Constant(1200.0), 100, 3),
            vec![0, 83_333, 166_666]
        );
        let t = times(Rate::Constant(0.7), 1, 3);
        assert_eq!(t, vec![0, 1_428_571, 2_857_142]);
        // Up to 9 decimals are exact: 1.0000004 records/s puts call 1 at 999,999 us.
        assert_eq!(times(Rate::Constant(1.0000004), 1, 2), vec![0, 999_999]);
        assert_eq!(
            times(Rate::Constant(0.0000015), 1, 2),
            vec![0, 666_666_666_666]
        );
    }

    #[test]
    fn steps_follow_the_cumulative_rate() {
        let steps = Rate::Steps(vec![
            (SimDuration::ZERO, 1.0),
            (SimDuration::from_secs(2), 0.0),
            (SimDuration::from_secs(10), 2.0),
        ]);
        assert_eq!(
            times(steps, 1, 5),
            vec![0, 1_000_000, 10_000_000, 10_500_000, 11_000_000]
        );
        let stop = Rate::Steps(vec![
            (SimDuration::ZERO, 1.0),
            (SimDuration::from_secs(2), 0.0),
        ]);
        assert_eq!(times(stop, 1, 3), vec![0, 1_000_000, u64::MAX]);
    }

    #[test]
    fn diurnal_mean_rate_over_a_period() {
        let d = Rate::Diurnal {
            mean: 10.0,
            amplitude: 0.9,
            period: SimDuration::from_secs(100),
        };
        let t = times(d, 1, 1001);
        // 1000 records at a mean of 10/s take one 100 s period.
        assert!((t[1000] as f64 - 100e6).abs() < 1e3, "{}", t[1000]);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
    }

    /// With amplitude 0 a diurnal rate is a constant one: the same call times, and no extra
    /// call at the end of a period.
    #[test]
    fn diurnal_with_no_swing_matches_constant() {
        let d = Rate::Diurnal {
            mean: 50.0,
            amplitude: 0.0,
            period: SimDuration::from_secs(3600),
        };
        let a = times(d, 1, 360_001);
        let c = times(Rate::Constant(50.0), 1, 360_001);
        let differ = a.iter().zip(&c).filter(|(x, y)| x != y).count();
        assert_eq!(differ, 0);
        assert_eq!(a[360_000], 7_200_000_000);
    }

    /// Sums of skewed log-normal sizes keep the clipped mean, for calls drawn record by record
    /// (up to 16) and from the normal approximation (17 and more) alike.
    #[test]
    fn skewed_lognormal_sums_keep_the_clipped_mean() {
        let sizes = Sizes::new(&SizeDist::LogNormal {
            median: 100,
            p99: 100_000,
        });
        let (mean, _) = sizes.mean_var();
        let mut rng = RngStreams::new(5).stream("t");
        for n in [16u32, 17, 200] {
            let calls = 400_000 / n;
            let total: u64 = (0..calls).map(|_| sizes.call(n, &mut rng)).sum();
            let got = total as f64 / f64::from(calls * n);
            assert!((got / mean - 1.0).abs() < 0.05, "n {n}: {got} vs {mean}");
        }
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
    }

    #[test]
    fn lognormal_call_sizes_have_the_expected_mean() {
        let sizes = Sizes::new(&SizeDist::LogNormal {
            median: 1000,
            p99: 4000,
        });
        let mut rng = RngStreams::new(3).stream("t");
        let n = 2000;
        let total: u64 = (0..n).map(|_| sizes.call(100, &mut rng)).sum();
        let (mean, _) = sizes.mean_var();
        let got = total as f64 / (n as f64 * 100.0);
        assert!((got / mean - 1.0).abs() < 0.01, "{got} vs {mean}");
    }
}
