/// Normalizes a project name per PEP 503: lowercase, each run of `-`, `_` and `.` becomes
/// one `-`. The form indexes use in URLs, tags are compared in, and caches are keyed by.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn pep_503() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY__.bard"), "friendly-bard");
        assert_eq!(normalize_name("my_pkg"), "my-pkg");
    }
}
