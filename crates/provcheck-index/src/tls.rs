use std::sync::Arc;

use rustls_platform_verifier::BuilderVerifierExt;

use crate::IndexError;

/// A rustls configuration with the ring provider and the platform verifier: certificates
/// are checked against the system trust store, so corporate TLS proxies whose CA is
/// installed there work, as they do for every other program on the machine.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, IndexError> {
    let setup = |e: rustls::Error| IndexError::Setup {
        detail: e.to_string(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(setup)?
        .with_platform_verifier()
        .map_err(setup)?
        .with_no_client_auth();
    // A preconfigured config is used as is: without ALPN, HTTP/2 would never be negotiated.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
