//! The index client against the fake index of provcheck-testkit: no test touches the
//! network, except `real_pypi_over_tls`, which runs only with PROVCHECK_NETWORK_TESTS=1.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pep440_rs::Version;
use provcheck_index::{
    IndexClient, IndexConfig, IndexError, IndexFile, NoReporter, Reporter, RetryPolicy,
};
use provcheck_testkit::{FakeIndex, Fault};
use url::Url;

const WHEEL: &str = "demo_pkg-1.0-py3-none-any.whl";
const SDIST: &str = "demo_pkg-1.0.tar.gz";

fn wheel_bytes() -> Vec<u8> {
    (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect()
}

/// A fake index with Demo-Pkg 0.9 (yanked) and 1.0 (wheel and sdist).
fn demo_index() -> FakeIndex {
    let index = FakeIndex::start();
    index.publish(
        "Demo-Pkg",
        "0.9",
        "demo_pkg-0.9.tar.gz",
        b"old".to_vec(),
        "2023-05-01T10:00:00Z",
    );
    index.publish(
        "Demo-Pkg",
        "1.0",
        WHEEL,
        wheel_bytes(),
        "2024-01-02T03:04:05.678901Z",
    );
    index.publish(
        "Demo-Pkg",
        "1.0",
        SDIST,
        b"sdist".to_vec(),
        "2024-01-02T03:04:06Z",
    );
    index.yank("Demo-Pkg", "0.9", "broken build");
    index.set_provenance(
        WHEEL,
        serde_json::json!({"version": 1, "attestation_bundles": []}),
    );
    index.set_project_info(
        "Demo-Pkg",
        serde_json::json!({
            "project_urls": {"Source": "https://github.com/demo/demo-pkg"},
            "home_page": "https://demo.example",
            "summary": "A demo",
        }),
    );
    index
}

fn config_for(url: &str, cache: &Path) -> IndexConfig {
    IndexConfig {
        index_url: Url::parse(url).unwrap(),
        json_api_url: None,
        offline: false,
        timeout: Duration::from_secs(10),
        retries: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
        cache_dir: cache.to_owned(),
    }
}

fn client(index: &FakeIndex, cache: &Path) -> IndexClient {
    IndexClient::new(config_for(&index.simple_url(), cache)).unwrap()
}

fn offline_client(index: &FakeIndex, cache: &Path) -> IndexClient {
    IndexClient::new(IndexConfig {
        offline: true,
        ..config_for(&index.simple_url(), cache)
    })
    .unwrap()
}

fn v(text: &str) -> Version {
    Version::from_str(text).unwrap()
}

async fn file_named(client: &IndexClient, filename: &str) -> IndexFile {
    let files = client.files("demo-pkg").await.unwrap();
    files
        .files
        .into_iter()
        .find(|f| f.filename == filename)
        .unwrap()
}

fn paths(index: &FakeIndex) -> Vec<String> {
    index.requests().into_iter().map(|r| r.path).collect()
}

/// Every file under `dir`, temporary ones included.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test]
async fn files_lists_yanked_upload_time_and_provenance() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let files = client(&index, cache.path())
        .files("Demo_Pkg")
        .await
        .unwrap();

    assert_eq!(files.name, "demo-pkg");
    assert_eq!(files.versions, ["0.9", "1.0"]);
    assert_eq!(files.files.len(), 3);
    let old = &files.files[0];
    assert_eq!(old.yanked.as_deref(), Some("broken build"));
    assert_eq!(old.upload_time.as_deref(), Some("2023-05-01T10:00:00Z"));
    let wheel = &files.files[1];
    assert_eq!(wheel.filename, WHEEL);
    assert_eq!(wheel.yanked, None);
    assert_eq!(
        wheel.upload_time.as_deref(),
        Some("2024-01-02T03:04:05.678901Z")
    );
    assert_eq!(wheel.size, Some(400_000));
    assert_eq!(wheel.sha256.len(), 64);
    assert_eq!(wheel.url.as_str(), format!("{}/files/{WHEEL}", index.url()));
    let provenance = wheel.provenance.as_ref().expect("provenance listed");
    assert!(provenance.path().ends_with(&format!("{WHEEL}/provenance")));
    assert_eq!(files.files[2].provenance, None);

    // The name is normalized in the URL, and the JSON form was asked for.
    let requests = index.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/simple/demo-pkg/");
    assert!(
        requests[0]
            .header("accept")
            .unwrap()
            .starts_with("application/vnd.pypi.simple.v1+json")
    );
}

#[tokio::test]
async fn metadata_falls_back_to_the_project_document_when_per_version_is_404() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());

    let meta = client.metadata("demo-pkg", Some(&v("1.0"))).await.unwrap();
    assert_eq!(meta.name, "Demo-Pkg");
    assert_eq!(meta.version, "1.0");
    assert_eq!(
        meta.project_urls,
        [(
            "Source".to_owned(),
            "https://github.com/demo/demo-pkg".to_owned()
        )]
    );
    assert_eq!(meta.home_page.as_deref(), Some("https://demo.example"));
    assert_eq!(meta.summary.as_deref(), Some("A demo"));
    assert_eq!(meta.description, None);
    assert_eq!(meta.releases, ["0.9", "1.0"]);
    assert_eq!(
        paths(&index),
        ["/pypi/demo-pkg/1.0/json", "/pypi/demo-pkg/json"]
    );

    // Once the index has shown it lacks per-version documents, they are not asked again.
    index.clear_requests();
    let old = client.metadata("demo-pkg", Some(&v("0.9"))).await.unwrap();
    assert_eq!(
        old.version, "1.0",
        "the project document describes the latest release"
    );
    assert_eq!(paths(&index), ["/pypi/demo-pkg/json"]);
}

#[tokio::test]
async fn metadata_uses_per_version_documents_where_the_index_has_them() {
    let index = demo_index();
    index.set_per_version_json(true);
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());

    let meta = client.metadata("Demo.Pkg", Some(&v("0.9"))).await.unwrap();
    assert_eq!(meta.version, "0.9");
    assert!(
        meta.releases.is_empty(),
        "per-version documents have no releases"
    );
    assert_eq!(paths(&index), ["/pypi/demo-pkg/0.9/json"]);

    let latest = client.metadata("demo-pkg", None).await.unwrap();
    assert_eq!(latest.version, "1.0");
}

#[tokio::test]
async fn unknown_version_and_unknown_project() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());

    let err = client
        .metadata("demo-pkg", Some(&v("7.0")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, IndexError::VersionNotFound { version, .. } if version == "7.0"),
        "{err:?}"
    );
    assert!(err.to_string().contains("has no version 7.0"), "{err}");

    let err = client.files("no-such-project").await.unwrap_err();
    assert!(
        matches!(&err, IndexError::ProjectNotFound { project, .. } if project == "no-such-project"),
        "{err:?}"
    );
    assert!(err.to_string().contains(&index.simple_url()), "{err}");
    let err = client
        .metadata("no-such-project", Some(&v("1.0")))
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::ProjectNotFound { .. }), "{err:?}");

    // A name that would leave the URL path is refused before any request.
    index.clear_requests();
    let err = client.files("../admin").await.unwrap_err();
    assert!(matches!(err, IndexError::InvalidName { .. }), "{err:?}");
    assert!(index.requests().is_empty());
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn download_start(&self, filename: &str, total: Option<u64>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("start {filename} {total:?}"));
    }
    fn download_progress(&self, _filename: &str, bytes: u64) {
        self.0.lock().unwrap().push(format!("progress {bytes}"));
    }
    fn download_done(&self, filename: &str) {
        self.0.lock().unwrap().push(format!("done {filename}"));
    }
}

#[tokio::test]
async fn download_verifies_caches_and_a_second_download_makes_no_request() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());
    let wheel = file_named(&client, WHEEL).await;

    let reporter = Recorder::default();
    let path = client.download(&wheel, &reporter).await.unwrap();
    assert_eq!(path, client.cache().artifact_path(&wheel.sha256, WHEEL));
    assert!(path.starts_with(cache.path().join("artifacts-v1").join(&wheel.sha256[..2])));
    assert_eq!(std::fs::read(&path).unwrap(), wheel_bytes());
    let events = reporter.0.into_inner().unwrap();
    assert_eq!(
        events.first().unwrap(),
        &format!("start {WHEEL} Some(400000)")
    );
    assert_eq!(events[events.len() - 2], "progress 400000");
    assert_eq!(events.last().unwrap(), &format!("done {WHEEL}"));

    index.clear_requests();
    let again = client.download(&wheel, &NoReporter).await.unwrap();
    assert_eq!(again, path);
    assert!(
        index.requests().is_empty(),
        "cache hit: {:?}",
        paths(&index)
    );
    assert_eq!(client.cache().get(&wheel.sha256, WHEEL), Some(path));
    assert_eq!(
        files_under(cache.path())
            .iter()
            .filter(|p| p.to_string_lossy().contains(".part"))
            .count(),
        0
    );
}

#[tokio::test]
async fn a_digest_mismatch_never_leaves_a_file_in_the_cache() {
    let index = demo_index();
    index.corrupt_digest(WHEEL);
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());
    let wheel = file_named(&client, WHEEL).await;

    let err = client.download(&wheel, &NoReporter).await.unwrap_err();
    let IndexError::DigestMismatch {
        filename,
        expected,
        actual,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(filename, WHEEL);
    assert_eq!(expected, &wheel.sha256);
    assert_ne!(actual, expected);
    assert!(err.to_string().contains("not cached"), "{err}");
    assert!(files_under(&cache.path().join("artifacts-v1")).is_empty());
    assert_eq!(client.cache().get(&wheel.sha256, WHEEL), None);
    // Not retried: a wrong digest is a fact about the file, not a transient failure.
    assert_eq!(
        paths(&index)
            .iter()
            .filter(|p| p.starts_with("/files/"))
            .count(),
        1
    );
}

#[tokio::test]
async fn transient_faults_are_retried() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());

    index.fault("/simple/", Fault::Status(500), 1);
    index.fault("/simple/", Fault::DropConnection, 1);
    index.fault("/simple/", Fault::TruncateBody, 1);
    let files = client.files("demo-pkg").await.unwrap();
    assert_eq!(files.files.len(), 3);
    assert_eq!(paths(&index).len(), 4);

    index.clear_requests();
    index.fault("/pypi/", Fault::Status(503), 1);
    index.fault("/pypi/", Fault::TruncateBody, 1);
    client.metadata("demo-pkg", None).await.unwrap();
    assert_eq!(paths(&index).len(), 3);

    index.clear_requests();
    index.fault("/files/", Fault::TruncateBody, 1);
    index.fault("/files/", Fault::DropConnection, 1);
    index.fault("/files/", Fault::Status(502), 1);
    let wheel = files.files.iter().find(|f| f.filename == WHEEL).unwrap();
    let path = client.download(wheel, &NoReporter).await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), wheel_bytes());
    assert_eq!(paths(&index).len(), 4);
    assert_eq!(
        files_under(&cache.path().join("artifacts-v1")).len(),
        1,
        "no temporary file is left behind by the failed attempts"
    );
}

#[tokio::test]
async fn rate_limiting_honours_retry_after() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let config = IndexConfig {
        retries: RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            // Retry-After is capped at four times this: 1 s is honoured in full.
            max_delay: Duration::from_millis(500),
        },
        ..config_for(&index.simple_url(), cache.path())
    };
    let client = IndexClient::new(config).unwrap();
    index.fault(
        "/simple/",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    client.files("demo-pkg").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(paths(&index).len(), 2);
}

#[tokio::test]
async fn exhausted_retries_say_how_many_attempts_were_made() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());

    index.fault("/simple/", Fault::DropConnection, 100);
    let err = client.files("demo-pkg").await.unwrap_err();
    assert!(
        matches!(err, IndexError::Network { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("after 4 attempt(s)"), "{err}");
    assert_eq!(paths(&index).len(), 4);

    index.clear_requests();
    index.fault("/pypi/", Fault::Status(503), 100);
    let err = client.metadata("demo-pkg", None).await.unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::Http {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(paths(&index).len(), 4);
}

#[tokio::test]
async fn forbidden_says_the_version_may_have_been_removed_as_malicious() {
    let index = demo_index();
    index.forbid(&format!("/files/{WHEEL}"));
    index.forbid("/pypi/demo-pkg/1.0/");
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());
    let wheel = file_named(&client, WHEEL).await;

    index.clear_requests();
    let err = client.download(&wheel, &NoReporter).await.unwrap_err();
    assert!(
        matches!(&err, IndexError::Forbidden { url } if url.ends_with(WHEEL)),
        "{err:?}"
    );
    assert!(err.to_string().contains("removed as malicious"), "{err}");
    assert_eq!(paths(&index).len(), 1, "403 is not retried");

    let err = client
        .metadata("demo-pkg", Some(&v("1.0")))
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::Forbidden { .. }), "{err:?}");
}

#[tokio::test]
async fn offline_answers_from_the_caches_without_any_request() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let online = client(&index, cache.path());
    let wheel = file_named(&online, WHEEL).await;
    let downloaded = online.download(&wheel, &NoReporter).await.unwrap();
    let latest = online.metadata("demo-pkg", Some(&v("1.0"))).await.unwrap();

    index.clear_requests();
    let offline = offline_client(&index, cache.path());
    let files = offline.files("Demo-Pkg").await.unwrap();
    assert_eq!(
        files.files.iter().find(|f| f.filename == WHEEL),
        Some(&wheel)
    );
    assert_eq!(
        offline.metadata("demo-pkg", Some(&v("1.0"))).await.unwrap(),
        latest
    );
    assert_eq!(offline.metadata("demo-pkg", None).await.unwrap(), latest);
    assert_eq!(
        offline.download(&wheel, &NoReporter).await.unwrap(),
        downloaded
    );
    let err = offline
        .metadata("demo-pkg", Some(&v("3.0")))
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::VersionNotFound { .. }), "{err:?}");

    let sdist = files.files.iter().find(|f| f.filename == SDIST).unwrap();
    let err = offline.download(sdist, &NoReporter).await.unwrap_err();
    assert!(
        matches!(&err, IndexError::Offline { what, .. } if what.contains(SDIST)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("--offline: ") && message.contains("run once without --offline"),
        "{message}"
    );
    assert!(
        message.contains(&cache.path().display().to_string()),
        "{message}"
    );

    let err = offline.files("other-project").await.unwrap_err();
    assert!(
        matches!(&err, IndexError::Offline { what, .. } if what.contains("other-project")),
        "{err:?}"
    );
    let err = offline.metadata("other-project", None).await.unwrap_err();
    assert!(matches!(err, IndexError::Offline { .. }), "{err:?}");

    assert!(
        index.requests().is_empty(),
        "offline made requests: {:?}",
        paths(&index)
    );
}

#[tokio::test]
async fn online_runs_fetch_metadata_fresh() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());
    assert_eq!(client.files("demo-pkg").await.unwrap().files.len(), 3);
    index.publish(
        "Demo-Pkg",
        "1.1",
        "demo_pkg-1.1.tar.gz",
        b"new".to_vec(),
        "2024-02-01T00:00:00Z",
    );
    assert_eq!(client.files("demo-pkg").await.unwrap().files.len(), 4);
}

#[tokio::test]
async fn credentials_from_the_url_are_sent_as_basic_auth_and_never_shown() {
    const USER: &str = "alice-user";
    const PASSWORD: &str = "s3cret-Pa55";
    let index = demo_index();
    index.require_basic_auth(USER, PASSWORD);
    let cache = tempfile::tempdir().unwrap();
    let with_credentials = index
        .simple_url()
        .replace("http://", &format!("http://{USER}:{PASSWORD}@"));
    let client = IndexClient::new(config_for(&with_credentials, cache.path())).unwrap();

    let wheel = file_named(&client, WHEEL).await;
    client.metadata("demo-pkg", None).await.unwrap();
    client.download(&wheel, &NoReporter).await.unwrap();
    let requests = index.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some("Basic YWxpY2UtdXNlcjpzM2NyZXQtUGE1NQ=="),
            "{}",
            request.path
        );
        assert!(!request.path.contains(PASSWORD));
    }
    assert!(!wheel.url.as_str().contains(PASSWORD));
    assert!(!format!("{client:?}").contains(PASSWORD));
    let cached_metadata: String = files_under(&cache.path().join("index-v1"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(!cached_metadata.is_empty() && !cached_metadata.contains(PASSWORD));

    let mut errors = Vec::new();
    errors.push(client.files("no-such-project").await.unwrap_err());
    errors.push(
        client
            .metadata("demo-pkg", Some(&v("9.9")))
            .await
            .unwrap_err(),
    );
    index.forbid("/simple/forbidden/");
    errors.push(client.files("forbidden").await.unwrap_err());
    let wrong = with_credentials.replace(PASSWORD, "wrong-password");
    let wrong_client = IndexClient::new(config_for(&wrong, cache.path())).unwrap();
    errors.push(
        wrong_client
            .metadata("demo-pkg", Some(&v("1.0")))
            .await
            .unwrap_err(),
    );
    index.fault("/simple/", Fault::DropConnection, 100);
    errors.push(client.files("demo-pkg").await.unwrap_err());
    index.fault("/pypi/", Fault::Status(500), 100);
    errors.push(client.metadata("demo-pkg", None).await.unwrap_err());
    let offline = IndexClient::new(IndexConfig {
        offline: true,
        ..config_for(&with_credentials, cache.path())
    })
    .unwrap();
    errors.push(offline.files("never-fetched").await.unwrap_err());

    assert!(
        matches!(errors[2], IndexError::Forbidden { .. }),
        "{:?}",
        errors[2]
    );
    assert!(
        matches!(errors[3], IndexError::Unauthorized { .. }),
        "{:?}",
        errors[3]
    );
    for err in &errors {
        for shown in [format!("{err}"), format!("{err:?}")] {
            assert!(
                !shown.contains(PASSWORD) && !shown.contains(USER),
                "{shown}"
            );
            assert!(!shown.contains("wrong-password"), "{shown}");
        }
    }
    assert!(
        errors[0].to_string().contains("http://****@127.0.0.1"),
        "{}",
        errors[0]
    );
}

#[tokio::test]
async fn credentials_never_go_to_another_host() {
    let index = demo_index();
    index.require_basic_auth("alice", "s3cret");
    let elsewhere = FakeIndex::start();
    elsewhere.publish(
        "other",
        "1.0",
        "other-1.0.tar.gz",
        b"other".to_vec(),
        "2024-01-01T00:00:00Z",
    );
    let cache = tempfile::tempdir().unwrap();
    let url = index
        .simple_url()
        .replace("http://", "http://alice:s3cret@");
    let client = IndexClient::new(config_for(&url, cache.path())).unwrap();

    let mut file = file_named(&client, WHEEL).await;
    file.filename = "other-1.0.tar.gz".to_owned();
    file.url = Url::parse(&format!("{}/files/other-1.0.tar.gz", elsewhere.url())).unwrap();
    use sha2::Digest as _;
    file.sha256 = hex::encode(sha2::Sha256::digest(b"other"));
    file.size = Some(5);
    client.download(&file, &NoReporter).await.unwrap();
    let requests = elsewhere.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_downloads_of_one_file_do_not_corrupt_each_other() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());
    let wheel = file_named(&client, WHEEL).await;

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            let wheel = wheel.clone();
            tokio::spawn(async move { client.download(&wheel, &NoReporter).await })
        })
        .collect();
    for task in tasks {
        let path = task.await.unwrap().unwrap();
        assert_eq!(std::fs::read(path).unwrap(), wheel_bytes());
    }
    assert_eq!(files_under(&cache.path().join("artifacts-v1")).len(), 1);

    // Every request future can move between threads.
    let (a, b) = (client.clone(), client.clone());
    let files = tokio::spawn(async move { a.files("demo-pkg").await });
    let meta = tokio::spawn(async move { b.metadata("demo-pkg", Some(&v("1.0"))).await });
    assert_eq!(files.await.unwrap().unwrap().files.len(), 3);
    assert_eq!(meta.await.unwrap().unwrap().version, "1.0");
}

#[tokio::test]
async fn files_without_a_usable_digest_are_refused() {
    let index = demo_index();
    let cache = tempfile::tempdir().unwrap();
    let client = client(&index, cache.path());
    let mut wheel = file_named(&client, WHEEL).await;
    index.clear_requests();

    wheel.sha256 = String::new();
    let err = client.download(&wheel, &NoReporter).await.unwrap_err();
    assert!(matches!(err, IndexError::MissingDigest { .. }), "{err:?}");
    wheel.sha256 = "../../../etc".to_owned();
    let err = client.download(&wheel, &NoReporter).await.unwrap_err();
    assert!(matches!(err, IndexError::InvalidResponse { .. }), "{err:?}");
    assert!(index.requests().is_empty());
}

/// Proves TLS with the system trust store against the real PyPI. Run by hand:
/// `PROVCHECK_NETWORK_TESTS=1 cargo test -p provcheck-index real_pypi`.
#[tokio::test]
async fn real_pypi_over_tls() {
    if std::env::var_os("PROVCHECK_NETWORK_TESTS").is_none_or(|v| v != "1") {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let client = IndexClient::new(IndexConfig {
        cache_dir: cache.path().to_owned(),
        ..IndexConfig::default()
    })
    .unwrap();
    let files = client.files("requests").await.unwrap();
    assert_eq!(files.name, "requests");
    let wheel = files
        .files
        .iter()
        .find(|f| f.filename == "requests-2.32.3-py3-none-any.whl")
        .expect("requests 2.32.3 wheel listed");
    assert_eq!(wheel.sha256.len(), 64);
    assert!(wheel.upload_time.is_some());
    let meta = client
        .metadata("requests", Some(&v("2.32.3")))
        .await
        .unwrap();
    assert!(!meta.project_urls.is_empty());
    let path = client.download(wheel, &NoReporter).await.unwrap();
    assert!(path.is_file());
}
