//! CNB's block in a cargo config: the registry entry, `registry.default`
//! and the credential provider `init` asks for, added through the
//! byte-preserving splicer (`splice`), and checked by reading the result.

use toml_edit::{Document, Value};

use super::splice::{
    EditError, Place, Splicer, add_keys, add_keys_first, append_to_array, error_at, get_value,
    key_offset, key_text, parse, place_of, toml_string,
};
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

/// A key added to a table: its dotted path and its value as TOML text.
type Addition<'k> = (Vec<&'k str>, String);

const PROVIDER_KEY: &str = "credential-provider";
const PROVIDERS: &str = "global-credential-providers";

/// Adds (or confirms) the CNB registry block in `src`.
pub fn add_cnb_block(src: &str, block: &CnbBlock<'_>) -> Result<Edited, EditError> {
    let doc = parse(src)?;
    let root = doc.as_table();
    let mut edit = BlockEdit {
        src,
        block,
        splicer: Splicer::new(src),
        changes: Vec::new(),
    };
    let registries = place_of(src, root, "registries", "registries")?;
    let name = edit.registry_entry(&registries)?;

    // `[registry]`: the default and the credential provider.
    let registry = place_of(src, root, "registry", "registry")?;
    let mut additions = edit.default_registry(&registry, &name)?;
    edit.global_provider(&registry, &mut additions)?;
    // `[registry]` goes before `[registries.NAME]` when both are new, as in
    // CNB's docs.
    if matches!(registry, Place::Absent { .. }) && matches!(registries, Place::Absent { .. }) {
        add_keys_first(&mut edit.splicer, &registry, &additions);
    } else {
        add_keys(&mut edit.splicer, &registry, &additions);
    }

    let text = edit.splicer.finish();
    verify(&text, &name, block)?;
    Ok(Edited {
        text,
        name,
        changes: edit.changes,
    })
}

/// One run of `add_cnb_block`: the splices made so far and what they mean.
struct BlockEdit<'s, 'b> {
    src: &'s str,
    block: &'b CnbBlock<'b>,
    splicer: Splicer<'s>,
    changes: Vec<Change>,
}

impl BlockEdit<'_, '_> {
    /// The registry's entry in `registries`: the one already holding the
    /// index (whatever its name), else the requested name's (pointed at
    /// the index), else a new one. Returns the name in effect.
    fn registry_entry(&mut self, registries: &Place<'_>) -> Result<String, EditError> {
        let entries = registry_entries(self.src, registries)?;
        let same_index = entries.iter().find(|(_, place)| {
            get_value(place, "index")
                .and_then(Value::as_str)
                .and_then(IndexUrl::from_config_value)
                .as_ref()
                == Some(self.block.index)
        });
        if let Some((existing, place)) = same_index {
            if existing != self.block.name {
                self.changes.push(Change::ReusedRegistry {
                    name: existing.clone(),
                    requested: self.block.name.to_string(),
                });
            }
            let wanted = self.own_provider(Some(place));
            self.set_own_provider(place, wanted, existing);
            return Ok(existing.clone());
        }
        let name = self.block.name.to_string();
        match entries.iter().find(|(n, _)| *n == name) {
            Some((_, place)) => match get_value(place, "index") {
                Some(value) => self.replace_index(&name, place, value)?,
                None => self.complete_entry(&name, place),
            },
            None => self.new_entry(&name, registries),
        }
        Ok(name)
    }

    /// The registry's own provider, when asked for, and the one it
    /// replaces: set in the same pass as its entry, so a new entry gets
    /// both keys at once.
    fn own_provider(&self, place: Option<&Place<'_>>) -> Option<(String, Option<String>)> {
        let current = place.and_then(|p| get_value(p, PROVIDER_KEY)).map(|value| {
            value
                .as_str()
                .map_or_else(|| value.to_string().trim().to_string(), str::to_string)
        });
        let wanted = match (self.block.provider, &current) {
            (ProviderSetup::Cnbcargo, _) => CNBCARGO_PROVIDER,
            (ProviderSetup::CargoToken, Some(_)) => TOKEN_PROVIDER,
            _ => return None,
        };
        match current {
            Some(text) if text == wanted => None,
            previous => Some((wanted.to_string(), previous)),
        }
    }

    /// An entry of the requested name pointing elsewhere: pointed here.
    fn replace_index(
        &mut self,
        name: &str,
        place: &Place<'_>,
        value: &Value,
    ) -> Result<(), EditError> {
        let Some(old) = value.as_str() else {
            return Err(error_at(
                self.src,
                value.span().map_or(0, |s| s.start),
                format!(
                    "`registries.{name}.index` is a {}, but cargo expects a string",
                    value.type_name()
                ),
            ));
        };
        let span = value.span().expect("parsed values have spans");
        self.splicer
            .replace(span, toml_string(&self.block.index.config_value()));
        self.changes.push(Change::ReplacedIndex {
            name: name.to_string(),
            old: old.to_string(),
        });
        let wanted = self.own_provider(Some(place));
        self.set_own_provider(place, wanted, name);
        Ok(())
    }

    /// An entry of the requested name without an index: given one.
    fn complete_entry(&mut self, name: &str, place: &Place<'_>) {
        let mut keys = vec![(vec!["index"], toml_string(&self.block.index.config_value()))];
        let wanted = self.own_provider(Some(place));
        if let Some((provider, None)) = &wanted {
            keys.push((vec![PROVIDER_KEY], toml_string(provider)));
        }
        add_keys(&mut self.splicer, place, &keys);
        self.changes.push(Change::AddedRegistry {
            name: name.to_string(),
        });
        match wanted {
            Some((_, Some(_))) => self.set_own_provider(place, wanted, name),
            Some((provider, None)) => self.changes.push(Change::SetOwnProvider {
                name: name.to_string(),
                provider,
                previous: None,
            }),
            None => {}
        }
    }

    /// No entry of the requested name: a new one.
    fn new_entry(&mut self, name: &str, registries: &Place<'_>) {
        let mut keys = vec![(
            vec![name, "index"],
            toml_string(&self.block.index.config_value()),
        )];
        let wanted = self.own_provider(None);
        if let Some((provider, _)) = &wanted {
            keys.push((vec![name, PROVIDER_KEY], toml_string(provider)));
        }
        add_keys(&mut self.splicer, registries, &keys);
        self.changes.push(Change::AddedRegistry {
            name: name.to_string(),
        });
        if let Some((provider, _)) = wanted {
            self.changes.push(Change::SetOwnProvider {
                name: name.to_string(),
                provider,
                previous: None,
            });
        }
    }

    /// Replaces (or adds) the registry's own provider in an existing entry.
    fn set_own_provider(
        &mut self,
        place: &Place<'_>,
        wanted: Option<(String, Option<String>)>,
        name: &str,
    ) {
        let Some((provider, previous)) = wanted else {
            return;
        };
        match get_value(place, PROVIDER_KEY).and_then(|v| v.span()) {
            Some(span) => self.splicer.replace(span, toml_string(&provider)),
            None => add_keys(
                &mut self.splicer,
                place,
                &[(vec![PROVIDER_KEY], toml_string(&provider))],
            ),
        }
        self.changes.push(Change::SetOwnProvider {
            name: name.to_string(),
            provider,
            previous,
        });
    }

    /// `registry.default`, when asked for: replaced in place, or returned
    /// as a key to add.
    fn default_registry(
        &mut self,
        registry: &Place<'_>,
        name: &str,
    ) -> Result<Vec<Addition<'static>>, EditError> {
        if !self.block.set_default {
            return Ok(Vec::new());
        }
        let Some(value) = get_value(registry, "default") else {
            self.changes.push(Change::SetDefault {
                name: name.to_string(),
                previous: None,
            });
            return Ok(vec![(vec!["default"], toml_string(name))]);
        };
        match value.as_str() {
            Some(current) if current == name => {}
            Some(current) => {
                let span = value.span().expect("parsed values have spans");
                self.splicer.replace(span, toml_string(name));
                self.changes.push(Change::SetDefault {
                    name: name.to_string(),
                    previous: Some(current.to_string()),
                });
            }
            None => {
                return Err(error_at(
                    self.src,
                    value.span().map_or(0, |s| s.start),
                    format!(
                        "`registry.default` is a {}, but cargo expects a string",
                        value.type_name()
                    ),
                ));
            }
        }
        Ok(Vec::new())
    }

    /// `cargo:token` in `registry.global-credential-providers` (not in
    /// cnbcargo's mode): appended to the list, or the list added.
    fn global_provider(
        &mut self,
        registry: &Place<'_>,
        additions: &mut Vec<Addition<'static>>,
    ) -> Result<(), EditError> {
        if self.block.provider == ProviderSetup::Cnbcargo {
            return Ok(());
        }
        let array = match get_value(registry, PROVIDERS) {
            Some(Value::Array(array)) => array,
            Some(other) => {
                return Err(error_at(
                    self.src,
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
                self.changes.push(Change::AddedProvider {
                    existing: Vec::new(),
                });
                return Ok(());
            }
        };
        let existing = array
            .iter()
            .map(|value| {
                value.as_str().map(str::to_string).ok_or_else(|| {
                    error_at(
                        self.src,
                        value.span().map_or(0, |s| s.start),
                        format!(
                            "`registry.{PROVIDERS}` holds a {}, but cargo expects strings",
                            value.type_name()
                        ),
                    )
                })
            })
            .collect::<Result<Vec<String>, EditError>>()?;
        // A provider entry may carry arguments (`cargo:token-from-stdout cmd`).
        let present = existing
            .iter()
            .any(|p| p.split_whitespace().next() == Some(TOKEN_PROVIDER));
        if !present {
            append_to_array(&mut self.splicer, array, &toml_string(TOKEN_PROVIDER));
            self.changes.push(Change::AddedProvider { existing });
        }
        Ok(())
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
