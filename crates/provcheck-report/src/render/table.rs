use std::fmt::Write;

use crate::{Finding, Policy, ReleaseReport, Report, RequestStatus, Severity, Verdict};

/// One row of a dependency-set table.
pub(crate) struct Row<'r> {
    pub name: String,
    pub version: String,
    /// `mismatch`, `no-source (accepted)`, `skipped: unpinned`…
    pub verdict: String,
    /// Whether this package fails the run under the report's policy.
    pub fails: bool,
    /// The most severe finding, or why the package was not verified.
    pub detail: String,
    pub release: Option<&'r ReleaseReport>,
    pub status: RequestStatus,
    sort: (u8, u8, std::cmp::Reverse<Severity>),
}

/// The rows, worst first: failing packages, then by verdict (mismatch, no-source, error,
/// partial, verified, skipped), then by the severity of their worst finding, then name.
pub(crate) fn rows(report: &Report) -> Vec<Row<'_>> {
    let policy = report.policy.clone().unwrap_or_default();
    let mut rows = Vec::new();
    let mut seen = vec![false; report.releases.len()];
    for requested in &report.requested {
        let release = (requested.status == RequestStatus::Checked)
            .then(|| {
                report.releases.iter().enumerate().find(|(i, r)| {
                    !seen[*i]
                        && r.name == requested.name
                        && requested.version.as_deref().is_none_or(|v| v == r.version)
                })
            })
            .flatten();
        match release {
            Some((i, release)) => {
                seen[i] = true;
                let mut row = release_row(release, &policy);
                if row.detail.is_empty() {
                    row.detail = requested.reason.clone().unwrap_or_default();
                }
                rows.push(row);
            }
            None => rows.push(Row {
                name: requested.name.clone(),
                version: requested.version.clone().unwrap_or_default(),
                verdict: requested.status.label().to_owned(),
                fails: requested.status == RequestStatus::Error,
                detail: requested.reason.clone().unwrap_or_default(),
                release: None,
                status: requested.status,
                sort: if requested.status == RequestStatus::Error {
                    (0, 2, std::cmp::Reverse(Severity::Info))
                } else {
                    (
                        1,
                        5 + requested.status as u8,
                        std::cmp::Reverse(Severity::Info),
                    )
                },
            }),
        }
    }
    for (i, release) in report.releases.iter().enumerate() {
        if !seen[i] {
            rows.push(release_row(release, &policy));
        }
    }
    rows.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.name.cmp(&b.name)));
    rows
}

fn release_row<'r>(release: &'r ReleaseReport, policy: &Policy) -> Row<'r> {
    let fails = policy.fails(release);
    let worst = policy.failing_finding(release).or_else(|| {
        release
            .findings
            .iter()
            .chain(release.artifacts.iter().flat_map(|a| a.findings.iter()))
            .filter(|f| f.severity > Severity::Info)
            .max_by(|a, b| Finding::presentation_order(b, a))
    });
    let accepted = !fails
        && (release.verdict == Verdict::NoSource
            || release.verdict == Verdict::Mismatch
            || (release.verdict == Verdict::Partial && policy.fail_on <= Severity::Medium));
    let verdict = if accepted {
        format!("{} (accepted)", release.verdict)
    } else {
        release.verdict.to_string()
    };
    let detail = match worst {
        Some(f)
            if release.verdict == Verdict::NoSource
                && matches!(f.code, crate::Code::NoCommit | crate::Code::NoTag) =>
        {
            format!("{} {}: {}", f.severity, f.code, f.message)
        }
        Some(f) => {
            let mut text = format!("{} {}", f.severity, f.code);
            if let Some(path) = &f.path {
                let _ = write!(text, " {path}");
            }
            text
        }
        None => release
            .artifacts
            .iter()
            .find_map(|a| a.error.clone())
            .unwrap_or_default(),
    };
    let rank = match release.verdict {
        Verdict::Mismatch => 0,
        Verdict::NoSource => 1,
        Verdict::Error => 2,
        Verdict::Partial => 3,
        Verdict::Verified => 4,
    };
    Row {
        name: release.name.clone(),
        version: release.version.clone(),
        verdict,
        fails,
        detail,
        release: Some(release),
        status: RequestStatus::Checked,
        sort: (
            if fails || release.verdict == Verdict::Error {
                0
            } else {
                1
            },
            rank,
            std::cmp::Reverse(worst.map(|f| f.severity).unwrap_or(Severity::Info)),
        ),
    }
}

/// The dependency-set table for a terminal: one row per package (package, version,
/// verdict, most severe finding or why it was skipped), worst first; the environment's
/// own findings; and the [`summary`] line.
pub fn table(report: &Report) -> String {
    let rows = rows(report);
    let mut out = String::new();
    let header = ["PACKAGE", "VERSION", "VERDICT"];
    let width = |get: &dyn Fn(&Row) -> usize, title: &str| {
        rows.iter().map(get).max().unwrap_or(0).max(title.len())
    };
    let w_name = width(&|r| r.name.chars().count(), header[0]);
    let w_version = width(&|r| r.version.chars().count(), header[1]);
    let w_verdict = width(&|r| r.verdict.chars().count(), header[2]);
    let _ = writeln!(
        out,
        "{:<w_name$}  {:<w_version$}  {:<w_verdict$}  MOST SEVERE FINDING / REASON",
        header[0], header[1], header[2]
    );
    for row in &rows {
        let line = format!(
            "{:<w_name$}  {:<w_version$}  {:<w_verdict$}  {}",
            row.name,
            row.version,
            row.verdict,
            shorten(&row.detail, 110)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nenvironment:");
        for finding in &report.findings {
            let _ = writeln!(
                out,
                "  {:<8} {:<20} {}\n           {}",
                finding.severity.as_str(),
                finding.code.as_str(),
                finding.path.as_deref().unwrap_or("-"),
                finding.message
            );
        }
    }
    out.push('\n');
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// One line: `12 packages: 1 mismatch, 2 no-source (1 accepted), 8 verified; 3 skipped
/// (2 unpinned, 1 not from an index); 1 fails`.
pub fn summary(report: &Report) -> String {
    let rows = rows(report);
    let checked: Vec<&Row> = rows.iter().filter(|r| r.release.is_some()).collect();
    let mut parts = Vec::new();
    for verdict in [
        Verdict::Mismatch,
        Verdict::NoSource,
        Verdict::Error,
        Verdict::Partial,
        Verdict::Verified,
    ] {
        let of: Vec<&&Row> = checked
            .iter()
            .filter(|r| r.release.is_some_and(|rel| rel.verdict == verdict))
            .collect();
        if of.is_empty() {
            continue;
        }
        let accepted = of
            .iter()
            .filter(|r| r.verdict.ends_with("(accepted)"))
            .count();
        if accepted > 0 {
            parts.push(format!("{} {verdict} ({accepted} accepted)", of.len()));
        } else {
            parts.push(format!("{} {verdict}", of.len()));
        }
    }
    let errors = rows
        .iter()
        .filter(|r| r.release.is_none() && r.status == RequestStatus::Error)
        .count();
    if errors > 0 {
        parts.push(format!("{errors} error"));
    }
    let mut skipped = Vec::new();
    for (status, label) in [
        (RequestStatus::Unpinned, "unpinned"),
        (RequestStatus::NotFromIndex, "not from an index"),
        (RequestStatus::Excluded, "excluded by markers"),
        (RequestStatus::Ignored, "ignored"),
    ] {
        let n = rows
            .iter()
            .filter(|r| r.release.is_none() && r.status == status)
            .count();
        if n > 0 {
            skipped.push(format!("{n} {label}"));
        }
    }
    let total = rows.len();
    let mut line = format!(
        "{total} package{}: {}",
        if total == 1 { "" } else { "s" },
        if parts.is_empty() {
            "none verified".to_owned()
        } else {
            parts.join(", ")
        }
    );
    if !skipped.is_empty() {
        let n: usize = rows
            .iter()
            .filter(|r| r.release.is_none() && r.status != RequestStatus::Error)
            .count();
        let _ = write!(line, "; {n} skipped ({})", skipped.join(", "));
    }
    if !report.findings.is_empty() {
        let _ = write!(line, "; {} environment finding(s)", report.findings.len());
    }
    let failing = rows.iter().filter(|r| r.fails).count();
    let _ = write!(
        line,
        "; {failing} fail{}",
        if failing == 1 { "s" } else { "" }
    );
    line
}

fn shorten(text: &str, max: usize) -> String {
    let text = text.replace('\n', " ");
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
