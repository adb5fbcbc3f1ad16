use std::fmt::Write;

use super::table::{rows, summary};
use crate::{Finding, Report, Severity};

/// The report as GitHub-flavoured Markdown for a pull-request comment: a heading that
/// says whether the run fails, a table of every package (worst first), a collapsible
/// `<details>` block per failing or notable package with its findings, and the summary
/// line.
pub fn markdown(report: &Report) -> String {
    let rows = rows(report);
    let failing = rows.iter().filter(|r| r.fails).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### provcheck: {}\n",
        match failing {
            0 => "no package fails".to_owned(),
            1 => "1 package fails".to_owned(),
            n => format!("{n} packages fail"),
        }
    );
    out.push_str("| | package | version | verdict | most severe finding / reason |\n");
    out.push_str("|---|---|---|---|---|\n");
    for row in &rows {
        let mark = if row.fails {
            "❌"
        } else if row
            .release
            .is_some_and(|r| r.verdict == crate::Verdict::Verified)
        {
            "✅"
        } else if row.release.is_some() {
            "⚠️"
        } else {
            "➖"
        };
        let _ = writeln!(
            out,
            "| {mark} | {} | {} | **{}** | {} |",
            cell(&row.name),
            cell(&row.version),
            cell(&row.verdict),
            cell(&row.detail)
        );
    }
    let detailed: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.release.is_some_and(|rel| {
                rel.findings
                    .iter()
                    .chain(rel.artifacts.iter().flat_map(|a| a.findings.iter()))
                    .any(|f| f.severity >= Severity::Medium)
            })
        })
        .collect();
    for row in detailed {
        let Some(release) = row.release else { continue };
        let _ = writeln!(
            out,
            "\n<details{}><summary><b>{} {}</b>: {}</summary>\n",
            if row.fails { " open" } else { "" },
            html(&release.name),
            html(&release.version),
            html(&row.verdict)
        );
        if let Some(source) = &release.source {
            let commit = source.commit.as_deref().map(|c| &c[..c.len().min(12)]);
            let _ = writeln!(
                out,
                "source: `{}`{}{}\n",
                source.repo,
                commit.map(|c| format!(" @ `{c}`")).unwrap_or_default(),
                source
                    .tag
                    .as_deref()
                    .map(|t| format!(" (tag `{t}`)"))
                    .unwrap_or_default()
            );
        }
        out.push_str("| severity | code | file | path | message |\n|---|---|---|---|---|\n");
        let mut findings: Vec<(&str, &Finding)> = release
            .findings
            .iter()
            .map(|f| ("(release)", f))
            .chain(
                release
                    .artifacts
                    .iter()
                    .flat_map(|a| a.findings.iter().map(move |f| (a.filename.as_str(), f))),
            )
            .filter(|(_, f)| f.severity > Severity::Info)
            .collect();
        findings.sort_by(|a, b| Finding::presentation_order(a.1, b.1));
        for (file, finding) in findings {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                finding.severity,
                finding.code,
                cell(file),
                finding
                    .path
                    .as_deref()
                    .map(|p| format!("`{}`", cell(p)))
                    .unwrap_or_default(),
                cell(&finding.message)
            );
        }
        out.push_str("\n</details>\n");
    }
    if !report.findings.is_empty() {
        out.push_str(
            "\n#### Environment\n\n| severity | code | path | message |\n|---|---|---|---|\n",
        );
        for finding in &report.findings {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} |",
                finding.severity,
                finding.code,
                cell(finding.path.as_deref().unwrap_or("-")),
                cell(&finding.message)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n<sub>{} {} · {}</sub>",
        report.tool.name,
        report.tool.version,
        html(&summary(report))
    );
    out
}

/// Text safe inside a table cell: no line breaks, no pipes, no HTML (outside code spans,
/// where entities would show as typed).
fn cell(text: &str) -> String {
    text.replace('\n', " ")
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                html(part)
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
        .replace('|', "\\|")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
