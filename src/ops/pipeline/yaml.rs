//! The reading side of `cnbcargo ci`: `.cnb.yaml` parsed twice, as a tree
//! of nodes that remember where they were written (to find the lines the
//! text edit touches, and to say which construct stops it) and as the
//! document YAML tools see (to check the edit and find a publishing
//! `script`).

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::{Yaml, YamlLoader};

use crate::shell::clean_line;

/// Deeper nesting than any pipeline needs; the walks below recurse, and
/// so do the parsed document's comparison and drop.
const MAX_DEPTH: usize = 128;
/// Nodes the document may hold once aliases are expanded: the parsed
/// document copies an anchored node for each alias of it, so a few lines
/// of nested aliases would otherwise take gigabytes ("billion laughs").
const MAX_NODES: u64 = 1_000_000;

/// One node as written.
pub struct Node {
    /// Where the parser marks it: a scalar or alias where it starts, a flow
    /// collection at its bracket, a block sequence at its first `-` (an
    /// indentless one after it), a block mapping at its first key's `:`.
    mark: Marker,
    /// A tag (`!name`) on it.
    pub tagged: bool,
    pub kind: Kind,
    /// Nodes with aliases expanded, itself included.
    size: u64,
    /// The parser's id of its anchor (`&name`), 0 for none.
    anchor: usize,
}

pub enum Kind {
    Scalar(String, TScalarStyle),
    Alias,
    Seq(Vec<Node>),
    /// Keys and values, alternating.
    Map(Vec<Node>),
}

impl Node {
    /// The line it starts on, counted from 1.
    pub fn line(&self) -> usize {
        self.mark.line()
    }

    /// The column it starts at, in characters from 0.
    pub fn col(&self) -> usize {
        self.mark.col()
    }

    /// Whether it has an anchor, so that aliases elsewhere share it.
    pub fn anchored(&self) -> bool {
        self.anchor > 0
    }

    /// Whether it is the scalar `text`, in any quoting style and with or
    /// without a tag (`!!str $` is the key `$` too).
    pub fn is_scalar(&self, text: &str) -> bool {
        matches!(&self.kind, Kind::Scalar(v, _) if v == text)
    }

    /// Whether it is written as nothing at all (`key:` and no value).
    pub fn is_empty(&self) -> bool {
        !self.anchored()
            && !self.tagged
            && matches!(&self.kind, Kind::Scalar(v, TScalarStyle::Plain) if v.is_empty())
    }

    /// The key/value pairs of a mapping.
    pub fn entries(&self) -> Option<impl Iterator<Item = (&Node, &Node)>> {
        match &self.kind {
            Kind::Map(nodes) => Some(nodes.chunks_exact(2).map(|kv| (&kv[0], &kv[1]))),
            _ => None,
        }
    }

    /// The value of the first key written `key`.
    pub fn get(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()?.find(|(k, _)| k.is_scalar(key))
    }
}

/// Why the file cannot be read as one YAML document `ci` may work on.
pub struct Unreadable {
    pub why: String,
    pub hint: &'static str,
}

const FIX_AND_RERUN: &str =
    "fix the file (a YAML linter shows the same), then run `cnbcargo ci` again";

/// The file's single document, as written and as YAML tools read it
/// (`None` for a file of comments and blank lines).
pub fn parse(text: &str) -> Result<Option<(Node, Yaml)>, Unreadable> {
    let mut tree = Tree::default();
    if let Err(e) = Parser::new_from_str(text).load(&mut tree, true) {
        return Err(invalid(&e));
    }
    if let Some(why) = tree.refused {
        return Err(Unreadable {
            why,
            hint: "add the pipeline by hand (`cnbcargo ci --dry-run` in an empty directory prints it)",
        });
    }
    if tree.docs.len() > 1 {
        return Err(Unreadable {
            why: format!(
                "the file holds {} YAML documents (separated by `---`), where CNB reads one",
                tree.docs.len()
            ),
            hint: "keep one document, or add the pipeline by hand (`cnbcargo ci --dry-run` in an empty directory prints it)",
        });
    }
    let Some(root) = tree.docs.pop() else {
        return Ok(None);
    };
    duplicates(&root)?;
    // yaml-rust2's loader refuses duplicate keys too (comparing values as
    // YAML does, where the walk above compares the scalars written), and
    // would catch one the walk does not see (a key that is an alias).
    let mut docs = YamlLoader::load_from_str(text).map_err(|e| invalid(&e))?;
    match docs.pop() {
        Some(doc) if docs.is_empty() => Ok(Some((root, doc))),
        _ => Err(Unreadable {
            why: "the YAML parsers disagree on this file".into(),
            hint: FIX_AND_RERUN,
        }),
    }
}

/// Parses text `ci` wrote: its one document, or why not.
pub fn load(text: &str) -> Result<Yaml, String> {
    let why = |e: yaml_rust2::ScanError| {
        if e.info().contains("duplicated key") {
            format!("a key would be written twice (line {})", e.marker().line())
        } else {
            format!("{} (line {})", e.info(), e.marker().line())
        }
    };
    let mut tree = Tree::default();
    Parser::new_from_str(text)
        .load(&mut tree, true)
        .map_err(why)?;
    if let Some(why) = tree.refused {
        return Err(why);
    }
    let mut docs = YamlLoader::load_from_str(text).map_err(why)?;
    match (docs.pop(), docs.is_empty()) {
        (Some(doc), true) => Ok(doc),
        _ => Err("it would not hold exactly one YAML document".into()),
    }
}

fn invalid(e: &yaml_rust2::ScanError) -> Unreadable {
    let m = e.marker();
    let why = if e.info().contains("duplicated key") {
        format!(
            "a key is written twice in one mapping (line {}): strict YAML parsers reject the file and others keep only one of the two",
            m.line()
        )
    } else {
        format!(
            "the file is not valid YAML: {} (line {}, column {})",
            clean_line(e.info()),
            m.line(),
            m.col() + 1
        )
    };
    Unreadable {
        why,
        hint: FIX_AND_RERUN,
    }
}

/// Two keys of one mapping that are the same scalar: strict parsers (and
/// CNB's, for all anyone knows) refuse the file, lenient ones keep one of
/// the two, and which one differs between them.
fn duplicates(node: &Node) -> Result<(), Unreadable> {
    match &node.kind {
        Kind::Seq(items) => items.iter().try_for_each(duplicates),
        Kind::Map(nodes) => {
            let keys: Vec<(Yaml, &Node)> = nodes
                .iter()
                .step_by(2)
                .filter_map(|k| Some((identity(k)?, k)))
                .collect();
            for (i, (id, key)) in keys.iter().enumerate() {
                if let Some((_, first)) = keys[..i].iter().find(|(other, _)| other == id) {
                    let Kind::Scalar(text, _) = &key.kind else {
                        unreachable!("identity is for scalars")
                    };
                    return Err(Unreadable {
                        why: format!(
                            "the key `{}` is written twice in one mapping (lines {} and {}): strict YAML parsers reject the file and others keep only one of the two",
                            shown(text),
                            first.line(),
                            key.line()
                        ),
                        hint: "remove or merge one of the two, then run `cnbcargo ci` again",
                    });
                }
            }
            nodes.iter().try_for_each(duplicates)
        }
        Kind::Scalar(..) | Kind::Alias => Ok(()),
    }
}

/// The value of a scalar key as YAML reads it: `$`, `"$"` and `'$'` are
/// one key, `1` and `"1"` are two.
fn identity(key: &Node) -> Option<Yaml> {
    match &key.kind {
        Kind::Scalar(v, TScalarStyle::Plain) if !key.tagged => Some(Yaml::from_str(v)),
        Kind::Scalar(v, _) if !key.tagged => Some(Yaml::String(v.clone())),
        _ => None,
    }
}

/// File text for a message: one line, control characters out, bounded.
pub fn shown(text: &str) -> String {
    let line = clean_line(text.trim());
    match line.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

/// Whether some `script` in the document runs `cnbcargo publish`.
pub fn publishes(doc: &Yaml) -> bool {
    match doc {
        Yaml::Hash(h) => h.iter().any(|(k, v)| {
            (k.as_str() == Some("script")
                && match v {
                    Yaml::String(s) => runs_publish(s),
                    Yaml::Array(lines) => lines.iter().filter_map(Yaml::as_str).any(runs_publish),
                    _ => false,
                })
                || publishes(v)
        }),
        Yaml::Array(items) => items.iter().any(publishes),
        _ => false,
    }
}

/// Whether a shell script has a command `cnbcargo [global options]
/// publish` (or `cargo cnb publish`, or `cargo-cnb publish`), the program
/// named by any path, after any `NAME=value` assignments.
fn runs_publish(script: &str) -> bool {
    script
        .lines()
        .flat_map(|line| line.split(['&', '|', ';', '(', ')']))
        .any(|command| {
            let mut words = command
                .split_whitespace()
                .take_while(|w| !w.starts_with('#'))
                .map(|w| w.trim_matches(['"', '\'']))
                .skip_while(|w| w.split_once('=').is_some_and(|(name, _)| is_name(name)))
                .peekable();
            let program = words.next().and_then(|p| p.rsplit('/').next());
            match program {
                Some("cnbcargo") => {}
                Some("cargo") if words.next() == Some("cnb") => {}
                Some("cargo-cnb") => {
                    words.next_if_eq(&"cnb");
                }
                _ => return false,
            }
            // The subcommand is the first word that is not an option;
            // `--color` is the one global option that takes a value.
            let mut after_color = false;
            for word in words {
                if after_color {
                    after_color = false;
                } else if word == "--color" {
                    after_color = true;
                } else if !word.starts_with('-') {
                    return word == "publish";
                }
            }
            false
        })
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Builds the tree from the parser's events; refuses, rather than builds,
/// a document too deep or too large once aliases are expanded.
#[derive(Default)]
struct Tree {
    docs: Vec<Node>,
    open: Vec<Node>,
    /// Expanded sizes of anchored nodes, by anchor id.
    anchors: std::collections::HashMap<usize, u64>,
    refused: Option<String>,
}

impl Tree {
    fn close(&mut self, mut node: Node) {
        if let Kind::Seq(items) | Kind::Map(items) = &node.kind {
            node.size = items
                .iter()
                .fold(1u64, |sum, item| sum.saturating_add(item.size));
        }
        if node.anchor > 0 {
            self.anchors.insert(node.anchor, node.size);
        }
        match self.open.last_mut() {
            Some(Node {
                kind: Kind::Seq(items) | Kind::Map(items),
                ..
            }) => items.push(node),
            _ => {
                if node.size > MAX_NODES {
                    self.refused = Some(format!(
                        "the file's aliases expand to more than {MAX_NODES} nodes"
                    ));
                }
                self.docs.push(node)
            }
        }
    }

    fn open(&mut self, kind: Kind, anchor: usize, tagged: bool, mark: Marker) {
        if self.open.len() >= MAX_DEPTH {
            self.refused = Some(format!(
                "the file nests more than {MAX_DEPTH} levels deep (line {})",
                mark.line()
            ));
            return;
        }
        self.open.push(Node {
            mark,
            tagged,
            kind,
            size: 1,
            anchor,
        });
    }
}

impl MarkedEventReceiver for Tree {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.refused.is_some() {
            return;
        }
        match event {
            Event::SequenceStart(anchor, tag) => {
                self.open(Kind::Seq(Vec::new()), anchor, tag.is_some(), mark)
            }
            Event::MappingStart(anchor, tag) => {
                self.open(Kind::Map(Vec::new()), anchor, tag.is_some(), mark)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(node) = self.open.pop() {
                    self.close(node);
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    mark,
                    tagged: tag.is_some(),
                    kind: Kind::Scalar(value, style),
                    size: 1,
                    anchor,
                };
                self.close(node);
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                let node = Node {
                    mark,
                    tagged: false,
                    kind: Kind::Alias,
                    size,
                    anchor: 0,
                };
                self.close(node);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_is_found_in_commands_not_in_words() {
        for yes in [
            "cnbcargo publish",
            "cnbcargo -v publish --dry-run",
            "set -e\ncnbcargo login && ~/.cargo/bin/cnbcargo --color never publish",
            "CARGO_TERM_COLOR=never cnbcargo publish",
            "cargo cnb publish",
            "/usr/local/bin/cargo-cnb publish",
        ] {
            assert!(runs_publish(yes), "{yes}");
        }
        for no in [
            "echo cnbcargo publish",
            "# cnbcargo publish",
            "cnbcargo login # then cnbcargo publish",
            "cnbcargo audit",
            "cargo publish",
            "cargo cnb login",
        ] {
            assert!(!runs_publish(no), "{no}");
        }
    }

    #[test]
    fn nested_aliases_are_refused_before_they_expand() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let why = parse(&text).err().expect("refused").why;
        assert!(why.contains("expand"), "{why}");
        // Flow nesting meets the parser's own limit first; block nesting
        // meets this one.
        let deep = format!("{}x\n", "- ".repeat(MAX_DEPTH + 1));
        let why = parse(&deep).err().expect("refused").why;
        assert!(why.contains("nests"), "{why}");
    }
}
