use std::path::PathBuf;

/// Why a run could not start (problems with single artifacts become `error` verdicts).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No artifact was given.
    #[error("no artifacts given: pass the wheels and sdists to check, e.g. dist/*")]
    NoArtifacts,
    /// An artifact's file name is not a wheel or sdist name.
    #[error("{}: {source}", path.display())]
    ArtifactName {
        /// The file.
        path: PathBuf,
        /// What is wrong with its name.
        source: provcheck_artifact::ArtifactError,
    },
    /// The repository could not be opened, cloned or read.
    #[error(transparent)]
    Source(#[from] provcheck_source::SourceError),
    /// The index could not answer.
    #[error(transparent)]
    Index(#[from] provcheck_index::IndexError),
    /// The target is not `NAME` or `NAME==VERSION`.
    #[error("{target:?}: {detail}")]
    Target {
        /// What was given.
        target: String,
        /// What is wrong with it.
        detail: String,
    },
    /// No file of the release matches the selection.
    #[error("{detail}")]
    Selection {
        /// What is available and what to do.
        detail: String,
    },
    /// A bug: a task panicked.
    #[error("internal error: {0}")]
    Internal(String),
}
