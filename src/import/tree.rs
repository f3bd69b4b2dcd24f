//! One tree for every input format: a node knows its path in the input and whether the
//! mapping read it, so that whatever was not read can be listed as not modelled.

use std::cell::Cell;
use std::fmt::Write as _;

/// A value of the input.
#[derive(Debug)]
pub(super) enum Value {
    /// `null`, or a value only known after deployment.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A list (a JSON array, a YAML sequence, repeated Terraform blocks).
    List(Vec<Node>),
    /// A map (an object, a mapping, a block).
    Map(Vec<(String, Node)>),
    /// A reference the input leaves to deployment time: `!Ref X`, `{"Fn::GetAtt": ...}`,
    /// `var.x` without a default. The text is how the input spells it.
    Symbolic(String),
}

/// A value with its path in the input and whether the mapping used it.
#[derive(Debug)]
pub(super) struct Node {
    /// Where it is in the input, e.g. `Resources.Stream.Properties.BufferingHints`.
    pub(super) path: String,
    /// What it is.
    pub(super) value: Value,
    /// The expression the value was computed from, when it was not a literal (a Terraform
    /// variable with a default, say).
    pub(super) origin: Option<String>,
    used: Cell<Use>,
}

/// How much of a node the mapping took into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Nothing yet.
    No,
    /// The node itself (its presence), not what is under it.
    Presence,
    /// The node and everything under it.
    Whole,
}

impl Node {
    /// A node at `path`.
    pub(super) fn new(path: String, value: Value) -> Node {
        Node {
            path,
            value,
            origin: None,
            used: Cell::new(Use::No),
        }
    }

    /// The same node, noting the expression its value came from.
    pub(super) fn resolved_from(mut self, expression: String) -> Node {
        self.origin = Some(expression);
        self
    }

    /// The path of a child: `parent.key`, or `key` at the root.
    pub(super) fn child_path(parent: &str, key: &str) -> String {
        if parent.is_empty() {
            key.to_string()
        } else {
            format!("{parent}.{key}")
        }
    }

    /// Marks this node (and everything under it) as taken into account.
    pub(super) fn mark(&self) {
        self.used.set(Use::Whole);
    }

    /// Marks the presence of this node as taken into account, but not what is under it (a
    /// `ParquetSerDe` block is modelled, its compression is not).
    pub(super) fn mark_presence(&self) {
        if self.used.get() == Use::No {
            self.used.set(Use::Presence);
        }
    }

    /// The child at `key` of a map; a list of one map (how Terraform's JSON writes a block) is
    /// looked through.
    pub(super) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            Value::List(items) if items.len() == 1 => items[0].get(key),
            _ => None,
        }
    }

    /// The node at a dotted path of keys, e.g. `BufferingHints.SizeInMBs`.
    pub(super) fn at(&self, dotted: &str) -> Option<&Node> {
        dotted.split('.').try_fold(self, |n, key| n.get(key))
    }

    /// The elements of a list, or the node itself when it is not a list (a block that
    /// appears once).
    pub(super) fn items(&self) -> Vec<&Node> {
        match &self.value {
            Value::List(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            _ => vec![self],
        }
    }

    /// The entries of a map.
    pub(super) fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            Value::List(items) if items.len() == 1 => items[0].entries(),
            _ => &[],
        }
    }

    /// True when neither this node nor anything under it was used.
    fn untouched(&self) -> bool {
        self.used.get() == Use::No
            && match &self.value {
                Value::List(items) => items.iter().all(Node::untouched),
                Value::Map(entries) => entries.iter().all(|(_, n)| n.untouched()),
                _ => true,
            }
    }

    /// True for a value that says nothing: null, an empty list or map.
    fn empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::List(items) => items.iter().all(Node::empty),
            Value::Map(entries) => entries.iter().all(|(_, n)| n.empty()),
            _ => false,
        }
    }

    /// Every part of the tree the mapping did not use, as `(path, value)`, largest untouched
    /// subtree first (a whole `EncryptionConfiguration` is one entry); empty values are
    /// skipped, as they set nothing.
    pub(super) fn unused(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.collect_unused(&mut out);
        out
    }

    fn collect_unused(&self, out: &mut Vec<(String, String)>) {
        if self.used.get() == Use::Whole || self.empty() {
            return;
        }
        if self.untouched() {
            out.push((self.path.clone(), self.brief()));
            return;
        }
        match &self.value {
            Value::List(items) => items.iter().for_each(|n| n.collect_unused(out)),
            Value::Map(entries) => entries.iter().for_each(|(_, n)| n.collect_unused(out)),
            _ => {}
        }
    }

    /// A one-line rendering, cut at 80 characters.
    pub(super) fn brief(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        if s.chars().count() > 80 {
            s = s.chars().take(77).collect::<String>() + "...";
        }
        s
    }

    fn render(&self, s: &mut String) {
        match &self.value {
            Value::Null => s.push_str("null"),
            Value::Bool(b) => {
                let _ = write!(s, "{b}");
            }
            Value::Num(x) => {
                let _ = write!(s, "{x}");
            }
            Value::Str(t) => {
                let _ = write!(s, "{t:?}");
            }
            Value::Symbolic(t) => s.push_str(t),
            Value::List(items) => {
                s.push('[');
                for (i, n) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    n.render(s);
                }
                s.push(']');
            }
            Value::Map(entries) => {
                s.push('{');
                for (i, (k, n)) in entries.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{k}: ");
                    n.render(s);
                }
                s.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(path: &str, v: f64) -> (String, Node) {
        let key = path.rsplit('.').next().unwrap_or(path).to_string();
        (key, Node::new(path.into(), Value::Num(v)))
    }

    #[test]
    fn unused_lists_untouched_subtrees_once_and_skips_used_leaves() {
        let hints = Node::new(
            "D.BufferingHints".into(),
            Value::Map(vec![
                leaf("D.BufferingHints.SizeInMBs", 5.0),
                leaf("D.BufferingHints.IntervalInSeconds", 300.0),
            ]),
        );
        let enc = Node::new(
            "D.Encryption".into(),
            Value::Map(vec![leaf("D.Encryption.Kms", 1.0)]),
        );
        let root = Node::new(
            "D".into(),
            Value::Map(vec![
                ("BufferingHints".into(), hints),
                ("Encryption".into(), enc),
            ]),
        );
        root.at("BufferingHints.SizeInMBs").map(Node::mark);
        let unused = root.unused();
        assert_eq!(
            unused,
            vec![
                (
                    "D.BufferingHints.IntervalInSeconds".to_string(),
                    "300".to_string()
                ),
                ("D.Encryption".to_string(), "{Kms: 1}".to_string()),
            ]
        );
    }
}
