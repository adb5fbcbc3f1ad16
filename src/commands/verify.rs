//! `provcheck verify`: one release (`NAME[==VERSION]`), or a dependency set (several
//! targets, `-r`, `--lock`, `--env`) verified in one session and shown as one table.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};
use provcheck_engine::{
    RepoChoice, Selection, Session, SetItem, Target, VerifyOptions, verify, verify_set,
};
use provcheck_inputs::{
    ConfigFile, DEFAULT_PYTHON, Inputs, MarkerContext, Package, Pin, find_config, load_config,
    read_environment, read_lockfile, read_requirements,
};
use provcheck_report::{
    AllowNoSource, ArtifactKind, ExitStatus, Policy, Report, RequestStatus, Requested, Severity,
};

use crate::cli::{FailOn, OnlyKind, VerifyArgs};
use crate::commands::check::limits;
use crate::commands::shared;
use crate::{output, progress};

pub fn run(args: VerifyArgs) -> Result<ExitStatus> {
    let config = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        Some(load_config(path)?)
    } else {
        find_config(Path::new("."))?
    };
    let is_set = !args.requirements.is_empty()
        || !args.lock.is_empty()
        || !args.env.is_empty()
        || args.targets.len() > 1;
    let repos = RepoArgs::parse(&args.repo, config.as_ref())?;
    if is_set && repos.unnamed.is_some() {
        bail!(
            "--repo URL|PATH without NAME= names the repository of a single target; for a dependency set use --repo NAME=URL|PATH"
        );
    }
    if is_set && args.git_ref.is_some() {
        bail!("--ref names a revision of one release; it cannot apply to a dependency set");
    }
    let policy = policy(&args, config.as_ref());
    let display = Arc::new(progress::Display::new(
        args.output.quiet,
        args.output.verbose,
    ));
    if !args.output.quiet {
        if let Some(config) = &config {
            output::note(&format!("configuration: {}", config.path.display()));
        }
        for allow in policy.allow.iter().filter(|a| a.expired) {
            output::note(&format!(
                "note: the allow for {} ({}) expired on {} and no longer applies",
                allow.code,
                allow.reason,
                allow.expires.as_deref().unwrap_or("?")
            ));
        }
    }
    let options = options(&args, &repos)?;
    let observers = shared::observers(&display);
    let runtime = shared::runtime()?;

    let mut report = if is_set {
        let (inputs, requested_first) = read_inputs(&args)?;
        if !args.output.quiet {
            for note in &inputs.notes {
                output::note(&format!("note: {note}"));
            }
        }
        let plan = plan(inputs, requested_first, &repos, config.as_ref());
        display.packages(plan.items.len() as u64);
        let session = Session::new(&options, &observers);
        let results = runtime.block_on(verify_set(
            &session,
            &plan.items,
            args.index.jobs,
            display.as_ref(),
        ));
        display.finish();
        assemble(plan, results)
    } else {
        let target = Target::parse(&args.targets[0])?;
        let result = runtime.block_on(verify(&target, &options, &observers));
        display.finish();
        result?
    };
    if args.output.verbose {
        let stats = options.index.stats();
        output::note(&format!(
            "index: {} request(s), {} of them download(s)",
            stats.requests, stats.downloads
        ));
    }
    if policy != Policy::default() {
        report.policy = Some(policy.clone());
    }
    if is_set {
        output::emit_set(&report, &args.output)?;
    } else {
        output::emit(&report, &args.output)?;
    }
    Ok(policy.exit_status(&report))
}

/// `--repo` values and the configuration's `repos`, by normalized package name.
struct RepoArgs {
    unnamed: Option<String>,
    named: BTreeMap<String, String>,
}

impl RepoArgs {
    fn parse(values: &[String], config: Option<&ConfigFile>) -> Result<RepoArgs> {
        let mut named: BTreeMap<String, String> =
            config.map(|c| c.repos.clone()).unwrap_or_default();
        let mut unnamed = None;
        for value in values {
            // NAME=… when what precedes `=` is a project name and the whole is no path.
            let split = value.split_once('=').filter(|(name, _)| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && !Path::new(value).exists()
            });
            match split {
                Some((name, location)) if !location.is_empty() => {
                    named.insert(normalized(name), location.to_owned());
                }
                Some((name, _)) => bail!("--repo {name}=: the URL or path is missing"),
                None if unnamed.is_some() => bail!(
                    "--repo given twice without NAME=; name the package of each: --repo NAME=URL|PATH"
                ),
                None => unnamed = Some(value.clone()),
            }
        }
        Ok(RepoArgs { unnamed, named })
    }

    fn choice(&self, name: &str) -> RepoChoice {
        match self.named.get(name).or(self.unnamed.as_ref()) {
            Some(value) => RepoChoice::parse(value),
            None => RepoChoice::Discover,
        }
    }
}

fn normalized(name: &str) -> String {
    provcheck_index::normalize_project_name(name)
}

fn policy(args: &VerifyArgs, config: Option<&ConfigFile>) -> Policy {
    let mut policy = config.map(|c| c.policy(&today())).unwrap_or_default();
    if args.output.strict {
        policy.fail_on = policy.fail_on.min(Severity::Medium);
    }
    if let Some(fail_on) = args.fail_on {
        policy.fail_on = match fail_on {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        };
    }
    for name in &args.allow_no_source {
        let name = normalized(name);
        if policy.allowed_no_source(&name).is_none() {
            policy.allow_no_source.push(AllowNoSource {
                name,
                reason: "--allow-no-source".to_owned(),
            });
        }
    }
    policy
}

fn options(args: &VerifyArgs, repos: &RepoArgs) -> Result<VerifyOptions> {
    let network = shared::network(&args.index)?;
    let repo = match args.targets.as_slice() {
        [single] if repos.unnamed.is_some() || !repos.named.is_empty() => {
            let target = Target::parse(single)?;
            repos.choice(&normalized(&target.name))
        }
        _ => RepoChoice::Discover,
    };
    Ok(VerifyOptions {
        index: network.index,
        repos: network.repos,
        repo,
        git_ref: args.git_ref.clone(),
        selection: Selection {
            only: args.only.map(|only| match only {
                OnlyKind::Sdist => ArtifactKind::Sdist,
                OnlyKind::Wheel => ArtifactKind::Wheel,
            }),
            all_files: args.all_files,
            platforms: args.platform.clone(),
        },
        limits: limits(&args.limits),
        explain: args.output.explain,
        submodules: args.submodule.clone(),
        offline: args.index.offline,
        concurrency: args.index.jobs,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        github: network.github,
    })
}

/// Every input, in command-line order: targets, requirements files, lockfiles,
/// environments. Targets come back apart (they may be unpinned: the latest release).
fn read_inputs(args: &VerifyArgs) -> Result<(Inputs, Vec<Target>)> {
    let mut inputs = Inputs::default();
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut environments = Vec::new();
    for path in &args.env {
        environments.push(read_environment(path)?);
    }
    let python = args
        .python
        .clone()
        .or_else(|| environments.iter().find_map(|e| e.python.clone()))
        .unwrap_or_else(|| DEFAULT_PYTHON.to_owned());
    let markers = MarkerContext::new(&python, &args.platform).map_err(anyhow::Error::msg)?;
    for path in &args.requirements {
        inputs.extend(read_requirements(path, &markers)?);
    }
    for path in &args.lock {
        inputs.extend(read_lockfile(path, &markers)?);
    }
    for environment in environments {
        inputs.extend(environment.inputs);
    }
    Ok((inputs, targets))
}

/// What to verify and what was requested, in input order.
struct Plan {
    items: Vec<SetItem>,
    /// Every requested package; `Checked` ones point at `items` by index.
    requested: Vec<(Requested, Option<usize>)>,
    findings: Vec<provcheck_report::Finding>,
}

fn plan(
    inputs: Inputs,
    targets: Vec<Target>,
    repos: &RepoArgs,
    config: Option<&ConfigFile>,
) -> Plan {
    let ignored: HashSet<&str> = config
        .map(|c| c.ignore.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let cwd = std::env::current_dir().ok();
    let mut plan = Plan {
        items: Vec::new(),
        requested: Vec::new(),
        findings: inputs.findings,
    };
    let mut seen: HashSet<(String, Option<String>)> = HashSet::new();
    let from_targets = targets.into_iter().map(|t| {
        let name = normalized(&t.name);
        let pin = match t.version {
            Some(version) => Pin::Exact {
                version,
                hashes: Vec::new(),
            },
            None => Pin::Unpinned {
                reason: String::new(),
            },
        };
        (
            Package {
                name,
                pin,
                origin: provcheck_inputs::Origin {
                    file: PathBuf::new(),
                    line: None,
                    text: None,
                },
                findings: Vec::new(),
            },
            true,
        )
    });
    let all = from_targets.chain(inputs.packages.into_iter().map(|p| (p, false)));
    for (package, is_target) in all {
        let version = package.pin.version().map(|v| v.to_string());
        if !seen.insert((package.name.clone(), version.clone())) {
            continue;
        }
        let file = (!package.origin.file.as_os_str().is_empty())
            .then(|| relative(&package.origin.file, cwd.as_deref()));
        let mut requested = Requested {
            name: package.name.clone(),
            version: version.clone(),
            status: RequestStatus::Checked,
            reason: None,
            file,
            line: package.origin.line,
            requirement: package.origin.text.clone(),
        };
        // The configuration ignores packages of the inputs, not targets named explicitly.
        if !is_target && ignored.contains(package.name.as_str()) {
            requested.status = RequestStatus::Ignored;
            requested.reason = Some("ignored by the configuration".to_owned());
            plan.requested.push((requested, None));
            continue;
        }
        let (status, reason, item_version, hashes) = match package.pin {
            Pin::Exact { version, hashes } => (RequestStatus::Checked, None, Some(version), hashes),
            // A target without a version: its latest release.
            Pin::Unpinned { .. } if is_target => (RequestStatus::Checked, None, None, Vec::new()),
            Pin::Unpinned { reason } => (RequestStatus::Unpinned, Some(reason), None, Vec::new()),
            Pin::NotFromIndex { reason, .. } => {
                (RequestStatus::NotFromIndex, Some(reason), None, Vec::new())
            }
            Pin::Excluded { reason, .. } => {
                (RequestStatus::Excluded, Some(reason), None, Vec::new())
            }
        };
        requested.status = status;
        requested.reason = reason;
        if status != RequestStatus::Checked {
            // What an installed environment found about it must not be lost.
            plan.findings.extend(package.findings);
            plan.requested.push((requested, None));
            continue;
        }
        plan.items.push(SetItem {
            name: package.name.clone(),
            version: item_version,
            hashes,
            repo: repos.choice(&package.name),
            findings: package.findings,
        });
        plan.requested.push((requested, Some(plan.items.len() - 1)));
    }
    plan
}

fn assemble(
    plan: Plan,
    results: Vec<Result<provcheck_report::ReleaseReport, provcheck_engine::EngineError>>,
) -> Report {
    let mut results: Vec<Option<_>> = results.into_iter().map(Some).collect();
    let mut releases = Vec::new();
    let mut requested = Vec::new();
    let mut findings = plan.findings;
    for (mut entry, item) in plan.requested {
        if let Some(index) = item {
            match results[index].take() {
                Some(Ok(release)) => {
                    entry.version = Some(release.version.clone());
                    releases.push(release);
                }
                Some(Err(error)) => {
                    entry.status = RequestStatus::Error;
                    entry.reason = Some(error.to_string());
                    findings.extend(plan.items[index].findings.iter().cloned());
                }
                None => {}
            }
        }
        requested.push(entry);
    }
    let mut report = Report::new(env!("CARGO_PKG_VERSION"), releases);
    report.requested = requested;
    findings.sort_by(provcheck_report::Finding::presentation_order);
    report.findings = findings;
    report
}

/// A path relative to the current folder when it is inside it (SARIF locations are
/// relative to the repository root, where CI runs).
fn relative(path: &Path, cwd: Option<&Path>) -> String {
    let shown = cwd
        .and_then(|cwd| {
            let absolute = if path.is_absolute() {
                path.to_owned()
            } else {
                cwd.join(path)
            };
            absolute.strip_prefix(cwd).ok().map(Path::to_owned)
        })
        .unwrap_or_else(|| path.to_owned());
    shown.display().to_string()
}

/// Today as `YYYY-MM-DD` (UTC), for allow expiry.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // Howard Hinnant's civil-from-days.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
