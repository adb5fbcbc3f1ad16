use std::fmt::Write;

use crate::{ArtifactReport, Code, Finding, ReleaseReport, Report, Severity, SourceInfo, Verdict};

/// How to render text.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Emit ANSI colours (only when writing to a terminal and `NO_COLOR` is unset).
    pub color: bool,
    /// Show the diffs of modified files.
    pub diff: bool,
    /// List how every file was traced, when the report carries it.
    pub explain: bool,
}

/// The report for humans: per release a header, per artifact a one-line summary, then
/// the findings most severe first, then a summary line.
pub fn text(report: &Report, options: &TextOptions) -> String {
    let mut out = String::new();
    let paint = Painter {
        color: options.color,
    };
    for release in &report.releases {
        render_release(&mut out, release, options, &paint);
        out.push('\n');
    }
    // Notes (e.g. "no GitHub token") usually repeat for every release: say each once.
    let mut notes: Vec<&String> = Vec::new();
    for note in report.releases.iter().flat_map(|r| &r.notes) {
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    for note in notes {
        let _ = writeln!(out, "{}", paint.dim(&format!("note: {note}")));
    }
    out.push_str(&summary_line(report, &paint));
    out.push('\n');
    out
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn verdict(&self, verdict: Verdict) -> String {
        let style = match verdict {
            Verdict::Verified => "32",
            Verdict::Partial => "33",
            Verdict::Mismatch | Verdict::NoSource => "1;31",
            Verdict::Error => "35",
        };
        self.paint(style, &verdict.as_str().to_uppercase())
    }

    fn severity(&self, severity: Severity) -> String {
        let style = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(style, &format!("{:<8}", severity.as_str()))
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

fn render_release(out: &mut String, release: &ReleaseReport, options: &TextOptions, p: &Painter) {
    let _ = writeln!(
        out,
        "{} {}  {}",
        p.bold(&release.name),
        p.bold(&release.version),
        p.verdict(release.verdict)
    );
    if let Some(source) = &release.source {
        let _ = writeln!(out, "  source: {}", describe_source(source));
        if let Some(how) = describe_search(source) {
            let _ = writeln!(out, "  {}", p.dim(&how));
        }
    }
    for finding in &release.findings {
        render_finding(out, finding, "  ", options, p);
    }
    for artifact in &release.artifacts {
        render_artifact(out, artifact, options, p);
    }
}

/// How a commit found without its tag was found: the content-search score, or the tag
/// whose neighbour it is.
fn describe_search(source: &SourceInfo) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(tag_commit) = &source.tag_commit {
        let short: String = tag_commit.chars().take(12).collect();
        parts.push(format!(
            "the tag points at {short}; the release matches its neighbour"
        ));
    }
    if let Some(score) = &source.score {
        let mut text = format!(
            "{} of {} files found in this commit{}",
            score.matched,
            score.traceable,
            if score.exact { " (exact)" } else { "" }
        );
        if let Some(searched) = score.commits_searched {
            let _ = write!(text, ", {searched} commits searched");
        }
        parts.push(text);
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn describe_source(source: &SourceInfo) -> String {
    let mut text = source.repo.clone();
    if let Some(subdir) = &source.subdir {
        let _ = write!(text, " (folder {subdir})");
    }
    match &source.commit {
        Some(commit) => {
            let short: String = commit.chars().take(12).collect();
            let _ = write!(text, " @ {short}");
        }
        None => text.push_str(" (no commit)"),
    }
    let mut how = Vec::new();
    if let Some(tag) = &source.tag {
        how.push(format!("tag {tag}"));
    }
    if let Some(by) = source.resolved_by {
        how.push(format!("resolved by {}", by.as_str()));
    }
    if let Some(from) = &source.discovered_from {
        how.push(format!("repository from {from}"));
    }
    if !how.is_empty() {
        let _ = write!(text, " ({})", how.join(", "));
    }
    text
}

fn render_artifact(
    out: &mut String,
    artifact: &ArtifactReport,
    options: &TextOptions,
    p: &Painter,
) {
    let s = &artifact.stats;
    let mut facts = Vec::new();
    if let Some(uploaded) = &artifact.upload_time {
        facts.push(format!("uploaded {uploaded}"));
    }
    if let Some(reason) = &artifact.yanked {
        facts.push(p.paint(
            "33",
            &if reason.is_empty() {
                "YANKED".to_owned()
            } else {
                format!("YANKED: {reason}")
            },
        ));
    }
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!("  {}", facts.join(", "))
    };
    let _ = writeln!(
        out,
        "  {}  {}{facts}",
        p.bold(&artifact.filename),
        p.verdict(artifact.verdict)
    );
    if let Some(source) = &artifact.source {
        let _ = writeln!(out, "    source: {}", describe_source(source));
        if let Some(how) = describe_search(source) {
            let _ = writeln!(out, "    {}", p.dim(&how));
        }
    }
    if let Some(error) = &artifact.error {
        let _ = writeln!(out, "    error: {error}");
    } else {
        let mut parts = vec![format!("{} matched", s.matched)];
        for (count, label) in [
            (s.generated, "generated"),
            (s.unverified, "unverified"),
            (s.modified, "modified"),
            (s.extra, "extra"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {label}"));
            }
        }
        let _ = writeln!(
            out,
            "    {}",
            p.dim(&format!("{} files: {}", s.files, parts.join(", ")))
        );
    }
    let shown: Vec<&Finding> = artifact
        .findings
        .iter()
        .filter(|f| options.explain || f.severity > Severity::Info || !is_routine(f))
        .collect();
    for finding in &shown {
        render_finding(out, finding, "    ", options, p);
    }
    let hidden = artifact.findings.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "    {}",
            p.dim(&if hidden == 1 {
                "(1 generated file explained by a rule; --explain lists it)".to_owned()
            } else {
                format!("({hidden} generated files explained by rules; --explain lists them)")
            })
        );
    }
    if options.explain
        && let Some(files) = &artifact.files
    {
        let _ = writeln!(out, "    files:");
        for file in files {
            let mut line = format!("      {:<11} {}", kebab(file.status), file.path);
            if let Some(source) = &file.source_path
                && source != &file.path
            {
                let _ = write!(line, "  <- {source}");
            }
            if let Some(rule) = &file.rule {
                let _ = write!(line, "  [{rule}]");
            }
            let _ = writeln!(out, "{line}");
        }
    }
}

fn kebab(status: crate::TraceStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Info findings that merely explain a generated file: counted, not listed, unless asked.
fn is_routine(finding: &Finding) -> bool {
    matches!(
        finding.code,
        Code::GeneratedFile | Code::VersionSubstitution | Code::MissingFile
    )
}

fn render_finding(
    out: &mut String,
    finding: &Finding,
    indent: &str,
    options: &TextOptions,
    p: &Painter,
) {
    let path = finding.path.as_deref().unwrap_or("-");
    let _ = writeln!(
        out,
        "{indent}{} {:<20} {}",
        p.severity(finding.severity),
        finding.code.as_str(),
        path
    );
    let _ = writeln!(out, "{indent}         {}", finding.message);
    if options.diff
        && let Some(diff) = finding.evidence.get_str("diff")
    {
        for line in diff.lines() {
            let styled = if line.starts_with('+') && !line.starts_with("+++") {
                p.paint("32", line)
            } else if line.starts_with('-') && !line.starts_with("---") {
                p.paint("31", line)
            } else if line.starts_with("@@") {
                p.paint("36", line)
            } else {
                line.to_owned()
            };
            let _ = writeln!(out, "{indent}    {styled}");
        }
    }
}

fn summary_line(report: &Report, p: &Painter) -> String {
    let releases = report.releases.len();
    let artifacts: usize = report.releases.iter().map(|r| r.artifacts.len()).sum();
    let mut counts: Vec<(Verdict, usize)> = Vec::new();
    for verdict in [
        Verdict::Mismatch,
        Verdict::NoSource,
        Verdict::Error,
        Verdict::Partial,
        Verdict::Verified,
    ] {
        let n = report
            .releases
            .iter()
            .flat_map(|r| &r.artifacts)
            .filter(|a| a.verdict == verdict)
            .count();
        if n > 0 {
            counts.push((verdict, n));
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    p.bold(&format!(
        "{}, {}: {}",
        plural(releases, "release"),
        plural(artifacts, "artifact"),
        if parts.is_empty() {
            "nothing checked".to_owned()
        } else {
            parts.join(", ")
        }
    ))
}
