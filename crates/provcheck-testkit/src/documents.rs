//! The documents the fake index serves: simple API (JSON and HTML), JSON API, files.

use std::str::FromStr;

use pep440_rs::Version;
use serde_json::{Map, Value, json};

use crate::http::Response;
use crate::index::{Project, PublishedFile, Request, State};
use crate::name::normalize;

const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// Answers `request` for the already decoded `path` (query string removed).
pub(crate) fn route(state: &State, request: &Request, path: &str) -> Response {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["simple"] | ["simple", ""] => simple_root(state, request),
        ["simple", name] => Response::redirect(&format!("/simple/{}/", normalize(name))),
        ["simple", name, ""] if *name != normalize(name) => {
            Response::redirect(&format!("/simple/{}/", normalize(name)))
        }
        ["simple", name, ""] => match state.projects.get(*name) {
            Some(project) if wants_json(request) => simple_json(state, project),
            Some(project) => simple_html(state, project),
            None => not_found(),
        },
        ["pypi", name, "json"] => match state.projects.get(&normalize(name)) {
            Some(project) => Response::json(200, "application/json", &project_json(state, project)),
            None => not_found(),
        },
        ["pypi", name, version, "json"] if state.per_version_json => {
            match state.projects.get(&normalize(name)) {
                Some(project) => match version_json(state, project, version) {
                    Some(doc) => Response::json(200, "application/json", &doc),
                    None => not_found(),
                },
                None => not_found(),
            }
        }
        ["files", filename] => match find_file(state, filename) {
            Some((_, file)) => {
                Response::new(200, "application/octet-stream", file.content.to_vec())
            }
            None => not_found(),
        },
        ["integrity", _, _, filename, "provenance"] => match state.provenance.get(*filename) {
            Some(doc) => Response::json(200, "application/json", doc),
            None => not_found(),
        },
        _ => not_found(),
    }
}

/// Percent-decodes a request path; invalid escapes are kept as they are.
pub(crate) fn decode_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
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

fn not_found() -> Response {
    Response::text(404, "not found")
}

fn wants_json(request: &Request) -> bool {
    request
        .header("accept")
        .is_some_and(|accept| accept.contains(SIMPLE_JSON))
}

fn simple_root(state: &State, request: &Request) -> Response {
    if wants_json(request) {
        let projects: Vec<Value> = state
            .projects
            .values()
            .map(|p| json!({ "name": p.display_name }))
            .collect();
        let doc = json!({ "meta": { "api-version": "1.1" }, "projects": projects });
        return Response::json(200, SIMPLE_JSON, &doc);
    }
    let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
    for (normalized, project) in &state.projects {
        html.push_str(&format!(
            "<a href=\"/simple/{normalized}/\">{}</a><br/>\n",
            escape(&project.display_name)
        ));
    }
    html.push_str("</body></html>\n");
    Response::new(200, "text/html; charset=utf-8", html.into_bytes())
}

fn simple_json(state: &State, project: &Project) -> Response {
    let files: Vec<Value> = project
        .files
        .iter()
        .map(|file| {
            let yanked = match project.yanked.get(&file.version) {
                None => Value::Bool(false),
                Some(reason) if reason.is_empty() => Value::Bool(true),
                Some(reason) => Value::String(reason.clone()),
            };
            json!({
                "filename": file.filename,
                "url": file_url(state, file),
                "hashes": { "sha256": advertised_sha256(state, file) },
                "requires-python": null,
                "core-metadata": false,
                "size": file.content.len(),
                "upload-time": file.upload_time,
                "yanked": yanked,
                "provenance": provenance_url(state, project, file),
            })
        })
        .collect();
    let doc = json!({
        "meta": { "api-version": "1.1" },
        "name": normalize(&project.display_name),
        "files": files,
        "versions": sorted_versions(project),
    });
    Response::json(200, SIMPLE_JSON, &doc)
}

fn simple_html(state: &State, project: &Project) -> Response {
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\">\
         <title>Links for {0}</title></head><body><h1>Links for {0}</h1>\n",
        escape(&project.display_name)
    );
    for file in &project.files {
        let mut attributes = String::new();
        if let Some(reason) = project.yanked.get(&file.version) {
            attributes.push_str(&format!(" data-yanked=\"{}\"", escape(reason)));
        }
        if let Value::String(url) = provenance_url(state, project, file) {
            attributes.push_str(&format!(" data-provenance=\"{}\"", escape(&url)));
        }
        html.push_str(&format!(
            "<a href=\"{}#sha256={}\"{attributes}>{}</a><br/>\n",
            escape(&file_url(state, file)),
            advertised_sha256(state, file),
            escape(&file.filename)
        ));
    }
    html.push_str("</body></html>\n");
    Response::new(200, "text/html; charset=utf-8", html.into_bytes())
}

fn project_json(state: &State, project: &Project) -> Value {
    let latest = latest_version(project);
    let mut releases = Map::new();
    for version in sorted_versions(project) {
        let files: Vec<Value> = files_of(project, &version)
            .map(|f| json_api_file(state, project, f))
            .collect();
        releases.insert(version, Value::Array(files));
    }
    let urls: Vec<Value> = latest
        .as_deref()
        .map(|v| {
            files_of(project, v)
                .map(|f| json_api_file(state, project, f))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "info": info(project, latest.as_deref().unwrap_or("")),
        "last_serial": 1,
        "releases": releases,
        "urls": urls,
        "vulnerabilities": [],
    })
}

fn version_json(state: &State, project: &Project, requested: &str) -> Option<Value> {
    let version = sorted_versions(project)
        .into_iter()
        .find(|v| same_version(v, requested))?;
    let urls: Vec<Value> = files_of(project, &version)
        .map(|f| json_api_file(state, project, f))
        .collect();
    // Like PyPI today, the per-version document has no `releases`.
    Some(json!({
        "info": info(project, &version),
        "last_serial": 1,
        "urls": urls,
        "vulnerabilities": [],
    }))
}

fn info(project: &Project, version: &str) -> Value {
    let mut info = json!({
        "name": project.display_name,
        "version": version,
        "summary": "",
        "description": "",
        "home_page": "",
        "project_urls": null,
        "requires_python": "",
        "yanked": project.yanked.contains_key(version),
        "yanked_reason": project.yanked.get(version),
    });
    let map = info.as_object_mut().expect("built as an object");
    for (key, value) in &project.info {
        map.insert(key.clone(), value.clone());
    }
    info
}

fn json_api_file(state: &State, project: &Project, file: &PublishedFile) -> Value {
    let wheel = file.filename.ends_with(".whl");
    let python_version = if wheel {
        file.filename.rsplit('-').nth(2).unwrap_or("py3")
    } else {
        "source"
    };
    let reason = project.yanked.get(&file.version);
    json!({
        "filename": file.filename,
        "url": file_url(state, file),
        "digests": { "sha256": advertised_sha256(state, file) },
        "size": file.content.len(),
        "packagetype": if wheel { "bdist_wheel" } else { "sdist" },
        "python_version": python_version,
        "requires_python": null,
        "upload_time": file.upload_time.get(..19).unwrap_or(&file.upload_time),
        "upload_time_iso_8601": file.upload_time,
        "yanked": reason.is_some(),
        "yanked_reason": reason.filter(|r| !r.is_empty()),
    })
}

fn files_of<'a>(project: &'a Project, version: &'a str) -> impl Iterator<Item = &'a PublishedFile> {
    project.files.iter().filter(move |f| f.version == version)
}

fn find_file<'a>(state: &'a State, filename: &str) -> Option<(&'a Project, &'a PublishedFile)> {
    state.projects.values().find_map(|project| {
        project
            .files
            .iter()
            .find(|f| f.filename == filename)
            .map(|f| (project, f))
    })
}

fn file_url(state: &State, file: &PublishedFile) -> String {
    format!("{}/files/{}", state.base_url, file.filename)
}

fn provenance_url(state: &State, project: &Project, file: &PublishedFile) -> Value {
    if state.provenance.contains_key(&file.filename) {
        Value::String(format!(
            "{}/integrity/{}/{}/{}/provenance",
            state.base_url,
            normalize(&project.display_name),
            file.version,
            file.filename
        ))
    } else {
        Value::Null
    }
}

fn advertised_sha256(state: &State, file: &PublishedFile) -> String {
    if state.corrupt.contains(&file.filename) {
        // A well-formed digest of something else, as a tampered index would serve.
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(format!("corrupt:{}", file.sha256)))
    } else {
        file.sha256.clone()
    }
}

/// Distinct versions with files, ascending by PEP 440 (unparseable ones first, by string).
fn sorted_versions(project: &Project) -> Vec<String> {
    let mut versions: Vec<String> = Vec::new();
    for file in &project.files {
        if !versions.contains(&file.version) {
            versions.push(file.version.clone());
        }
    }
    versions.sort_by_cached_key(|v| (Version::from_str(v).ok(), v.clone()));
    versions
}

/// What PyPI calls the latest: the highest final release that is not yanked, falling back
/// to the highest version at all.
fn latest_version(project: &Project) -> Option<String> {
    let versions = sorted_versions(project);
    versions
        .iter()
        .rev()
        .find(|v| {
            !project.yanked.contains_key(*v)
                && Version::from_str(v).is_ok_and(|v| !v.any_prerelease())
        })
        .or_else(|| versions.last())
        .cloned()
}

fn same_version(a: &str, b: &str) -> bool {
    match (Version::from_str(a), Version::from_str(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
