//! A fake GitHub REST API on 127.0.0.1: the three endpoints provcheck's enrichment asks.
//!
//! - `GET /repos/{owner}/{repo}`: the repository, with its `default_branch`;
//! - `GET /repos/{owner}/{repo}/commits/{sha}/pulls`: the pull requests associated with a
//!   commit;
//! - `GET /repos/{owner}/{repo}/releases/tags/{tag}`: the release of a tag, or 404.
//!
//! Unknown repositories answer 404, as GitHub does. When a token is required
//! ([`FakeGitHub::require_token`]), requests without `Authorization: Bearer TOKEN` (or
//! `token TOKEN`) answer 401. Every request is logged ([`Request`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use crate::http::{self, Action, Response};
use crate::index::Request;

/// A pull request associated with a commit.
#[derive(Debug, Clone)]
pub struct FakePull {
    /// The pull request number.
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// When it was merged (RFC 3339), `None` when it was not.
    pub merged_at: Option<String>,
    /// The branch it targets.
    pub base: String,
}

impl FakePull {
    /// A pull request merged into `base` at `merged_at`.
    pub fn merged(number: u64, base: &str, merged_at: &str) -> FakePull {
        FakePull {
            number,
            state: "closed".to_owned(),
            merged_at: Some(merged_at.to_owned()),
            base: base.to_owned(),
        }
    }

    /// An open pull request into `base`.
    pub fn open(number: u64, base: &str) -> FakePull {
        FakePull {
            number,
            state: "open".to_owned(),
            merged_at: None,
            base: base.to_owned(),
        }
    }
}

#[derive(Default)]
struct Repository {
    default_branch: String,
    pulls: BTreeMap<String, Vec<FakePull>>,
    /// Tag → (created_at, published_at).
    releases: BTreeMap<String, (String, Option<String>)>,
}

#[derive(Default)]
struct State {
    base_url: String,
    repos: BTreeMap<String, Repository>,
    token: Option<String>,
    /// Every endpoint answers this status (rate limiting, outages).
    status: Option<u16>,
    log: Vec<Request>,
}

struct Shared {
    state: Mutex<State>,
}

/// A fake GitHub API, served until dropped.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    /// Serves until dropped.
    server: http::Server,
}

impl FakeGitHub {
    /// Starts the server on a free port of 127.0.0.1.
    pub fn start() -> FakeGitHub {
        let mut shared = None;
        let server = http::Server::start("fake-github", |addr| {
            let state = Arc::new(Shared {
                state: Mutex::new(State {
                    base_url: format!("http://{addr}"),
                    ..State::default()
                }),
            });
            shared = Some(Arc::clone(&state));
            move |request: Request| {
                let mut state = state.state.lock().unwrap_or_else(|e| e.into_inner());
                state.log.push(request.clone());
                Action::Respond(answer(&state, &request))
            }
        });
        FakeGitHub {
            shared: shared.expect("the handler was built"),
            server,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The API base URL, e.g. `http://127.0.0.1:PORT/` (what `PROVCHECK_GITHUB_API_URL`
    /// is set to).
    pub fn url(&self) -> String {
        format!("http://{}/", self.server.addr())
    }

    /// Adds the repository `owner/name` with its default branch.
    pub fn add_repo(&self, full_name: &str, default_branch: &str) {
        let mut state = self.state();
        let repo = state.repos.entry(full_name.to_owned()).or_default();
        repo.default_branch = default_branch.to_owned();
    }

    /// Associates pull requests with a commit of `owner/name`.
    pub fn set_pulls(&self, full_name: &str, sha: &str, pulls: Vec<FakePull>) {
        let mut state = self.state();
        let repo = state.repos.entry(full_name.to_owned()).or_default();
        repo.pulls.insert(sha.to_owned(), pulls);
    }

    /// Adds a published release for `tag` (times in RFC 3339).
    pub fn add_release(&self, full_name: &str, tag: &str, created_at: &str, published_at: &str) {
        let mut state = self.state();
        let repo = state.repos.entry(full_name.to_owned()).or_default();
        repo.releases.insert(
            tag.to_owned(),
            (created_at.to_owned(), Some(published_at.to_owned())),
        );
    }

    /// Answers 401 to requests that do not carry this token.
    pub fn require_token(&self, token: &str) {
        self.state().token = Some(token.to_owned());
    }

    /// Answers every request with this status (`None`: normal service again).
    pub fn fail_with(&self, status: Option<u16>) {
        self.state().status = status;
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state().log.clone()
    }
}

impl std::fmt::Debug for FakeGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGitHub")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        "application/json; charset=utf-8",
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn ok(value: &Value) -> Response {
    Response::json(200, "application/json; charset=utf-8", value)
}

fn answer(state: &State, request: &Request) -> Response {
    if let Some(status) = state.status {
        let response = error(status, "API rate limit exceeded");
        return if status == 403 || status == 429 {
            response
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", "1700000000")
        } else {
            response
        };
    }
    if let Some(token) = &state.token {
        let sent = request.header("authorization").unwrap_or("");
        let accepted = [format!("Bearer {token}"), format!("token {token}")];
        if !accepted.iter().any(|a| a == sent) {
            return error(401, "Bad credentials");
        }
    }
    let path = request.path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let base = &state.base_url;
    let (owner, name, rest) = match segments.as_slice() {
        ["repos", owner, name, rest @ ..] => (*owner, *name, rest),
        _ => return error(404, "Not Found"),
    };
    let full_name = format!("{owner}/{name}");
    let Some(repo) = state.repos.get(&full_name) else {
        return error(404, "Not Found");
    };
    let html = format!("https://github.com/{full_name}");
    match rest {
        [] => ok(&json!({
            "id": 1,
            "name": name,
            "full_name": full_name,
            "private": false,
            "html_url": html,
            "url": format!("{base}/repos/{full_name}"),
            "default_branch": repo.default_branch,
        })),
        ["commits", sha, "pulls"] => {
            let pulls: Vec<Value> = repo
                .pulls
                .get(*sha)
                .into_iter()
                .flatten()
                .map(|p| {
                    json!({
                        "number": p.number,
                        "state": p.state,
                        "html_url": format!("{html}/pull/{}", p.number),
                        "merged_at": p.merged_at,
                        "base": {"ref": p.base, "label": format!("{owner}:{}", p.base)},
                        "head": {"ref": format!("feature-{}", p.number)},
                    })
                })
                .collect();
            ok(&Value::Array(pulls))
        }
        ["releases", "tags", tag] => match repo.releases.get(&percent_decode(tag)) {
            Some((created_at, published_at)) => ok(&json!({
                "id": 7,
                "tag_name": tag,
                "name": tag,
                "html_url": format!("{html}/releases/tag/{tag}"),
                "draft": false,
                "prerelease": false,
                "created_at": created_at,
                "published_at": published_at,
            })),
            None => error(404, "Not Found"),
        },
        _ => error(404, "Not Found"),
    }
}

/// `%2F` and friends back to bytes (tags may hold `/`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
