//! The fake index: its public handle, its state, and the order in which a request meets
//! faults, authentication, 403s and finally the routes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::documents;
use crate::http::{self, Action, Response};
use crate::name::normalize;

/// A transient failure the fake index serves instead of a normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (e.g. 500, 502, 503).
    Status(u16),
    /// Answer `429 Too Many Requests` with a `Retry-After` of this many seconds.
    RateLimited {
        /// The value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// Read the request, then close the connection without answering.
    DropConnection,
    /// Send the normal answer's headers, with its full `Content-Length`, but only half of
    /// its body, then close the connection.
    TruncateBody,
}

/// One request the fake index received, as logged before it was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request target as sent: path and query string.
    pub path: String,
    /// Header names and values in the order received.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header with this name (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A fake package index on `127.0.0.1`, serving until dropped.
///
/// Every method takes `&self`: the state sits behind a mutex shared with the server thread,
/// so a test can change it between (or during) the requests of the code under test.
pub struct FakeIndex {
    shared: Arc<Shared>,
    /// Serves until dropped.
    server: http::Server,
}

pub(crate) struct Shared {
    state: Mutex<State>,
}

pub(crate) struct State {
    /// `http://127.0.0.1:PORT`, for the absolute URLs in documents.
    pub base_url: String,
    /// Projects by normalized name.
    pub projects: BTreeMap<String, Project>,
    pub per_version_json: bool,
    /// Filenames whose advertised sha256 is wrong.
    pub corrupt: HashSet<String>,
    /// PEP 740 provenance documents by filename.
    pub provenance: HashMap<String, serde_json::Value>,
    faults: Vec<FaultRule>,
    forbidden: Vec<String>,
    /// The exact `Authorization` value required, when authentication is on.
    auth: Option<String>,
    requests: Vec<Request>,
}

pub(crate) struct Project {
    /// The name as first published (the JSON API's `info.name`).
    pub display_name: String,
    /// Keys merged over the generated `info`.
    pub info: serde_json::Map<String, serde_json::Value>,
    /// In publication order.
    pub files: Vec<PublishedFile>,
    /// Yank reasons by version string.
    pub yanked: HashMap<String, String>,
}

pub(crate) struct PublishedFile {
    pub version: String,
    pub filename: String,
    pub content: Arc<Vec<u8>>,
    pub sha256: String,
    pub upload_time: String,
}

struct FaultRule {
    prefix: String,
    fault: Fault,
    remaining: usize,
}

impl FakeIndex {
    /// Starts the server on an ephemeral port of `127.0.0.1`.
    ///
    /// # Panics
    /// When no loopback port can be bound: the test cannot run at all then.
    pub fn start() -> FakeIndex {
        let mut shared = None;
        let server = http::Server::start("fake-index", |addr| {
            let state = Arc::new(Shared {
                state: Mutex::new(State {
                    base_url: format!("http://{addr}"),
                    projects: BTreeMap::new(),
                    per_version_json: false,
                    corrupt: HashSet::new(),
                    provenance: HashMap::new(),
                    faults: Vec::new(),
                    forbidden: Vec::new(),
                    auth: None,
                    requests: Vec::new(),
                }),
            });
            shared = Some(Arc::clone(&state));
            move |request| state.handle(request)
        });
        FakeIndex {
            shared: shared.expect("the handler was built"),
            server,
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The simple API base: `http://127.0.0.1:PORT/simple/`.
    pub fn simple_url(&self) -> String {
        format!("{}/simple/", self.url())
    }

    /// Publishes one file of a release.
    ///
    /// The file is served at `/files/<filename>`, listed on the simple page of the project
    /// and in the JSON API under `version`. Publishing a filename again replaces it.
    /// `upload_time` is RFC 3339 and is served as given.
    pub fn publish(
        &self,
        project: &str,
        version: &str,
        filename: &str,
        content: Vec<u8>,
        upload_time: &str,
    ) {
        let sha256 = hex::encode(Sha256::digest(&content));
        let mut state = self.state();
        let project = state.project_mut(project);
        project.files.retain(|f| f.filename != filename);
        project.files.push(PublishedFile {
            version: version.to_owned(),
            filename: filename.to_owned(),
            content: Arc::new(content),
            sha256,
            upload_time: upload_time.to_owned(),
        });
    }

    /// Merges the keys of `info` (a JSON object) over the JSON API's generated `info`
    /// (`project_urls`, `home_page`, `description`, `summary`, even `version`).
    ///
    /// Creates the project when it does not exist yet.
    ///
    /// # Panics
    /// When `info` is not a JSON object.
    pub fn set_project_info(&self, project: &str, info: serde_json::Value) {
        let serde_json::Value::Object(map) = info else {
            panic!("set_project_info takes a JSON object, got {info}");
        };
        let mut state = self.state();
        state.project_mut(project).info.extend(map);
    }

    /// Yanks every file of `version`, with `reason` (may be empty).
    pub fn yank(&self, project: &str, version: &str, reason: &str) {
        let mut state = self.state();
        state
            .project_mut(project)
            .yanked
            .insert(version.to_owned(), reason.to_owned());
    }

    /// Serves `/pypi/NAME/VERSION/json` when `true`. Off by default, like the mirror these
    /// tests were written against: it answers 404 there.
    pub fn set_per_version_json(&self, enabled: bool) {
        self.state().per_version_json = enabled;
    }

    /// Lists a PEP 740 provenance URL for `filename` in the simple API and serves
    /// `provenance` there (`/integrity/PROJECT/VERSION/FILENAME/provenance`).
    pub fn set_provenance(&self, filename: &str, provenance: serde_json::Value) {
        self.state()
            .provenance
            .insert(filename.to_owned(), provenance);
    }

    /// Serves `fault` to the next `times` requests whose path starts with `path_prefix`.
    ///
    /// Faults queue up: with several rules for matching prefixes, the oldest one that still
    /// has requests left applies. A fault comes before authentication, like a proxy's.
    pub fn fault(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.state().faults.push(FaultRule {
            prefix: path_prefix.to_owned(),
            fault,
            remaining: times,
        });
    }

    /// Answers 403 Forbidden, forever, to every request whose path starts with
    /// `path_prefix`, the way indexes answer for files removed as malicious.
    pub fn forbid(&self, path_prefix: &str) {
        self.state().forbidden.push(path_prefix.to_owned());
    }

    /// Advertises a wrong sha256 for `filename` in the simple API and the JSON API; the file
    /// itself is served unchanged.
    pub fn corrupt_digest(&self, filename: &str) {
        self.state().corrupt.insert(filename.to_owned());
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    /// Forgets the logged requests.
    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    /// From now on, answers 401 to any request without these basic-auth credentials.
    pub fn require_basic_auth(&self, user: &str, password: &str) {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.state().auth = Some(format!("Basic {token}"));
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }
}

impl std::fmt::Debug for FakeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeIndex")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take every later assertion down with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn handle(&self, request: Request) -> Action {
        let mut state = self.state();
        state.requests.push(request.clone());
        let path = documents::decode_path(request.path.split('?').next().unwrap_or("/"));

        if let Some(fault) = state.take_fault(&path) {
            return match fault {
                Fault::Status(status) => Action::Respond(Response::text(status, "injected fault")),
                Fault::RateLimited { retry_after_secs } => Action::Respond(
                    Response::text(429, "slow down")
                        .with_header("Retry-After", &retry_after_secs.to_string()),
                ),
                Fault::DropConnection => Action::Drop,
                Fault::TruncateBody => Action::Truncate(documents::route(&state, &request, &path)),
            };
        }
        if let Some(expected) = &state.auth
            && request.header("authorization") != Some(expected.as_str())
        {
            return Action::Respond(
                Response::text(401, "authentication required")
                    .with_header("WWW-Authenticate", "Basic realm=\"fake-index\""),
            );
        }
        if state
            .forbidden
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return Action::Respond(Response::text(403, "forbidden"));
        }
        Action::Respond(documents::route(&state, &request, &path))
    }
}

impl State {
    fn project_mut(&mut self, name: &str) -> &mut Project {
        self.projects
            .entry(normalize(name))
            .or_insert_with(|| Project {
                display_name: name.to_owned(),
                info: serde_json::Map::new(),
                files: Vec::new(),
                yanked: HashMap::new(),
            })
    }

    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let rule = self
            .faults
            .iter_mut()
            .find(|rule| rule.remaining > 0 && path.starts_with(&rule.prefix))?;
        rule.remaining -= 1;
        Some(rule.fault.clone())
    }
}
