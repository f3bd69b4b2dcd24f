//! A seeded mutation loop over the command line: bundled scenarios, sweeps and properties are
//! cut, spliced with tokens, given extreme numbers and deep nesting, and run through the built
//! binary with a time limit. Whatever the input, the process exits 0, 1 or 2 (never a panic or
//! a signal), an exit 2 names where the input is wrong, and a run that succeeds conserves its
//! records (F2).
//!
//! `cargo test` runs a few hundred cases; the long run is
//! `cargo test --release --test fuzz_cli -- --ignored fuzz` (20,000 cases, `FUZZ_CASES` to
//! change the count).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_firehose-sim");

/// A small deterministic generator (xorshift64*), so that a failing case can be replayed from
/// its number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: [&str; 24] = [
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "Range(",
    "1e308",
    "-1",
    "18446744073709551616",
    "NaN",
    "inf",
    "0",
    "\"1h\"",
    "\"-5s\"",
    "Some(",
    "None",
    "//",
    "/*",
    "&&",
    "||",
    "99999999999",
    "\"\"",
];

const EXTREMES: [&str; 10] = [
    "0",
    "-1",
    "1e308",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "0.0000001",
    "NaN",
    "inf",
    "99999",
];

/// One mutation of `text`.
fn mutate(text: &str, rng: &mut Rng) -> Vec<u8> {
    let mut t: Vec<u8> = text.as_bytes().to_vec();
    let at = |rng: &mut Rng, t: &Vec<u8>| rng.below(t.len() + 1);
    for _ in 0..1 + rng.below(3) {
        match rng.below(6) {
            0 if !t.is_empty() => {
                let i = at(rng, &t).min(t.len() - 1);
                let n = (1 + rng.below(20)).min(t.len() - i);
                t.drain(i..i + n);
            }
            1 => {
                let i = at(rng, &t);
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                t.splice(i..i, tok.iter().copied());
            }
            2 => {
                // A number in the text becomes an extreme one.
                let digits: Vec<usize> = (0..t.len()).filter(|&i| t[i].is_ascii_digit()).collect();
                if let Some(&i) = digits.get(rng.below(digits.len())) {
                    let mut j = i;
                    while j < t.len() && (t[j].is_ascii_digit() || t[j] == b'.') {
                        j += 1;
                    }
                    let e = EXTREMES[rng.below(EXTREMES.len())].as_bytes();
                    t.splice(i..j, e.iter().copied());
                }
            }
            3 => {
                // Deep nesting.
                let i = at(rng, &t);
                let depth = 50 + rng.below(2_000);
                let open = if rng.below(2) == 0 { b'(' } else { b'[' };
                t.splice(i..i, std::iter::repeat_n(open, depth));
            }
            4 => {
                let i = at(rng, &t);
                t.insert(i, 0xff);
            }
            _ => {
                // A line of the text repeated.
                let lines: Vec<&[u8]> = t.split(|&b| b == b'\n').collect();
                let line = lines[rng.below(lines.len())].to_vec();
                let i = at(rng, &t);
                t.splice(i..i, line.into_iter().chain([b'\n']));
            }
        }
    }
    t
}

/// What a finished child did: exit code (None on a signal or the time limit), stdout, stderr.
struct Ran {
    code: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

fn run_with_limit(dir: &Path, args: &[&str], limit: Duration) -> Ran {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            timed_out = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    Ran {
        code: status.and_then(|s| s.code()),
        timed_out,
        stdout,
        stderr,
    }
}

/// True when an error message names a place: `file:line:col`, a flag, a column, or (a usage
/// error of the command line's parser) the argument it refused.
fn has_place(stderr: &str) -> bool {
    stderr.lines().filter(|l| l.starts_with("error:")).all(|l| {
        let located = l.split(':').collect::<Vec<_>>().windows(2).any(|w| {
            !w[0].is_empty()
                && w[0].trim().chars().all(|c| c.is_ascii_digit())
                && !w[1].is_empty()
                && w[1].chars().take_while(|c| c.is_ascii_digit()).count() > 0
        });
        located || l.contains("--") || l.contains("column ") || l.contains("argument '")
    })
}

/// The bundled inputs the mutations start from (benchmarks left out: they run for seconds).
fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.ends_with(".ron") && !name.starts_with("bench-") && !name.contains("30h")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

const PROPERTIES: [&str; 4] = [
    "records.lost == 0",
    "no-skip && latency_seconds.p99 < \"15m\"",
    "(records.duplicates == 0 || records.skipped <= 10) && s3.objects > 0",
    "no-loss",
];

/// Runs `cases` mutated cases from seed `seed` and panics with the first broken promise.
fn fuzz(cases: u64, seed: u64) {
    let dir = std::env::temp_dir().join(format!("firehose-fuzz-{seed}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = corpus();
    // Sweeps refer to their base scenarios by name: the originals sit beside the mutants.
    for (name, text) in &corpus {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut timeouts = 0;
    for case in 0..cases {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (case + 1));
        let (name, text) = &corpus[rng.below(corpus.len())];
        let sweep = text.contains("Sweep(");
        let file = format!("mutant-{case}.ron");
        let mut args: Vec<String> = Vec::new();
        match rng.below(4) {
            // A property mutated on the command line.
            0 if !sweep => {
                std::fs::write(dir.join(&file), text).unwrap();
                let p = PROPERTIES[rng.below(PROPERTIES.len())];
                let p = String::from_utf8_lossy(&mutate(p, &mut rng)).into_owned();
                args.extend(["check".into(), file.clone(), "--cases".into(), "2".into()]);
                args.extend(["--property".into(), p]);
            }
            _ => {
                std::fs::write(dir.join(&file), mutate(text, &mut rng)).unwrap();
                if sweep {
                    args.extend(["sweep".into(), file.clone(), "--jobs".into(), "1".into()]);
                    args.extend(["--out".into(), format!("out-{case}")]);
                } else {
                    args.extend(["run".into(), file.clone(), "--format".into(), "json".into()]);
                }
            }
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_with_limit(&dir, &argv, Duration::from_secs(10));
        let what = format!(
            "case {case} (seed {seed}, from {name}): {argv:?}\n{}",
            r.stderr
        );
        if r.timed_out {
            // A mutant may ask for a long run (a bigger duration or rate); that is not a fault.
            timeouts += 1;
            continue;
        }
        assert!(
            matches!(r.code, Some(0..=2)),
            "exit {:?}, a panic or a signal: {what}",
            r.code
        );
        assert!(!r.stderr.contains("panicked"), "{what}");
        if r.code == Some(2) {
            assert!(
                r.stderr.contains("error"),
                "exit 2 without an error: {what}"
            );
            assert!(has_place(&r.stderr), "an error without a place: {what}");
        }
        if r.code == Some(0) && argv[0] == "run" {
            let json: serde_json::Value = serde_json::from_str(&r.stdout)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {what}"));
            let rec = &json["records"];
            let n = |k: &str| rec[k].as_u64().unwrap_or(0);
            let fates: u64 = [
                "delivered",
                "dropped",
                "processing_failed",
                "skipped",
                "expired",
                "discarded",
                "rejected",
                "in_flight",
            ]
            .iter()
            .map(|k| n(k))
            .sum();
            assert_eq!(fates, n("produced"), "F2 broken: {what}");
        }
        let _ = std::fs::remove_file(dir.join(&file));
        let _ = std::fs::remove_dir_all(dir.join(format!("out-{case}")));
    }
    assert!(
        timeouts * 10 <= cases,
        "{timeouts} of {cases} cases hit the time limit"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Exit codes, messages and conservation on 300 mutated inputs.
#[test]
fn fuzz_the_command_line() {
    fuzz(300, 1);
}

/// The long campaign (see the module doc).
#[test]
#[ignore]
fn fuzz_long() {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(20_000);
    fuzz(cases, 2);
}
