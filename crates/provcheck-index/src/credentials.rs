//! Index credentials: from the URL, `~/.netrc`, or the environment; sent only to the
//! origin they belong to, and never shown.

use std::fmt;
use std::path::PathBuf;

use url::{Origin, Url};

/// A user name and password for HTTP basic authentication.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(****)")
    }
}

/// The credentials for each origin (scheme, host, port) that has some. Matching whole
/// origins means a password given for `https://idx` never goes to `http://idx` in clear.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuthTable {
    entries: Vec<(Origin, Credentials)>,
}

impl AuthTable {
    /// Looks up credentials for `url` (an index or JSON API base): its userinfo, else the
    /// netrc entry of its host, else `fallback` (the environment).
    pub fn add(&mut self, url: &Url, netrc: Option<&Netrc>, fallback: Option<&Credentials>) {
        let origin = url.origin();
        if self.entries.iter().any(|(o, _)| *o == origin) {
            return;
        }
        let found = from_userinfo(url)
            .or_else(|| netrc.and_then(|n| url.host_str().and_then(|h| n.lookup(h))))
            .or_else(|| fallback.cloned());
        if let Some(credentials) = found {
            self.entries.push((origin, credentials));
        }
    }

    /// The credentials for the origin of `url`, if any.
    pub fn for_url(&self, url: &Url) -> Option<&Credentials> {
        let origin = url.origin();
        self.entries
            .iter()
            .find(|(o, _)| *o == origin)
            .map(|(_, c)| c)
    }
}

/// `PROVCHECK_INDEX_USERNAME` / `PROVCHECK_INDEX_PASSWORD`, when either is set.
pub(crate) fn from_env() -> Option<Credentials> {
    let username = std::env::var("PROVCHECK_INDEX_USERNAME").ok();
    let password = std::env::var("PROVCHECK_INDEX_PASSWORD").ok();
    if username.is_none() && password.is_none() {
        return None;
    }
    Some(Credentials {
        username: username.unwrap_or_default(),
        password: password.unwrap_or_default(),
    })
}

fn from_userinfo(url: &Url) -> Option<Credentials> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    Some(Credentials {
        username: percent_decode(url.username()),
        password: percent_decode(url.password().unwrap_or("")),
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The entries of a `.netrc` file that carry a login or password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Netrc {
    /// `(machine, credentials)`; `None` is the `default` entry.
    entries: Vec<(Option<String>, Credentials)>,
}

impl Netrc {
    /// Reads `$NETRC`, else `~/.netrc`. A missing or unreadable file is no netrc: pip and
    /// curl treat it the same way.
    pub fn load() -> Option<Netrc> {
        let path = match std::env::var_os("NETRC") {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => std::env::home_dir()?.join(".netrc"),
        };
        let text = std::fs::read_to_string(path).ok()?;
        Some(Netrc::parse(&text))
    }

    /// Parses the netrc format: `machine NAME login USER password PASS [account X]`
    /// entries in any layout, a `default` entry, `macdef` blocks (skipped up to the next
    /// empty line), `#` comments, and double-quoted tokens with backslash escapes.
    pub fn parse(text: &str) -> Netrc {
        let tokens = tokenize(text);
        let mut entries = Vec::new();
        let mut current: Option<(Option<String>, String, String)> = None;
        let mut i = 0;
        let flush = |current: &mut Option<(Option<String>, String, String)>,
                     entries: &mut Vec<(Option<String>, Credentials)>| {
            if let Some((machine, username, password)) = current.take() {
                entries.push((machine, Credentials { username, password }));
            }
        };
        while i < tokens.len() {
            match tokens[i].as_str() {
                "machine" => {
                    flush(&mut current, &mut entries);
                    let name = tokens.get(i + 1).cloned().unwrap_or_default();
                    current = Some((Some(name), String::new(), String::new()));
                    i += 2;
                }
                "default" => {
                    flush(&mut current, &mut entries);
                    current = Some((None, String::new(), String::new()));
                    i += 1;
                }
                "login" => {
                    if let (Some(entry), Some(value)) = (current.as_mut(), tokens.get(i + 1)) {
                        entry.1 = value.clone();
                    }
                    i += 2;
                }
                "password" => {
                    if let (Some(entry), Some(value)) = (current.as_mut(), tokens.get(i + 1)) {
                        entry.2 = value.clone();
                    }
                    i += 2;
                }
                "account" => i += 2,
                _ => i += 1,
            }
        }
        flush(&mut current, &mut entries);
        entries.retain(|(_, c)| !c.username.is_empty() || !c.password.is_empty());
        Netrc { entries }
    }

    /// The first entry for `host`, else the `default` entry.
    pub fn lookup(&self, host: &str) -> Option<Credentials> {
        let exact = self.entries.iter().find(|(machine, _)| {
            machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        });
        exact
            .or_else(|| self.entries.iter().find(|(machine, _)| machine.is_none()))
            .map(|(_, c)| c.clone())
    }
}

/// Splits netrc text into tokens, dropping comments and `macdef` bodies.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut in_macdef = false;
    for line in text.lines() {
        if in_macdef {
            // A macro body runs up to the first empty line.
            if line.trim().is_empty() {
                in_macdef = false;
            }
            continue;
        }
        let mut chars = line.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let Some(&first) = chars.peek() else { break };
            if first == '#' {
                break;
            }
            let mut token = String::new();
            if first == '"' {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => token.extend(chars.next()),
                        c => token.push(c),
                    }
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    if c == '\\' {
                        token.extend(chars.next());
                    } else {
                        token.push(c);
                    }
                }
            }
            if token == "macdef" {
                in_macdef = true;
                break;
            }
            tokens.push(token);
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(user: &str, password: &str) -> Credentials {
        Credentials {
            username: user.to_owned(),
            password: password.to_owned(),
        }
    }

    #[test]
    fn netrc_entries_in_any_layout() {
        let netrc = Netrc::parse(
            "# my indexes\n\
             machine idx.example login alice password s3cret\n\
             machine other.example\n  login bob\n  account ignored\n  password \"with space\"\n\
             macdef init\nmachine evil.example login mallory password nope\n\n\
             machine quoted.example login \"c\\\"d\" password p#notacomment\n\
             default login anonymous password guest\n",
        );
        assert_eq!(netrc.lookup("idx.example"), Some(creds("alice", "s3cret")));
        assert_eq!(netrc.lookup("IDX.example"), Some(creds("alice", "s3cret")));
        assert_eq!(
            netrc.lookup("other.example"),
            Some(creds("bob", "with space"))
        );
        assert_eq!(
            netrc.lookup("quoted.example"),
            Some(creds("c\"d", "p#notacomment"))
        );
        // Inside the macro body: not an entry.
        assert_eq!(
            netrc.lookup("evil.example"),
            Some(creds("anonymous", "guest"))
        );
        assert_eq!(
            netrc.lookup("unknown.example"),
            Some(creds("anonymous", "guest"))
        );
    }

    #[test]
    fn netrc_without_default_has_no_fallback() {
        let netrc = Netrc::parse("machine a.example login u password p");
        assert_eq!(netrc.lookup("a.example"), Some(creds("u", "p")));
        assert_eq!(netrc.lookup("b.example"), None);
        assert_eq!(Netrc::parse("").lookup("a.example"), None);
    }

    #[test]
    fn userinfo_is_percent_decoded_and_bound_to_its_origin() {
        let index = Url::parse("https://al%40ice:p%3Ass@idx.example/simple/").unwrap();
        let mut table = AuthTable::default();
        table.add(&index, None, None);
        let same_host = Url::parse("https://idx.example/files/a.whl").unwrap();
        assert_eq!(table.for_url(&same_host), Some(&creds("al@ice", "p:ss")));
        for other in [
            "https://files.example/a.whl",
            "http://idx.example/files/a.whl",
            "https://idx.example:8443/files/a.whl",
        ] {
            assert_eq!(table.for_url(&Url::parse(other).unwrap()), None, "{other}");
        }
    }

    #[test]
    fn userinfo_beats_netrc_beats_environment() {
        let netrc = Netrc::parse("machine idx.example login n password np");
        let env = creds("e", "ep");
        let mut table = AuthTable::default();
        table.add(
            &Url::parse("https://u:p@idx.example/simple/").unwrap(),
            Some(&netrc),
            Some(&env),
        );
        table.add(
            &Url::parse("https://idx2.example/simple/").unwrap(),
            Some(&netrc),
            Some(&env),
        );
        table.add(
            &Url::parse("https://idx.example/pypi/").unwrap(),
            None,
            None,
        );
        let get = |u: &str| table.for_url(&Url::parse(u).unwrap()).cloned();
        assert_eq!(get("https://idx.example/x"), Some(creds("u", "p")));
        assert_eq!(get("https://idx2.example/x"), Some(creds("e", "ep")));
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(
            format!("{:?}", creds("alice", "s3cret")),
            "Credentials(****)"
        );
    }
}
