//! Adds the CNB registry block to a cargo config by splicing text into the
//! original, so that every byte the user wrote (comments, CRLF, a missing
//! final newline, quoting, inline tables) stays exactly as it was.
//!
//! toml_edit is used to *read* the document and find spans; it does not
//! render the result, because its output normalises line endings and the
//! final newline.

use std::ops::Range;

use toml_edit::{Document, InlineTable, Item, Table, Value};

use crate::registry_url::IndexUrl;

/// The provider that reads `credentials.toml` and `CARGO_REGISTRIES_*_TOKEN`.
pub const TOKEN_PROVIDER: &str = "cargo:token";

/// The registry's own provider in cnbcargo's mode (cargo finds it on `PATH`).
pub const CNBCARGO_PROVIDER: &str = "cnbcargo";

/// What `init` asks for.
#[derive(Debug)]
pub struct CnbBlock<'a> {
    pub name: &'a str,
    pub index: &'a IndexUrl,
    pub set_default: bool,
    pub provider: ProviderSetup,
}

/// How cargo is to get the registry's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderSetup {
    /// `cargo:token` in `registry.global-credential-providers` (CNB's
    /// docs); a provider of the registry's own is left as it is.
    Global,
    /// As `Global`, and a provider of the registry's own other than
    /// `cargo:token` is set to it (asked for by name).
    CargoToken,
    /// The registry's own `credential-provider = "cnbcargo"`; the global
    /// list is left alone, other registries keep what they use.
    Cnbcargo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddedRegistry {
        name: String,
    },
    /// The index was already configured under another name, which is kept.
    ReusedRegistry {
        name: String,
        requested: String,
    },
    ReplacedIndex {
        name: String,
        old: String,
    },
    SetDefault {
        name: String,
        previous: Option<String>,
    },
    /// `cargo:token` appended after these providers, so it takes precedence.
    AddedProvider {
        existing: Vec<String>,
    },
    /// The registry's own `credential-provider`.
    SetOwnProvider {
        name: String,
        provider: String,
        previous: Option<String>,
    },
}

#[derive(Debug)]
pub struct Edited {
    pub text: String,
    /// The registry name in effect (the requested one, or an existing name
    /// for the same index).
    pub name: String,
    pub changes: Vec<Change>,
}

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

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut offset = offset;
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn error_at(src: &str, offset: usize, message: impl Into<String>) -> EditError {
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
enum Place<'d> {
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

struct Splicer<'s> {
    src: &'s str,
    newline: &'static str,
    edits: Vec<(Range<usize>, String)>,
    eof_blocks: Vec<Vec<String>>,
}

impl<'s> Splicer<'s> {
    fn new(src: &'s str) -> Self {
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

    fn replace(&mut self, span: Range<usize>, text: String) {
        self.edits.push((span, text));
    }

    fn finish(mut self) -> String {
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

fn toml_string(s: &str) -> String {
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

fn add_keys(splicer: &mut Splicer<'_>, place: &Place<'_>, additions: &[(Vec<&str>, String)]) {
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
fn place_of<'d>(
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

fn get_value<'d>(place: &Place<'d>, key: &str) -> Option<&'d Value> {
    match place {
        Place::Inline(t) => t.get(key),
        _ => get(place, key).and_then(Item::as_value),
    }
}

fn key_offset(place: &Place<'_>, key: &str) -> usize {
    let span = match place {
        Place::Header(t) | Place::Implicit { table: t, .. } | Place::Dotted { table: t, .. } => {
            t.key(key).and_then(|k| k.span())
        }
        Place::Inline(t) => t.key(key).and_then(|k| k.span()),
        Place::Absent { .. } => None,
    };
    span.map_or(0, |s| s.start)
}

/// The entries of `registries` as (name, table-like place).
fn registry_entries<'d>(
    src: &str,
    registries: &Place<'d>,
) -> Result<Vec<(String, Place<'d>)>, EditError> {
    let mut entries = Vec::new();
    match registries {
        Place::Header(t) | Place::Implicit { table: t, .. } | Place::Dotted { table: t, .. } => {
            let prefix = match registries {
                Place::Dotted { prefix, .. } | Place::Implicit { path: prefix, .. } => {
                    prefix.clone()
                }
                _ => "registries".to_string(),
            };
            for (name, _) in t.iter() {
                let place = place_of(src, t, name, &format!("{prefix}.{}", key_text(name)))?;
                let place = match place {
                    // Inside a `[registries]` header, a dotted entry's keys are
                    // written relative to the header.
                    Place::Dotted { table, .. } if matches!(registries, Place::Header(_)) => {
                        Place::Dotted {
                            table,
                            prefix: key_text(name),
                        }
                    }
                    other => other,
                };
                entries.push((name.to_string(), place));
            }
        }
        Place::Inline(t) => {
            for (name, value) in t.iter() {
                match value {
                    Value::InlineTable(inner) => {
                        entries.push((name.to_string(), Place::Inline(inner)))
                    }
                    other => {
                        return Err(error_at(
                            src,
                            key_offset(registries, name),
                            format!(
                                "`registries.{name}` is a {}, but cargo expects a table",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
        }
        Place::Absent { .. } => {}
    }
    Ok(entries)
}

fn key_text(key: &str) -> String {
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

/// Adds (or confirms) the CNB registry block in `src`.
pub fn add_cnb_block(src: &str, block: &CnbBlock<'_>) -> Result<Edited, EditError> {
    let doc = parse(src)?;
    let root = doc.as_table();
    let mut splicer = Splicer::new(src);
    let mut changes = Vec::new();
    let index_text = toml_string(&block.index.config_value());

    // The registry entry.
    let registries = place_of(src, root, "registries", "registries")?;
    let entries = registry_entries(src, &registries)?;
    let mut same_index = None;
    for (name, place) in &entries {
        if let Some(value) = get_value(place, "index")
            && let Some(text) = value.as_str()
            && IndexUrl::from_config_value(text).as_ref() == Some(block.index)
        {
            same_index = Some(name.clone());
            break;
        }
    }
    // The registry's own provider, when asked for: set in the same pass
    // as its entry, so a new entry gets both keys at once.
    let own_provider = |place: Option<&Place<'_>>| -> Option<(String, Option<String>)> {
        let current = place.and_then(|p| get_value(p, PROVIDER_KEY)).map(|value| {
            value
                .as_str()
                .map_or_else(|| value.to_string().trim().to_string(), str::to_string)
        });
        let wanted = match (block.provider, &current) {
            (ProviderSetup::Cnbcargo, _) => CNBCARGO_PROVIDER,
            (ProviderSetup::CargoToken, Some(_)) => TOKEN_PROVIDER,
            _ => return None,
        };
        match current {
            Some(text) if text == wanted => None,
            previous => Some((wanted.to_string(), previous)),
        }
    };
    let name = match same_index {
        Some(existing) => {
            if existing != block.name {
                changes.push(Change::ReusedRegistry {
                    name: existing.clone(),
                    requested: block.name.to_string(),
                });
            }
            let place = &entries
                .iter()
                .find(|(n, _)| *n == existing)
                .expect("found above")
                .1;
            set_own_provider(
                &mut splicer,
                place,
                own_provider(Some(place)),
                &existing,
                &mut changes,
            );
            existing
        }
        None => {
            let name = block.name.to_string();
            match entries.iter().find(|(n, _)| *n == name) {
                Some((_, place)) => match get_value(place, "index") {
                    Some(value) => {
                        let Some(old) = value.as_str() else {
                            return Err(error_at(
                                src,
                                value.span().map_or(0, |s| s.start),
                                format!(
                                    "`registries.{name}.index` is a {}, but cargo expects a string",
                                    value.type_name()
                                ),
                            ));
                        };
                        let span = value.span().expect("parsed values have spans");
                        splicer.replace(span, index_text.clone());
                        changes.push(Change::ReplacedIndex {
                            name: name.clone(),
                            old: old.to_string(),
                        });
                        let wanted = own_provider(Some(place));
                        set_own_provider(&mut splicer, place, wanted, &name, &mut changes);
                    }
                    None => {
                        let mut keys = vec![(vec!["index"], index_text.clone())];
                        let wanted = own_provider(Some(place));
                        if let Some((provider, None)) = &wanted {
                            keys.push((vec![PROVIDER_KEY], toml_string(provider)));
                        }
                        add_keys(&mut splicer, place, &keys);
                        changes.push(Change::AddedRegistry { name: name.clone() });
                        match wanted {
                            Some((_, Some(_))) => {
                                set_own_provider(&mut splicer, place, wanted, &name, &mut changes)
                            }
                            Some((provider, None)) => changes.push(Change::SetOwnProvider {
                                name: name.clone(),
                                provider,
                                previous: None,
                            }),
                            None => {}
                        }
                    }
                },
                None => {
                    let mut keys = vec![(vec![name.as_str(), "index"], index_text.clone())];
                    let wanted = own_provider(None);
                    if let Some((provider, _)) = &wanted {
                        keys.push((vec![name.as_str(), PROVIDER_KEY], toml_string(provider)));
                    }
                    add_keys(&mut splicer, &registries, &keys);
                    changes.push(Change::AddedRegistry { name: name.clone() });
                    if let Some((provider, _)) = wanted {
                        changes.push(Change::SetOwnProvider {
                            name: name.clone(),
                            provider,
                            previous: None,
                        });
                    }
                }
            }
            name
        }
    };

    // `[registry]`: the default and the credential provider.
    let registry = place_of(src, root, "registry", "registry")?;
    let mut additions: Vec<(Vec<&str>, String)> = Vec::new();
    if block.set_default {
        match get_value(&registry, "default") {
            Some(value) => match value.as_str() {
                Some(current) if current == name => {}
                Some(current) => {
                    let span = value.span().expect("parsed values have spans");
                    splicer.replace(span, toml_string(&name));
                    changes.push(Change::SetDefault {
                        name: name.clone(),
                        previous: Some(current.to_string()),
                    });
                }
                None => {
                    return Err(error_at(
                        src,
                        value.span().map_or(0, |s| s.start),
                        format!(
                            "`registry.default` is a {}, but cargo expects a string",
                            value.type_name()
                        ),
                    ));
                }
            },
            None => {
                additions.push((vec!["default"], toml_string(&name)));
                changes.push(Change::SetDefault {
                    name: name.clone(),
                    previous: None,
                });
            }
        }
    }
    const PROVIDERS: &str = "global-credential-providers";
    let global = get_value(&registry, PROVIDERS);
    match global {
        _ if block.provider == ProviderSetup::Cnbcargo => {}
        Some(Value::Array(array)) => {
            let mut existing = Vec::new();
            for value in array.iter() {
                match value.as_str() {
                    Some(s) => existing.push(s.to_string()),
                    None => {
                        return Err(error_at(
                            src,
                            value.span().map_or(0, |s| s.start),
                            format!(
                                "`registry.{PROVIDERS}` holds a {}, but cargo expects strings",
                                value.type_name()
                            ),
                        ));
                    }
                }
            }
            // A provider entry may carry arguments (`cargo:token-from-stdout cmd`).
            let present = existing
                .iter()
                .any(|p| p.split_whitespace().next() == Some(TOKEN_PROVIDER));
            if !present {
                append_to_array(&mut splicer, array, &toml_string(TOKEN_PROVIDER));
                changes.push(Change::AddedProvider { existing });
            }
        }
        Some(other) => {
            return Err(error_at(
                src,
                other.span().map_or(0, |s| s.start),
                format!(
                    "`registry.{PROVIDERS}` is a {}, but cargo expects an array",
                    other.type_name()
                ),
            ));
        }
        None => {
            additions.push((
                vec![PROVIDERS],
                format!("[{}]", toml_string(TOKEN_PROVIDER)),
            ));
            changes.push(Change::AddedProvider {
                existing: Vec::new(),
            });
        }
    }
    // `[registry]` goes before `[registries.NAME]` when both are new, as in
    // CNB's docs.
    if matches!(registry, Place::Absent { .. }) && matches!(registries, Place::Absent { .. }) {
        let pending = std::mem::take(&mut splicer.eof_blocks);
        add_keys(&mut splicer, &registry, &additions);
        splicer.eof_blocks.extend(pending);
    } else {
        add_keys(&mut splicer, &registry, &additions);
    }

    let text = splicer.finish();
    verify(&text, &name, block)?;
    Ok(Edited {
        text,
        name,
        changes,
    })
}

const PROVIDER_KEY: &str = "credential-provider";

/// Replaces (or adds) the registry's own provider in an existing entry.
fn set_own_provider(
    splicer: &mut Splicer<'_>,
    place: &Place<'_>,
    wanted: Option<(String, Option<String>)>,
    name: &str,
    changes: &mut Vec<Change>,
) {
    let Some((provider, previous)) = wanted else {
        return;
    };
    match get_value(place, PROVIDER_KEY).and_then(|v| v.span()) {
        Some(span) => splicer.replace(span, toml_string(&provider)),
        None => add_keys(
            splicer,
            place,
            &[(vec![PROVIDER_KEY], toml_string(&provider))],
        ),
    }
    changes.push(Change::SetOwnProvider {
        name: name.to_string(),
        provider,
        previous,
    });
}

fn append_to_array(splicer: &mut Splicer<'_>, array: &toml_edit::Array, element: &str) {
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

/// Re-reads the result to make sure the splice produced what was meant; a
/// failure here is a bug, and the file is left alone.
fn verify(text: &str, name: &str, block: &CnbBlock<'_>) -> Result<(), EditError> {
    let internal = |what: &str| EditError {
        message: format!(
            "internal error: the edited file {what}; nothing was written (please report this)"
        ),
        line: 1,
        column: 1,
    };
    let doc = Document::parse(text).map_err(|_| internal("does not parse"))?;
    let root = doc.as_table();
    let entry = root
        .get("registries")
        .and_then(|r| r.as_table_like())
        .and_then(|r| r.get(name))
        .and_then(|e| e.as_table_like());
    let index = entry
        .and_then(|e| e.get("index"))
        .and_then(|i| i.as_str())
        .and_then(IndexUrl::from_config_value);
    if index.as_ref() != Some(block.index) {
        return Err(internal("lacks the registry index"));
    }
    let registry = root.get("registry").and_then(|r| r.as_table_like());
    if block.set_default
        && registry
            .and_then(|r| r.get("default"))
            .and_then(|d| d.as_str())
            != Some(name)
    {
        return Err(internal("lacks `registry.default`"));
    }
    if block.provider == ProviderSetup::Cnbcargo {
        let own = entry
            .and_then(|e| e.get(PROVIDER_KEY))
            .and_then(|p| p.as_str());
        if own != Some(CNBCARGO_PROVIDER) {
            return Err(internal("lacks the registry's `credential-provider`"));
        }
        return Ok(());
    }
    let has_provider = registry
        .and_then(|r| r.get("global-credential-providers"))
        .and_then(|p| p.as_array())
        .is_some_and(|a| {
            a.iter().any(|v| {
                v.as_str()
                    .and_then(|s| s.split_whitespace().next())
                    .is_some_and(|p| p == TOKEN_PROVIDER)
            })
        });
    if !has_provider {
        return Err(internal("lacks `cargo:token`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn index() -> IndexUrl {
        IndexUrl::parse_target("acme/crates").unwrap()
    }

    fn provider_block(index: &IndexUrl, provider: ProviderSetup) -> CnbBlock<'_> {
        CnbBlock {
            provider,
            ..block(index)
        }
    }

    #[test]
    fn cnbcargo_provider_is_the_registrys_own_and_leaves_the_rest() {
        let index = index();
        let cnbcargo = provider_block(&index, ProviderSetup::Cnbcargo);
        let edited = add_cnb_block("", &cnbcargo).unwrap();
        assert_eq!(
            edited.text,
            "[registry]\ndefault = \"cnb-cargo-repo\"\n\n[registries.cnb-cargo-repo]\nindex = \"sparse+https://cargo.cnb.cool/acme/crates/-/packages/\"\ncredential-provider = \"cnbcargo\"\n"
        );
        // Another registry's provider and the global list stay as they were.
        let src = "[registry]\nglobal-credential-providers = [\"cargo:libsecret\"]\n\n[registries.other]\nindex = \"sparse+https://x.example/\"\ncredential-provider = \"cargo:token\"\n\n[registries.cnb-cargo-repo]\nindex = \"sparse+https://cargo.cnb.cool/acme/crates/-/packages/\"\ncredential-provider = [\"cargo:token\"] # old\n";
        let edited = add_cnb_block(src, &cnbcargo).unwrap();
        assert_eq!(
            edited.text,
            src.replace(
                "credential-provider = [\"cargo:token\"] # old",
                "credential-provider = \"cnbcargo\" # old"
            )
            .replace(
                "[\"cargo:libsecret\"]\n",
                "[\"cargo:libsecret\"]\ndefault = \"cnb-cargo-repo\"\n"
            )
        );
        assert!(edited.changes.contains(&Change::SetOwnProvider {
            name: "cnb-cargo-repo".into(),
            provider: "cnbcargo".into(),
            previous: Some("[\"cargo:token\"]".into()),
        }));
        // Run again: nothing to do. Without the flag the mode is kept; with
        // `cargo:token` asked for by name, it goes back.
        assert!(
            add_cnb_block(&edited.text, &cnbcargo)
                .unwrap()
                .changes
                .is_empty()
        );
        let kept = add_cnb_block(&edited.text, &block(&index)).unwrap();
        assert!(kept.text.contains("credential-provider = \"cnbcargo\""));
        let back = add_cnb_block(
            &edited.text,
            &provider_block(&index, ProviderSetup::CargoToken),
        )
        .unwrap();
        assert!(
            back.text
                .contains("credential-provider = \"cargo:token\" # old")
        );
        assert!(back.text.contains("\"cargo:libsecret\", \"cargo:token\""));
    }

    #[test]
    fn cnbcargo_provider_in_inline_and_dotted_registries() {
        let index = index();
        let cnbcargo = provider_block(&index, ProviderSetup::Cnbcargo);
        for src in [
            "[registries]\nother = { index = \"sparse+https://x.example/\" }\n",
            "registries.other.index = \"sparse+https://x.example/\"\n",
            "[registries.cnb-cargo-repo]\n",
        ] {
            let edited = add_cnb_block(src, &cnbcargo).unwrap();
            let doc: toml_edit::DocumentMut = edited.text.parse().unwrap();
            let entry = &doc["registries"]["cnb-cargo-repo"];
            assert_eq!(
                entry["credential-provider"].as_str(),
                Some("cnbcargo"),
                "{}",
                edited.text
            );
            assert!(entry["index"].as_str().is_some(), "{}", edited.text);
        }
    }

    fn block(index: &IndexUrl) -> CnbBlock<'_> {
        CnbBlock {
            name: "cnb-cargo-repo",
            index,
            set_default: true,
            provider: ProviderSetup::Global,
        }
    }

    fn is_byte_subsequence(original: &[u8], edited: &[u8]) -> bool {
        let mut rest = edited.iter();
        original.iter().all(|b| rest.any(|c| c == b))
    }

    /// Pieces real cargo configs are made of, including every form the
    /// `registries` and `registry` tables take.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("[build]\njobs = 2".to_string()),
            Just("# a comment, with = and [brackets]".to_string()),
            Just(String::new()),
            Just("[net]\nretry = 3 # trailing comment".to_string()),
            Just("[target.'cfg(windows)']\nrustflags = [\n    \"-C\", \"x\", # why\n]".to_string()),
            Just("[registries]\nother = { index = \"sparse+https://o.example/\" }".to_string()),
            Just("[registries.mirror]\nindex = \"https://github.com/x/index\"".to_string()),
            Just("registries.dotted.index = \"sparse+https://d.example/\"".to_string()),
            Just("registries = { inl = { index = \"sparse+https://i.example/\" } }".to_string()),
            Just("[registry]\ndefault = \"other\"".to_string()),
            Just("[registry]\nglobal-credential-providers = [\"cargo:libsecret\"]".to_string()),
            Just("[registry]\nglobal-credential-providers = [\n  \"cargo:libsecret\",\n]".to_string()),
            Just("registry.default = \"x\"".to_string()),
            Just("[registries.cnb-cargo-repo]\nindex = \"sparse+https://cargo.cnb.cool/old/x/-/packages/\"".to_string()),
            Just("[env]\nA = { value = \"1\", relative = true }".to_string()),
            "[a-z]{1,8}".prop_map(|k| format!("[{k}]\nkey = \"{k}\"")),
            "[a-z]{1,8}".prop_map(|k| format!("{k} = '''\nmulti\nline'''")),
        ]
    }

    fn document() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(piece(), 0..8),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(pieces, crlf, final_newline)| {
                let mut text = pieces.join("\n");
                if final_newline && !text.is_empty() {
                    text.push('\n');
                }
                if crlf {
                    text.replace('\n', "\r\n")
                } else {
                    text
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn init_keeps_every_line_and_is_idempotent(doc in document(), setup in 0..3usize) {
            // Only documents cargo could read are meaningful here.
            prop_assume!(doc.parse::<toml_edit::DocumentMut>().is_ok());
            let index = index();
            let mut block = block(&index);
            block.provider = [ProviderSetup::Global, ProviderSetup::CargoToken, ProviderSetup::Cnbcargo][setup];
            let block = &block;
            let block = |_: &IndexUrl| block;
            match add_cnb_block(&doc, block(&index)) {
                Ok(edited) => {
                    let replaced = edited.changes.iter().any(|c| matches!(c, Change::ReplacedIndex { .. } | Change::SetDefault { previous: Some(_), .. } | Change::SetOwnProvider { previous: Some(_), .. }));
                    if !replaced {
                        prop_assert!(is_byte_subsequence(doc.as_bytes(), edited.text.as_bytes()));
                        // Lines are kept whole, except a one-line inline table or
                        // array that gained an entry (its bytes are still all there).
                        let mut lines = edited.text.lines();
                        for line in doc.lines() {
                            if line.contains('{') || line.contains("providers = [\"") {
                                continue;
                            }
                            prop_assert!(lines.any(|l| l == line), "lost {:?}", line);
                        }
                    }
                    if doc.contains("\r\n") {
                        prop_assert!(!edited.text.replace("\r\n", "").contains('\n'));
                    }
                    prop_assert_eq!(doc.ends_with('\n') || doc.is_empty(), edited.text.ends_with('\n') || (doc.is_empty() && edited.text.is_empty()));
                    let again = add_cnb_block(&edited.text, block(&index)).unwrap();
                    prop_assert_eq!(&again.text, &edited.text);
                    prop_assert!(again.changes.is_empty());
                }
                Err(err) => {
                    // Valid TOML is refused only for a key of the wrong type.
                    prop_assert!(err.message.contains("cargo expects"), "{err}");
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let index = index();
            let _ = add_cnb_block(&text, &block(&index));
        }
    }
}
