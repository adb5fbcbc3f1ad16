use std::fmt;

use sha1::{Digest, Sha1};
use sha2::Sha256;

/// A git object id (SHA-1) of a blob, compared bytewise.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobId(pub [u8; 20]);

impl BlobId {
    /// The blob id git would give `content`: SHA-1 of `blob <len>\0<content>`.
    pub fn for_content(content: &[u8]) -> BlobId {
        let mut hasher = Sha1::new();
        hasher.update(format!("blob {}\0", content.len()).as_bytes());
        hasher.update(content);
        BlobId(hasher.finalize().into())
    }

    /// Parses 40 hex digits.
    pub fn from_hex(hex_id: &str) -> Option<BlobId> {
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(hex_id, &mut bytes).ok()?;
        Some(BlobId(bytes))
    }

    /// The 40-digit lowercase hex form.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", self.to_hex())
    }
}

/// Both digests of one file's content, computed together.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileDigests {
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
    /// The git blob id of the content.
    pub blob_id: BlobId,
}

impl FileDigests {
    /// Hashes `content` once for each digest.
    pub fn of(content: &[u8]) -> FileDigests {
        FileDigests {
            sha256: Sha256::digest(content).into(),
            blob_id: BlobId::for_content(content),
        }
    }
}

/// Lowercase hex of a SHA-256 digest.
pub fn sha256_hex(digest: &[u8; 32]) -> String {
    hex::encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `git hash-object /dev/null` and `printf 'hello\n' | git hash-object --stdin`.
        assert_eq!(
            BlobId::for_content(b"").to_hex(),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        assert_eq!(
            BlobId::for_content(b"hello\n").to_hex(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        let id = BlobId::for_content(b"hello\n");
        assert_eq!(BlobId::from_hex(&id.to_hex()), Some(id));
    }
}
