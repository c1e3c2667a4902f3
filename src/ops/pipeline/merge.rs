//! The pipeline merged into `.cnb.yaml` as text: where it goes, what
//! stops the edit (said with the line it is on), and the check that the
//! result reads as the original document plus the pipeline.

use yaml_rust2::Yaml;
use yaml_rust2::yaml::Hash;

use super::Block;
use super::yaml::{self, Kind, Node};
use crate::fs::edit::Refusal;

/// What the user can always do.
const BY_HAND: &str =
    "add the pipeline by hand (`cnbcargo ci --dry-run` in an empty directory prints it)";

fn refuse(why: impl Into<String>, hint: &str) -> Refusal {
    Refusal {
        at: None,
        why: why.into(),
        hint: format!("{hint}; the file was not changed"),
    }
}

/// Where the pipeline goes, in lines of the original (counted from 0).
enum Edit {
    /// No `$` key: a `$:` block appended at the end of the file.
    Dollar,
    /// `$:` without the event (`tag_push`, `vscode`): the event's key and
    /// the pipeline after `$:`.
    TagPush { after: usize, indent: usize },
    /// The event's key with a list or nothing: the pipeline as its first
    /// item.
    Item { after: usize, indent: usize },
}

/// The merged file, or `None` when it already publishes with cnbcargo.
///
/// The file is edited as text, so that its comments and layout stay; the
/// YAML parser reads it before (to find where the text goes, and to refuse
/// what the edit cannot handle) and after (the result must read as the
/// original document plus the pipeline, or nothing is written).
pub fn merge(original: &str, block: &Block) -> Result<Option<String>, Refusal> {
    if original.contains('\t') {
        return Err(refuse(
            "the file contains tabs, which YAML does not allow for indentation",
            "replace the tabs with spaces, or add the pipeline by hand",
        ));
    }
    // yaml-rust2 reads a byte-order mark as part of the key after it while
    // other parsers drop it: `\u{feff}$:` is `$` to CNB, but not to the checks.
    if original.contains('\u{feff}') {
        return Err(refuse(
            "the file holds a byte-order mark (U+FEFF), which YAML parsers read differently (part of the first key, or nothing)",
            "save the file as UTF-8 without a byte-order mark, then run `cnbcargo ci` again",
        ));
    }
    let parsed = yaml::parse(original).map_err(|e| refuse(e.why, e.hint))?;
    if parsed.as_ref().is_some_and(|(_, doc)| (block.present)(doc)) {
        return Ok(None);
    }
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let edit = match &parsed {
        None => Edit::Dollar,
        Some((root, _)) => plan(root, &lines, block.event)?,
    };
    let merged = apply(original, &lines, &edit, block);
    let expected = expected(parsed.map(|(_, doc)| doc), &edit, block);
    match yaml::load(&merged) {
        Ok(doc) if doc == expected => Ok(Some(merged)),
        Ok(_) => Err(refuse(
            "with the pipeline added, the file would not read as the original plus the pipeline: it uses YAML that `cnbcargo ci` cannot edit as text",
            BY_HAND,
        )),
        Err(e) => Err(refuse(
            format!(
                "with the pipeline added, the file would not be valid YAML ({}): it uses YAML that `cnbcargo ci` cannot edit as text",
                yaml::shown(&e)
            ),
            BY_HAND,
        )),
    }
}

/// Where the pipeline goes in a file whose document is `root`, or which
/// construct stops the text edit.
fn plan(root: &Node, lines: &[&str], event: &str) -> Result<Edit, Refusal> {
    let top = match &root.kind {
        Kind::Map(_) if !root.anchored() && !root.tagged => root,
        // A document that is only `---`.
        _ if root.is_empty() => return Ok(Edit::Dollar),
        _ => {
            return Err(refuse(
                "the file's document is not a plain mapping of keys",
                BY_HAND,
            ));
        }
    };
    block_mapping(top, lines, "the top level")?;
    let Some((key, value)) = top.get("$") else {
        merge_key(top, lines, "the top level", "`$`")?;
        return Ok(Edit::Dollar);
    };
    plain_key(key, lines, "$", 0)?;
    let at = key.line() - 1;
    let dollar = match &value.kind {
        _ if value.is_empty() => {
            return Ok(Edit::TagPush {
                after: at,
                indent: 2,
            });
        }
        Kind::Map(_) if !value.anchored() && !value.tagged && first_line(value) > key.line() => {
            value
        }
        _ => {
            return Err(not_editable(
                value,
                key,
                lines,
                "`$`",
                "a mapping of events",
            ));
        }
    };
    block_mapping(dollar, lines, "`$`")?;
    let indent = dollar
        .entries()
        .and_then(|mut e| e.next())
        .map_or(2, |(k, _)| k.col());
    let Some((key, value)) = dollar.get(event) else {
        merge_key(dollar, lines, "`$`", &format!("`{event}`"))?;
        return Ok(Edit::TagPush { after: at, indent });
    };
    plain_key(key, lines, event, indent)?;
    let after = key.line() - 1;
    match &value.kind {
        _ if value.is_empty() => Ok(Edit::Item {
            after,
            indent: indent + 2,
        }),
        // The parser marks a block sequence at its first `-`, an
        // indentless one (`-` under the key's own column) after it.
        Kind::Seq(_)
            if !value.anchored()
                && !value.tagged
                && value.line() > key.line()
                && line(lines, value.line()).trim_start().starts_with("- ") =>
        {
            let first = line(lines, value.line());
            Ok(Edit::Item {
                after,
                indent: first.len() - first.trim_start_matches(' ').len(),
            })
        }
        _ => Err(not_editable(
            value,
            key,
            lines,
            &format!("`{event}`"),
            "a list of pipelines",
        )),
    }
}

/// Says what stops `ci` from adding to `value`, the value of `key`.
fn not_editable(value: &Node, key: &Node, lines: &[&str], name: &str, wanted: &str) -> Refusal {
    let written = format!(
        "line {}, `{}`",
        key.line(),
        yaml::shown(line(lines, key.line()))
    );
    let rewrite = format!(
        "rewrite {name} as a plain block (the key alone on its line, the value's lines indented below it), or add the pipeline by hand"
    );
    let why = match &value.kind {
        Kind::Alias => format!(
            "{name} is an alias (`*...`) of a value written elsewhere ({written}): adding to it would change that value, and every other alias of it"
        ),
        _ if value.anchored() => format!(
            "{name} carries an anchor (`&...`) ({written}): every alias of it would get the pipeline too"
        ),
        _ if value.tagged => format!("{name} carries a tag (`!...`) ({written})"),
        Kind::Scalar(text, yaml_rust2::scanner::TScalarStyle::Plain)
            if ["~", "null", "Null", "NULL"].contains(&text.as_str()) =>
        {
            format!(
                "{name} is written as `{text}` (null) ({written}): the value would have to be replaced, which `cnbcargo ci` does not do"
            )
        }
        Kind::Scalar(
            _,
            yaml_rust2::scanner::TScalarStyle::Literal | yaml_rust2::scanner::TScalarStyle::Folded,
        ) => {
            format!("{name} is a block scalar (`|` or `>`), not {wanted} ({written})")
        }
        Kind::Scalar(..) => format!("{name} is a scalar, not {wanted} ({written})"),
        _ if char_at(lines, value).is_some_and(|c| c == '{' || c == '[') => {
            format!("{name} is written in flow style (`{{ ... }}` or `[ ... ]`) ({written})")
        }
        Kind::Seq(_) if wanted.starts_with("a mapping") => {
            format!("{name} is a list, not {wanted} ({written})")
        }
        Kind::Map(_) if wanted.starts_with("a list") => {
            format!("{name} is a mapping, not {wanted} ({written})")
        }
        _ => format!("{name} is written in a form `cnbcargo ci` does not edit ({written})"),
    };
    refuse(why, &rewrite)
}

/// Refuses a mapping written in flow style (`{ ... }`): the text edit adds
/// lines in block style.
fn block_mapping(map: &Node, lines: &[&str], name: &str) -> Result<(), Refusal> {
    // The parser marks a flow mapping at its `{`, a block one at its first
    // key's `:` (or `?`).
    if char_at(lines, map) == Some('{') {
        return Err(refuse(
            format!(
                "{name} is written in flow style (`{{ ... }}`) (line {}), which `cnbcargo ci` cannot merge into",
                map.line()
            ),
            "rewrite it in block style, or add the pipeline by hand",
        ));
    }
    Ok(())
}

/// Refuses to add `adding` to a mapping that takes keys from a YAML merge
/// key (`<<: *defaults`): a key added beside it replaces the merged one.
fn merge_key(map: &Node, lines: &[&str], name: &str, adding: &str) -> Result<(), Refusal> {
    match map.get("<<") {
        Some((key, _)) => Err(refuse(
            format!(
                "{name} takes keys from a YAML merge key (line {}, `{}`): a {adding} added beside it would replace one merged from there",
                key.line(),
                yaml::shown(line(lines, key.line()))
            ),
            BY_HAND,
        )),
        None => Ok(()),
    }
}

/// Refuses a key not written plainly as `name:` at column `indent` (in
/// quotes or not), with nothing but a comment after it: the text edit
/// inserts lines right after it, so another spelling (`"$" :`, `? $`)
/// would make a second key of the same name.
fn plain_key(key: &Node, lines: &[&str], name: &str, indent: usize) -> Result<(), Refusal> {
    let text = line(lines, key.line());
    let rest = text
        .get(indent..)
        .filter(|_| key.col() == indent && only_spaces_before(lines, key))
        .and_then(|after| {
            [
                format!("{name}:"),
                format!("\"{name}\":"),
                format!("'{name}':"),
            ]
            .iter()
            .find_map(|k| after.strip_prefix(k.as_str()))
        });
    match rest {
        // What follows on the line is the value's, which the caller judges.
        Some(_) => Ok(()),
        None => Err(refuse(
            format!(
                "the key `{name}` is written `{}` (line {}, column {}), a form `cnbcargo ci` does not edit (it would add a second `{name}`)",
                yaml::shown(text),
                key.line(),
                key.col() + 1
            ),
            &format!("rewrite it as `{name}:` on a line of its own, or add the pipeline by hand"),
        )),
    }
}

/// Line `n` (counted from 1) without its line break.
fn line<'a>(lines: &[&'a str], n: usize) -> &'a str {
    lines
        .get(n.wrapping_sub(1))
        .map_or("", |l| l.trim_end_matches(['\n', '\r']))
}

/// The line a value starts on: for a mapping, its first key's (the
/// parser marks a block mapping where its first key's value starts).
fn first_line(node: &Node) -> usize {
    match node.entries().and_then(|mut e| e.next()) {
        Some((key, _)) => key.line(),
        None => node.line(),
    }
}

fn only_spaces_before(lines: &[&str], node: &Node) -> bool {
    line(lines, node.line())
        .chars()
        .take(node.col())
        .all(|c| c == ' ')
}

fn char_at(lines: &[&str], node: &Node) -> Option<char> {
    line(lines, node.line()).chars().nth(node.col())
}

fn apply(original: &str, lines: &[&str], edit: &Edit, block: &Block) -> String {
    let nl = if original.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let item = &block.lines;
    let event = block.event;
    let indented = |indent: usize| -> String {
        item.iter()
            .map(|l| format!("{}{l}{nl}", " ".repeat(indent)))
            .collect()
    };
    let (after, insert) = match *edit {
        Edit::Dollar => {
            // Other top-level keys are untouched.
            let mut out = original.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(nl);
            }
            if !out.trim().is_empty() {
                out.push_str(nl);
            }
            out.push_str(&format!("$:{nl}  {event}:{nl}"));
            out.push_str(&indented(4));
            return out;
        }
        Edit::TagPush { after, indent } => (
            after,
            format!("{}{event}:{nl}{}", " ".repeat(indent), indented(indent + 2)),
        ),
        Edit::Item { after, indent } => (after, indented(indent)),
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if i == after {
            if !line.ends_with('\n') {
                out.push_str(nl);
            }
            out.push_str(&insert);
        }
    }
    out
}

/// The document the merged file must read as: the original's with the
/// pipeline where `edit` puts it.
fn expected(original: Option<Yaml>, edit: &Edit, block: &Block) -> Yaml {
    let key = |k: &str| Yaml::String(k.to_string());
    let pipeline = block.yaml.clone();
    let tag_push = || {
        Yaml::Hash(
            [(key(block.event), Yaml::Array(vec![pipeline.clone()]))]
                .into_iter()
                .collect(),
        )
    };
    let mut root = match original {
        Some(Yaml::Hash(h)) => h,
        _ => Hash::new(),
    };
    match edit {
        Edit::Dollar => {
            root.insert(key("$"), tag_push());
        }
        Edit::TagPush { .. } => {
            if let Some(dollar) = root.get_mut(&key("$")) {
                let mut new = match tag_push() {
                    Yaml::Hash(h) => h,
                    _ => unreachable!(),
                };
                if let Yaml::Hash(old) = std::mem::replace(dollar, Yaml::Null) {
                    new.extend(old);
                }
                *dollar = Yaml::Hash(new);
            }
        }
        Edit::Item { .. } => {
            if let Some(Yaml::Hash(dollar)) = root.get_mut(&key("$"))
                && let Some(list) = dollar.get_mut(&key(block.event))
            {
                match list {
                    Yaml::Array(items) => items.insert(0, pipeline),
                    other => *other = Yaml::Array(vec![pipeline]),
                }
            }
        }
    }
    Yaml::Hash(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::pipeline::{Spec, publish_block};

    fn block(install: &str) -> Block {
        publish_block(&Spec {
            install: Some(install),
            image: "rust:1.89",
            audit: false,
        })
    }

    #[test]
    fn new_file_gets_the_pipeline() {
        let out = merge("", &block("cargo install cnbcargo"))
            .unwrap()
            .unwrap();
        assert!(out.starts_with("$:\n  tag_push:\n    - name: publish crates with cnbcargo\n"));
        assert!(out.contains("      stages:\n        - name: install cnbcargo\n          script: cargo install cnbcargo\n"));
    }

    #[test]
    fn existing_content_is_kept() {
        let original = "# build everything\nmain:\n  push:\n    - stages:\n        - name: test\n          script: cargo test\n";
        let out = merge(original, &block("x")).unwrap().unwrap();
        assert!(out.starts_with(original));
        let original = "$:\n  # releases\n  tag_push:\n    - stages:\n        - script: echo hi\nmain:\n  push: []\n";
        let out = merge(original, &block("x")).unwrap().unwrap();
        assert!(out.starts_with(
            "$:\n  # releases\n  tag_push:\n    - name: publish crates with cnbcargo\n"
        ));
        assert!(out.ends_with("    - stages:\n        - script: echo hi\nmain:\n  push: []\n"));
        let original = "$:\n    push:\n      - stages: [ {script: make} ]\n";
        let out = merge(original, &block("x")).unwrap().unwrap();
        assert!(
            out.starts_with("$:\n    tag_push:\n      - name: publish"),
            "{out}"
        );
        assert!(out.ends_with("    push:\n      - stages: [ {script: make} ]\n"));
        assert_eq!(merge(&out, &block("x")).unwrap(), None);
    }

    /// The check after the edit catches what the checks before it do not
    /// name: here the blank line before `$:` would join a `|+` scalar.
    #[test]
    fn the_merged_file_must_read_as_the_original_plus_the_pipeline() {
        let why = merge("notes: |+\n  kept\n", &block("x")).unwrap_err().why;
        assert!(why.contains("would not read as the original"), "{why}");
        let why = merge("a: 1\n...\n", &block("x")).unwrap_err().why;
        assert!(why.contains("would not be valid YAML"), "{why}");
    }

    #[test]
    fn flow_style_and_tabs_are_refused() {
        assert!(merge("$: {tag_push: []}\n", &block("x")).is_err());
        assert!(merge("main:\n\tpush: []\n", &block("x")).is_err());
    }
}
