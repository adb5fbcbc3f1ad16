//! Reading index documents: PEP 691 JSON and PEP 503 HTML simple pages, JSON API documents.
//! Index documents are untrusted; anything unexpected is a clear error, never a panic.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use url::Url;

use crate::model::{IndexFile, ProjectFiles, ProjectMetadata};
use crate::redact::strip_credentials;

/// Reads a PEP 691 JSON simple page; `page` resolves relative URLs.
pub(crate) fn simple_json(body: &[u8], page: &Url) -> Result<ProjectFiles, String> {
    let doc: SimpleDoc = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    if let Some(version) = doc.meta.and_then(|m| m.api_version) {
        let major = version.split('.').next().unwrap_or("");
        if major != "1" {
            return Err(format!(
                "simple API version {version} (provcheck reads version 1.x)"
            ));
        }
    }
    let mut files = Vec::with_capacity(doc.files.len());
    for file in doc.files {
        let url = resolve(page, &file.url)?;
        let provenance = match file.provenance {
            Some(p) => Some(resolve(page, &p)?),
            None => None,
        };
        files.push(IndexFile {
            filename: file.filename,
            url,
            sha256: file
                .hashes
                .get("sha256")
                .map(|h| h.to_ascii_lowercase())
                .unwrap_or_default(),
            upload_time: file.upload_time,
            yanked: match file.yanked {
                Yanked::Flag(false) => None,
                Yanked::Flag(true) => Some(String::new()),
                Yanked::Reason(reason) => Some(reason),
            },
            size: file.size,
            provenance,
            requires_python: file.requires_python,
        });
    }
    Ok(ProjectFiles {
        name: doc.name,
        files,
        versions: doc.versions,
    })
}

/// Reads a PEP 503 HTML simple page: one anchor per file.
pub(crate) fn simple_html(body: &[u8], page: &Url, project: &str) -> Result<ProjectFiles, String> {
    let html = String::from_utf8_lossy(body);
    let mut files = Vec::new();
    for anchor in anchors(&html) {
        let Some(href) = anchor.attribute("href") else {
            continue;
        };
        let mut url = resolve(page, &href)?;
        let sha256 = url
            .fragment()
            .and_then(|f| f.strip_prefix("sha256="))
            .map(|h| h.to_ascii_lowercase())
            .unwrap_or_default();
        url.set_fragment(None);
        let text = anchor.text.trim();
        let filename = if text.is_empty() {
            url.path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or_default()
                .to_owned()
        } else {
            text.to_owned()
        };
        let provenance = match anchor.attribute("data-provenance") {
            Some(p) => Some(resolve(page, &p)?),
            None => None,
        };
        files.push(IndexFile {
            filename,
            url,
            sha256,
            upload_time: None,
            yanked: anchor.attribute("data-yanked"),
            size: None,
            provenance,
            requires_python: anchor.attribute("data-requires-python"),
        });
    }
    Ok(ProjectFiles {
        name: project.to_owned(),
        files,
        versions: Vec::new(),
    })
}

/// Reads a JSON API document (`/pypi/NAME/json` or `/pypi/NAME/VERSION/json`).
pub(crate) fn json_api(body: &[u8]) -> Result<ProjectMetadata, String> {
    let doc: JsonDoc = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let non_empty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    Ok(ProjectMetadata {
        name: doc.info.name,
        version: doc.info.version,
        project_urls: doc.info.project_urls.map(|p| p.0).unwrap_or_default(),
        home_page: non_empty(doc.info.home_page),
        description: non_empty(doc.info.description),
        summary: non_empty(doc.info.summary),
        releases: doc.releases.map(|r| r.0).unwrap_or_default(),
    })
}

/// Resolves a link of a page and drops any credentials in it: those are looked up per
/// origin, never carried in stored URLs.
fn resolve(page: &Url, link: &str) -> Result<Url, String> {
    let url = page
        .join(link)
        .map_err(|e| format!("invalid link {link:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("link with unsupported scheme {:?}", url.scheme()));
    }
    Ok(strip_credentials(&url))
}

#[derive(Deserialize)]
struct SimpleDoc {
    #[serde(default)]
    meta: Option<SimpleMeta>,
    name: String,
    files: Vec<SimpleFile>,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct SimpleMeta {
    #[serde(rename = "api-version", default)]
    api_version: Option<String>,
}

#[derive(Deserialize)]
struct SimpleFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: HashMap<String, String>,
    #[serde(rename = "requires-python", default)]
    requires_python: Option<String>,
    #[serde(default)]
    yanked: Yanked,
    #[serde(rename = "upload-time", default)]
    upload_time: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    provenance: Option<String>,
}

/// PEP 691: `false`, `true`, or the reason as a string (which means yanked).
#[derive(Deserialize)]
#[serde(untagged)]
enum Yanked {
    Flag(bool),
    Reason(String),
}

impl Default for Yanked {
    fn default() -> Self {
        Yanked::Flag(false)
    }
}

#[derive(Deserialize)]
struct JsonDoc {
    info: JsonInfo,
    #[serde(default)]
    releases: Option<OrderedKeys>,
}

#[derive(Deserialize)]
struct JsonInfo {
    name: String,
    version: String,
    #[serde(default)]
    project_urls: Option<OrderedStrings>,
    #[serde(default)]
    home_page: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    summary: Option<String>,
}

/// The keys of a JSON object in document order (serde_json's `Value` would sort them).
struct OrderedKeys(Vec<String>);

/// The string members of a JSON object in document order; other values are skipped.
struct OrderedStrings(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = OrderedKeys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(OrderedKeys(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

impl<'de> Deserialize<'de> for OrderedStrings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = OrderedStrings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if let serde_json::Value::String(value) = value {
                        pairs.push((key, value));
                    }
                }
                Ok(OrderedStrings(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// One `<a …>text</a>` of an HTML page, attributes unescaped.
struct Anchor {
    attributes: Vec<(String, String)>,
    text: String,
}

impl Anchor {
    fn attribute(&self, name: &str) -> Option<String> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

/// The anchors of a simple page. Not a general HTML parser: simple pages are flat lists of
/// anchors, and that is all this reads.
fn anchors(html: &str) -> Vec<Anchor> {
    let lower = html.to_ascii_lowercase();
    let mut anchors = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<a").map(|i| i + pos) {
        let after = start + 2;
        // `<abbr>` and the like are not anchors.
        if !lower[after..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>') {
            pos = after;
            continue;
        }
        let Some(tag_end) = find_tag_end(html, after) else {
            break;
        };
        let attributes = parse_attributes(&html[after..tag_end]);
        let text_start = tag_end + 1;
        let text_end = lower[text_start..]
            .find("</a")
            .map_or(html.len(), |i| i + text_start);
        anchors.push(Anchor {
            attributes,
            text: unescape(&html[text_start..text_end]),
        });
        pos = text_end;
    }
    anchors
}

/// The `>` closing a tag, skipping quoted attribute values.
fn find_tag_end(html: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

fn parse_attributes(tag: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    let mut chars = tag.trim_end_matches('/').chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            name.push(c);
        }
        if name.is_empty() {
            break;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.peek().copied() {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for c in chars.by_ref() {
                        if c == q {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                        value.push(c);
                    }
                }
            }
        }
        attributes.push((name.to_ascii_lowercase(), unescape(&value)));
    }
    attributes
}

/// Decodes the character references that appear in simple pages.
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://idx.example/simple/demo/").unwrap()
    }

    #[test]
    fn pep691_json_page() {
        let body = br#"{
          "meta": {"api-version": "1.1"},
          "name": "demo",
          "files": [
            {"filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz",
             "hashes": {"sha256": "ABCDEF", "md5": "x"}, "upload-time": "2024-01-02T03:04:05.123456Z",
             "yanked": "broken build", "size": 10, "requires-python": ">=3.9",
             "provenance": "https://idx.example/integrity/demo/1.0/demo-1.0.tar.gz/provenance"},
            {"filename": "demo-1.0-py3-none-any.whl", "url": "https://u:p@files.example/demo-1.0-py3-none-any.whl",
             "hashes": {}, "yanked": true},
            {"filename": "demo-1.1-py3-none-any.whl", "url": "https://files.example/demo-1.1-py3-none-any.whl",
             "hashes": {"sha256": "00"}}
          ],
          "versions": ["1.0", "1.1"]
        }"#;
        let files = simple_json(body, &page()).unwrap();
        assert_eq!(files.name, "demo");
        assert_eq!(files.versions, ["1.0", "1.1"]);
        let sdist = &files.files[0];
        assert_eq!(
            sdist.url.as_str(),
            "https://idx.example/files/demo-1.0.tar.gz"
        );
        assert_eq!(sdist.sha256, "abcdef");
        assert_eq!(sdist.yanked.as_deref(), Some("broken build"));
        assert_eq!(
            sdist.upload_time.as_deref(),
            Some("2024-01-02T03:04:05.123456Z")
        );
        assert_eq!(sdist.size, Some(10));
        assert_eq!(sdist.requires_python.as_deref(), Some(">=3.9"));
        assert!(sdist.provenance.is_some());
        let wheel = &files.files[1];
        assert_eq!(
            wheel.url.as_str(),
            "https://files.example/demo-1.0-py3-none-any.whl"
        );
        assert_eq!(wheel.sha256, "");
        assert_eq!(wheel.yanked.as_deref(), Some(""));
        assert_eq!(files.files[2].yanked, None);
    }

    #[test]
    fn unsupported_major_version_is_an_error() {
        let body = br#"{"meta": {"api-version": "2.0"}, "name": "demo", "files": []}"#;
        assert!(simple_json(body, &page()).unwrap_err().contains("2.0"));
    }

    #[test]
    fn pep503_html_page() {
        let body = br#"<!DOCTYPE html><html><body><h1>Links for demo</h1>
          <a href="../../files/demo-1.0.tar.gz#sha256=ABC123" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a><br/>
          <a data-yanked="" href='https://files.example/demo-1.0-py3-none-any.whl?a=1&amp;b=2#md5=00' >
             demo-1.0-py3-none-any.whl </a>
          <abbr>not an anchor</abbr>
          <a href="https://files.example/x/demo-2.0.tar.gz#sha256=ff" data-yanked="bad &amp; broken" data-provenance="/integrity/p"></a>
        </body></html>"#;
        let files = simple_html(body, &page(), "demo").unwrap();
        assert_eq!(files.files.len(), 3);
        let a = &files.files[0];
        assert_eq!(a.filename, "demo-1.0.tar.gz");
        assert_eq!(a.url.as_str(), "https://idx.example/files/demo-1.0.tar.gz");
        assert_eq!(a.sha256, "abc123");
        assert_eq!(a.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(a.yanked, None);
        let b = &files.files[1];
        assert_eq!(b.filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(
            b.url.as_str(),
            "https://files.example/demo-1.0-py3-none-any.whl?a=1&b=2"
        );
        assert_eq!(b.sha256, "");
        assert_eq!(b.yanked.as_deref(), Some(""));
        let c = &files.files[2];
        assert_eq!(c.filename, "demo-2.0.tar.gz");
        assert_eq!(c.yanked.as_deref(), Some("bad & broken"));
        assert_eq!(
            c.provenance.as_ref().unwrap().as_str(),
            "https://idx.example/integrity/p"
        );
    }

    #[test]
    fn json_api_keeps_document_order() {
        let body = br#"{"info": {"name": "Demo", "version": "1.1",
            "project_urls": {"Source": "https://github.com/o/demo", "Homepage": "https://demo.example", "Bad": null},
            "home_page": "", "description": "long", "summary": null},
          "releases": {"1.1": [], "0.9": [], "1.0": []}, "urls": []}"#;
        let meta = json_api(body).unwrap();
        assert_eq!(meta.name, "Demo");
        assert_eq!(meta.version, "1.1");
        assert_eq!(
            meta.project_urls,
            [
                ("Source".to_owned(), "https://github.com/o/demo".to_owned()),
                ("Homepage".to_owned(), "https://demo.example".to_owned())
            ]
        );
        assert_eq!(meta.home_page, None);
        assert_eq!(meta.description.as_deref(), Some("long"));
        assert_eq!(meta.summary, None);
        assert_eq!(meta.releases, ["1.1", "0.9", "1.0"]);
    }

    #[test]
    fn json_api_without_releases_or_urls() {
        let meta =
            json_api(br#"{"info": {"name": "d", "version": "1", "project_urls": null}}"#).unwrap();
        assert!(meta.releases.is_empty() && meta.project_urls.is_empty());
        assert!(json_api(b"<html>").is_err());
    }
}
