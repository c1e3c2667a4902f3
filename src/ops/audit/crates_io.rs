//! crates.io's side of the audit: which names its index lists.

use anyhow::Result;

use crate::client::sparse::SparseIndex;
use crate::context::Context;
use crate::env;
use crate::error::UserError;
use crate::explain::Op;
use crate::registry_url::IndexUrl;

use super::JOBS;

/// crates.io's sparse index, unless `CNBCARGO_CRATES_IO_INDEX` says otherwise.
const CRATES_IO_INDEX: &str = "https://index.crates.io/";

/// crates.io's index: `CNBCARGO_CRATES_IO_INDEX`, else `https://index.crates.io/`.
pub fn crates_io_index() -> Result<IndexUrl> {
    let Some(text) = env::var_non_empty(env::CNBCARGO_CRATES_IO_INDEX) else {
        return Ok(
            IndexUrl::from_config_value(&format!("sparse+{CRATES_IO_INDEX}"))
                .expect("crates.io's index URL parses"),
        );
    };
    let prefixed = if text.starts_with("sparse+") {
        text.clone()
    } else {
        format!("sparse+{text}")
    };
    IndexUrl::from_config(&prefixed).map_err(|e| {
        UserError::new(format!(
            "`{}` is not a sparse index URL",
            env::CNBCARGO_CRATES_IO_INDEX
        ))
        .hint(
            "set it to crates.io's sparse index or a mirror of it, e.g. `https://index.crates.io/`",
        )
        .caused_by(e)
        .into()
    })
}

/// Whether crates.io's index lists each name (`None` where it could not be
/// asked), and the first failure, explained. Never sends a token.
pub fn crates_io_has(
    ctx: &Context,
    names: &[String],
) -> Result<(Vec<Option<bool>>, Option<anyhow::Error>)> {
    let index = crates_io_index()?;
    let http = ctx.http()?;
    let sparse = SparseIndex::new(http, index.clone(), None);
    let answers = crate::parallel::map(names, JOBS, |name| sparse.versions(name));
    let mut failure = None;
    let found = answers
        .into_iter()
        .map(|answer| match answer {
            Ok(entries) => Some(!entries.is_empty()),
            Err(err) => {
                failure.get_or_insert(err);
                None
            }
        })
        .collect();
    let failure = failure.map(|err| {
        let err = crate::explain::explain(
            err,
            format!("cannot ask crates.io's index `{index}` which crate names it has"),
            Op::Read,
        );
        UserError::new(format!("{err:#}"))
            .hint(out_of_reach_hint())
            .into()
    });
    Ok((found, failure))
}

/// What to do where crates.io cannot be reached.
pub fn out_of_reach_hint() -> String {
    format!(
        "where crates.io is out of reach, point `{}` at a mirror of its sparse index",
        env::CNBCARGO_CRATES_IO_INDEX
    )
}
