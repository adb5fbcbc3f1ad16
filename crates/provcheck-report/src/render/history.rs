use std::fmt::Write;

use crate::history::HistoryReport;
use crate::{Severity, Verdict};

/// The timeline as a table for humans: one row per release, outliers marked `!` (fails)
/// or `~` (partial, or a timeline signal), then a summary line.
pub fn history_text(report: &HistoryReport, color: bool) -> String {
    let paint = |style: &str, text: &str| {
        if color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    let repo = report.repo.as_deref().unwrap_or("no repository");
    let _ = writeln!(out, "{}  ({repo})", paint("1", &report.project));
    let header = [
        "",
        "VERSION",
        "UPLOADED",
        "TAG",
        "COMMIT",
        "RESOLVED BY",
        "VERDICT",
        "FINDING",
    ];
    let cells: Vec<[String; 8]> = report
        .rows
        .iter()
        .map(|row| {
            let marker = if row.verdict.fails(false) || row.verdict == Verdict::Error {
                "!"
            } else if row.outlier {
                "~"
            } else {
                ""
            };
            let finding = match (&row.finding, &row.error) {
                (_, Some(error)) => format!("error: {error}"),
                (Some(f), None) => {
                    let mut text = format!("{} {}", f.severity, f.code);
                    if let Some(path) = &f.path {
                        let _ = write!(text, " {path}");
                    }
                    text
                }
                (None, None) => "-".to_owned(),
            };
            [
                marker.to_owned(),
                row.version.clone(),
                row.upload_time
                    .as_deref()
                    .map(|t| t.chars().take(16).collect::<String>().replace('T', " "))
                    .unwrap_or_else(|| "-".to_owned()),
                row.tag.clone().unwrap_or_else(|| "-".to_owned()),
                row.commit
                    .as_deref()
                    .map(|c| c.chars().take(12).collect())
                    .unwrap_or_else(|| "-".to_owned()),
                row.resolved_by
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_else(|| "-".to_owned()),
                row.verdict.as_str().to_owned(),
                finding,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 8], styles: [Option<&str>; 8]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            let shown = match styles[i] {
                Some(style) => paint(style, cell),
                None => (*cell).to_owned(),
            };
            if i + 1 == cells.len() {
                text.push_str(&shown);
            } else {
                let _ = write!(text, "{shown}{}  ", " ".repeat(pad));
            }
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(header, [None; 8]));
    for (row, cells) in report.rows.iter().zip(&cells) {
        let verdict_style = match row.verdict {
            Verdict::Verified => "32",
            Verdict::Partial => "33",
            Verdict::Mismatch | Verdict::NoSource => "1;31",
            Verdict::Error => "35",
        };
        let finding_style = match row.finding.as_ref().map(|f| f.severity) {
            Some(Severity::Critical) => Some("1;31"),
            Some(Severity::High) => Some("31"),
            Some(Severity::Medium) => Some("33"),
            Some(Severity::Low) => Some("36"),
            _ => None,
        };
        let marker_style = match cells[0].as_str() {
            "!" => Some("1;31"),
            "~" => Some("33"),
            _ => None,
        };
        let refs: [&str; 8] = std::array::from_fn(|i| cells[i].as_str());
        let tag_style = row.tag.is_none().then_some("33");
        let commit_style = row.commit.is_none().then_some("1;31");
        let _ = writeln!(
            out,
            "{}",
            line(
                refs,
                [
                    marker_style,
                    None,
                    None,
                    tag_style,
                    commit_style,
                    None,
                    Some(verdict_style),
                    finding_style,
                ]
            )
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}

/// `8 releases: 5 verified, 1 partial, 2 mismatch; 2 of 8 releases have no tag, 1 of 8
/// releases have no commit`.
pub fn summary_line(report: &HistoryReport) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    for (count, name) in [
        (s.verified, "verified"),
        (s.partial, "partial"),
        (s.mismatch, "mismatch"),
        (s.no_source, "no-source"),
        (s.error, "error"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {name}"));
        }
    }
    let mut line = format!(
        "{} release{}: {}",
        s.releases,
        if s.releases == 1 { "" } else { "s" },
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    );
    let of = |count: u64, what: &str| {
        format!(
            "{count} of {} release{} {} {what}",
            s.releases,
            if s.releases == 1 { "" } else { "s" },
            if count == 1 { "has" } else { "have" }
        )
    };
    if s.untagged > 0 {
        let _ = write!(line, "; {}", of(s.untagged, "no tag"));
    }
    if s.no_commit > 0 {
        let _ = write!(line, "; {}", of(s.no_commit, "no commit"));
    }
    line
}

/// The timeline as pretty-printed JSON, with a trailing newline.
pub fn history_json(report: &HistoryReport) -> String {
    let mut out =
        serde_json::to_string_pretty(report).expect("the history model always serializes");
    out.push('\n');
    out
}
