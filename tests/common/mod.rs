//! Test harness: git repositories, wheels and sdists built inside the test, and a way to
//! run the `provcheck` binary. Everything is deterministic (fixed times) so snapshots and
//! commit ids are stable.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use git2::{Oid, Repository, Signature, Time};
use sha2::{Digest, Sha256};

/// A temporary working area for one test.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A file of a commit or an artifact: path, content, executable.
#[derive(Clone)]
pub struct F {
    pub path: String,
    pub content: Vec<u8>,
    pub executable: bool,
}

pub fn f(path: &str, content: impl AsRef<[u8]>) -> F {
    F {
        path: path.to_owned(),
        content: content.as_ref().to_vec(),
        executable: false,
    }
}

pub fn exe(path: &str, content: impl AsRef<[u8]>) -> F {
    F {
        executable: true,
        ..f(path, content)
    }
}

/// A git repository built commit by commit from full file lists.
pub struct Repo {
    pub path: PathBuf,
    pub repo: Repository,
    clock: i64,
}

impl Repo {
    pub fn init(path: &Path) -> Self {
        let repo = Repository::init(path).expect("git init");
        Repo {
            path: path.to_owned(),
            repo,
            clock: 1_700_000_000,
        }
    }

    /// A repository other repositories can clone blobless from (`file://` remotes).
    pub fn init_remote(path: &Path) -> Self {
        let repo = Repo::init(path);
        repo.repo
            .config()
            .unwrap()
            .set_bool("uploadpack.allowFilter", true)
            .unwrap();
        repo
    }

    pub fn init_bare(path: &Path) -> Self {
        let repo = Repository::init_bare(path).expect("git init --bare");
        Repo {
            path: path.to_owned(),
            repo,
            clock: 1_700_000_000,
        }
    }

    fn signature(&mut self) -> Signature<'static> {
        self.clock += 3600;
        Signature::new("Dev", "dev@example.invalid", &Time::new(self.clock, 0)).unwrap()
    }

    /// Commits exactly `files` (a full snapshot) on HEAD.
    pub fn commit(&mut self, message: &str, files: &[F]) -> Oid {
        let entries: Vec<(String, Oid, i32)> = files
            .iter()
            .map(|file| {
                let blob = self.repo.blob(&file.content).unwrap();
                let mode = if file.executable { 0o100755 } else { 0o100644 };
                (file.path.clone(), blob, mode)
            })
            .collect();
        let tree_id = self.tree(&entries);
        self.commit_tree(message, tree_id)
    }

    /// Writes a tree from (path, object id, git file mode) entries, folders implied.
    pub fn tree(&self, entries: &[(String, Oid, i32)]) -> Oid {
        let mut here: Vec<(&str, Oid, i32)> = Vec::new();
        let mut folders: std::collections::BTreeMap<&str, Vec<(String, Oid, i32)>> =
            Default::default();
        for (path, id, mode) in entries {
            match path.split_once('/') {
                Some((folder, rest)) => {
                    folders
                        .entry(folder)
                        .or_default()
                        .push((rest.to_owned(), *id, *mode))
                }
                None => here.push((path, *id, *mode)),
            }
        }
        let mut builder = self.repo.treebuilder(None).unwrap();
        for (name, id, mode) in here {
            builder.insert(name, id, mode).unwrap();
        }
        for (folder, inner) in folders {
            let sub = self.tree(&inner);
            builder.insert(folder, sub, 0o040000).unwrap();
        }
        builder.write().unwrap()
    }

    /// Commits a tree id built by hand (symlinks, submodules).
    pub fn commit_tree(&mut self, message: &str, tree_id: Oid) -> Oid {
        let sig = self.signature();
        let tree = self.repo.find_tree(tree_id).unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    pub fn tag(&self, name: &str, commit: Oid) {
        let object = self.repo.find_object(commit, None).unwrap();
        self.repo.tag_lightweight(name, &object, false).unwrap();
    }

    pub fn tag_annotated(&mut self, name: &str, commit: Oid) {
        let sig = self.signature();
        let object = self.repo.find_object(commit, None).unwrap();
        self.repo
            .tag(name, &object, &sig, &format!("Release {name}"), false)
            .unwrap();
    }
}

/// The dist-info folder name of a wheel.
pub fn dist_info(name: &str, version: &str) -> String {
    format!("{}-{version}.dist-info", name.replace('-', "_"))
}

fn record_hash(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

pub fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: A test package\n\n")
}

/// Builds a pure wheel with correct METADATA, WHEEL and RECORD around `files`.
pub struct Wheel {
    pub name: String,
    pub version: String,
    pub files: Vec<F>,
    /// Extra `.dist-info` files (licenses, entry points).
    pub dist_info_files: Vec<F>,
    /// Replace the RECORD the builder would write.
    pub record_override: Option<String>,
    pub tag: String,
}

impl Wheel {
    pub fn new(name: &str, version: &str, files: &[F]) -> Self {
        Wheel {
            name: name.to_owned(),
            version: version.to_owned(),
            files: files.to_vec(),
            dist_info_files: Vec::new(),
            record_override: None,
            tag: "py3-none-any".to_owned(),
        }
    }

    pub fn filename(&self) -> String {
        format!(
            "{}-{}-{}.whl",
            self.name.replace('-', "_"),
            self.version,
            self.tag
        )
    }

    pub fn entries(&self) -> Vec<F> {
        let di = dist_info(&self.name, &self.version);
        let mut entries = self.files.clone();
        for file in &self.dist_info_files {
            entries.push(f(&format!("{di}/{}", file.path), &file.content));
        }
        entries.push(f(
            &format!("{di}/METADATA"),
            metadata(&self.name, &self.version),
        ));
        entries.push(f(
            &format!("{di}/WHEEL"),
            format!(
                "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {}\n\n",
                self.tag
            ),
        ));
        let record = match &self.record_override {
            Some(record) => record.clone(),
            None => {
                let mut record = String::new();
                for entry in &entries {
                    record.push_str(&format!(
                        "{},{},{}\n",
                        entry.path,
                        record_hash(&entry.content),
                        entry.content.len()
                    ));
                }
                record.push_str(&format!("{di}/RECORD,,\n"));
                record
            }
        };
        entries.push(f(&format!("{di}/RECORD"), record));
        entries
    }

    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join(self.filename());
        write_zip(&path, &self.entries());
        path
    }
}

pub fn write_zip(path: &Path, entries: &[F]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for entry in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(if entry.executable { 0o755 } else { 0o644 });
        zip.start_file(entry.path.as_str(), options).unwrap();
        zip.write_all(&entry.content).unwrap();
    }
    zip.finish().unwrap();
}

/// Builds an sdist (`.tar.gz`) with a `name-version/` top folder and a PKG-INFO.
pub struct Sdist {
    pub name: String,
    pub version: String,
    pub files: Vec<F>,
}

impl Sdist {
    pub fn new(name: &str, version: &str, files: &[F]) -> Self {
        Sdist {
            name: name.to_owned(),
            version: version.to_owned(),
            files: files.to_vec(),
        }
    }

    pub fn filename(&self) -> String {
        format!("{}-{}.tar.gz", self.name.replace('-', "_"), self.version)
    }

    pub fn entries(&self) -> Vec<F> {
        let mut entries = self.files.clone();
        entries.push(f("PKG-INFO", metadata(&self.name, &self.version)));
        entries
    }

    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join(self.filename());
        let top = format!("{}-{}", self.name.replace('-', "_"), self.version);
        write_tar_gz(&path, &top, &self.entries());
        path
    }
}

pub fn write_tar_gz(path: &Path, top: &str, entries: &[F]) {
    let file = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(entry.content.len() as u64);
        header.set_mode(if entry.executable { 0o755 } else { 0o644 });
        header.set_mtime(1_700_000_000);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(
            &mut header,
            format!("{top}/{}", entry.path),
            entry.content.as_slice(),
        )
        .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

/// What one run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `provcheck` with `args`, without colours.
pub fn provcheck(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_provcheck"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run provcheck");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `provcheck check ARTIFACTS --repo REPO --format json [EXTRA]`.
pub fn check_json(repo: &Path, artifacts: &[&Path], extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["check".into()];
    args.extend(artifacts.iter().map(|p| p.display().to_string()));
    args.extend([
        "--repo".into(),
        repo.display().to_string(),
        "--format".into(),
        "json".into(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    provcheck(&refs)
}

/// The codes of an artifact's findings, with their severities: `["critical startup-hook", …]`.
pub fn findings_of(report: &serde_json::Value, artifact: usize) -> Vec<String> {
    report["releases"][0]["artifacts"][artifact]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
                f["path"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

pub fn verdict_of(report: &serde_json::Value, artifact: usize) -> String {
    report["releases"][0]["artifacts"][artifact]["verdict"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A small but realistic project: `demo` with a src layout.
pub fn demo_source() -> Vec<F> {
    vec![
        f("README.md", "# demo\n\nA demo package.\n"),
        f("LICENSE", "MIT License\n\nCopyright (c) 2026 Demo\n"),
        f(
            "pyproject.toml",
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"demo\"\nversion = \"1.4.0\"\ndependencies = [\"requests>=2\"]\n",
        ),
        f(".github/workflows/ci.yml", "on: push\n"),
        f(
            "src/demo/__init__.py",
            "from .core import greet\n\n__all__ = [\"greet\"]\n",
        ),
        f(
            "src/demo/core.py",
            "def greet(name):\n    return f\"hello {name}\"\n\n\ndef farewell(name):\n    return f\"bye {name}\"\n",
        ),
        f("src/demo/py.typed", ""),
        f("src/demo/data/words.txt", "alpha\nbeta\n"),
        f(
            "tests/test_core.py",
            "from demo import greet\n\n\ndef test_greet():\n    assert greet('x') == 'hello x'\n",
        ),
    ]
}

/// The files of `demo_source()` that a wheel ships, at their wheel paths.
pub fn demo_wheel_files(source: &[F]) -> Vec<F> {
    source
        .iter()
        .filter_map(|file| {
            file.path.strip_prefix("src/").map(|p| F {
                path: p.to_owned(),
                ..file.clone()
            })
        })
        .collect()
}

/// The files of `demo_source()` an sdist ships (everything but CI config).
pub fn demo_sdist_files(source: &[F]) -> Vec<F> {
    source
        .iter()
        .filter(|file| !file.path.starts_with(".github/"))
        .cloned()
        .collect()
}

pub fn replace(files: &mut [F], path: &str, content: impl AsRef<[u8]>) {
    let file = files
        .iter_mut()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"));
    file.content = content.as_ref().to_vec();
}

// --- History and resolution helpers (tests/history.rs) ---

impl Repo {
    /// The time the next commit or annotated tag would get, minus one tick: the time of
    /// the last one made.
    pub fn now(&self) -> i64 {
        self.clock
    }

    /// Commits exactly `files` with `parent` as its parent, moving no ref (a commit only
    /// a tag or a side branch will reach).
    pub fn commit_detached(&mut self, message: &str, files: &[F], parent: Oid) -> Oid {
        let entries: Vec<(String, Oid, i32)> = files
            .iter()
            .map(|file| {
                let blob = self.repo.blob(&file.content).unwrap();
                let mode = if file.executable { 0o100755 } else { 0o100644 };
                (file.path.clone(), blob, mode)
            })
            .collect();
        let tree_id = self.tree(&entries);
        let sig = self.signature();
        let tree = self.repo.find_tree(tree_id).unwrap();
        let parent = self.repo.find_commit(parent).unwrap();
        self.repo
            .commit(None, &sig, &sig, message, &tree, &[&parent])
            .unwrap()
    }

    /// Points the lightweight tag `name` at `commit`, replacing it (a force-push).
    pub fn force_tag(&self, name: &str, commit: Oid) {
        let object = self.repo.find_object(commit, None).unwrap();
        self.repo.tag_lightweight(name, &object, true).unwrap();
    }
}

/// Unix seconds as RFC 3339 UTC, as an index reports upload times.
pub fn rfc3339(seconds: i64) -> String {
    provcheck_engine::timeline::format_time(seconds)
}

/// Runs `provcheck` with `args` in `dir` (relative input paths, SARIF locations), without
/// colours.
pub fn provcheck_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_provcheck"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run provcheck");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The lowercase hex sha256 of a file.
pub fn sha256_file(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A RECORD line for an installed file.
pub fn record_row(path: &str, content: &[u8]) -> String {
    format!("{path},{},{}\n", record_hash(content), content.len())
}

/// `wheel`'s entries with `headers` (`Requires-Dist: …\n` lines) added to METADATA and
/// RECORD written again to match.
pub fn wheel_entries_with_headers(wheel: &Wheel, headers: &str) -> Vec<F> {
    let di = dist_info(&wheel.name, &wheel.version);
    let mut entries: Vec<F> = wheel
        .entries()
        .into_iter()
        .filter(|e| e.path != format!("{di}/RECORD"))
        .collect();
    for entry in &mut entries {
        if entry.path == format!("{di}/METADATA") {
            let text = String::from_utf8(entry.content.clone()).unwrap();
            entry.content = format!("{}\n{headers}\n", text.trim_end()).into_bytes();
        }
    }
    with_record(&di, entries)
}

/// `entries` (without RECORD) plus a RECORD that lists them with correct hashes.
pub fn with_record(dist_info: &str, mut entries: Vec<F>) -> Vec<F> {
    let mut record = String::new();
    for entry in &entries {
        record.push_str(&format!(
            "{},{},{}\n",
            entry.path,
            record_hash(&entry.content),
            entry.content.len()
        ));
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));
    entries.push(f(&format!("{dist_info}/RECORD"), record));
    entries
}

/// The files of an artifact traced as `--explain` reports them: path → (status, source, rule).
pub fn traces(
    report: &serde_json::Value,
    artifact: usize,
) -> Vec<(String, String, String, String)> {
    report["releases"][0]["artifacts"][artifact]["files"]
        .as_array()
        .expect("run with --explain")
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or("-").to_owned();
            (s("path"), s("status"), s("source_path"), s("rule"))
        })
        .collect()
}

/// The findings of an artifact with the given code.
pub fn findings_with_code(
    report: &serde_json::Value,
    artifact: usize,
    code: &str,
) -> Vec<serde_json::Value> {
    report["releases"][0]["artifacts"][artifact]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .cloned()
        .collect()
}

/// Makes the blobless clone `provcheck` would have made of `key` (e.g.
/// `github.com/org/name`) in the cache at `cache`, fetching from `origin`: GitHub is
/// unreachable in tests, so discovery, incremental fetches and blobs on demand run
/// against a local remote.
pub fn seed_clone(cache: &Path, key: &str, origin: &str) {
    let target = cache.join("repos-v1").join(format!("{key}.git"));
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let status = Command::new("git")
        .args(["clone", "--quiet", "--bare", "--filter=blob:none", origin])
        .arg(&target)
        .status()
        .expect("git clone");
    assert!(status.success());
    // The mark provcheck leaves in the clones it makes (it keeps a tag ledger only there).
    std::fs::write(target.join(provcheck_source::CLONE_MARKER), "").unwrap();
}
