//! A byte-preserving TOML splicer: keys added to a cargo config by
//! splicing text into the original, so that every byte the user wrote
//! (comments, CRLF, a missing final newline, quoting, inline tables) stays
//! exactly as it was. What to add is `cnb_block`'s business.
//!
//! toml_edit is used to *read* the document and find spans; it does not
//! render the result, because its output normalises line endings and the
//! final newline.

use std::ops::Range;

use toml_edit::{Document, InlineTable, Item, Table, Value};

use crate::fs::edit::line_col;

/// A problem in the input file, with the 1-based line and column it is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for EditError {}

/// An `EditError` at byte `offset` of `src`.
pub fn error_at(src: &str, offset: usize, message: impl Into<String>) -> EditError {
    let (line, column) = line_col(src, offset);
    EditError {
        message: message.into(),
        line,
        column,
    }
}

/// Parses a config file, mapping a syntax error to its line and column.
pub fn parse(src: &str) -> Result<Document<&str>, EditError> {
    Document::parse(src).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim().to_string();
        error_at(src, offset, format!("invalid TOML: {message}"))
    })
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
        Item::Value(v) => v.type_name(),
    }
}

/// How new keys can be added to a table that exists in the document.
pub enum Place<'d> {
    /// `[header]` table: new lines go after its last key.
    Header(&'d Table),
    /// Defined by dotted keys (`a.b = 1`): new lines repeat the prefix.
    Dotted {
        table: &'d Table,
        prefix: String,
    },
    /// Only exists through sub-tables (`[a.b]` makes `a`): new keys need a
    /// header of their own.
    Implicit {
        table: &'d Table,
        path: String,
    },
    Inline(&'d InlineTable),
    /// Not in the document at all.
    Absent {
        path: String,
    },
}

/// Text edits to one source, made against its original offsets and
/// applied together by `finish`; `[header]` blocks for new tables wait
/// to be appended at the end of the file.
pub struct Splicer<'s> {
    src: &'s str,
    newline: &'static str,
    edits: Vec<(Range<usize>, String)>,
    eof_blocks: Vec<Vec<String>>,
}

impl<'s> Splicer<'s> {
    pub fn new(src: &'s str) -> Self {
        let newline = if src.contains("\r\n") { "\r\n" } else { "\n" };
        Splicer {
            src,
            newline,
            edits: Vec::new(),
            eof_blocks: Vec::new(),
        }
    }

    /// Offset just past the end of the line holding `offset` (past its
    /// newline), and whether a newline was found.
    fn line_end(&self, offset: usize) -> (usize, bool) {
        match self.src[offset..].find('\n') {
            Some(i) => (offset + i + 1, true),
            None => (self.src.len(), false),
        }
    }

    fn indent_of_line(&self, offset: usize) -> &'s str {
        let start = self.src[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.src[start..];
        let width = line.len() - line.trim_start_matches([' ', '\t']).len();
        &line[..width]
    }

    /// Inserts whole lines after the line that holds `offset`.
    fn lines_after(&mut self, offset: usize, indent: &str, lines: &[String]) {
        let (at, had_newline) = self.line_end(offset);
        let nl = self.newline;
        let mut text = String::new();
        for line in lines {
            if had_newline {
                text.push_str(indent);
                text.push_str(line);
                text.push_str(nl);
            } else {
                // Keep a missing final newline missing.
                text.push_str(nl);
                text.push_str(indent);
                text.push_str(line);
            }
        }
        self.edits.push((at..at, text));
    }

    /// Inserts a `[header]` block, after a blank line, after the line that
    /// holds `offset`.
    fn block_after(&mut self, offset: usize, lines: &[String]) {
        let (at, had_newline) = self.line_end(offset);
        let nl = self.newline;
        let body = lines.join(nl);
        let text = if had_newline {
            format!("{nl}{body}{nl}")
        } else {
            format!("{nl}{nl}{body}")
        };
        self.edits.push((at..at, text));
    }

    /// Replaces `span` (empty: inserts at it) with `text`.
    pub fn replace(&mut self, span: Range<usize>, text: String) {
        self.edits.push((span, text));
    }

    /// The source with every edit applied, the waiting blocks appended.
    pub fn finish(mut self) -> String {
        if !self.eof_blocks.is_empty() {
            let nl = self.newline;
            let blocks: Vec<String> = self.eof_blocks.iter().map(|b| b.join(nl)).collect();
            let body = blocks.join(&format!("{nl}{nl}"));
            let src = self.src;
            let ends_with_newline = src.ends_with('\n');
            let (prefix, suffix) = if src.trim().is_empty() {
                (
                    if src.is_empty() || ends_with_newline {
                        ""
                    } else {
                        nl
                    }
                    .to_string(),
                    nl,
                )
            } else if src.ends_with("\n\n") || src.ends_with("\n\r\n") {
                (String::new(), nl)
            } else if ends_with_newline {
                (nl.to_string(), nl)
            } else {
                // Keep a missing final newline missing.
                (format!("{nl}{nl}"), "")
            };
            let at = src.len();
            self.edits.push((at..at, format!("{prefix}{body}{suffix}")));
        }
        // Apply from the back so earlier offsets stay valid; insertions at
        // the same offset keep the order they were made in.
        let mut edits: Vec<(usize, Range<usize>, String)> = self
            .edits
            .into_iter()
            .enumerate()
            .map(|(i, (r, t))| (i, r, t))
            .collect();
        edits.sort_by(|a, b| b.1.start.cmp(&a.1.start).then(b.0.cmp(&a.0)));
        let mut out = self.src.to_string();
        for (_, range, text) in edits {
            out.replace_range(range, &text);
        }
        out
    }
}

/// The largest span end of anything written inside `table`'s body; with
/// `into_headers`, also inside its `[sub.tables]`.
fn body_end(table: &Table, into_headers: bool) -> Option<usize> {
    let mut end: Option<usize> = None;
    for (_, item) in table.iter() {
        let item_end = match item {
            Item::Value(v) => v.span().map(|s| s.end),
            Item::Table(t) if t.is_dotted() => body_end(t, into_headers),
            Item::Table(t) if into_headers => {
                let own = if t.is_implicit() {
                    None
                } else {
                    t.span().map(|s| s.end)
                };
                own.max(body_end(t, true))
            }
            Item::ArrayOfTables(a) if into_headers => a
                .iter()
                .filter_map(|t| t.span().map(|s| s.end).max(body_end(t, true)))
                .max(),
            _ => None,
        };
        end = end.max(item_end);
    }
    end
}

fn inline_end(table: &InlineTable) -> Option<usize> {
    table
        .iter()
        .filter_map(|(_, v)| match v {
            Value::InlineTable(t) if t.is_dotted() => inline_end(t),
            v => v.span().map(|s| s.end),
        })
        .max()
}

/// `s` as a TOML string literal.
pub fn toml_string(s: &str) -> String {
    Value::from(s).to_string().trim().to_string()
}

/// Renders `a.b = v` as it should be written inside a table of `place`'s kind.
fn render_kv(keys: &[&str], value: &str, nested_inline: bool) -> String {
    if nested_inline && keys.len() > 1 {
        let inner = render_kv(&keys[1..], value, true);
        format!("{} = {{ {inner} }}", keys[0])
    } else {
        format!("{} = {value}", keys.join("."))
    }
}

/// `render_kv` for several additions, where those under the same first key
/// share one inline table (`cnb = { index = "..", credential-provider = ".." }`)
/// rather than repeating a key TOML allows once.
fn render_inline_grouped(additions: &[(Vec<&str>, String)]) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    let mut lines = Vec::new();
    for (keys, value) in additions {
        if keys.len() == 1 {
            lines.push((None, render_kv(keys, value, true)));
            continue;
        }
        let inner = render_kv(&keys[1..], value, true);
        match groups.iter_mut().find(|(first, _)| *first == keys[0]) {
            Some((_, inners)) => inners.push(inner),
            None => {
                groups.push((keys[0], vec![inner]));
                lines.push((Some(keys[0]), String::new()));
            }
        }
    }
    lines
        .into_iter()
        .map(|(group, line)| match group {
            None => line,
            Some(first) => {
                let inners = &groups.iter().find(|(f, _)| *f == first).expect("grouped").1;
                format!("{first} = {{ {} }}", inners.join(", "))
            }
        })
        .collect()
}

/// Adds keys (dotted paths and TOML values) to the table at `place`, in
/// the form that table is written in.
pub fn add_keys(splicer: &mut Splicer<'_>, place: &Place<'_>, additions: &[(Vec<&str>, String)]) {
    if additions.is_empty() {
        return;
    }
    match place {
        Place::Header(table) => {
            let header = table.span().expect("parsed header tables have spans");
            let anchor = body_end(table, false).unwrap_or(header.end);
            let indent = splicer.indent_of_line(anchor);
            let lines = render_inline_grouped(additions);
            splicer.lines_after(anchor, indent, &lines);
        }
        Place::Dotted { table, prefix } => {
            let anchor = body_end(table, false).unwrap_or(0);
            let indent = splicer.indent_of_line(anchor);
            let lines: Vec<String> = additions
                .iter()
                .map(|(keys, v)| format!("{prefix}.{}", render_kv(keys, v, false)))
                .collect();
            splicer.lines_after(anchor, indent, &lines);
        }
        Place::Implicit { table, path } => {
            let blocks = header_blocks(path, additions);
            match body_end(table, true) {
                Some(anchor) => {
                    for block in blocks {
                        splicer.block_after(anchor, &block);
                    }
                }
                None => splicer.eof_blocks.extend(blocks),
            }
        }
        Place::Inline(table) => {
            let span = table.span().expect("parsed inline tables have spans");
            let entries = render_inline_grouped(additions);
            match inline_end(table) {
                Some(end) => splicer.replace(end..end, format!(", {}", entries.join(", "))),
                None => {
                    let at = span.start + 1;
                    splicer.replace(at..at, format!(" {} ", entries.join(", ")));
                }
            }
        }
        Place::Absent { path } => {
            let blocks = header_blocks(path, additions);
            splicer.eof_blocks.extend(blocks);
        }
    }
}

/// `add_keys`, with the `[header]` blocks it puts at the end of the file
/// going before those already waiting there.
pub fn add_keys_first(
    splicer: &mut Splicer<'_>,
    place: &Place<'_>,
    additions: &[(Vec<&str>, String)],
) {
    let pending = std::mem::take(&mut splicer.eof_blocks);
    add_keys(splicer, place, additions);
    splicer.eof_blocks.extend(pending);
}

/// `[path]` with single keys, and `[path.a]` for each `a.b` addition.
fn header_blocks(path: &str, additions: &[(Vec<&str>, String)]) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let direct: Vec<String> = additions
        .iter()
        .filter(|(keys, _)| keys.len() == 1)
        .map(|(keys, v)| render_kv(keys, v, false))
        .collect();
    if !direct.is_empty() {
        let mut block = vec![format!("[{path}]")];
        block.extend(direct);
        blocks.push(block);
    }
    // One `[path.a]` block for all the keys under `a`.
    let mut nested: Vec<(String, Vec<String>)> = Vec::new();
    for (keys, v) in additions.iter().filter(|(keys, _)| keys.len() > 1) {
        let header = format!("[{path}.{}]", keys[..keys.len() - 1].join("."));
        let line = render_kv(&keys[keys.len() - 1..], v, false);
        match nested.iter_mut().find(|(h, _)| *h == header) {
            Some((_, lines)) => lines.push(line),
            None => nested.push((header, vec![line])),
        }
    }
    for (header, lines) in nested {
        let mut block = vec![header];
        block.extend(lines);
        blocks.push(block);
    }
    blocks
}

/// Where to add keys to `root[key]`, or an error when it is not a table.
pub fn place_of<'d>(
    src: &str,
    parent: &'d Table,
    key: &str,
    path: &str,
) -> Result<Place<'d>, EditError> {
    match parent.get(key) {
        None => Ok(Place::Absent {
            path: path.to_string(),
        }),
        Some(Item::Table(t)) if t.is_dotted() => Ok(Place::Dotted {
            table: t,
            prefix: path.to_string(),
        }),
        Some(Item::Table(t)) if t.is_implicit() => Ok(Place::Implicit {
            table: t,
            path: path.to_string(),
        }),
        Some(Item::Table(t)) => Ok(Place::Header(t)),
        Some(Item::Value(Value::InlineTable(t))) => Ok(Place::Inline(t)),
        Some(other) => {
            let offset = parent
                .key(key)
                .and_then(|k| k.span())
                .map_or(0, |s| s.start);
            Err(error_at(
                src,
                offset,
                format!(
                    "`{path}` is a {}, but cargo expects a table",
                    type_name(other)
                ),
            ))
        }
    }
}

fn get<'d>(place: &Place<'d>, key: &str) -> Option<&'d Item> {
    match place {
        Place::Header(t) | Place::Implicit { table: t, .. } | Place::Dotted { table: t, .. } => {
            t.get(key)
        }
        Place::Inline(_) | Place::Absent { .. } => None,
    }
}

/// The value of `key` in the table at `place`.
pub fn get_value<'d>(place: &Place<'d>, key: &str) -> Option<&'d Value> {
    match place {
        Place::Inline(t) => t.get(key),
        _ => get(place, key).and_then(Item::as_value),
    }
}

/// Where `key` is written in the table at `place` (0 when it is not).
pub fn key_offset(place: &Place<'_>, key: &str) -> usize {
    let span = match place {
        Place::Header(t) | Place::Implicit { table: t, .. } | Place::Dotted { table: t, .. } => {
            t.key(key).and_then(|k| k.span())
        }
        Place::Inline(t) => t.key(key).and_then(|k| k.span()),
        Place::Absent { .. } => None,
    };
    span.map_or(0, |s| s.start)
}

/// `key` as written in a dotted key or header: bare when it can be,
/// quoted when not.
pub fn key_text(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// Appends `element` (TOML text) to `array`, in the array's own layout
/// (one line, or one element a line with or without a trailing comma).
pub fn append_to_array(splicer: &mut Splicer<'_>, array: &toml_edit::Array, element: &str) {
    let span = array.span().expect("parsed arrays have spans");
    let src = splicer.src;
    let Some(last_end) = array.iter().filter_map(|v| v.span().map(|s| s.end)).max() else {
        let at = span.start + 1;
        splicer.replace(at..at, element.to_string());
        return;
    };
    let multi_line = src[span.clone()].contains('\n');
    // Find a trailing comma between the last element and `]`, skipping comments.
    let close = span.end - 1;
    let mut comma = None;
    let mut i = last_end;
    let bytes = src.as_bytes();
    while i < close {
        match bytes[i] {
            b'#' => {
                while i < close && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b',' => {
                comma = Some(i);
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let indent = splicer.indent_of_line(last_end).to_string();
    let nl = splicer.newline;
    match (multi_line, comma) {
        (true, Some(comma)) => {
            let (line_end, found) = splicer.line_end(comma);
            if found && line_end <= close {
                splicer.replace(line_end..line_end, format!("{indent}{element},{nl}"));
            } else {
                splicer.replace(comma + 1..comma + 1, format!(" {element},"));
            }
        }
        (true, None) => {
            splicer.replace(last_end..last_end, format!(",{nl}{indent}{element}"));
        }
        (false, _) => splicer.replace(last_end..last_end, format!(", {element}")),
    }
}
