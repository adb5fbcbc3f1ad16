/// Receives download progress, so that an application can draw it; libraries never print.
///
/// Every method has an empty default. A download that is retried starts again from
/// [`download_start`](Reporter::download_start).
pub trait Reporter: Send + Sync {
    /// A download begins; `total` is its size in bytes when known.
    fn download_start(&self, filename: &str, total: Option<u64>) {
        let _ = (filename, total);
    }
    /// `bytes` of `filename` have been received so far (a running total, not a delta).
    fn download_progress(&self, filename: &str, bytes: u64) {
        let _ = (filename, bytes);
    }
    /// The download is complete and verified.
    fn download_done(&self, filename: &str) {
        let _ = filename;
    }
}

/// A [`Reporter`] that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoReporter;

impl Reporter for NoReporter {}
