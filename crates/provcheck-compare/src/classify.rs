use std::borrow::Cow;

use provcheck_artifact::{Artifact, ArtifactFile, ArtifactKind};
use provcheck_report::{Code, FileTrace, Finding, Severity, Stats, TraceStatus};
use provcheck_types::{BlobId, BlobStore, EntryMode, SourceTree, sha256_hex};

use crate::diff::{DiffLimits, unified_diff};
use crate::kind::{FileKind, is_executable_pth_line};
use crate::mapping::{Mapping, logical_path};
use crate::rules;

/// Artifact contents that were not kept in memory while reading (re-read on demand).
pub trait ContentSource {
    /// The content of the artifact file at `path`, if it can be read.
    fn content(&self, path: &str) -> Option<Vec<u8>>;
}

/// A [`ContentSource`] for when every needed content was retained.
pub struct NoContent;

impl ContentSource for NoContent {
    fn content(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
}

/// What [`compare`] needs.
pub struct CompareInput<'a> {
    /// The artifact, as read.
    pub artifact: &'a Artifact,
    /// The source commit's tree.
    pub tree: &'a SourceTree,
    /// Reads source blobs (only for files that differ, and for rules).
    pub blobs: &'a dyn BlobStore,
    /// Reads artifact contents that were not retained.
    pub contents: &'a dyn ContentSource,
    /// Bounds on diffs in evidence.
    pub diff_limits: DiffLimits,
    /// A folder the package is known to live in (monorepos), when votes are silent.
    pub subdir_hint: Option<&'a str>,
}

/// The outcome of comparing one artifact with one tree.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Counts per outcome.
    pub stats: Stats,
    /// Findings about the files, unsorted.
    pub findings: Vec<Finding>,
    /// How every file was traced, in archive order.
    pub files: Vec<FileTrace>,
    /// The inferred path mapping.
    pub mapping: Mapping,
}

/// One file's outcome, as the rules and the generic comparison produce it.
pub(crate) struct Outcome {
    pub status: TraceStatus,
    pub source_path: Option<String>,
    pub rule: Option<&'static str>,
    pub findings: Vec<Finding>,
}

impl Outcome {
    pub fn matched(source_path: impl Into<String>) -> Self {
        Outcome {
            status: TraceStatus::Matched,
            source_path: Some(source_path.into()),
            rule: None,
            findings: Vec::new(),
        }
    }

    /// A generated file explained by `rule`, with an `info` finding saying how.
    pub fn generated(file: &ArtifactFile, rule: &'static str, why: impl Into<String>) -> Self {
        Outcome {
            status: TraceStatus::Generated,
            source_path: None,
            rule: Some(rule),
            findings: vec![
                Finding::new(Code::GeneratedFile, Severity::Info, why)
                    .at(&file.path)
                    .with("rule", rule)
                    .with("sha256", sha256_hex(&file.digests.sha256)),
            ],
        }
    }

    pub fn unverified(
        file: &ArtifactFile,
        rule: &'static str,
        severity: Severity,
        why: impl Into<String>,
    ) -> Self {
        Outcome {
            status: TraceStatus::Unverified,
            source_path: None,
            rule: Some(rule),
            findings: vec![
                Finding::new(Code::BinaryUnverified, severity, why)
                    .at(&file.path)
                    .with("rule", rule)
                    .with("sha256", sha256_hex(&file.digests.sha256))
                    .with("size", file.size),
            ],
        }
    }

    pub fn with_source(mut self, source_path: impl Into<String>) -> Self {
        self.source_path = Some(source_path.into());
        self
    }
}

/// Everything a rule may look at.
pub(crate) struct Ctx<'a> {
    pub input: &'a CompareInput<'a>,
    pub mapping: &'a Mapping,
}

impl Ctx<'_> {
    pub fn tree(&self) -> &SourceTree {
        self.input.tree
    }

    pub fn kind(&self) -> ArtifactKind {
        self.input.artifact.name.kind
    }

    /// The artifact file's content: retained, or re-read.
    pub fn content<'f>(&self, file: &'f ArtifactFile) -> Option<Cow<'f, [u8]>> {
        match &file.content {
            Some(content) => Some(Cow::Borrowed(content)),
            None => self.input.contents.content(&file.path).map(Cow::Owned),
        }
    }

    /// A source blob's content.
    pub fn source_content(&self, path: &str) -> Option<Vec<u8>> {
        let entry = self.tree().get(path)?;
        self.input.blobs.read_blob(&entry.blob).ok()
    }

    /// A source file's content as text, when it exists and is UTF-8.
    pub fn source_text(&self, path: &str) -> Option<String> {
        String::from_utf8(self.source_content(path)?).ok()
    }

    /// The source path of a file whose content appears in the tree, preferring the same
    /// file name.
    pub fn relocated_source(&self, file: &ArtifactFile) -> Option<String> {
        let paths = self.tree().paths_with_blob(&file.digests.blob_id);
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        paths
            .iter()
            .find(|p| p.rsplit('/').next() == Some(name))
            .or(paths.first())
            .cloned()
    }

    /// The "modified" outcome for a file that differs from `source_path`.
    pub fn modified(
        &self,
        file: &ArtifactFile,
        source_path: &str,
        reason: Option<&str>,
    ) -> Outcome {
        let entry = self.tree().get(source_path);
        let head = self.head(file);
        let kind = FileKind::of(&file.path, file.executable, &head);
        let mut finding = Finding::new(Code::ModifiedFile, kind.modified_severity(), String::new())
            .at(&file.path)
            .with("source_path", source_path)
            .with("artifact_sha256", sha256_hex(&file.digests.sha256))
            .with("artifact_blob", file.digests.blob_id.to_hex())
            .with("file_kind", kind.describe());
        if let Some(entry) = entry {
            finding.evidence.insert("source_blob", entry.blob.to_hex());
        }
        if let Some(reason) = reason {
            finding.evidence.insert("rule_failed", reason);
        }
        let source = entry.and_then(|e| self.input.blobs.read_blob(&e.blob).ok());
        let artifact = self.content(file);
        let mut summary = String::new();
        match (&source, &artifact) {
            (Some(source), Some(artifact)) => {
                match unified_diff(
                    source,
                    artifact,
                    source_path,
                    &file.path,
                    self.input.diff_limits,
                ) {
                    Some(change) => {
                        summary = format!(" (+{} -{} lines)", change.added, change.removed);
                        finding.evidence.insert("added_lines", change.added);
                        finding.evidence.insert("removed_lines", change.removed);
                        finding.evidence.insert("diff", change.diff);
                    }
                    None => {
                        finding
                            .evidence
                            .insert("diff_unavailable", "binary content");
                    }
                }
            }
            (None, _) => {
                finding
                    .evidence
                    .insert("diff_unavailable", "the source blob could not be read");
            }
            (_, None) => {
                finding
                    .evidence
                    .insert("diff_unavailable", "the artifact content could not be read");
            }
        }
        finding.message = format!(
            "{} differs from {source_path} at the commit{summary}",
            capitalize(kind.describe())
        );
        if let Some(reason) = reason {
            finding.message.push_str(&format!("; {reason}"));
        }
        Outcome {
            status: TraceStatus::Modified,
            source_path: Some(source_path.to_owned()),
            rule: None,
            findings: vec![finding],
        }
    }

    /// The "extra" outcome for a file in no file of the commit.
    pub fn extra(&self, file: &ArtifactFile, expected: Option<&str>, note: &str) -> Outcome {
        let head = self.head(file);
        let kind = FileKind::of(&file.path, file.executable, &head);
        let mut finding = Finding::new(
            Code::ExtraFile,
            kind.extra_severity(),
            format!(
                "{} that is in no file of the commit{note}",
                capitalize(kind.describe())
            ),
        )
        .at(&file.path)
        .with("sha256", sha256_hex(&file.digests.sha256))
        .with("blob", file.digests.blob_id.to_hex())
        .with("size", file.size)
        .with("file_kind", kind.describe());
        if let Some(expected) = expected {
            finding.evidence.insert("expected_source_path", expected);
        }
        Outcome {
            status: TraceStatus::Extra,
            source_path: None,
            rule: None,
            findings: vec![finding],
        }
    }

    fn head<'f>(&self, file: &'f ArtifactFile) -> Cow<'f, [u8]> {
        match self.content(file) {
            Some(Cow::Borrowed(c)) => Cow::Borrowed(&c[..c.len().min(64)]),
            Some(Cow::Owned(c)) => Cow::Owned(c[..c.len().min(64)].to_vec()),
            None => Cow::Borrowed(&[]),
        }
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The source blobs [`compare`] will read: those at the mapped paths of files that do not
/// match, and the build configuration the rules consult. In a blobless clone each is a
/// fetch, so the caller can ask for all of them at once.
pub fn blobs_needed(input: &CompareInput<'_>) -> Vec<BlobId> {
    let mapping = Mapping::infer(input.artifact, input.tree, input.subdir_hint);
    let tree = input.tree;
    let mut needed = std::collections::BTreeSet::new();
    let mut folders = std::collections::BTreeSet::new();
    for file in &input.artifact.files {
        if tree.contains_blob(&file.digests.blob_id) {
            continue;
        }
        let logical = logical_path(input.artifact.name.kind, &file.path).unwrap_or(&file.path);
        let source = mapping.source_path(logical);
        if let Some(entry) = tree.get(&source) {
            needed.insert(entry.blob);
        }
        let mut folder = source.as_str();
        while let Some((parent, _)) = folder.rsplit_once('/') {
            folders.insert(format!("{parent}/"));
            folder = parent;
        }
        folders.insert(String::new());
    }
    for folder in folders {
        for name in ["pyproject.toml", "setup.cfg", "setup.py"] {
            if let Some(entry) = tree.get(&format!("{folder}{name}")) {
                needed.insert(entry.blob);
            }
        }
    }
    needed.into_iter().collect()
}

/// Traces every file of the artifact to the tree, applying the rules, and reports every
/// difference as a finding with evidence.
pub fn compare(input: &CompareInput<'_>) -> Comparison {
    let artifact = input.artifact;
    let mapping = Mapping::infer(artifact, input.tree, input.subdir_hint);
    let ctx = Ctx {
        input,
        mapping: &mapping,
    };
    let mut stats = Stats {
        files: artifact.files.len() as u64,
        ..Stats::default()
    };
    let mut findings = Vec::new();
    let mut files = Vec::with_capacity(artifact.files.len());
    let mut mapped_sources = std::collections::HashSet::new();
    for file in &artifact.files {
        let outcome = trace(&ctx, file);
        match outcome.status {
            TraceStatus::Matched => stats.matched += 1,
            TraceStatus::Generated => stats.generated += 1,
            TraceStatus::Modified => stats.modified += 1,
            TraceStatus::Extra => stats.extra += 1,
            TraceStatus::Unverified => stats.unverified += 1,
        }
        if let Some(source) = &outcome.source_path {
            mapped_sources.insert(source.clone());
        }
        findings.extend(outcome.findings);
        let in_source = (outcome.status == TraceStatus::Matched)
            .then_some(outcome.source_path.as_deref())
            .flatten();
        if needs_startup_check(file) {
            let content = ctx.content(file);
            findings.extend(startup_hook(file, content.as_deref(), in_source));
        }
        files.push(FileTrace {
            path: file.path.clone(),
            status: outcome.status,
            source_path: outcome.source_path,
            rule: outcome.rule.map(str::to_owned),
        });
    }
    stats.missing = count_missing(&ctx, &mapped_sources);
    Comparison {
        stats,
        findings,
        files,
        mapping,
    }
}

fn trace(ctx: &Ctx<'_>, file: &ArtifactFile) -> Outcome {
    if let Some(outcome) = rules::explain(ctx, file) {
        return outcome;
    }
    let Some(logical) = logical_path(ctx.kind(), &file.path) else {
        // Wheel paths outside the known schemes (an unknown `.data/` scheme).
        return ctx.extra(file, None, "");
    };
    let source_path = ctx.mapping.source_path(logical);
    match ctx.tree().get(&source_path) {
        Some(entry) if entry.mode == EntryMode::Submodule => {
            rules::submodule_file(file, &source_path)
        }
        Some(entry) if entry.blob == file.digests.blob_id => Outcome::matched(source_path),
        Some(_) => {
            if let Some(outcome) = rules::explain_difference(ctx, file, &source_path) {
                return outcome;
            }
            ctx.modified(file, &source_path, None)
        }
        None => {
            if let Some(found) = ctx.relocated_source(file) {
                return Outcome::matched(found);
            }
            if let Some(outcome) = rules::explain_addition(ctx, file, &source_path) {
                return outcome;
            }
            ctx.extra(file, Some(&source_path), "")
        }
    }
}

/// Findings that need no source at all (for artifacts without a commit): the archive's
/// own anomalies are already in the artifact; this adds the startup hooks.
pub fn intrinsic_findings(artifact: &Artifact, contents: &dyn ContentSource) -> Vec<Finding> {
    artifact
        .files
        .iter()
        .filter(|file| needs_startup_check(file))
        .filter_map(|file| {
            let content = match &file.content {
                Some(content) => Some(content.to_vec()),
                None => contents.content(&file.path),
            };
            startup_hook(file, content.as_deref(), None)
        })
        .collect()
}

fn needs_startup_check(file: &ArtifactFile) -> bool {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".pth") || lower == "sitecustomize.py" || lower == "usercustomize.py"
}

/// `.pth` files with an executable line, and `sitecustomize`/`usercustomize` modules:
/// code Python runs at every interpreter start. Never silent: loud when the source does
/// not hold the file (`in_source` is `None`), a low note when it does.
fn startup_hook(
    file: &ArtifactFile,
    content: Option<&[u8]>,
    in_source: Option<&str>,
) -> Option<Finding> {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".pth") {
        let text = String::from_utf8_lossy(content?);
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| is_executable_pth_line(line))
            .collect();
        if lines.is_empty() {
            return None;
        }
        let first: String = lines[0].1.chars().take(300).collect();
        let (severity, message) = match in_source {
            Some(source) => (
                Severity::Low,
                format!(
                    "{name} runs code at every interpreter start; it is identical to {source} in the source"
                ),
            ),
            None => (
                Severity::Critical,
                format!(
                    "{name} runs code at every interpreter start ({} executable line{}) and is not in the source",
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                ),
            ),
        };
        let mut finding = Finding::new(Code::StartupHook, severity, message)
            .at(&file.path)
            .with("line", lines[0].0 + 1)
            .with("executable_lines", lines.len())
            .with("first_executable_line", first)
            .with("sha256", sha256_hex(&file.digests.sha256));
        if let Some(source) = in_source {
            finding.evidence.insert("source_path", source);
        }
        return Some(finding);
    }
    let (severity, message) = match in_source {
        Some(source) => (
            Severity::Low,
            format!(
                "{name} is imported at every interpreter start; it is identical to {source} in the source"
            ),
        ),
        None => (
            Severity::Critical,
            format!(
                "{name} is imported at every interpreter start and does not match any file of the source"
            ),
        ),
    };
    Some(
        Finding::new(Code::StartupHook, severity, message)
            .at(&file.path)
            .with("sha256", sha256_hex(&file.digests.sha256)),
    )
}

/// Source files in the folders the artifact maps to that it does not ship.
fn count_missing(ctx: &Ctx<'_>, mapped: &std::collections::HashSet<String>) -> u64 {
    let tree = ctx.tree();
    let mut folders: Vec<String> = Vec::new();
    match ctx.kind() {
        ArtifactKind::Sdist => folders.push(ctx.mapping.default_prefix.clone()),
        ArtifactKind::Wheel => {
            for (group, prefix) in &ctx.mapping.prefixes {
                let folder = format!("{prefix}{group}/");
                if tree.entries_under(&folder).next().is_some() {
                    folders.push(folder);
                }
            }
        }
    }
    let mut missing = 0;
    for folder in &folders {
        missing += tree
            .entries_under(folder)
            .filter(|(path, entry)| {
                entry.mode != EntryMode::Submodule && !mapped.contains(path.as_str())
            })
            .count() as u64;
    }
    missing
}
