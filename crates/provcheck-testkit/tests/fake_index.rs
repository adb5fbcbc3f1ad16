//! The fake index, spoken to over raw HTTP/1.1 so that these tests depend on nothing but std.

use std::io::{Read, Write};
use std::net::TcpStream;

use provcheck_testkit::{FakeIndex, Fault};

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `None` when the server hung up without answering.
fn get(index: &FakeIndex, path: &str, headers: &[(&str, &str)]) -> Option<Answer> {
    let mut stream = TcpStream::connect(index.url().trim_start_matches("http://")).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: fake\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    })
}

const JSON: (&str, &str) = ("Accept", "application/vnd.pypi.simple.v1+json");

fn demo() -> FakeIndex {
    let index = FakeIndex::start();
    index.publish(
        "My.Pkg",
        "1.0",
        "my_pkg-1.0.tar.gz",
        b"sdist bytes".to_vec(),
        "2024-01-01T00:00:00Z",
    );
    index.publish(
        "My.Pkg",
        "1.0",
        "my_pkg-1.0-py3-none-any.whl",
        b"wheel".to_vec(),
        "2024-01-01T00:00:01Z",
    );
    index.publish(
        "My.Pkg",
        "0.9",
        "my_pkg-0.9.tar.gz",
        b"old".to_vec(),
        "2023-01-01T00:00:00Z",
    );
    index.publish(
        "My.Pkg",
        "2.0rc1",
        "my_pkg-2.0rc1.tar.gz",
        b"rc".to_vec(),
        "2024-06-01T00:00:00Z",
    );
    index
}

#[test]
fn urls() {
    let index = FakeIndex::start();
    assert!(index.url().starts_with("http://127.0.0.1:") && !index.url().ends_with('/'));
    assert_eq!(index.simple_url(), format!("{}/simple/", index.url()));
}

#[test]
fn simple_api_negotiates_json_and_html() {
    let index = demo();
    index.yank("my-pkg", "0.9", "bad");
    let answer = get(&index, "/simple/my-pkg/", &[JSON]).unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.head.contains("application/vnd.pypi.simple.v1+json"));
    let doc = answer.json();
    assert_eq!(doc["meta"]["api-version"], "1.1");
    assert_eq!(doc["name"], "my-pkg");
    assert_eq!(doc["versions"], serde_json::json!(["0.9", "1.0", "2.0rc1"]));
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    let sdist = &files[0];
    assert_eq!(sdist["filename"], "my_pkg-1.0.tar.gz");
    assert_eq!(
        sdist["url"],
        format!("{}/files/my_pkg-1.0.tar.gz", index.url())
    );
    assert_eq!(sdist["size"], 11);
    assert_eq!(sdist["upload-time"], "2024-01-01T00:00:00Z");
    assert_eq!(sdist["yanked"], false);
    assert_eq!(sdist["hashes"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(files[2]["yanked"], "bad");

    let html = get(&index, "/simple/my-pkg/", &[]).unwrap();
    assert!(html.head.contains("text/html"));
    let text = html.text();
    assert!(text.contains("my_pkg-1.0.tar.gz#sha256="), "{text}");
    assert!(text.contains("data-yanked=\"bad\""), "{text}");

    // Unnormalized names redirect, unknown projects are 404.
    let redirect = get(&index, "/simple/My.Pkg/", &[JSON]).unwrap();
    assert_eq!(redirect.status, 301);
    assert!(redirect.head.contains("Location: /simple/my-pkg/"));
    assert_eq!(get(&index, "/simple/nope/", &[JSON]).unwrap().status, 404);
    let root = get(&index, "/simple/", &[JSON]).unwrap().json();
    assert_eq!(root["projects"][0]["name"], "My.Pkg");
}

#[test]
fn json_api_project_and_per_version_documents() {
    let index = demo();
    index.set_project_info(
        "my_pkg",
        serde_json::json!({"project_urls": {"Source": "https://github.com/o/my-pkg"}, "summary": "s"}),
    );
    let doc = get(&index, "/pypi/my-pkg/json", &[]).unwrap().json();
    assert_eq!(doc["info"]["name"], "My.Pkg");
    assert_eq!(doc["info"]["version"], "1.0", "latest final release");
    assert_eq!(doc["info"]["summary"], "s");
    assert_eq!(
        doc["info"]["project_urls"]["Source"],
        "https://github.com/o/my-pkg"
    );
    assert_eq!(doc["releases"].as_object().unwrap().len(), 3);
    assert_eq!(doc["releases"]["1.0"].as_array().unwrap().len(), 2);
    assert_eq!(doc["urls"].as_array().unwrap().len(), 2);
    assert_eq!(doc["urls"][1]["packagetype"], "bdist_wheel");

    assert_eq!(
        get(&index, "/pypi/my-pkg/0.9/json", &[]).unwrap().status,
        404
    );
    index.set_per_version_json(true);
    let old = get(&index, "/pypi/My.Pkg/0.9/json", &[]).unwrap().json();
    assert_eq!(old["info"]["version"], "0.9");
    assert!(old.get("releases").is_none());
    assert_eq!(
        get(&index, "/pypi/my-pkg/5.0/json", &[]).unwrap().status,
        404
    );
    assert_eq!(get(&index, "/pypi/nope/json", &[]).unwrap().status, 404);
}

#[test]
fn files_digests_and_provenance() {
    let index = demo();
    let file = get(&index, "/files/my_pkg-1.0.tar.gz", &[]).unwrap();
    assert_eq!(file.body, b"sdist bytes");
    index.corrupt_digest("my_pkg-1.0.tar.gz");
    index.set_provenance("my_pkg-1.0.tar.gz", serde_json::json!({"version": 1}));
    let doc = get(&index, "/simple/my-pkg/", &[JSON]).unwrap().json();
    let sdist = &doc["files"][0];
    let advertised = sdist["hashes"]["sha256"].as_str().unwrap();
    use sha2::Digest as _;
    assert_ne!(
        advertised,
        hex::encode(sha2::Sha256::digest(b"sdist bytes"))
    );
    let provenance = sdist["provenance"].as_str().unwrap();
    let path = provenance.trim_start_matches(&index.url());
    assert_eq!(get(&index, path, &[]).unwrap().json()["version"], 1);
    assert!(doc["files"][1]["provenance"].is_null());
}

#[test]
fn faults_forbid_and_auth() {
    let index = demo();
    index.fault("/files/", Fault::Status(503), 1);
    index.fault(
        "/files/",
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        1,
    );
    index.fault("/files/", Fault::DropConnection, 1);
    index.fault("/files/", Fault::TruncateBody, 1);
    let path = "/files/my_pkg-1.0.tar.gz";
    assert_eq!(get(&index, path, &[]).unwrap().status, 503);
    let limited = get(&index, path, &[]).unwrap();
    assert_eq!(limited.status, 429);
    assert!(limited.head.contains("Retry-After: 7"));
    assert!(get(&index, path, &[]).is_none());
    let truncated = get(&index, path, &[]).unwrap();
    assert!(truncated.head.contains("Content-Length: 11"));
    assert_eq!(truncated.body, b"sdist");
    assert_eq!(get(&index, path, &[]).unwrap().body, b"sdist bytes");

    index.forbid("/files/my_pkg-0.9");
    assert_eq!(
        get(&index, "/files/my_pkg-0.9.tar.gz", &[]).unwrap().status,
        403
    );
    assert_eq!(
        get(&index, "/files/my_pkg-0.9.tar.gz", &[]).unwrap().status,
        403
    );

    index.require_basic_auth("u", "p");
    assert_eq!(get(&index, path, &[]).unwrap().status, 401);
    // base64("u:p")
    let ok = get(&index, path, &[("Authorization", "Basic dTpw")]).unwrap();
    assert_eq!(ok.status, 200);
}

#[test]
fn requests_are_logged_until_cleared() {
    let index = demo();
    get(&index, "/simple/my-pkg/?x=1", &[JSON]);
    let requests = index.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/simple/my-pkg/?x=1");
    assert_eq!(requests[0].header("ACCEPT"), Some(JSON.1));
    index.clear_requests();
    assert!(index.requests().is_empty());
}

#[test]
fn the_server_stops_on_drop() {
    let index = FakeIndex::start();
    let address = index.url().trim_start_matches("http://").to_owned();
    drop(index);
    assert!(TcpStream::connect(address).is_err());
}
