use std::fmt;

use url::Url;

/// Displays a URL with its credentials replaced by `****`: the user name and password, and
/// the values of query parameters that look like secrets (`token`, `signature`, `key`, …,
/// as in pre-signed download URLs).
///
/// Every URL that reaches a message, an error or a log goes through this.
#[derive(Clone, Copy, Debug)]
pub struct Redacted<'a>(pub &'a Url);

const MASK: &str = "****";

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        let has_userinfo = !url.username().is_empty() || url.password().is_some();
        let has_secret_query = url
            .query_pairs()
            .any(|(name, _)| is_secret_parameter(&name));
        if !has_userinfo && !has_secret_query {
            return write!(f, "{url}");
        }
        let mut shown = url.clone();
        if has_userinfo {
            // Fails only for URLs that cannot have credentials, which then have none.
            let _ = shown.set_password(None);
            let _ = shown.set_username(MASK);
        }
        if has_secret_query {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(name, value)| {
                    let value = if is_secret_parameter(&name) {
                        MASK.to_owned()
                    } else {
                        value.into_owned()
                    };
                    (name.into_owned(), value)
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        write!(f, "{shown}")
    }
}

fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "token",
        "signature",
        "sig",
        "key",
        "secret",
        "password",
        "passwd",
        "auth",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The URL without user name and password: what is actually requested (credentials travel
/// in the `Authorization` header) and what is stored.
pub(crate) fn strip_credentials(url: &Url) -> Url {
    let mut url = url.clone();
    let _ = url.set_password(None);
    let _ = url.set_username("");
    url
}

/// `Redacted(url).to_string()`, the form errors store.
pub(crate) fn redact(url: &Url) -> String {
    Redacted(url).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        Redacted(&Url::parse(url).unwrap()).to_string()
    }

    #[test]
    fn credentials_are_masked() {
        assert_eq!(
            shown("https://alice:s3cret@idx.example/simple/"),
            "https://****@idx.example/simple/"
        );
        assert_eq!(
            shown("https://__token__@idx.example/simple/"),
            "https://****@idx.example/simple/"
        );
        assert_eq!(
            shown("https://:only-password@idx.example:8080/x"),
            "https://****@idx.example:8080/x"
        );
    }

    #[test]
    fn urls_without_secrets_are_unchanged() {
        assert_eq!(
            shown("https://pypi.org/simple/requests/"),
            "https://pypi.org/simple/requests/"
        );
        assert_eq!(
            shown("https://files.example/a.whl?version=2"),
            "https://files.example/a.whl?version=2"
        );
    }

    #[test]
    fn secret_query_values_are_masked() {
        let s =
            shown("https://bucket.example/a.whl?X-Amz-Signature=abc123&X-Amz-Expires=60&token=t0k");
        assert!(!s.contains("abc123") && !s.contains("t0k"), "{s}");
        assert!(s.contains("X-Amz-Expires=60"), "{s}");
    }

    #[test]
    fn stripping_removes_userinfo() {
        let url = Url::parse("https://alice:s3cret@idx.example/simple/").unwrap();
        assert_eq!(
            strip_credentials(&url).as_str(),
            "https://idx.example/simple/"
        );
    }
}
