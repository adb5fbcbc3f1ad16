//! Running the `git` program: a clean, predictable environment, credentials passed only
//! through environment config, and every line git prints scrubbed of secrets.
//!
//! libgit2 cannot make partial clones nor fetch from a promisor remote, so cloning and
//! fetching go through the command line; reading stays with git2.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use base64::Engine as _;

/// Receives the progress lines git prints while cloning and fetching, for a program that
/// shows them (on a terminal, say). Libraries never print; this is how they report.
pub trait GitProgress: Send + Sync {
    /// One line of git's output (`Receiving objects:  45% (…)`), already scrubbed of
    /// credentials. A line git rewrites in place arrives once per update.
    fn message(&self, line: &str) {
        let _ = line;
    }
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoGitProgress;

impl GitProgress for NoGitProgress {}

/// The variables of provcheck's own environment that git still sees: where programs and
/// the user's global config are (proxies, CA bundles live there), and how to reach the
/// network. Everything else, `GIT_DIR` and `GIT_CONFIG_*` included, is dropped, so what
/// git does depends on the arguments, not on the caller's shell.
const PASS_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "XDG_CONFIG_HOME",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    "CURL_CA_BUNDLE",
    // Windows needs these to start programs and find the user's profile.
    "SYSTEMROOT",
    "TEMP",
    "TMP",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "APPDATA",
    "LOCALAPPDATA",
    "PATHEXT",
    "COMSPEC",
];

/// The pass-through variables that may carry a password (`http://user:pass@proxy:8080`).
const PROXY_VARIABLES: &[&str] = &[
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// Where a GitHub token is looked for, in order.
const TOKEN_VARIABLES: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];

/// The longest line of git output kept. A longer line is replaced whole: cutting it
/// could cut a secret in two and leave half of it unscrubbed.
const MAX_LINE: usize = 16 * 1024;

/// How many final lines of git's output are kept for an error message.
const TAIL_LINES: usize = 20;

/// Strings that must never leave provcheck: they are replaced in every line git prints.
/// No `Debug` that shows them, so not even a panic message can.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

impl Secrets {
    /// Adds a secret; empty strings are ignored (they would match everywhere).
    pub(crate) fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if !secret.is_empty() && !self.0.contains(&secret) {
            self.0.push(secret);
        }
    }

    /// `line` with every secret replaced by `[redacted]`.
    pub(crate) fn scrub<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let mut line = Cow::Borrowed(line);
        for secret in &self.0 {
            if line.contains(secret.as_str()) {
                line = Cow::Owned(line.replace(secret.as_str(), "[redacted]"));
            }
        }
        line
    }
}

/// The environment and config of one git process. Deliberately not `Debug`: its config
/// may hold a token.
pub(crate) struct GitEnv {
    vars: Vec<(OsString, OsString)>,
    /// Config entries passed as `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`: they outrank
    /// every config file, and unlike `-c` they do not show in the process list.
    config: Vec<(String, String)>,
    secrets: Secrets,
}

impl GitEnv {
    /// The environment for a git process that talks to a remote at `scheme://host`,
    /// built from provcheck's own environment.
    pub(crate) fn from_process(scheme: &str, host: &str) -> GitEnv {
        GitEnv::new(scheme, host, |name| std::env::var_os(name))
    }

    /// The environment for a git process that talks to a remote at `scheme://host`;
    /// `lookup` reads provcheck's own environment.
    ///
    /// Only `scheme` is allowed as a transport, so a URL or config that names `ext::`
    /// (which runs a command) or ssh cannot make git do anything else. A GitHub token
    /// from `GITHUB_TOKEN` or `GH_TOKEN` is sent only to `https://github.com/`, as an
    /// HTTP header set through environment config: never on the command line (where `ps`
    /// shows it), never in a config file.
    pub(crate) fn new(
        scheme: &str,
        host: &str,
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> GitEnv {
        let mut vars: Vec<(OsString, OsString)> = PASS_THROUGH
            .iter()
            .filter_map(|name| lookup(name).map(|value| (OsString::from(name), value)))
            .collect();
        let mut secrets = Secrets::default();
        for name in PROXY_VARIABLES {
            let Some(value) = lookup(name).and_then(|value| value.into_string().ok()) else {
                continue;
            };
            if let Ok(proxy) = url::Url::parse(&value)
                && let Some(password) = proxy.password()
            {
                secrets.add(password);
            }
        }
        let fixed = [
            // Messages in English, so failures can be recognized and explained.
            ("LC_ALL", "C"),
            ("LANG", "C"),
            // Never wait for a password: a missing credential is an error, not a prompt.
            // An empty askpass is skipped, and the terminal prompt is off.
            ("GIT_TERMINAL_PROMPT", "0"),
            ("GIT_ASKPASS", ""),
            ("GIT_ALLOW_PROTOCOL", scheme),
            // A stalled connection fails after a minute instead of hanging forever.
            ("GIT_HTTP_LOW_SPEED_LIMIT", "1000"),
            ("GIT_HTTP_LOW_SPEED_TIME", "60"),
        ];
        vars.extend(
            fixed
                .iter()
                .map(|(name, value)| (OsString::from(name), OsString::from(value))),
        );

        let null_device = if cfg!(windows) { "NUL" } else { "/dev/null" };
        let mut config = vec![
            // No credential helper runs: a keychain or credential manager window must not
            // pop up during an unattended check. Tokens come from the environment only.
            ("credential.helper".to_owned(), String::new()),
            // No hook runs: `--repo PATH` may be someone else's repository.
            ("core.hooksPath".to_owned(), null_device.to_owned()),
            // Housekeeping after a fetch runs in the foreground: no git process outlives
            // provcheck or races the next run.
            ("gc.autoDetach".to_owned(), "false".to_owned()),
            ("maintenance.autoDetach".to_owned(), "false".to_owned()),
        ];
        if scheme == "https" && host == "github.com" {
            let token = TOKEN_VARIABLES
                .iter()
                .filter_map(|name| lookup(name).and_then(|value| value.into_string().ok()))
                .map(|value| value.trim().to_owned())
                .find(|value| !value.is_empty());
            if let Some(token) = token {
                let credential = format!("x-access-token:{token}");
                let encoded = base64::engine::general_purpose::STANDARD.encode(&credential);
                config.push((
                    "http.https://github.com/.extraheader".to_owned(),
                    format!("AUTHORIZATION: basic {encoded}"),
                ));
                secrets.add(token);
                secrets.add(credential);
                secrets.add(encoded);
            }
        }
        GitEnv {
            vars,
            config,
            secrets,
        }
    }

    /// Adds a config entry (outranking every config file).
    pub(crate) fn config(&mut self, key: &str, value: &str) {
        self.config.push((key.to_owned(), value.to_owned()));
    }

    /// Adds a string to scrub from git's output.
    pub(crate) fn secret(&mut self, secret: &str) {
        self.secrets.add(secret);
    }

    /// Every variable the process gets, config entries included.
    pub(crate) fn vars(&self) -> Vec<(OsString, OsString)> {
        let mut vars = self.vars.clone();
        vars.push((
            "GIT_CONFIG_COUNT".into(),
            self.config.len().to_string().into(),
        ));
        for (index, (key, value)) in self.config.iter().enumerate() {
            vars.push((format!("GIT_CONFIG_KEY_{index}").into(), key.into()));
            vars.push((format!("GIT_CONFIG_VALUE_{index}").into(), value.into()));
        }
        vars
    }

    /// What to scrub from git's output.
    pub(crate) fn secrets(&self) -> &Secrets {
        &self.secrets
    }
}

/// Why a git process failed.
#[derive(Debug)]
pub(crate) enum GitFailure {
    /// The program could not be started (or waited for).
    Spawn(io::Error),
    /// git exited unsuccessfully; its last lines of output, scrubbed.
    Exit {
        status: ExitStatus,
        tail: Vec<String>,
    },
}

/// Runs `program args…` with exactly `env`, feeding it `stdin` when given, and passes each
/// line it writes to stderr (scrubbed) to `progress`. Its stdout is discarded.
pub(crate) fn run(
    program: &Path,
    args: &[&OsStr],
    env: &GitEnv,
    stdin: Option<&[u8]>,
    progress: &dyn GitProgress,
) -> Result<(), GitFailure> {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(env.vars())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(GitFailure::Spawn)?;
    let input = child.stdin.take();
    let errors = child.stderr.take().expect("stderr is piped");
    let tail = std::thread::scope(|scope| {
        // Written from another thread so a git that talks before it has read all its
        // input cannot deadlock against us.
        if let (Some(mut pipe), Some(bytes)) = (input, stdin) {
            scope.spawn(move || {
                // A git that exits early closes the pipe; its exit status says why.
                let _ = pipe.write_all(bytes);
            });
        }
        read_lines(errors, env.secrets(), progress)
    });
    let status = child.wait().map_err(GitFailure::Spawn)?;
    if status.success() {
        Ok(())
    } else {
        Err(GitFailure::Exit { status, tail })
    }
}

/// Reads git's stderr to its end, splitting it into lines at `\n` and at the `\r` of
/// progress lines that update in place. Returns the last complete lines.
fn read_lines(mut pipe: impl Read, secrets: &Secrets, progress: &dyn GitProgress) -> Vec<String> {
    let mut lines = LineSplitter {
        secrets,
        progress,
        tail: VecDeque::new(),
        line: Vec::new(),
        overlong: false,
        carried: None,
    };
    let mut buffer = [0u8; 8192];
    loop {
        let read = match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        for &byte in &buffer[..read] {
            lines.push(byte);
        }
    }
    lines.push(b'\n');
    lines.tail.into()
}

struct LineSplitter<'a> {
    secrets: &'a Secrets,
    progress: &'a dyn GitProgress,
    tail: VecDeque<String>,
    line: Vec<u8>,
    overlong: bool,
    /// The last line ended by `\r`: if a `\n` follows at once, it was a complete line.
    carried: Option<String>,
}

impl LineSplitter<'_> {
    fn push(&mut self, byte: u8) {
        match byte {
            b'\r' => {
                self.carried = self.take_line();
                if let Some(text) = &self.carried {
                    self.progress.message(text);
                }
            }
            b'\n' => {
                let text = if self.line.is_empty() && !self.overlong {
                    self.carried.take()
                } else {
                    let text = self.take_line();
                    if let Some(text) = &text {
                        self.progress.message(text);
                    }
                    text
                };
                if let Some(text) = text {
                    if self.tail.len() == TAIL_LINES {
                        self.tail.pop_front();
                    }
                    self.tail.push_back(text);
                }
            }
            _ => {
                self.carried = None;
                if self.line.len() < MAX_LINE {
                    self.line.push(byte);
                } else {
                    self.overlong = true;
                }
            }
        }
    }

    /// The current line, trimmed and scrubbed; `None` when blank.
    fn take_line(&mut self) -> Option<String> {
        let text = if self.overlong {
            Some("[an overlong line of git output was left out]".to_owned())
        } else {
            let text = String::from_utf8_lossy(&self.line);
            let text = text.trim();
            (!text.is_empty()).then(|| self.secrets.scrub(text).into_owned())
        };
        self.line.clear();
        self.overlong = false;
        text
    }
}

/// The part of git's last lines that explains a failure: its `fatal:`/`error:` lines if
/// any, otherwise its last three lines.
pub(crate) fn summary(tail: &[String]) -> String {
    let errors: Vec<&str> = tail
        .iter()
        .map(String::as_str)
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            ["fatal:", "error:", "remote: error", "remote: fatal"]
                .iter()
                .any(|prefix| lower.starts_with(prefix))
        })
        .collect();
    let chosen: Vec<&str> = if errors.is_empty() {
        tail.iter()
            .rev()
            .take(3)
            .rev()
            .map(String::as_str)
            .collect()
    } else {
        errors.into_iter().rev().take(3).rev().collect()
    };
    if chosen.is_empty() {
        "git printed nothing".to_owned()
    } else {
        chosen.join(" / ")
    }
}

/// What the user can do about a failure git described as `summary`.
pub(crate) fn hint(summary: &str) -> &'static str {
    let lower = summary.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|needle| lower.contains(needle));
    if any(&["not our ref", "no such remote ref"]) {
        "the remote does not have that object: it is not part of the repository's published \
         history (rewritten, or never pushed); pass --repo with the path of a clone that has it"
    } else if any(&[
        "not found",
        "does not appear to be a git repository",
        "could not read username",
        "could not read password",
        "authentication failed",
        "terminal prompts disabled",
        "the requested url returned error: 401",
        "the requested url returned error: 403",
    ]) {
        "check that the repository exists and is public (for a private GitHub repository set \
         GITHUB_TOKEN), or pass --repo with the path of a clone"
    } else if any(&[
        "could not resolve",
        "failed to connect",
        "couldn't connect",
        "connection refused",
        "connection timed out",
        "operation timed out",
        "network is unreachable",
        "temporary failure in name resolution",
        "unable to access",
        "ssl",
        "tls",
    ]) {
        "check the network connection and proxy settings, use --offline if the repository is \
         already cached, or pass --repo with the path of a clone"
    } else if any(&["not allowed", "protocol"]) {
        "only https repositories can be fetched: pass --repo with the path of a clone"
    } else {
        "pass --repo with the path of a clone; if the cached clone is damaged, run \
         `provcheck cache clean`"
    }
}

/// A short description of an exit status for messages (`exit status 128`).
pub(crate) fn describe(status: &ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    const TOKEN: &str = "ghp_SECRETsecret0123456789";

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).map(OsString::from)
    }

    fn value(env: &GitEnv, name: &str) -> Option<String> {
        env.vars()
            .into_iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_string().unwrap())
    }

    fn config_value(env: &GitEnv, key: &str) -> Option<String> {
        env.config
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn token_goes_to_github_only_through_environment_config() {
        let env = GitEnv::new(
            "https",
            "github.com",
            lookup(&[
                ("GITHUB_TOKEN", TOKEN),
                ("PATH", "/usr/bin"),
                ("GIT_DIR", "/x"),
            ]),
        );
        let header = config_value(&env, "http.https://github.com/.extraheader").unwrap();
        let expected =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
        assert_eq!(header, format!("AUTHORIZATION: basic {expected}"));
        // Passed as GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n.
        let count: usize = value(&env, "GIT_CONFIG_COUNT").unwrap().parse().unwrap();
        let index = (0..count)
            .find(|i| {
                value(&env, &format!("GIT_CONFIG_KEY_{i}")).as_deref()
                    == Some("http.https://github.com/.extraheader")
            })
            .unwrap();
        assert_eq!(
            value(&env, &format!("GIT_CONFIG_VALUE_{index}")).unwrap(),
            header
        );
        // The raw token itself is in no variable, and the caller's git variables are gone.
        assert!(
            env.vars()
                .iter()
                .all(|(_, v)| !v.to_string_lossy().contains(TOKEN))
        );
        assert_eq!(value(&env, "GIT_DIR"), None);
        assert_eq!(value(&env, "PATH").as_deref(), Some("/usr/bin"));
        assert_eq!(value(&env, "GIT_TERMINAL_PROMPT").as_deref(), Some("0"));
        assert_eq!(value(&env, "GIT_ASKPASS").as_deref(), Some(""));
        assert_eq!(value(&env, "LC_ALL").as_deref(), Some("C"));
        assert_eq!(value(&env, "GIT_ALLOW_PROTOCOL").as_deref(), Some("https"));
        assert_eq!(config_value(&env, "credential.helper").as_deref(), Some(""));
    }

    #[test]
    fn gh_token_is_the_fallback_and_blank_tokens_are_ignored() {
        let env = GitEnv::new(
            "https",
            "github.com",
            lookup(&[("GITHUB_TOKEN", "  "), ("GH_TOKEN", TOKEN)]),
        );
        assert!(config_value(&env, "http.https://github.com/.extraheader").is_some());
        let env = GitEnv::new("https", "github.com", lookup(&[("GITHUB_TOKEN", "")]));
        assert!(config_value(&env, "http.https://github.com/.extraheader").is_none());
    }

    #[test]
    fn no_token_for_other_hosts_or_schemes() {
        for (scheme, host) in [
            ("https", "gitlab.com"),
            ("https", "github.com.evil.example"),
            ("http", "github.com"),
            ("file", ""),
        ] {
            let env = GitEnv::new(scheme, host, lookup(&[("GITHUB_TOKEN", TOKEN)]));
            assert!(
                env.config
                    .iter()
                    .all(|(key, _)| !key.contains("extraheader")),
                "{scheme}://{host}"
            );
            assert!(env.vars().iter().all(|(_, v)| {
                let v = v.to_string_lossy();
                !v.contains(TOKEN) && !v.contains("AUTHORIZATION")
            }));
        }
    }

    #[test]
    fn scrubber_removes_the_token_in_every_form() {
        let env = GitEnv::new("https", "github.com", lookup(&[("GH_TOKEN", TOKEN)]));
        let header = config_value(&env, "http.https://github.com/.extraheader").unwrap();
        let encoded = header.strip_prefix("AUTHORIZATION: basic ").unwrap();
        for line in [
            format!("fatal: bad token {TOKEN} here"),
            format!("x-access-token:{TOKEN}"),
            format!("> {header}"),
            format!("{TOKEN}{TOKEN}"),
        ] {
            let clean = env.secrets().scrub(&line);
            assert!(!clean.contains(TOKEN), "{clean}");
            assert!(!clean.contains(encoded), "{clean}");
            assert!(clean.contains("[redacted]"));
        }
        assert_eq!(env.secrets().scrub("nothing to see"), "nothing to see");
    }

    #[test]
    fn proxy_passwords_are_secrets() {
        let env = GitEnv::new(
            "https",
            "example.org",
            lookup(&[("https_proxy", "http://me:hunter2@proxy:8080")]),
        );
        assert_eq!(
            env.secrets()
                .scrub("proxy http://me:hunter2@proxy:8080 refused"),
            "proxy http://me:[redacted]@proxy:8080 refused"
        );
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);
    impl GitProgress for Recorder {
        fn message(&self, line: &str) {
            self.0.lock().unwrap().push(line.to_owned());
        }
    }

    #[test]
    fn lines_split_at_carriage_returns_and_keep_complete_ones() {
        let mut secrets = Secrets::default();
        secrets.add("s3cret");
        let progress = Recorder::default();
        let input: &[u8] = b"Receiving objects:  50% (1/2)\rReceiving objects: 100% (2/2), \
            done.\r\nfatal: token s3cret rejected\n\n";
        let tail = read_lines(input, &secrets, &progress);
        assert_eq!(
            progress.0.lock().unwrap().as_slice(),
            [
                "Receiving objects:  50% (1/2)",
                "Receiving objects: 100% (2/2), done.",
                "fatal: token [redacted] rejected"
            ]
        );
        assert_eq!(
            tail,
            [
                "Receiving objects: 100% (2/2), done.",
                "fatal: token [redacted] rejected"
            ]
        );
        assert_eq!(summary(&tail), "fatal: token [redacted] rejected");
    }

    #[test]
    fn overlong_lines_are_dropped_whole() {
        let mut secrets = Secrets::default();
        secrets.add("s3cret");
        let mut input = vec![b'a'; MAX_LINE - 3];
        input.extend_from_slice(b"s3cret\nshort\n");
        let tail = read_lines(input.as_slice(), &secrets, &NoGitProgress);
        assert_eq!(tail.len(), 2);
        assert!(!tail[0].contains("s3c"));
        assert_eq!(tail[1], "short");
    }

    #[test]
    fn hints_name_the_likely_cause() {
        assert!(
            hint("remote: Repository not found. / fatal: repository 'x' not found")
                .contains("public")
        );
        assert!(
            hint("fatal: unable to access 'x': Could not resolve host: github.com")
                .contains("network")
        );
        assert!(hint("fatal: transport 'ext' not allowed").contains("https"));
        assert!(hint("fatal: something else").contains("cache clean"));
        assert!(hint("fatal: remote error: upload-pack: not our ref 0123").contains("history"));
    }

    /// End to end through a real git: a secret in what git prints never reaches the
    /// progress sink nor the failure.
    #[test]
    fn secrets_in_git_output_are_scrubbed() {
        // A missing repository whose path holds the secret: git fails and prints the path.
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join(format!("provcheck-{TOKEN}"));
        let mut env = GitEnv::new("file", "", |name| std::env::var_os(name));
        env.secret(TOKEN);
        let progress = Recorder::default();
        let url = format!("file://{}", dir.display());
        let target = dir.join("clone");
        let args = [
            OsStr::new("clone"),
            OsStr::new("--bare"),
            OsStr::new("--"),
            OsStr::new(&url),
            target.as_os_str(),
        ];
        let failure = run(Path::new("git"), &args, &env, None, &progress).unwrap_err();
        let GitFailure::Exit { tail, .. } = failure else {
            panic!("git should run and fail: {failure:?}");
        };
        assert!(!tail.is_empty());
        assert!(tail.iter().all(|line| !line.contains(TOKEN)), "{tail:?}");
        assert!(
            tail.iter().any(|line| line.contains("[redacted]")),
            "{tail:?}"
        );
        let seen = progress.0.lock().unwrap();
        assert!(!seen.is_empty());
        assert!(seen.iter().all(|line| !line.contains(TOKEN)));
    }
}
