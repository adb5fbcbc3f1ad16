/// Core metadata: the headers of a wheel's `METADATA` or an sdist's `PKG-INFO`.
///
/// The format is RFC 822 style: `Key: value` lines, continuation lines starting with
/// whitespace, headers ending at the first blank line. The message body after it (the
/// long description of metadata 2.1+) is not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    /// The first `Name` header.
    pub name: Option<String>,
    /// The first `Version` header.
    pub version: Option<String>,
    /// Every header in order, multi-use ones (`Requires-Dist`, `Classifier`) repeated.
    pub headers: Vec<(String, String)>,
}

impl CoreMetadata {
    /// Parses the header section of a metadata file; lines that are not headers are
    /// ignored, as Python's email parser ignores them.
    pub fn parse(text: &str) -> CoreMetadata {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            // Only an empty line ends the headers: Python's email parser takes a line of
            // whitespace for a continuation.
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push('\n');
                    value.push_str(unfold(line).trim_end());
                }
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                headers.push((key.trim().to_owned(), value.trim().to_owned()));
            }
        }
        for (_, value) in &mut headers {
            value.truncate(value.trim_end().len());
        }
        let first = |key: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        CoreMetadata {
            name: first("Name"),
            version: first("Version"),
            headers,
        }
    }

    /// Every value of a header, in order; the key is compared case-insensitively.
    pub fn get_all(&self, key: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A continuation line without its indentation: setuptools indents descriptions with
/// seven spaces and a `|` (or eight spaces), which are not part of the value.
fn unfold(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("       |") {
        return rest;
    }
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[indent.min(8)..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_and_continuations() {
        let text = "Metadata-Version: 2.1\r\nName: My.Pkg\r\nVersion: 1.0\r\n\
                    Requires-Dist: requests (>=2)\r\nrequires-dist: idna; extra == \"x\"\r\n\
                    Description: first\r\n        second\r\n       |  third\r\n\
                    not a header\r\nLicense: MIT\r\n\r\nBody: not a header\r\n";
        let m = CoreMetadata::parse(text);
        assert_eq!(m.name.as_deref(), Some("My.Pkg"));
        assert_eq!(m.version.as_deref(), Some("1.0"));
        assert_eq!(
            m.get_all("REQUIRES-DIST"),
            vec!["requests (>=2)", "idna; extra == \"x\""]
        );
        assert_eq!(m.get_all("description"), vec!["first\nsecond\n  third"]);
        assert_eq!(m.get_all("License"), vec!["MIT"]);
        assert!(m.get_all("Body").is_empty());
    }

    #[test]
    fn empty_and_garbage() {
        assert_eq!(CoreMetadata::parse(""), CoreMetadata::default());
        let m = CoreMetadata::parse("\u{feff}Name: x\n  \nVersion: 2\n\nVersion: 3");
        assert_eq!(m.name.as_deref(), Some("x"));
        assert_eq!(m.version.as_deref(), Some("2"));
    }
}
