//! TLS client configuration: system roots plus an optional extra CA. Verification is never disabled.

use std::io::BufReader;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::{Target, TlsSettings};
use crate::error::TransportError;

/// Builds a client config trusting the system roots and `settings.extra_ca_file` (PEM).
pub(crate) fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, TransportError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!(%error, "could not load some system CA certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::trace!(added, ignored, "system CA certificates loaded");

    if let Some(path) = &settings.extra_ca_file {
        let file = std::fs::File::open(path).map_err(|e| TransportError::TlsConfig {
            message: format!("cannot open CA file {}: {e}", path.display()),
        })?;
        let mut found = 0usize;
        for cert in rustls_pemfile::certs(&mut BufReader::new(file)) {
            let cert = cert.map_err(|e| TransportError::TlsConfig {
                message: format!("cannot read CA file {}: {e}", path.display()),
            })?;
            roots.add(cert).map_err(|e| TransportError::TlsConfig {
                message: format!("bad CA certificate in {}: {e}", path.display()),
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(TransportError::TlsConfig {
                message: format!("no PEM certificate found in CA file {}", path.display()),
            });
        }
    }
    if roots.is_empty() {
        tracing::warn!("no trusted CA certificates: every TLS server will be rejected");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::TlsConfig {
            message: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name the server certificate must carry: `tls_name`, else the target's IP address.
pub(crate) fn server_name(target: &Target) -> Result<ServerName<'static>, TransportError> {
    match &target.tls_name {
        Some(name) => ServerName::try_from(name.clone()).map_err(|e| TransportError::TlsConfig {
            message: format!("invalid TLS server name {name:?}: {e}"),
        }),
        None => Ok(ServerName::IpAddress(target.addr.ip().into())),
    }
}
