use std::borrow::Cow;

use provcheck_artifact::{Artifact, ArtifactFile, ArtifactKind};
use provcheck_report::{Code, FileTrace, Finding, Severity, Stats, TraceStatus};
use provcheck_types::{BlobId, BlobStore, EntryMode, SourceTree, sha256_hex};

use crate::diff::{DiffLimits, unified_diff};
use crate::kind::{FileKind, is_executable_pth_line};
use crate::mapping::{Mapping, logical_path};
use crate::rules;
use crate::rules::project::{self, Project};
use crate::rules::suspicious::{self, Scope};

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

    /// Adds one fact to the evidence of every finding of this outcome.
    pub fn with_evidence(mut self, key: &str, value: &str) -> Self {
        for finding in &mut self.findings {
            finding.evidence.insert(key, value);
        }
        self
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
    /// The project the artifact was built from, with its build configuration.
    pub project: &'a Project,
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
            if let Some(link) = &entry.via_symlink {
                finding.evidence.insert("via_symlink", link.as_str());
            }
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
    folders.extend(project::candidate_roots(&mapping, input.subdir_hint));
    for folder in folders {
        for name in project::BUILD_FILES {
            if let Some(entry) = tree.get(&format!("{folder}{name}")) {
                needed.insert(entry.blob);
            }
        }
    }
    // Scripts whose shebang a wheel builder rewrote: the tree files they may come from.
    for file in &input.artifact.files {
        if let Some(script) = rules::scripts::script_name(&file.path)
            && !tree.contains_blob(&file.digests.blob_id)
        {
            for candidate in rules::scripts::candidates(tree, script, "") {
                if let Some(entry) = tree.get(&candidate) {
                    needed.insert(entry.blob);
                }
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
    let project = project::locate(
        input.tree,
        input.blobs,
        &mapping,
        input.subdir_hint,
        &artifact.name.normalized_name,
        artifact.name.kind == ArtifactKind::Sdist,
    );
    let ctx = Ctx {
        input,
        mapping: &mapping,
        project: &project,
    };
    let mut stats = Stats {
        files: artifact.files.len() as u64,
        ..Stats::default()
    };
    let mut findings = Vec::new();
    let mut files = Vec::with_capacity(artifact.files.len());
    let mut mapped_sources = std::collections::HashSet::new();
    let mut per_submodule: std::collections::HashMap<String, usize> = Default::default();
    for file in &artifact.files {
        let mut outcome = trace(&ctx, file);
        scan_suspicious(&ctx, file, &mut outcome);
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
        let known = match (outcome.status, outcome.rule) {
            (TraceStatus::Matched, _) => outcome.source_path.as_deref().map(Known::InSource),
            (TraceStatus::Generated, Some("build-generated")) => {
                outcome.findings.first().map(|f| Known::WrittenByBuild {
                    build: f.evidence.get_str("named_in").unwrap_or("").to_owned(),
                    line: f
                        .evidence
                        .get("named_line")
                        .and_then(|l| l.as_u64())
                        .unwrap_or(0) as usize,
                    text: f.evidence.get_str("named_text").unwrap_or("").to_owned(),
                })
            }
            _ => None,
        };
        for finding in outcome.findings {
            match submodule_of(&finding) {
                // One finding per submodule, not one per file: a vendored test suite can
                // be a thousand files, and each would be the same sentence.
                Some(submodule) => match per_submodule.get(&submodule) {
                    Some(&at) => {
                        let existing: &mut Finding = &mut findings[at];
                        let count = existing
                            .evidence
                            .get("files")
                            .and_then(|v| v.as_u64())
                            .unwrap_or(1);
                        existing.evidence.insert("files", count + 1);
                        existing.message = format!(
                            "{} files inside submodule {submodule}, whose repository was not available to compare \
                             (pass it with --submodule PATH)",
                            count + 1
                        );
                    }
                    None => {
                        per_submodule.insert(submodule, findings.len());
                        findings.push(finding.with("files", 1u64));
                    }
                },
                None => findings.push(finding),
            }
        }
        if needs_startup_check(file) {
            let content = ctx.content(file);
            findings.extend(startup_hook(file, content.as_deref(), known.as_ref()));
        }
        files.push(FileTrace {
            path: file.path.clone(),
            status: outcome.status,
            source_path: outcome.source_path,
            rule: outcome.rule.map(str::to_owned),
        });
    }
    findings.extend(rules::declared::check(&ctx));
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
        Some(entry) if entry.blob == file.digests.blob_id => {
            let mut outcome = Outcome::matched(source_path);
            if entry.via_symlink.is_some() {
                outcome.rule = Some("tree-symlink");
            }
            outcome
        }
        Some(_) => {
            if let Some(outcome) = rules::explain_difference(ctx, file, &source_path) {
                return outcome;
            }
            ctx.modified(file, &source_path, None)
        }
        None => {
            if let Some(found) = ctx.relocated_source(file) {
                let via_link = ctx
                    .tree()
                    .get(&found)
                    .is_some_and(|e| e.via_symlink.is_some());
                let mut outcome = Outcome::matched(found);
                if via_link {
                    outcome.rule = Some("tree-symlink");
                }
                return outcome;
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

/// What vouches for a startup hook.
enum Known<'a> {
    /// Identical to this source file.
    InSource(&'a str),
    /// Named by the project's build code at this line.
    WrittenByBuild {
        build: String,
        line: usize,
        text: String,
    },
}

/// Scans what the source does not vouch for — the added lines of a modified file, an
/// extra file, a file explained only by the build code naming it — for suspicious code.
/// Every hit is a `suspicious-code` finding and raises the severity of the file's own
/// finding; it never replaces it.
fn scan_suspicious(ctx: &Ctx<'_>, file: &ArtifactFile, outcome: &mut Outcome) {
    let scanned = matches!(
        (outcome.status, outcome.rule),
        (TraceStatus::Modified | TraceStatus::Extra, _)
            | (TraceStatus::Generated, Some("build-generated"))
    );
    if !scanned || outcome.findings.is_empty() {
        return;
    }
    let Some(content) = ctx.content(file) else {
        return;
    };
    let added: Option<Vec<usize>> = match (outcome.status, &outcome.source_path) {
        (TraceStatus::Modified, Some(source_path)) => ctx
            .source_content(source_path)
            .and_then(|source| added_lines(&source, &content)),
        _ => None,
    };
    let scope = match &added {
        Some(lines) => Scope::Lines(lines),
        None => Scope::Whole,
    };
    let hits = suspicious::scan(&file.path, file.executable, &content, scope);
    if hits.is_empty() {
        return;
    }
    let parent = &mut outcome.findings[0];
    let parent_code = parent.code;
    let worst = hits
        .iter()
        .map(|h| h.severity)
        .max()
        .unwrap_or(Severity::Info);
    if worst > parent.severity {
        parent.severity = worst;
    }
    let mut patterns: Vec<&str> = hits.iter().map(|h| h.pattern).collect();
    patterns.dedup();
    parent
        .evidence
        .insert("suspicious_patterns", patterns.clone());
    parent.message.push_str(&format!(
        "; suspicious code: {} (line {})",
        patterns.join(", "),
        hits[0].line
    ));
    let total = hits.len();
    for hit in hits.into_iter().take(suspicious::MAX_HITS) {
        let mut finding = Finding::new(
            Code::SuspiciousCode,
            hit.severity,
            format!("{}: {} (line {})", hit.pattern, hit.detail, hit.line),
        )
        .at(&file.path)
        .with("pattern", hit.pattern)
        .with("line", hit.line)
        .with("detail", hit.detail)
        .with("in", parent_code.as_str());
        if !hit.text.is_empty() {
            finding.evidence.insert("text", hit.text);
        }
        if total > suspicious::MAX_HITS {
            finding.evidence.insert("hits_in_file", total);
        }
        outcome.findings.push(finding);
    }
}

/// The 1-based numbers of the lines the artifact adds to the source, when both are text.
fn added_lines(source: &[u8], shipped: &[u8]) -> Option<Vec<usize>> {
    if source.contains(&0) || shipped.contains(&0) {
        return None;
    }
    let old = std::str::from_utf8(source).ok()?;
    let new = std::str::from_utf8(shipped).ok()?;
    let diff = similar::TextDiff::from_lines(old, new);
    Some(
        diff.iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Insert)
            .filter_map(|c| c.new_index().map(|i| i + 1))
            .collect(),
    )
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
    known: Option<&Known<'_>>,
) -> Option<Finding> {
    let in_source = match known {
        Some(Known::InSource(source)) => Some(*source),
        _ => None,
    };
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
        let (severity, message) = match (in_source, known) {
            (None, Some(Known::WrittenByBuild { build, line, .. })) => (
                Severity::Low,
                format!(
                    "{name} runs code at every interpreter start; the project's build code writes it on purpose ({build} line {line} names it)"
                ),
            ),
            (Some(source), _) => (
                Severity::Low,
                format!(
                    "{name} runs code at every interpreter start; it is identical to {source} in the source"
                ),
            ),
            (None, _) => (
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
        if let Some(Known::WrittenByBuild { build, line, text }) = known {
            finding.evidence.insert("named_in", build.as_str());
            finding.evidence.insert("named_line", *line);
            finding.evidence.insert("named_text", text.as_str());
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

/// The submodule a `submodule`-rule finding is about.
fn submodule_of(finding: &Finding) -> Option<String> {
    if finding.code != Code::BinaryUnverified
        || finding.evidence.get_str("rule") != Some("submodule")
    {
        return None;
    }
    finding.evidence.get_str("submodule").map(str::to_owned)
}
