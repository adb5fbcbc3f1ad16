use crate::IndexError;

/// Normalizes a project name per PEP 503 (lowercase; runs of `-`, `_`, `.` become `-`),
/// the form indexes use in URLs and provcheck uses in cache paths.
pub fn normalize_project_name(name: &str) -> String {
    provcheck_types::normalize_name(name)
}

/// The normalized name, after checking that `name` is a valid project name (PEP 508): the
/// name ends up in URLs and cache paths, so `../x` or `a/b` must never get that far.
pub(crate) fn checked_normalized(name: &str) -> Result<String, IndexError> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric();
    if valid {
        Ok(normalize_project_name(name))
    } else {
        Err(IndexError::InvalidName {
            project: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalization() {
        for name in [
            "Friendly-Bard",
            "FRIENDLY-BARD",
            "friendly.bard",
            "friendly_bard",
            "friendly--bard",
            "FrIeNdLy-._.-bArD",
        ] {
            assert_eq!(normalize_project_name(name), "friendly-bard", "{name}");
        }
    }

    #[test]
    fn invalid_names_are_rejected() {
        assert_eq!(
            checked_normalized("Zope.Interface").unwrap(),
            "zope-interface"
        );
        assert_eq!(checked_normalized("a").unwrap(), "a");
        for bad in ["", "../etc", "a/b", "-a", "a-", "a b", "naïve", "a%2f"] {
            assert!(checked_normalized(bad).is_err(), "{bad}");
        }
    }
}
