//! The executor: carries out the plan's steps, or with `--dry-run` says
//! what each would do, so the two cannot drift apart.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Result;

use crate::client::cnb::CnbApi;
use crate::client::sparse::SparseIndex;
use crate::client::webapi::WebApi;
use crate::context::{Context, Target};
use crate::error::UserError;
use crate::explain::{Op, explain};
use crate::ops::placeholder::{self, Leftover, State, VERSION as PLACEHOLDER_VERSION};
use crate::shell::Shell;

use super::plan::Step;
use super::report::{FailedStep, Report, Skipped};

/// A step that failed: the package (`name@version`), the step, and why.
#[derive(Debug)]
pub(super) struct StepFailure {
    pub package: String,
    pub step: FailedStep,
    pub error: anyhow::Error,
}

impl StepFailure {
    pub(super) fn checks(packages: &str, err: anyhow::Error) -> StepFailure {
        StepFailure {
            package: packages.to_string(),
            step: FailedStep::Checks,
            error: UserError::new("cargo's checks failed; nothing was uploaded")
                .caused_by(err)
                .into(),
        }
    }
}

pub(super) struct Executor<'a> {
    pub ctx: &'a Context,
    pub target: &'a Target,
    pub api: Option<&'a CnbApi<'a>>,
    pub index: &'a SparseIndex<'a>,
    pub flags: &'a [String],
    pub index_timeout: Duration,
    pub dry_run: bool,
    /// The registry's Web API, from `config.json`, fetched when first needed.
    pub web_api: OnceLock<WebApi<'a>>,
}

type Done = Result<(), StepFailure>;

impl<'a> Executor<'a> {
    fn shell(&self) -> &Shell {
        &self.ctx.shell
    }

    fn registry(&self) -> &str {
        &self.target.registry.name
    }

    /// Carries out `steps` in order (says them, with `--dry-run`: cargo's
    /// checks run either way), stopping at the first that fails.
    pub(super) fn execute(&self, steps: &[Step], report: &mut Report) -> Done {
        for step in steps {
            match step {
                Step::Skip { package, reason } => {
                    self.shell()
                        .status("Skipping", format!("`{package}`: {reason}"));
                    report.skipped.push(Skipped {
                        package: package.clone(),
                        reason: reason.clone(),
                    });
                }
                Step::Check { packages } => self.check(packages)?,
                _ if self.dry_run => self.say(step),
                Step::UploadPlaceholder { package, collision } => {
                    self.upload_placeholder(package, *collision, report)?
                }
                Step::WaitForPlaceholder { package, leftover } => {
                    self.wait_for_placeholder(package, *leftover, report)?
                }
                Step::Publish {
                    package,
                    version,
                    shadows,
                } => self.publish(package, version, *shadows, report)?,
                Step::WaitForIndex { package, version } => self
                    .wait_for_index(package, version)
                    .map_err(|error| StepFailure {
                        package: format!("{package}@{version}"),
                        step: FailedStep::WaitForIndex,
                        error,
                    })?,
                Step::RemovePlaceholder { package, leftover } => {
                    let state = self.remove_placeholder(package, *leftover);
                    report.placeholder(package, state);
                }
            }
        }
        Ok(())
    }

    /// What a step would do, with `--dry-run`.
    fn say(&self, step: &Step) {
        let shell = self.shell();
        match step {
            Step::Skip { .. } | Step::Check { .. } => {}
            Step::UploadPlaceholder { package, .. } => shell.status(
                "Would upload",
                format!("the placeholder `{package}@{PLACEHOLDER_VERSION}`"),
            ),
            Step::WaitForPlaceholder { package, .. } => shell.verbose(format!(
                "would wait for the index to list `{package}@{PLACEHOLDER_VERSION}`"
            )),
            Step::Publish {
                package,
                version,
                shadows,
            } => {
                shell.status("Would upload", format!("`{package}@{version}`"));
                if *shadows {
                    shell.note(format!(
                        "this first version of `{package}` in `{}` would make crates.io's `{package}` unreachable through the registry: it would serve its own versions for the name instead",
                        self.registry()
                    ));
                }
            }
            Step::WaitForIndex { package, version } => shell.verbose(format!(
                "would wait for the index to list `{package}@{version}`"
            )),
            Step::RemovePlaceholder { package, leftover } => {
                let what = if *leftover == Leftover::Yanked {
                    "the yanked leftover"
                } else {
                    "the"
                };
                shell.status(
                    "Would delete",
                    format!("{what} placeholder `{package}@{PLACEHOLDER_VERSION}`"),
                );
            }
        }
    }

    fn check(&self, packages: &[String]) -> Done {
        self.shell().status(
            "Checking",
            format!(
                "{} with `cargo publish --dry-run` before any upload",
                packages.join(", ")
            ),
        );
        let names: Vec<&str> = packages.iter().map(String::as_str).collect();
        self.ctx
            .cargo
            .publish_checks(
                self.registry(),
                &names,
                self.flags,
                self.target.cargo_env(),
                self.shell(),
            )
            .map_err(|e| StepFailure::checks(&packages.join(", "), e))
    }

    fn upload_placeholder(&self, package: &str, collision: bool, report: &mut Report) -> Done {
        let shell = self.shell();
        if collision {
            shell.note(format!(
                "`{}` has no version of `{package}`, and the crates.io proxy's index lists the version being published: publishing a placeholder first",
                self.registry()
            ));
        }
        self.web_api()
            .and_then(|web| placeholder::upload(web, package, shell))
            .map_err(|error| StepFailure {
                package: format!("{package}@{PLACEHOLDER_VERSION}"),
                step: FailedStep::UploadPlaceholder,
                error,
            })?;
        report.placeholder(package, State::InRegistry);
        shell.status(
            "Uploaded",
            format!("the placeholder `{package}@{PLACEHOLDER_VERSION}`"),
        );
        Ok(())
    }

    /// Until the index lists the placeholder, cargo would be refused; on
    /// failure this run's is deleted again, a leftover left as it was.
    fn wait_for_placeholder(&self, package: &str, leftover: Leftover, report: &mut Report) -> Done {
        let waited = placeholder::wait_served(
            self.index,
            self.registry(),
            package,
            self.index_timeout,
            true,
            self.shell(),
        );
        let Err(error) = waited else {
            return Ok(());
        };
        match leftover {
            Leftover::None => self.undo_placeholder(package, report),
            leftover => report.placeholder(package, leftover.state()),
        }
        Err(StepFailure {
            package: format!("{package}@{PLACEHOLDER_VERSION}"),
            step: FailedStep::WaitForPlaceholder,
            error,
        })
    }

    fn publish(&self, package: &str, version: &str, shadows: bool, report: &mut Report) -> Done {
        let result = self.ctx.cargo.publish_package(
            self.registry(),
            package,
            self.flags,
            self.target.cargo_env(),
            self.shell(),
        );
        if let Err(error) = result {
            self.undo_placeholder(package, report);
            return Err(StepFailure {
                package: format!("{package}@{version}"),
                step: FailedStep::Publish,
                error,
            });
        }
        report.published.push(format!("{package}@{version}"));
        if shadows {
            self.shell().note(format!(
                "crates.io's `{package}` is no longer reachable through `{}`: now that it holds a version of `{package}`, the registry serves its own versions for the name instead of crates.io's",
                self.registry()
            ));
        }
        Ok(())
    }

    /// The registry's Web API, its `config.json` read once.
    fn web_api(&self) -> Result<&WebApi<'a>> {
        if let Some(api) = self.web_api.get() {
            return Ok(api);
        }
        let api = self.ctx.web_api(self.target)?;
        Ok(self.web_api.get_or_init(|| api))
    }

    fn wait_for_index(&self, package: &str, version: &str) -> Result<()> {
        let shell = self.shell();
        let listing = crate::ops::wait::until_listed(
            self.index,
            package,
            self.index_timeout,
            Some(format!(
                "waiting for the index to list `{package}@{version}`"
            )),
            shell,
            |listed| listed.iter().any(|e| e.vers == version),
        )
        .map_err(|e| {
            explain(
                e,
                format!("cannot read the index entry of `{package}`"),
                Op::Read,
            )
        })?;
        if !listing.complete {
            return Err(UserError::new(format!(
                "the index did not list `{package}@{version}` within {} s",
                self.index_timeout.as_secs()
            ))
            .hint("the upload went through; pass a longer `--index-timeout` and run again")
            .into());
        }
        shell.verbose(format!(
            "the index lists `{package}@{version}` ({} ms)",
            listing.waited.as_millis()
        ));
        Ok(())
    }

    /// After a failed step, deletes the placeholder this run uploaded for
    /// `package`, so that the registry is left as it was for it; the
    /// report says whether that worked.
    fn undo_placeholder(&self, package: &str, report: &mut Report) {
        if report.uploaded_placeholder(package)
            && let Some(api) = self.api
            && placeholder::delete(api, package, self.index_timeout, self.shell()).is_ok()
        {
            report.placeholder(package, State::Deleted);
        }
    }

    fn remove_placeholder(&self, package: &str, leftover: Leftover) -> State {
        placeholder::remove(
            self.api,
            || self.web_api(),
            package,
            leftover,
            self.index_timeout,
            self.shell(),
        )
    }
}
