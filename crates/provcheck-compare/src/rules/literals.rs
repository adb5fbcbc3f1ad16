//! The few Python literal shapes generated files are made of, recognised without a parser:
//! shared by the version-file and version-substitution rules, which must both refuse
//! anything that could be a call.

/// The inside of a single- or double-quoted string without escapes or inner quotes.
pub(crate) fn string_literal(text: &str) -> Option<&str> {
    let text = text.trim();
    for quote in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote))
            && !inner.contains(quote)
            && !inner.contains('\\')
        {
            return Some(inner);
        }
    }
    None
}

/// `(8, 3, 4)`, `(1, 0, 'dev3', 'gabc')`: integers and strings only.
pub(crate) fn is_literal_tuple(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else {
        return false;
    };
    inner.split(',').map(str::trim).all(|item| {
        item.is_empty()
            || item.chars().all(|c| c.is_ascii_digit())
            || string_literal(item).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(string_literal(" '1.2' "), Some("1.2"));
        assert_eq!(string_literal("'a\\'b'"), None);
        assert!(is_literal_tuple("(1, 4, 0)"));
        assert!(is_literal_tuple("(1, 0, 'dev3')"));
        assert!(!is_literal_tuple("(exec('x'),)"));
    }
}
