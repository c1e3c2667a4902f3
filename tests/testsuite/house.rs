//! The rules ARCHITECTURE.md states for `src/`, checked on every run so
//! that the layout keeps saying what the code does: each module imports
//! only the rooms below it, no two modules import each other in a circle,
//! commands stay thin and no function grows past what a reader can hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module's floor: a module may use modules on its own
/// floor or below, never above. The table is ARCHITECTURE.md's, floor by
/// floor; a new module must be placed here (the test fails until it is).
const FLOORS: &[(&str, u8)] = &[
    // Leaves: no knowledge of cargo's files, the network or the commands.
    ("error", 0),
    ("env", 0),
    ("origin", 0),
    ("parallel", 0),
    ("shell", 1),
    ("fs", 1),
    ("registry_url", 1),
    ("spec", 2),
    ("credentials", 2),
    // cargo's own world: its config files, its workspaces, running it.
    ("cargo_config", 3),
    ("cnb_hosts", 3),
    ("workspace", 3),
    ("cargo", 3),
    // The transport (plain data in, typed errors out), the settings that
    // resolve every precedence chain into its data, and what a user is
    // told of a client error.
    ("client", 4),
    ("settings", 5),
    ("explain", 6),
    // cargo's credential-provider protocol, answered from the settings.
    ("provider", 6),
    ("context", 7),
    // What cnbcargo does.
    ("ops", 8),
    // The command line and the commands over the operations.
    ("cli", 10),
    ("commands", 11),
    ("lib", 12),
];

const COMMAND_LINES: usize = 200;
const FUNCTION_LINES: usize = 80;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/ops/publish/plan.rs` -> `["ops", "publish", "plan"]`; `main.rs`
/// and the binaries count as `lib` (they only call it).
fn module_of(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.first().map(String::as_str) {
        Some("lib" | "main" | "bin") => vec!["lib".into()],
        _ => parts,
    }
}

/// The code of a file without its unit tests, which may reach anywhere.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Every `crate::a::b` path a file names, as `[a, b]` (`use crate::{a, b::c}`
/// groups included), comments aside.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        // `$crate::` and names ending in `crate` are not paths from the root.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let path = path_words(item.trim());
                if !path.is_empty() {
                    out.push(path);
                }
            }
        } else {
            out.push(path_words(rest));
        }
    }
    out
}

fn path_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        words.push(rest[..end].to_string());
        match rest[end..].strip_prefix("::") {
            Some(next) if next.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
                rest = next
            }
            _ => break,
        }
    }
    words
}

fn floor(module: &str) -> u8 {
    FLOORS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, floor)| *floor)
        .unwrap_or_else(|| {
            panic!("module `{module}` is not placed in house.rs's FLOORS (and ARCHITECTURE.md)")
        })
}

/// Module -> the modules it names, `depth` path segments deep (1: `ops`,
/// 2: `ops::publish`), within the same parent at depth 2.
fn graph(depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let me = module_of(&file);
        let from = me[..me.len().min(depth)].join("::");
        for path in crate_paths(&code(&file)) {
            if path.len() < depth.min(me.len()) {
                continue;
            }
            let to = path[..depth.min(path.len())].join("::");
            if to != from && (depth == 1 || path[0] == me[0]) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
        edges.entry(from).or_default();
    }
    edges
}

#[test]
fn each_module_imports_only_the_floors_below_it() {
    let mut wrong = Vec::new();
    for (from, tos) in graph(1) {
        for to in tos {
            if floor(&to) > floor(&from) {
                wrong.push(format!(
                    "`{from}` (floor {}) uses `{to}` (floor {})",
                    floor(&from),
                    floor(&to)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports up the house:\n{}",
        wrong.join("\n")
    );
}

/// A circle found by walking the graph depth first.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    for depth in [1, 2] {
        if let Some(found) = circle(&graph(depth)) {
            panic!("an import circle: {}", found.join(" -> "));
        }
    }
}

#[test]
fn commands_stay_thin() {
    let mut files = Vec::new();
    rust_files(&src().join("commands"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > COMMAND_LINES).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "commands over {COMMAND_LINES} lines (move the work into `ops/`):\n{}",
        long.join("\n")
    );
}

/// Each `fn` with the lines from its signature to its closing brace,
/// counted by braces outside strings, characters and comments.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        let mut depth = 0i32;
        let mut opened = false;
        for (end, line) in lines.iter().enumerate().skip(start) {
            for c in braces(line) {
                depth += if c == '{' { 1 } else { -1 };
                opened = true;
            }
            if !opened && line.trim_end().ends_with(';') {
                break;
            }
            if opened && depth <= 0 {
                out.push((name, start + 1, end - start + 1));
                break;
            }
        }
    }
    out
}

fn fn_name(line: &str) -> Option<String> {
    let mut words = line.trim_start();
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        words = words.strip_prefix(prefix).unwrap_or(words);
    }
    let rest = words.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(rest[..end].to_string())
}

/// The braces of a line that are code: not in a string, a character or a
/// comment (a string spanning lines is rare enough here to ignore).
fn braces(line: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            '\'' if !in_str => {
                // A character literal ('{', '\''), not a lifetime.
                let ahead: String = chars.clone().take(3).collect();
                if ahead.starts_with("\\") {
                    chars.nth(2);
                } else if ahead.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            '{' | '}' if !in_str => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn no_function_grows_past_a_screen() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut long = Vec::new();
    for file in files {
        for (name, line, len) in functions(&std::fs::read_to_string(&file).unwrap()) {
            if len > FUNCTION_LINES {
                long.push(format!("{}:{line} `{name}` ({len} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {FUNCTION_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_rules_see_what_they_check() {
    // The scanners, on text whose answer is known: a rule that finds
    // nothing because it reads nothing would pass forever.
    assert_eq!(
        crate_paths("use crate::a::b;\nuse crate::{c, d::e};\n// crate::f\nlet x = $crate::g;"),
        [vec!["a", "b"], vec!["c"], vec!["d", "e"]]
    );
    let text = "fn short() {\n    let s = \"}\";\n}\npub fn long() {\n    '{';\n    x();\n}\n";
    assert_eq!(
        functions(text),
        [("short".to_string(), 1, 3), ("long".to_string(), 4, 4)]
    );
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(circle(&edges).is_some());
    assert!(graph(1).len() > 10, "the scan found the modules of src/");
    assert!(graph(1)["commands"].contains("ops"));
}
