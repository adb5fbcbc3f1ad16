use crate::Report;

/// The report as pretty-printed JSON, with a trailing newline.
pub fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("the report model always serializes");
    out.push('\n');
    out
}
