use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Code, Finding, Policy, ReleaseReport, Report, RequestStatus, Severity};

/// Where SARIF rules point for their documentation.
const DOCS_URL: &str = "https://github.com/provcheck/provcheck/blob/main/docs/findings.md";

/// The reference of every finding code, one `## code` section each.
const FINDINGS_DOC: &str = include_str!("../../../../docs/findings.md");

/// The report as a SARIF 2.1.0 log for code scanning (GitHub, Azure DevOps, IDEs).
///
/// - One rule per finding code (`ruleId` = the code), in [`Code::ALL`] order, with the
///   code's summary as short description and its section of `docs/findings.md` as help.
/// - One result per finding of severity `low` or above (`critical`/`high` → `error`,
///   `medium` → `warning`, `low` → `note`); `info` findings (generated files explained by
///   a rule) are left out.
/// - Each result is located at the line of the input file that requested the package
///   (`requirements.txt`, a lockfile, an installed `METADATA`) when there is one — a
///   relative path is relative to `%SRCROOT%` — and logically at
///   `name==version/artifact/path`.
/// - `partialFingerprints["provcheck/v1"]`: sha256 of code, package, version, artifact
///   and path, so the same finding keeps its identity across runs.
/// - Findings the policy accepts carry a `suppressions` entry with the reason.
/// - Packages that could not be checked become tool execution notifications.
pub fn sarif(report: &Report) -> String {
    let policy = report.policy.clone().unwrap_or_default();
    let rules: Vec<Value> = Code::ALL.iter().map(|code| rule(*code)).collect();
    let mut results = Vec::new();
    for release in &report.releases {
        let location = request_location(report, release);
        for finding in &release.findings {
            results.extend(result(release, None, finding, &location, &policy));
        }
        for artifact in &release.artifacts {
            for finding in &artifact.findings {
                results.extend(result(
                    release,
                    Some(&artifact.filename),
                    finding,
                    &location,
                    &policy,
                ));
            }
        }
    }
    for finding in &report.findings {
        if finding.severity < Severity::Low {
            continue;
        }
        let mut value = json!({
            "ruleId": finding.code.as_str(),
            "ruleIndex": rule_index(finding.code),
            "level": level(finding.severity),
            "message": {"text": finding.message},
            "partialFingerprints": {
                "provcheck/v1": fingerprint(&[finding.code.as_str(), "(environment)", finding.path.as_deref().unwrap_or("")]),
            },
            "properties": {"severity": finding.severity.as_str()},
        });
        if let Some(path) = &finding.path {
            value["locations"] =
                json!([{"physicalLocation": {"artifactLocation": artifact_location(path)}}]);
        }
        if let Some(allow) = policy.allowed("", finding) {
            value["suppressions"] =
                json!([{"kind": "external", "status": "accepted", "justification": allow.reason}]);
        }
        results.push(value);
    }
    let notifications: Vec<Value> = report
        .requested
        .iter()
        .filter(|r| r.status == RequestStatus::Error)
        .map(|r| {
            json!({
                "level": "error",
                "message": {"text": format!(
                    "{} {}: {}",
                    r.name,
                    r.version.as_deref().unwrap_or(""),
                    r.reason.as_deref().unwrap_or("could not be checked")
                )},
            })
        })
        .collect();
    let mut run = json!({
        "tool": {"driver": {
            "name": "provcheck",
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "informationUri": "https://github.com/provcheck/provcheck",
            "rules": rules,
        }},
        "results": results,
        "columnKind": "unicodeCodePoints",
    });
    if !notifications.is_empty() {
        run["invocations"] = json!([{
            "executionSuccessful": false,
            "toolExecutionNotifications": notifications,
        }]);
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("a JSON value always serializes");
    out.push('\n');
    out
}

fn rule(code: Code) -> Value {
    let help = docs_section(code).unwrap_or(code.summary());
    json!({
        "id": code.as_str(),
        "name": pascal(code.as_str()),
        "shortDescription": {"text": code.summary()},
        "fullDescription": {"text": plain(help)},
        "help": {"text": plain(help), "markdown": help},
        "helpUri": format!("{DOCS_URL}#{}", code.as_str()),
        "properties": {"tags": ["security", "supply-chain"]},
    })
}

/// The body of `## code` in docs/findings.md.
fn docs_section(code: Code) -> Option<&'static str> {
    let heading = format!("\n## {}\n", code.as_str());
    let start = FINDINGS_DOC.find(&heading)? + heading.len();
    let rest = &FINDINGS_DOC[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// Markdown without backticks, for the plain-text fields.
fn plain(markdown: &str) -> String {
    markdown.replace('`', "").replace('\n', " ")
}

fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule_index(code: Code) -> usize {
    Code::ALL.iter().position(|c| *c == code).unwrap_or(0)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The input file and line that requested a release, as a SARIF physical location.
fn request_location(report: &Report, release: &ReleaseReport) -> Option<Value> {
    let requested = report.requested.iter().find(|r| {
        r.status == RequestStatus::Checked
            && r.name == release.name
            && r.version.as_deref().is_none_or(|v| v == release.version)
    })?;
    let file = requested.file.as_deref()?;
    let mut location = json!({"artifactLocation": artifact_location(file)});
    if let Some(line) = requested.line {
        location["region"] = json!({"startLine": line});
    }
    Some(location)
}

fn artifact_location(path: &str) -> Value {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        json!({"uri": format!("file://{}", encode(&path))})
    } else {
        json!({"uri": encode(path.trim_start_matches("./")), "uriBaseId": "%SRCROOT%"})
    }
}

/// Percent-encodes what may not stand in a URI path.
fn encode(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn result(
    release: &ReleaseReport,
    artifact: Option<&str>,
    finding: &Finding,
    location: &Option<Value>,
    policy: &Policy,
) -> Option<Value> {
    if finding.severity < Severity::Low {
        return None;
    }
    let mut qualified = format!("{}=={}", release.name, release.version);
    let mut text = format!("{} {}", release.name, release.version);
    for part in artifact.iter().chain(finding.path.as_deref().iter()) {
        qualified.push('/');
        qualified.push_str(part);
        text.push_str(": ");
        text.push_str(part);
    }
    text.push_str(": ");
    text.push_str(&finding.message);
    let mut place = json!({
        "logicalLocations": [{"fullyQualifiedName": qualified, "kind": "resource"}],
    });
    if let Some(physical) = location {
        place["physicalLocation"] = physical.clone();
    }
    let mut value = json!({
        "ruleId": finding.code.as_str(),
        "ruleIndex": rule_index(finding.code),
        "level": level(finding.severity),
        "message": {"text": text},
        "locations": [place],
        "partialFingerprints": {
            "provcheck/v1": fingerprint(&[
                finding.code.as_str(),
                &release.name,
                &release.version,
                artifact.unwrap_or(""),
                finding.path.as_deref().unwrap_or(""),
            ]),
        },
        "properties": {
            "package": release.name,
            "version": release.version,
            "severity": finding.severity.as_str(),
            "verdict": release.verdict.as_str(),
        },
    });
    if let Some(artifact) = artifact {
        value["properties"]["artifact"] = json!(artifact);
    }
    if let Some(reason) = policy.accepted(release, finding) {
        value["suppressions"] =
            json!([{"kind": "external", "status": "accepted", "justification": reason}]);
    }
    Some(value)
}

fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex_lower(&hasher.finalize())
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_documentation() {
        for code in Code::ALL {
            let section = docs_section(*code).unwrap_or_else(|| panic!("no docs for {code}"));
            assert!(!section.is_empty());
        }
        assert_eq!(
            pascal("commit-not-on-default-branch"),
            "CommitNotOnDefaultBranch"
        );
        assert_eq!(encode("/a b/ü"), "/a%20b/%C3%BC");
    }
}
