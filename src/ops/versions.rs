//! What the registry holds of a crate, for the commands that act on
//! its versions (yank, delete, list): each spec's versions, and for a
//! crate it does not hold, the names it does hold that look alike.

use anyhow::Result;

use crate::client::cnb::CnbApi;
use crate::error::UserError;
use crate::explain::VersionNames;
use crate::shell::Shell;
use crate::spec::{CrateSpec, validate_crate_name};

/// The most names a "did you mean" offers.
const SUGGESTED: usize = 3;
/// The most edits between a typo and a name offered for it (cargo's
/// `did you mean` allows as many).
const MAX_EDITS: usize = 3;

/// The versions `registry` holds of each spec's crate, in spec order
/// (one listing per crate, however many specs name it). A crate it holds
/// no version of is an error naming the closest crates it does hold.
pub fn of_specs(
    api: &CnbApi,
    specs: &[CrateSpec],
    registry: &str,
    shell: &Shell,
) -> Result<Vec<Vec<String>>> {
    let mut listed: Vec<Vec<String>> = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        if let Some(earlier) = specs[..i].iter().position(|s| s.name == spec.name) {
            listed.push(listed[earlier].clone());
            continue;
        }
        let versions = api.version_names(&spec.name)?;
        if versions.is_empty() {
            let err = UserError::new(format!("`{}` has no versions in `{registry}`", spec.name));
            return Err(with_suggestions(err, api, &spec.name, shell)
                .hint("check the crate name; `cnbcargo list` shows the registry's crates")
                .into());
        }
        listed.push(versions);
    }
    Ok(listed)
}

/// `err` with a `did you mean` hint when the registry holds crates named
/// like `name`. Best effort: a list that cannot be read suggests nothing.
pub fn with_suggestions(err: UserError, api: &CnbApi, name: &str, shell: &Shell) -> UserError {
    let names = match api.packages(None) {
        Ok(packages) => packages.into_iter().map(|p| p.name),
        Err(e) => {
            shell.verbose(format!("no suggestions: {e}"));
            return err;
        }
    };
    match did_you_mean(name, names).as_slice() {
        [] => err,
        [one] => err.hint(format!("did you mean `{one}`?")),
        [first @ .., last] => err.hint(format!(
            "did you mean {} or `{last}`?",
            first
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The names among `held` closest to `name` (at most `SUGGESTED`, each
/// at most `MAX_EDITS` edits away, ignoring case and `-`/`_`), closest
/// first. Linear in the names: a name too long or too short to be close
/// is skipped before any distance is worked out, and each distance costs
/// at most 64 x 7 steps (crate names are at most 64 characters).
pub fn did_you_mean(name: &str, held: impl IntoIterator<Item = String>) -> Vec<String> {
    let wanted = folded(name);
    let mut close: Vec<(usize, String)> = held
        .into_iter()
        .filter(|h| validate_crate_name(h).is_ok() && h != name)
        .filter_map(|h| {
            let distance = bounded_distance(&wanted, &folded(&h), MAX_EDITS)?;
            // A short name is close to too much: no more than a third edited.
            (distance <= (wanted.len() / 3).max(1)).then_some((distance, h))
        })
        .collect();
    close.sort();
    close.dedup_by(|a, b| a.1 == b.1);
    close.into_iter().take(SUGGESTED).map(|(_, h)| h).collect()
}

/// Lower case, `_` as `-`: the differences a registry may not tell apart.
fn folded(name: &str) -> Vec<u8> {
    name.bytes()
        .map(|b| match b.to_ascii_lowercase() {
            b'_' => b'-',
            b => b,
        })
        .collect()
}

/// The edit distance between `a` and `b` (Levenshtein), or `None` when it
/// is over `max`: only the band of cells within `max` of the diagonal is
/// worked out.
fn bounded_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let over = max + 1;
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![over; b.len() + 1];
    for i in 1..=a.len() {
        let from = i.saturating_sub(max).max(1);
        let to = (i + max).min(b.len());
        current.fill(over);
        current[0] = i;
        for j in from..=to {
            let substitute = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            current[j] = substitute
                .min(previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(over);
        }
        if current[..=b.len()].iter().all(|&d| d >= over) {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous[b.len()]).filter(|&d| d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn distances_within_the_band_are_exact() {
        let d = |a: &str, b: &str| bounded_distance(a.as_bytes(), b.as_bytes(), 3);
        assert_eq!(d("serde", "serde"), Some(0));
        assert_eq!(d("serde", "sedre"), Some(2));
        assert_eq!(d("serde", "serd"), Some(1));
        assert_eq!(d("kitten", "sitting"), Some(3));
        assert_eq!(d("abc", "abcdefg"), None);
        assert_eq!(d("abcdef", "uvwxyz"), None);
        assert_eq!(d("", "ab"), Some(2));
    }

    #[test]
    fn suggests_the_closest_held_names_first() {
        let held = names(&[
            "my-crate",
            "my_crates",
            "other",
            "My-Crate",
            "mycrate2",
            "x",
        ]);
        assert_eq!(
            did_you_mean("my-crat", held.clone()),
            ["My-Crate", "my-crate", "my_crates"]
        );
        // `-` for `_` and case are no edit at all.
        assert_eq!(
            did_you_mean("MY_CRATE", held.clone())[..2],
            ["My-Crate", "my-crate"]
        );
        assert!(did_you_mean("zzzzzzz", held.clone()).is_empty());
        // A short name is not close to every other short name.
        assert!(did_you_mean("ab", names(&["xy", "a"])).len() == 1);
        // Server text that is not a crate name is never offered.
        assert!(did_you_mean("evil", names(&["evil\u{1b}[2J", "ev il"])).is_empty());
    }

    #[test]
    fn a_hundred_thousand_names_are_looked_through() {
        let held: Vec<String> = (0..100_000).map(|i| format!("crate-number-{i}")).collect();
        assert_eq!(
            did_you_mean("crate-number-4x", held),
            ["crate-number-4", "crate-number-40", "crate-number-41"]
        );
    }
}
