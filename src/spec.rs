//! `name@version`, `name@REQ` and bare names (with `--all`): which
//! versions of a crate a command acts on.

use semver::{Version, VersionReq};

use crate::error::UserError;
use crate::shell::plural;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMatch {
    Exact(Version),
    Req(VersionReq),
    All,
}

impl VersionMatch {
    /// Whether `version` is one of those meant: the one rule for every
    /// command that selects versions (yank, delete, migrate).
    pub fn matches(&self, version: &Version) -> bool {
        match self {
            VersionMatch::All => true,
            VersionMatch::Exact(v) => v == version,
            VersionMatch::Req(req) => req.matches(version),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateSpec {
    pub name: String,
    pub versions: VersionMatch,
}

/// Crate names as crates.io and cargo accept them: ASCII letters, digits,
/// `-` and `_`, at most 64 characters.
pub fn validate_crate_name(name: &str) -> Result<(), UserError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(
            UserError::usage(format!("`{name}` is not a valid crate name"))
                .hint("crate names are ASCII letters, digits, `-` and `_`, starting with a letter"),
        )
    }
}

impl CrateSpec {
    /// Parses a SPEC; `all` is the `--all` flag, which only goes with bare names.
    pub fn parse(spec: &str, all: bool) -> Result<CrateSpec, UserError> {
        let spec = spec.trim();
        let (name, version) = match spec.split_once('@') {
            Some((name, version)) => (name.trim(), Some(version.trim())),
            None => (spec, None),
        };
        validate_crate_name(name)?;
        let versions = match (version, all) {
            (Some(_), true) => {
                return Err(UserError::usage(format!(
                    "`{spec}` names versions, but `--all` means every version"
                ))
                .hint(format!("pass `{name} --all`, or `{spec}` without `--all`")));
            }
            (None, true) => VersionMatch::All,
            (None, false) => {
                return Err(UserError::usage(format!("`{spec}` does not say which versions"))
                    .hint(format!(
                        "pass `{name}@1.2.3`, a requirement like `'{name}@<0.3'`, or `{name} --all`"
                    )));
            }
            (Some(""), false) => {
                return Err(UserError::usage(format!("`{spec}` has an empty version"))
                    .hint(format!("pass `{name}@1.2.3` or `'{name}@<0.3'`")));
            }
            (Some(text), false) => match Version::parse(text) {
                Ok(version) => VersionMatch::Exact(version),
                Err(_) => match VersionReq::parse(text) {
                    Ok(req) => VersionMatch::Req(req),
                    Err(e) => {
                        return Err(UserError::usage(format!(
                            "`{text}` in `{spec}` is neither a version nor a version requirement: {e}"
                        ))
                        .hint("e.g. `1.2.3`, `<0.3`, `>=1, <2`"));
                    }
                },
            },
        };
        Ok(CrateSpec {
            name: name.to_string(),
            versions,
        })
    }

    /// The versions among `available` this spec selects, in the order given.
    /// Versions that are not semver are selected only by `All`.
    pub fn select<'a>(&self, available: &'a [String]) -> Vec<&'a str> {
        available
            .iter()
            .map(String::as_str)
            .filter(|text| match &self.versions {
                VersionMatch::All => true,
                _ => Version::parse(text).is_ok_and(|v| self.versions.matches(&v)),
            })
            .collect()
    }

    /// `select`, for a command that acts on what it selects (yank,
    /// delete): selecting nothing is an error that shows what there is.
    /// `available` is what `registry` holds of the crate (not empty: a
    /// crate it does not hold is the caller's error, with suggestions).
    pub fn pick<'a>(
        &self,
        available: &'a [String],
        registry: &str,
    ) -> Result<Vec<&'a str>, UserError> {
        let selected = self.select(available);
        if !selected.is_empty() {
            return Ok(selected);
        }
        const SHOWN: usize = 20;
        let mut some: Vec<&str> = available.iter().take(SHOWN).map(String::as_str).collect();
        if available.len() > SHOWN {
            some.push("...");
        }
        Err(UserError::new(format!(
            "`{}` matches no version in `{registry}` (it has {}: {})",
            self.describe(),
            plural(available.len(), "version", "versions"),
            some.join(", ")
        )))
    }

    pub fn describe(&self) -> String {
        match &self.versions {
            VersionMatch::All => format!("{} (every version)", self.name),
            VersionMatch::Exact(v) => format!("{}@{v}", self.name),
            VersionMatch::Req(r) => format!("{}@{r}", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_three_forms() {
        let exact = CrateSpec::parse("foo@1.2.3", false).unwrap();
        assert_eq!(exact.versions, VersionMatch::Exact(Version::new(1, 2, 3)));
        let req = CrateSpec::parse("foo@<0.3", false).unwrap();
        assert!(matches!(req.versions, VersionMatch::Req(_)));
        let range = CrateSpec::parse("foo@>=1, <2", false).unwrap();
        assert!(matches!(range.versions, VersionMatch::Req(_)));
        assert_eq!(
            CrateSpec::parse("foo", true).unwrap().versions,
            VersionMatch::All
        );
    }

    #[test]
    fn refuses_bad_specs() {
        for (spec, all) in [
            ("foo", false),
            ("foo@", false),
            ("foo@1.0.0", true),
            ("@1.0.0", false),
            ("fo o@1", false),
            ("foo@not a version", false),
            ("ünï@1.0.0", false),
            ("1foo@1.0.0", false),
        ] {
            assert!(CrateSpec::parse(spec, all).is_err(), "{spec}");
        }
    }

    #[test]
    fn selects_matching_versions() {
        let available = versions(&[
            "0.1.0",
            "0.2.5",
            "0.3.0",
            "1.0.0",
            "1.5.0",
            "2.0.0",
            "1.0.0+build.1",
            "weird",
        ]);
        let pick = |spec: &str| CrateSpec::parse(spec, false).unwrap().select(&available);
        assert_eq!(pick("foo@<0.3"), ["0.1.0", "0.2.5"]);
        assert_eq!(pick("foo@>=1, <2"), ["1.0.0", "1.5.0", "1.0.0+build.1"]);
        assert_eq!(pick("foo@1.0.0"), ["1.0.0"]);
        assert_eq!(pick("foo@1.0.0+build.1"), ["1.0.0+build.1"]);
        assert!(pick("foo@9.9.9").is_empty());
        assert_eq!(
            CrateSpec::parse("foo", true)
                .unwrap()
                .select(&available)
                .len(),
            available.len()
        );
    }

    #[test]
    fn picking_nothing_shows_what_there_is() {
        let available = versions(&["0.1.0", "0.2.0"]);
        let spec = CrateSpec::parse("foo@>=1", false).unwrap();
        assert_eq!(
            spec.pick(&available, "reg").unwrap_err().to_string(),
            "`foo@>=1` matches no version in `reg` (it has 2 versions: 0.1.0, 0.2.0)"
        );
        let one = versions(&["0.1.0"]);
        assert_eq!(
            CrateSpec::parse("foo@9.9.9", false)
                .unwrap()
                .pick(&one, "reg")
                .unwrap_err()
                .to_string(),
            "`foo@9.9.9` matches no version in `reg` (it has 1 version: 0.1.0)"
        );
        let many: Vec<String> = (0..25).map(|i| format!("0.{i}.0")).collect();
        let err = spec.pick(&many, "reg").unwrap_err().to_string();
        assert!(err.ends_with("0.18.0, 0.19.0, ...)"), "{err}");
        assert_eq!(
            CrateSpec::parse("foo@<0.2", false)
                .unwrap()
                .pick(&available, "reg")
                .unwrap(),
            ["0.1.0"]
        );
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(spec in "\\PC{0,60}", all in proptest::bool::ANY) {
            if let Ok(parsed) = CrateSpec::parse(&spec, all) {
                let _ = parsed.select(&versions(&["1.0.0", "0.1.0-alpha", "x"]));
                let _ = parsed.describe();
            }
        }

        #[test]
        fn generated_requirements_parse(major in 0u64..20, minor in 0u64..20, op in "(<|<=|>|>=|=|~|\\^)") {
            let spec = format!("name@{op}{major}.{minor}");
            proptest::prop_assert!(CrateSpec::parse(&spec, false).is_ok(), "{spec}");
        }
    }
}
