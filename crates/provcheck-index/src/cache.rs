//! The on-disk cache: artifacts by sha256, and the last metadata each index served (for
//! `--offline`). Every bucket carries a layout version in its name, so a layout change is a
//! new bucket, never a migration.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use url::Url;

use crate::IndexError;

const ARTIFACTS_BUCKET: &str = "artifacts-v1";
const METADATA_BUCKET: &str = "index-v1";

/// The content-addressed cache of downloaded artifacts, and the metadata cache beside it.
///
/// Layout under [`root`](Self::root):
/// - `artifacts-v1/<sha256[..2]>/<sha256>/<filename>`: a file is there only after its
///   digest was verified; the published filename is kept because readers parse it.
/// - `index-v1/<host>-<hash>/<kind>/<project>.json`: the last simple page (`simple`) and
///   JSON API document (`json`, `json-version/<project>/<version>.json`) each index served,
///   parsed; credentials are never part of it.
#[derive(Clone, Debug)]
pub struct ArtifactCache {
    root: PathBuf,
}

impl ArtifactCache {
    /// A cache rooted at `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        ArtifactCache { root }
    }

    /// `$PROVCHECK_CACHE_DIR`, else `$XDG_CACHE_HOME/provcheck`, else
    /// `~/.cache/provcheck` (relative `.provcheck-cache` when there is no home directory).
    pub fn default_root() -> PathBuf {
        if let Some(dir) = std::env::var_os("PROVCHECK_CACHE_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        // The XDG spec says to ignore relative values.
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
        {
            return dir.join("provcheck");
        }
        match std::env::home_dir() {
            Some(home) => home.join(".cache").join("provcheck"),
            None => PathBuf::from(".provcheck-cache"),
        }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the artifact with this digest and published name is (or would be) cached.
    /// `sha256` is lowercase hex.
    pub fn artifact_path(&self, sha256: &str, filename: &str) -> PathBuf {
        self.artifact_dir(sha256).join(filename)
    }

    /// The cached artifact, if present. `None` as well for a digest or file name that could
    /// not have been cached (not 64 hex digits, or a name with a path in it).
    pub fn get(&self, sha256: &str, filename: &str) -> Option<PathBuf> {
        if !is_sha256_hex(sha256) || !is_plain_filename(filename) {
            return None;
        }
        let path = self.artifact_path(&sha256.to_ascii_lowercase(), filename);
        path.is_file().then_some(path)
    }

    /// Deletes the buckets this crate owns (artifacts and index metadata) and returns the
    /// number of bytes freed. Anything else under the root (other caches, files the user put
    /// there) is left alone: the root may be a directory the user chose.
    pub fn clean(&self) -> io::Result<u64> {
        let mut freed = 0;
        for bucket in [ARTIFACTS_BUCKET, METADATA_BUCKET] {
            let dir = self.root.join(bucket);
            match std::fs::symlink_metadata(&dir) {
                Ok(_) => {
                    freed += size_of_tree(&dir)?;
                    std::fs::remove_dir_all(&dir)?;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        // Only succeeds when nothing else lives there.
        let _ = std::fs::remove_dir(&self.root);
        Ok(freed)
    }

    pub(crate) fn artifact_dir(&self, sha256: &str) -> PathBuf {
        self.root
            .join(ARTIFACTS_BUCKET)
            .join(sha256.get(..2).unwrap_or("__"))
            .join(sha256)
    }

    /// Where the metadata document of `kind` for a normalized project name, served from
    /// `base`, is cached. Different indexes on one host (devpi's `root/prod` and
    /// `root/dev`) get different folders through the hash of their base URL.
    pub(crate) fn metadata_path(&self, base: &Url, kind: &str, relative: &str) -> PathBuf {
        let host: String = base
            .host_str()
            .unwrap_or("local")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let host = match base.port() {
            Some(port) => format!("{host}_{port}"),
            None => host,
        };
        let digest = hex::encode(Sha256::digest(base.as_str().as_bytes()));
        self.root
            .join(METADATA_BUCKET)
            .join(format!("{host}-{}", &digest[..12]))
            .join(kind)
            .join(relative)
    }
}

/// A temporary file beside its destination (same file system, so the final rename is
/// atomic), with a name no other task or process uses, deleted on drop unless persisted.
pub(crate) struct TempFile {
    path: PathBuf,
    persisted: bool,
}

impl TempFile {
    pub fn new(dir: &Path, filename: &str) -> TempFile {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            ".{filename}.{}-{}-{nanos}.part",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        TempFile {
            path: dir.join(name),
            persisted: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file to `target`. Another process may have put the same content there
    /// first; that is fine, the content is identified by its digest.
    pub async fn persist(mut self, target: &Path) -> Result<(), IndexError> {
        match tokio::fs::rename(&self.path, target).await {
            Ok(()) => {
                self.persisted = true;
                Ok(())
            }
            Err(_) if target.is_file() => Ok(()),
            Err(e) => Err(IndexError::io("move into place", target, e)),
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers (and
/// concurrent runs) see the old document or the new one, never half of one.
pub(crate) async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let dir = path.parent().expect("cache paths have a parent");
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| IndexError::io("create directory", dir, e))?;
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = TempFile::new(dir, &filename);
    tokio::fs::write(temp.path(), bytes)
        .await
        .map_err(|e| IndexError::io("write", temp.path(), e))?;
    temp.persist(path).await
}

pub(crate) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A name that stays inside its cache directory.
pub(crate) fn is_plain_filename(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0', ':'])
}

fn size_of_tree(path: &Path) -> io::Result<u64> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_dir() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        total += size_of_tree(&entry?.path())?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn artifact_layout_is_versioned_and_content_addressed() {
        let cache = ArtifactCache::new(PathBuf::from("/c"));
        assert_eq!(
            cache.artifact_path(SHA, "a-1.0.tar.gz"),
            PathBuf::from(format!("/c/artifacts-v1/01/{SHA}/a-1.0.tar.gz"))
        );
    }

    #[test]
    fn get_rejects_what_could_escape_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(dir.path().to_owned());
        assert_eq!(cache.get("../../etc", "passwd"), None);
        assert_eq!(cache.get(SHA, "../x"), None);
        assert_eq!(cache.get(SHA, "a.whl"), None);
        let path = cache.artifact_path(SHA, "a.whl");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"x").unwrap();
        assert_eq!(cache.get(SHA, "a.whl"), Some(path));
    }

    #[test]
    fn clean_removes_only_owned_buckets() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let cache = ArtifactCache::new(root.clone());
        let artifact = cache.artifact_path(SHA, "a.whl");
        std::fs::create_dir_all(artifact.parent().unwrap()).unwrap();
        std::fs::write(&artifact, b"12345").unwrap();
        let meta = cache.metadata_path(
            &Url::parse("https://pypi.org/simple/").unwrap(),
            "simple",
            "a.json",
        );
        std::fs::create_dir_all(meta.parent().unwrap()).unwrap();
        std::fs::write(&meta, b"{}").unwrap();
        std::fs::create_dir_all(root.join("repos-v1")).unwrap();
        std::fs::write(root.join("repos-v1/keep"), b"keep").unwrap();

        assert_eq!(cache.clean().unwrap(), 7);
        assert!(!root.join("artifacts-v1").exists() && !root.join("index-v1").exists());
        assert!(root.join("repos-v1/keep").exists());
        assert_eq!(cache.clean().unwrap(), 0);
    }

    #[test]
    fn metadata_paths_separate_indexes_on_one_host() {
        let cache = ArtifactCache::new(PathBuf::from("/c"));
        let prod = cache.metadata_path(
            &Url::parse("https://devpi.example:3141/root/prod/simple/").unwrap(),
            "simple",
            "a.json",
        );
        let dev = cache.metadata_path(
            &Url::parse("https://devpi.example:3141/root/dev/simple/").unwrap(),
            "simple",
            "a.json",
        );
        assert_ne!(prod, dev);
        let shown = prod.to_string_lossy();
        assert!(
            shown.starts_with("/c/index-v1/devpi.example_3141-"),
            "{shown}"
        );
        assert!(shown.ends_with("/simple/a.json"), "{shown}");
    }

    #[test]
    fn filenames_that_stay_in_place() {
        assert!(is_plain_filename("flask-3.1.1-py3-none-any.whl"));
        for bad in ["", ".", "..", "../a", "a/b", "a\\b", ".hidden", "c:x"] {
            assert!(!is_plain_filename(bad), "{bad}");
        }
    }
}
