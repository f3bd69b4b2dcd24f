//! Finds where a value sits in a RON text, by path (`sources[0].rate`,
//! `destination.buffering_hints.size_in_mbs`), so that a validation error can point at the
//! offending line and column. RON's deserializer keeps no spans for values; this small scanner
//! walks the same text and records the byte span of every field and list element.
//!
//! Paths are written in the scenario's own terms: a named field adds `.name`, the n-th element
//! of a list or of a tuple adds `[n]`, and an enum variant wrapping a struct (`S3(...)`,
//! `DirectPut(...)`) adds nothing, so `destination: S3(buffering_hints: (...))` yields
//! `destination.buffering_hints`.

use std::collections::BTreeMap;
use std::ops::Range;

/// Byte spans of every value in a RON text, by path.
pub struct Locator {
    spans: BTreeMap<String, Range<usize>>,
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    spans: BTreeMap<String, Range<usize>>,
    depth: usize,
}

impl<'a> Scanner<'a> {
    /// The bytes from the cursor on (empty at the end, never out of bounds).
    fn rest(&self) -> &'a [u8] {
        self.src.get(self.pos..).unwrap_or(&[])
    }

    /// Moves the cursor `n` bytes on, never past the end.
    fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.src.len());
    }

    fn skip_ws(&mut self) {
        // RON's whitespace beyond ASCII: NEL, LRM, RLM, LINE and PARAGRAPH SEPARATOR.
        const WIDE_WS: [&str; 5] = ["\u{85}", "\u{200E}", "\u{200F}", "\u{2028}", "\u{2029}"];
        loop {
            let rest = self.rest();
            if rest.first().is_some_and(u8::is_ascii_whitespace) {
                self.advance(1);
            } else if let Some(w) = WIDE_WS.iter().find(|w| rest.starts_with(w.as_bytes())) {
                self.advance(w.len());
            } else if rest.starts_with(b"//") {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.advance(1);
                }
            } else if rest.starts_with(b"/*") {
                // Block comments nest in RON.
                self.advance(2);
                let mut level = 1;
                while level > 0 && self.pos < self.src.len() {
                    if self.rest().starts_with(b"/*") {
                        level += 1;
                        self.advance(2);
                    } else if self.rest().starts_with(b"*/") {
                        level -= 1;
                        self.advance(2);
                    } else {
                        self.advance(1);
                    }
                }
            } else if rest.starts_with(b"#!") {
                while self.peek().is_some_and(|c| c != b']') {
                    self.advance(1);
                }
                self.advance(1);
            } else {
                return;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    /// An identifier, raw (`r#name`) or not; the range excludes the `r#`.
    fn ident(&mut self) -> Option<Range<usize>> {
        let raw = self.rest().starts_with(b"r#")
            && self
                .src
                .get(self.pos + 2)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
        if raw {
            self.advance(2);
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || (raw && matches!(c, b'.' | b'+' | b'-')) {
                self.advance(1);
            } else {
                break;
            }
        }
        (self.pos > start).then_some(start..self.pos)
    }

    /// A string or character quoted by `quote` at the cursor, with backslash escapes.
    fn quoted(&mut self, quote: u8) {
        self.advance(1);
        while let Some(c) = self.peek() {
            self.advance(1);
            if c == b'\\' {
                self.advance(1);
            } else if c == quote {
                break;
            }
        }
    }

    /// A byte string (`b"..."`, `b'.'`) or a raw string (`r"..."`, `r#"..."#`, `br"..."`) at
    /// the cursor: true when one was scanned. Raw strings have no escapes, so a backslash in
    /// one must not be read as escaping the closing quote.
    fn prefixed_string(&mut self) -> bool {
        let rest = self.rest();
        if rest.starts_with(b"b\"") || rest.starts_with(b"b'") {
            self.advance(1);
            self.quoted(rest[1]);
            return true;
        }
        let after_prefix = if rest.starts_with(b"br") {
            2
        } else if rest.starts_with(b"r") {
            1
        } else {
            return false;
        };
        let hashes = rest[after_prefix..]
            .iter()
            .take_while(|&&c| c == b'#')
            .count();
        if rest.get(after_prefix + hashes) != Some(&b'"') {
            return false;
        }
        self.advance(after_prefix + hashes + 1);
        loop {
            match self.peek() {
                None => return true,
                Some(b'"') => {
                    self.advance(1);
                    if self.rest().iter().take(hashes).all(|&c| c == b'#')
                        && self.rest().len() >= hashes
                    {
                        self.advance(hashes);
                        return true;
                    }
                }
                Some(_) => self.advance(1),
            }
        }
    }

    /// Scans one value at the cursor, recording spans below `path`. Returns false at an
    /// unexpected byte (the scan then stops: RON's own parser reports syntax errors).
    fn value(&mut self, path: &str) -> bool {
        self.depth += 1;
        if self.depth > 64 {
            return false;
        }
        self.skip_ws();
        let start = self.pos;
        let ok = if self.prefixed_string() {
            true
        } else {
            match self.peek() {
                Some(q @ (b'"' | b'\'')) => {
                    self.quoted(q);
                    true
                }
                Some(b'[') => self.seq(path, b']'),
                Some(b'(') => self.parens(path),
                Some(b'{') => self.seq(path, b'}'),
                Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                    self.ident();
                    self.skip_ws();
                    if self.peek() == Some(b'(') {
                        self.parens(path)
                    } else {
                        true
                    }
                }
                Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => {
                    while let Some(c) = self.peek() {
                        if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+' | b'_') {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    true
                }
                _ => false,
            }
        };
        self.depth -= 1;
        if ok {
            self.spans
                .entry(path.to_string())
                .or_insert(start..self.pos);
        }
        ok
    }

    /// `[a, b]` or `{k: v}`: elements get `[n]`.
    fn seq(&mut self, path: &str, close: u8) -> bool {
        self.pos += 1;
        let mut n = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(c) if c == close => {
                    self.pos += 1;
                    return true;
                }
                None => return false,
                _ => {}
            }
            if !self.value(&format!("{path}[{n}]")) {
                return false;
            }
            n += 1;
            self.skip_ws();
            if self.peek() == Some(b':') {
                self.pos += 1;
                if !self.value(&format!("{path}[{}]", n - 1)) {
                    return false;
                }
                self.skip_ws();
            }
            if self.peek() == Some(b',') {
                self.pos += 1;
            }
        }
    }

    /// `( ... )`: named fields `name: value` add `.name`; unnamed elements add `[n]`.
    fn parens(&mut self, path: &str) -> bool {
        self.pos += 1;
        let mut n = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    return true;
                }
                None => return false,
                _ => {}
            }
            let save = self.pos;
            let mut named = None;
            if let Some(r) = self.ident() {
                self.skip_ws();
                if self.peek() == Some(b':') {
                    self.pos += 1;
                    named = Some(r);
                } else {
                    self.pos = save;
                }
            }
            let ok = match named {
                Some(r) => {
                    let name = String::from_utf8_lossy(&self.src[r]).into_owned();
                    let child = if path.is_empty() {
                        name
                    } else {
                        format!("{path}.{name}")
                    };
                    self.value(&child)
                }
                None => {
                    let ok = self.value(&format!("{path}[{n}]"));
                    n += 1;
                    ok
                }
            };
            if !ok {
                return false;
            }
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.pos += 1;
            }
        }
    }
}

impl Locator {
    /// Scans `src`. Never fails: a text it cannot follow yields fewer spans.
    pub fn new(src: &str) -> Self {
        let mut s = Scanner {
            src: src.as_bytes(),
            pos: 0,
            spans: BTreeMap::new(),
            depth: 0,
        };
        s.value("");
        Locator { spans: s.spans }
    }

    /// The span of `path`, or of its nearest enclosing value that was written.
    pub fn find(&self, path: &str) -> Option<Range<usize>> {
        let mut p = path.to_string();
        loop {
            if let Some(r) = self.spans.get(&p) {
                return Some(r.clone());
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `src`.
pub fn line_col(src: &str, at: usize) -> (usize, usize) {
    let at = at.min(src.len());
    let before = &src.as_bytes()[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Byte offset of 1-based `line` and `col` (in characters) in `src`.
pub fn offset_of(src: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = l
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + within;
        }
        offset += l.len();
    }
    src.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields_and_elements() {
        let src = "#![enable(implicit_some)]\nScenario(\n  name: \"x\", // c\n  sources: [DirectPut(name: \"a\", rate: Constant(5.0))],\n  destination: S3(buffering_hints: (size_in_mbs: 999)),\n  faults: [Outage(target: S3), Errors(target: S3, probability: 2.0)],\n)";
        let l = Locator::new(src);
        let at = |p: &str| {
            let r = l.find(p).unwrap();
            &src[r]
        };
        assert_eq!(at("name"), "\"x\"");
        assert_eq!(at("sources[0].rate"), "Constant(5.0)");
        assert_eq!(at("destination.buffering_hints.size_in_mbs"), "999");
        assert_eq!(at("faults[1].probability"), "2.0");
        // Not written: falls back to the enclosing value.
        assert_eq!(
            at("destination.buffering_hints.interval_in_seconds"),
            "(size_in_mbs: 999)"
        );
        let r = l.find("destination.buffering_hints.size_in_mbs").unwrap();
        assert_eq!(line_col(src, r.start), (5, 50));
    }

    #[test]
    fn raw_strings_nested_comments_and_a_final_backslash_keep_the_scan_in_step() {
        let src = "Scenario(\n  name: r\"C:\\\", /* a /* b */ \"c\" */\n  r#seed: 1, tag: r#\"say \"hi\"\"#,\n  rate: 2.0,\n)\n// \\";
        let l = Locator::new(src);
        let at = |p: &str| &src[l.find(p).unwrap()];
        assert_eq!(at("name"), "r\"C:\\\"");
        assert_eq!(at("seed"), "1");
        assert_eq!(at("tag"), "r#\"say \"hi\"\"#");
        assert_eq!(at("rate"), "2.0");
    }
}
