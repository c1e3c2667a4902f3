//! What a `.crate` says about itself: the normalised `Cargo.toml` that
//! `cargo package` wrote into it (and the README it names). For a copy
//! from an index, the package fields the index does not carry
//! (description, license, ...); for a directory of `.crate` files, which
//! has no index, the whole entry.

use std::io::Read;

use serde_json::{Value, json};
use toml_edit::{DocumentMut, Item, TableLike};

use crate::client::sparse::{FeatureMap, FullEntry, IndexDep};

/// The largest manifest or README read from a `.crate`. A normalised
/// `Cargo.toml` is a few KiB (the largest on crates.io, with thousands of
/// features, some hundreds): one over the cap is refused, not cut.
const MAX_MANIFEST: u64 = 4 << 20;
const MAX_README: u64 = 1 << 20;
/// The most keys, values and table headers a manifest may hold, as
/// counted by `items`. Parsed, each takes a few hundred bytes (a 4 MiB
/// array of small numbers took 600 MB); the largest real manifests
/// (`web-sys`, `windows`, with a thousand features or two) hold a few
/// thousand.
const MAX_MANIFEST_ITEMS: usize = 30_000;
/// One manifest is parsed at a time, whatever the jobs: each parse is
/// bounded by `MAX_MANIFEST_ITEMS`, and takes a millisecond.
static PARSING: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// The most a `.crate` may unpack to, all files together: cargo's own
/// limit (it refuses to unpack a bigger one), so no crate a consumer could
/// build is refused, and a gzip bomb costs bounded time.
pub const MAX_UNPACKED: u64 = 512 << 20;

/// crates.io's index, as cargo names it in other registries' entries.
pub const CRATES_IO_INDEX: &str = "https://github.com/rust-lang/crates.io-index";

/// The package fields of cargo's publish metadata that the index does
/// not carry.
#[derive(Debug, Clone, Default)]
pub struct PackageMeta {
    pub fields: serde_json::Map<String, Value>,
}

/// A `.crate` unpacked as far as its manifest.
pub struct Unpacked {
    pub manifest: DocumentMut,
    pub readme: Option<String>,
    pub readme_path: Option<String>,
}

/// Reads `<name>-<version>/Cargo.toml` (and the README it names) from a
/// gzipped tar, streaming: only those two files are held, whatever else
/// the archive holds.
pub fn unpack(crate_file: impl Read) -> Result<Unpacked, String> {
    unpack_capped(crate_file, MAX_UNPACKED)
}

fn unpack_capped(crate_file: impl Read, max_unpacked: u64) -> Result<Unpacked, String> {
    let exceeded = std::cell::Cell::new(false);
    let capped = Capped {
        inner: flate2::read::GzDecoder::new(crate_file),
        left: max_unpacked,
        exceeded: &exceeded,
    };
    let too_big = || {
        format!(
            "the `.crate` unpacks to more than {} MiB (cargo's own limit): refused",
            max_unpacked >> 20
        )
    };
    // A read that fails past the cap is the cap's doing.
    let broken = |e: std::io::Error| match exceeded.get() {
        true => too_big(),
        false => format!("a broken `.crate`: {e}"),
    };
    let mut archive = tar::Archive::new(capped);
    let mut manifest: Option<DocumentMut> = None;
    // The README the manifest names, once it is read (`Some(None)`: none).
    let mut named: Option<Option<String>> = None;
    // One README at most: before the manifest is read (cargo writes it
    // first) the first top-level candidate, after it the one it names.
    // Holding every candidate let 3,000 of 1 MiB take 3 GB.
    let mut readme: Option<(String, Vec<u8>)> = None;
    let entries = archive
        .entries()
        .map_err(|e| format!("not a `.crate` (gzipped tar): {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(broken)?;
        let path = entry
            .path()
            .map_err(|e| format!("a broken `.crate`: {e}"))?
            .to_string_lossy()
            .into_owned();
        let Some((_, inside)) = path.split_once('/') else {
            continue;
        };
        if inside == "Cargo.toml" {
            let parsed = read_manifest(&mut entry, broken)?;
            let wanted = package(&parsed)
                .and_then(|p| p.get("readme"))
                .and_then(Item::as_str)
                .map(|n| n.trim_start_matches("./").to_string());
            named = Some(wanted);
            manifest = Some(parsed);
            continue;
        }
        // A README that cannot be read is left out, never a failure.
        if readme_candidate(named.as_ref(), readme.as_ref(), inside) {
            let mut bytes = Vec::new();
            if entry.take(MAX_README).read_to_end(&mut bytes).is_ok() {
                readme = Some((inside.to_string(), bytes));
            }
        }
    }
    // Whatever is left of the archive is read through (the cap counts it).
    if exceeded.get() {
        return Err(too_big());
    }
    let manifest = manifest.ok_or("the `.crate` holds no `Cargo.toml`")?;
    let named = named.flatten();
    let readme = match (&named, readme) {
        (Some(n), Some((path, bytes))) if *n == path => {
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    };
    Ok(Unpacked {
        readme_path: named.filter(|_| readme.is_some()),
        readme,
        manifest,
    })
}

/// Whether the file at `inside` (a path in the package) is the README to
/// keep: before the manifest is read (`named`: `None`), the first
/// top-level candidate; after, the one it names, unless held already.
fn readme_candidate(
    named: Option<&Option<String>>,
    held: Option<&(String, Vec<u8>)>,
    inside: &str,
) -> bool {
    match named {
        None => {
            held.is_none()
                && !inside.contains('/')
                && inside.to_ascii_lowercase().starts_with("readme")
        }
        Some(wanted) => wanted.as_deref() == Some(inside) && held.is_none_or(|(p, _)| p != inside),
    }
}

/// The `.crate`'s `Cargo.toml`, parsed: refused when it is over
/// `MAX_MANIFEST` bytes or `MAX_MANIFEST_ITEMS` items, or not TOML.
/// `read_error` says why a read failed (the unpacking cap, or a broken
/// archive).
fn read_manifest(
    entry: &mut impl Read,
    read_error: impl Fn(std::io::Error) -> String,
) -> Result<DocumentMut, String> {
    let mut bytes = Vec::new();
    entry
        .take(MAX_MANIFEST + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_MANIFEST {
        return Err(format!(
            "the `.crate`'s `Cargo.toml` is larger than {} MiB: refused",
            MAX_MANIFEST >> 20
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| "the `.crate`'s `Cargo.toml` is not UTF-8 text".to_string())?;
    if items(&text) > MAX_MANIFEST_ITEMS {
        return Err(format!(
            "the `.crate`'s `Cargo.toml` holds more than {MAX_MANIFEST_ITEMS} keys and values: refused"
        ));
    }
    let parsing = PARSING.lock().unwrap_or_else(|e| e.into_inner());
    let parsed = text.parse::<DocumentMut>();
    drop(parsing);
    parsed.map_err(|e: toml_edit::TomlError| {
        // The parser's message quotes the offending line: cleaned
        // and cut, it stays one line of the source's text.
        format!(
            "the `.crate`'s `Cargo.toml` is not valid TOML: {}",
            crate::shell::clean_line(&first_chars(&e.to_string(), 300))
        )
    })
}

/// An upper bound of the items a TOML text parses to: every key, value,
/// table and array element is next to one of these.
fn items(text: &str) -> usize {
    text.bytes()
        .filter(|b| matches!(b, b'=' | b',' | b'[' | b'{' | b'.' | b'\n'))
        .count()
}

fn first_chars(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// The unpacked bytes of a `.crate`, at most `left` of them: past that, an
/// error (and `exceeded` set, for the message).
struct Capped<'a, R> {
    inner: R,
    left: u64,
    exceeded: &'a std::cell::Cell<bool>,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            self.exceeded.set(true);
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "the `.crate` unpacks to too much",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn package(manifest: &DocumentMut) -> Option<&dyn TableLike> {
    manifest.get("package").and_then(Item::as_table_like)
}

fn string(table: &dyn TableLike, key: &str) -> Option<String> {
    table.get(key).and_then(Item::as_str).map(str::to_string)
}

fn strings(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Unpacked {
    /// The manifest must be the package the index entry names: a source
    /// cannot pass one crate's bytes off as another's.
    pub fn check_identity(&self, entry: &FullEntry) -> Result<(), String> {
        let pkg =
            package(&self.manifest).ok_or("the `.crate`'s `Cargo.toml` has no `[package]`")?;
        let name = string(pkg, "name").unwrap_or_default();
        let vers = string(pkg, "version").unwrap_or_default();
        if name == entry.name && vers == entry.vers {
            return Ok(());
        }
        Err(format!(
            "the `.crate` holds `{}@{}`, not the version the source's index names; refused",
            crate::shell::clean_line(&name),
            crate::shell::clean_line(&vers)
        ))
    }

    /// description, license, links to the project and the README, as
    /// `cargo publish` sends them.
    pub fn package_meta(&self) -> PackageMeta {
        let mut fields = serde_json::Map::new();
        let Some(pkg) = package(&self.manifest) else {
            return PackageMeta { fields };
        };
        for (key, field) in [
            ("description", "description"),
            ("documentation", "documentation"),
            ("homepage", "homepage"),
            ("license", "license"),
            ("license-file", "license_file"),
            ("repository", "repository"),
        ] {
            fields.insert(field.to_string(), json!(string(pkg, key)));
        }
        for (key, field) in [
            ("authors", "authors"),
            ("keywords", "keywords"),
            ("categories", "categories"),
        ] {
            fields.insert(field.to_string(), json!(strings(pkg.get(key))));
        }
        fields.insert("readme".to_string(), json!(self.readme));
        fields.insert("readme_file".to_string(), json!(self.readme_path));
        PackageMeta { fields }
    }

    /// The index entry cargo would have made of this package, for a
    /// `.crate` with no index: dependencies from the normalised manifest
    /// (one that names a `registry-index` came from a private registry,
    /// taken to be the one being migrated; one without, from crates.io).
    pub fn entry(&self, cksum: String) -> Result<FullEntry, String> {
        let pkg = package(&self.manifest).ok_or("the `Cargo.toml` has no `[package]`")?;
        let name = string(pkg, "name").ok_or("the `Cargo.toml` has no `package.name`")?;
        let vers = string(pkg, "version").ok_or("the `Cargo.toml` has no `package.version`")?;
        let mut deps = Vec::new();
        let root = self.manifest.as_table();
        collect_deps(root, None, &mut deps)?;
        if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
            for (cfg, table) in targets.iter() {
                if let Some(table) = table.as_table_like() {
                    collect_deps(table, Some(cfg), &mut deps)?;
                }
            }
        }
        let mut features = FeatureMap::new();
        if let Some(table) = root.get("features").and_then(Item::as_table_like) {
            for (feature, list) in table.iter() {
                features.insert(feature.to_string(), strings(Some(list)));
            }
        }
        Ok(FullEntry {
            name,
            vers,
            deps,
            cksum,
            features,
            features2: None,
            yanked: false,
            links: string(pkg, "links"),
            rust_version: string(pkg, "rust-version"),
        })
    }
}

fn collect_deps(
    table: &dyn TableLike,
    target: Option<&str>,
    deps: &mut Vec<IndexDep>,
) -> Result<(), String> {
    // The underscore spellings are what older manifests use.
    for (section, kind) in [
        ("dependencies", "normal"),
        ("build-dependencies", "build"),
        ("build_dependencies", "build"),
        ("dev-dependencies", "dev"),
        ("dev_dependencies", "dev"),
    ] {
        let Some(list) = table.get(section).and_then(Item::as_table_like) else {
            continue;
        };
        for (key, spec) in list.iter() {
            let dep = match spec.as_str() {
                Some(req) => IndexDep {
                    name: key.to_string(),
                    req: canonical_req(req),
                    features: Vec::new(),
                    optional: false,
                    default_features: true,
                    target: target.map(str::to_string),
                    kind: Some(kind.to_string()),
                    registry: Some(CRATES_IO_INDEX.to_string()),
                    package: None,
                },
                None => {
                    let Some(spec) = spec.as_table_like() else {
                        return Err(format!("`{section}.{key}` is neither a string nor a table"));
                    };
                    // A dependency without a version (a path one) is not
                    // part of what was published.
                    let Some(req) = string(spec, "version") else {
                        continue;
                    };
                    let req = canonical_req(&req);
                    let flag = |k: &str| spec.get(k).and_then(Item::as_bool);
                    IndexDep {
                        name: key.to_string(),
                        req,
                        features: strings(spec.get("features")),
                        optional: flag("optional").unwrap_or(false),
                        default_features: flag("default-features")
                            .or_else(|| flag("default_features"))
                            .unwrap_or(true),
                        target: target.map(str::to_string),
                        kind: Some(kind.to_string()),
                        registry: match string(spec, "registry-index") {
                            Some(_) => None,
                            None => Some(CRATES_IO_INDEX.to_string()),
                        },
                        package: string(spec, "package"),
                    }
                }
            };
            deps.push(dep);
        }
    }
    Ok(())
}

/// A requirement as cargo sends it (`0.2` is `^0.2`); one semver cannot
/// read is passed on as written, for the registry to judge.
fn canonical_req(req: &str) -> String {
    semver::VersionReq::parse(req).map_or_else(|_| req.to_string(), |r| r.to_string())
}

/// cargo's publish metadata for `entry`, its dependencies rewritten for
/// the destination by `registry_of`, with the package's other fields.
pub fn publish_metadata(
    entry: &FullEntry,
    meta: &PackageMeta,
    registry_of: impl Fn(Option<&str>) -> Option<String>,
) -> Value {
    let deps: Vec<Value> = entry
        .deps
        .iter()
        .map(|dep| {
            // The index lists a renamed dependency under its alias with
            // the real name in `package`; the publish metadata the other
            // way round.
            let (name, alias) = match &dep.package {
                Some(real) => (real.clone(), Some(dep.name.clone())),
                None => (dep.name.clone(), None),
            };
            let mut value = json!({
                "name": name,
                "version_req": dep.req,
                "features": dep.features,
                "optional": dep.optional,
                "default_features": dep.default_features,
                "target": dep.target,
                "kind": dep.kind.clone().unwrap_or_else(|| "normal".to_string()),
            });
            // cargo leaves these out rather than sending `null`.
            let object = value.as_object_mut().expect("built as an object");
            if let Some(registry) = registry_of(dep.registry.as_deref()) {
                object.insert("registry".to_string(), json!(registry));
            }
            if let Some(alias) = alias {
                object.insert("explicit_name_in_toml".to_string(), json!(alias));
            }
            value
        })
        .collect();
    let mut value = json!({
        "name": entry.name,
        "vers": entry.vers,
        "deps": deps,
        "features": entry.all_features(),
        "links": entry.links,
        "rust_version": entry.rust_version,
        "badges": {},
    });
    let object = value.as_object_mut().expect("built as an object");
    for key in [
        "authors",
        "description",
        "documentation",
        "homepage",
        "readme",
        "readme_file",
        "keywords",
        "categories",
        "license",
        "license_file",
        "repository",
    ] {
        let default = if matches!(key, "authors" | "keywords" | "categories") {
            json!([])
        } else {
            Value::Null
        };
        object.insert(
            key.to_string(),
            meta.fields.get(key).cloned().unwrap_or(default),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_file(manifest: &str, readme: Option<&str>) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        let mut files = vec![("Cargo.toml", manifest)];
        if let Some(readme) = readme {
            files.push(("README.md", readme));
        }
        for (path, contents) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("x-1.0.0/{path}"), contents.as_bytes())
                .unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
        gz.finish().unwrap()
    }

    const MANIFEST: &str = r#"
[package]
name = "x"
version = "1.0.0"
description = "an x"
license = "MIT"
links = "xlib"
rust-version = "1.70"
readme = "README.md"
keywords = ["a", "b"]

[dependencies.inner]
version = "0.2"
registry-index = "sparse+https://old.example/index/"
features = ["f"]
optional = true

[dependencies.renamed]
version = "^1"
package = "real-name"
default-features = false

[dev-dependencies]
tester = "0.1"

[target.'cfg(unix)'.build-dependencies.cc]
version = "1"

[dependencies.local]
path = "../local"

[features]
default = ["inner"]
extra = ["dep:inner", "renamed/std"]
"#;

    #[test]
    fn a_crate_without_an_index_gets_the_entry_cargo_would_make() {
        let unpacked = unpack(crate_file(MANIFEST, Some("# X")).as_slice()).unwrap();
        let entry = unpacked.entry("abc".into()).unwrap();
        assert_eq!((entry.name.as_str(), entry.vers.as_str()), ("x", "1.0.0"));
        assert_eq!(entry.links.as_deref(), Some("xlib"));
        assert_eq!(entry.rust_version.as_deref(), Some("1.70"));
        let names: Vec<&str> = entry.deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["inner", "renamed", "tester", "cc"]);
        let inner = &entry.deps[0];
        assert!(inner.optional && inner.registry.is_none() && inner.features == ["f"]);
        let renamed = &entry.deps[1];
        assert_eq!(renamed.package.as_deref(), Some("real-name"));
        assert!(!renamed.default_features);
        assert_eq!(renamed.registry.as_deref(), Some(CRATES_IO_INDEX));
        assert_eq!(entry.deps[2].kind.as_deref(), Some("dev"));
        assert_eq!(entry.deps[3].target.as_deref(), Some("cfg(unix)"));
        assert_eq!(entry.deps[3].kind.as_deref(), Some("build"));
        assert_eq!(entry.features["extra"], ["dep:inner", "renamed/std"]);

        let meta = unpacked.package_meta();
        assert_eq!(meta.fields["description"], "an x");
        assert_eq!(meta.fields["readme"], "# X");
        assert_eq!(meta.fields["readme_file"], "README.md");
        let json = publish_metadata(&entry, &meta, |r| r.map(str::to_string));
        assert_eq!(json["deps"][1]["name"], "real-name");
        assert_eq!(json["deps"][1]["explicit_name_in_toml"], "renamed");
        assert_eq!(json["deps"][1]["version_req"], "^1");
        assert_eq!(json["deps"][0]["version_req"], "^0.2");
        assert!(json["deps"][0].get("registry").is_none());
        assert!(json["deps"][0].get("explicit_name_in_toml").is_none());
        assert_eq!(json["keywords"], json!(["a", "b"]));
        assert_eq!(json["license"], "MIT");
    }

    #[test]
    fn a_readme_never_fails_a_copy() {
        // A binary file whose name starts with "readme" and a README that
        // is not UTF-8: read as far as they can be, never an error.
        let crate_file = tarred(&[
            ("Cargo.toml", MANIFEST.as_bytes()),
            ("readme-logo.png", &[0x89, b'P', b'N', b'G', 0xff, 0xfe][..]),
            ("README.md", &[b'#', b' ', 0xff, b'x'][..]),
        ]);
        let unpacked = unpack(crate_file.as_slice()).unwrap();
        assert_eq!(unpacked.readme.as_deref(), Some("# \u{fffd}x"));
        assert_eq!(unpacked.readme_path.as_deref(), Some("README.md"));
    }

    fn tarred(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, contents) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("x-1.0.0/{path}"), *contents)
                .unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn only_the_named_readme_is_kept_and_unpacking_is_capped() {
        // A candidate before the manifest, many after it: the named one
        // wins, wherever it is.
        let big = vec![0u8; 64 << 10];
        let mut files: Vec<(String, &[u8])> = vec![
            ("README-first".to_string(), b"first"),
            ("Cargo.toml".to_string(), MANIFEST.as_bytes()),
        ];
        for i in 0..40 {
            files.push((format!("README-{i}"), &big));
        }
        files.push(("README.md".to_string(), b"# the one"));
        let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), *b)).collect();
        let bytes = tarred(&borrowed);
        let unpacked = unpack(bytes.as_slice()).unwrap();
        assert_eq!(unpacked.readme.as_deref(), Some("# the one"));
        // No README named: none sent, as cargo would send none.
        let plain = MANIFEST.replace("readme = \"README.md\"\n", "");
        let unpacked =
            unpack(tarred(&[("Cargo.toml", plain.as_bytes()), ("README.md", b"x")]).as_slice())
                .unwrap();
        assert_eq!(unpacked.readme, None);
        // 40 x 64 KiB unpacked is over a 1 MiB cap: refused, not read on.
        let err = unpack_capped(bytes.as_slice(), 1 << 20).err().unwrap();
        assert!(err.contains("unpacks to more than 1 MiB"), "{err}");
    }

    #[test]
    fn an_oversized_manifest_is_too_large_not_a_toml_error() {
        let mut manifest = MANIFEST.to_string();
        manifest.push_str(&format!("# {}\n", "x".repeat(MAX_MANIFEST as usize)));
        let err = unpack(tarred(&[("Cargo.toml", manifest.as_bytes())]).as_slice())
            .err()
            .unwrap();
        assert_eq!(
            err,
            "the `.crate`'s `Cargo.toml` is larger than 4 MiB: refused"
        );
        // Under the size cap, but millions of values (600 MB parsed).
        let mut many = MANIFEST.to_string();
        many.push_str("[package.metadata]\nk = [");
        many.push_str(&"1,".repeat(1 << 20));
        many.push_str("]\n");
        let err = unpack(tarred(&[("Cargo.toml", many.as_bytes())]).as_slice())
            .err()
            .unwrap();
        assert_eq!(
            err,
            "the `.crate`'s `Cargo.toml` holds more than 30000 keys and values: refused"
        );
        // A TOML error quotes one line, cleaned, at most a few hundred
        // characters.
        let bad = format!(
            "[package]\nname = \"{}\u{1b}]0;x\u{7}\n",
            "y".repeat(10_000)
        );
        let err = unpack(tarred(&[("Cargo.toml", bad.as_bytes())]).as_slice())
            .err()
            .unwrap();
        assert!(
            err.len() < 1000 && !err.contains('\u{1b}') && !err.contains('\n'),
            "{err}"
        );
    }

    #[test]
    fn broken_crates_are_errors_not_panics() {
        assert!(unpack(&b"not gzip"[..]).is_err());
        assert!(unpack(crate_file("not toml [", None).as_slice()).is_err());
        let no_package = unpack(crate_file("[lib]\n", None).as_slice()).unwrap();
        assert!(no_package.entry(String::new()).is_err());
    }
}
