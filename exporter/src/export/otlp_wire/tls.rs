//! TLS material from the `OTEL_EXPORTER_OTLP_*CERTIFICATE`/`CLIENT_KEY`
//! files, checked once and turned into a tonic [`ClientTlsConfig`] (gRPC) or
//! a rustls [`ClientConfig`] (HTTP). Both use the ring provider explicitly,
//! so nothing depends on a process-wide rustls default.

use std::sync::Arc;

use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use super::{
    config::{EnvPath, TlsFiles},
    error::BuildError,
};

/// PEM bytes read from the configured files.
pub(crate) struct TlsMaterial {
    /// CA bundle replacing the system roots.
    ca_pem: Option<Vec<u8>>,
    /// (certificate chain, private key).
    identity: Option<(Vec<u8>, Vec<u8>)>,
    /// Trust the system roots (no CA file given, TLS endpoint).
    system_roots: bool,
}

impl TlsMaterial {
    /// Nothing: for plain `http://` endpoints, where no handshake happens.
    pub(crate) fn none() -> TlsMaterial {
        TlsMaterial { ca_pem: None, identity: None, system_roots: false }
    }

    /// Reads and checks the files.
    pub(crate) fn load(files: &TlsFiles) -> Result<TlsMaterial, BuildError> {
        let ca_pem = match &files.ca_certificate {
            None => None,
            Some(ca) => {
                let pem = read(ca)?;
                certificates(ca, &pem)?;
                Some(pem)
            }
        };
        let identity = match &files.client_identity {
            None => None,
            Some(id) => {
                let cert = read(&id.certificate)?;
                certificates(&id.certificate, &cert)?;
                let key = read(&id.key)?;
                private_key(&id.key, &key)?;
                Some((cert, key))
            }
        };
        Ok(TlsMaterial { system_roots: ca_pem.is_none(), ca_pem, identity })
    }

    /// tonic settings: the CA (or the system roots) and the client identity.
    pub(crate) fn tonic(&self) -> ClientTlsConfig {
        let mut tls = ClientTlsConfig::new();
        tls = match &self.ca_pem {
            Some(ca) => tls.ca_certificate(Certificate::from_pem(ca)),
            None => tls.with_native_roots(),
        };
        if let Some((cert, key)) = &self.identity {
            tls = tls.identity(Identity::from_pem(cert, key));
        }
        tls
    }

    /// rustls settings for the HTTP client, same rules as [`Self::tonic`].
    pub(crate) fn rustls(&self) -> Result<ClientConfig, BuildError> {
        let mut roots = RootCertStore::empty();
        match &self.ca_pem {
            Some(ca) => {
                for cert in CertificateDer::pem_slice_iter(ca).flatten() {
                    roots.add(cert).map_err(|e| BuildError::Tls(format!("CA certificate: {e}")))?;
                }
            }
            None if self.system_roots => {
                // Unreadable system certificates are skipped; https then fails
                // per request with a certificate error.
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
            None => {}
        }
        let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| BuildError::Tls(e.to_string()))?
            .with_root_certificates(roots);
        match &self.identity {
            None => Ok(builder.with_no_client_auth()),
            Some((cert, key)) => {
                let chain: Vec<_> = CertificateDer::pem_slice_iter(cert).flatten().collect();
                let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| BuildError::Tls(e.to_string()))?;
                builder.with_client_auth_cert(chain, key).map_err(|e| BuildError::Tls(format!("client identity: {e}")))
            }
        }
    }
}

impl TlsFiles {
    /// Reads the files into tonic settings, for the SDK exporters (`export::sdk_tls`).
    pub(crate) fn load_tonic(&self) -> Result<ClientTlsConfig, BuildError> {
        Ok(TlsMaterial::load(self)?.tonic())
    }

    /// Reads the files into a rustls config, for the SDK exporters (`export::sdk_tls`).
    pub(crate) fn load_rustls(&self) -> Result<ClientConfig, BuildError> {
        TlsMaterial::load(self)?.rustls()
    }
}

fn read(file: &EnvPath) -> Result<Vec<u8>, BuildError> {
    std::fs::read(&file.path).map_err(|source| BuildError::ReadFile {
        var: file.var.clone(),
        path: file.path.clone(),
        source,
    })
}

fn bad_pem(file: &EnvPath, what: &'static str, detail: String) -> BuildError {
    BuildError::BadPem { var: file.var.clone(), path: file.path.clone(), what, detail }
}

fn certificates(file: &EnvPath, pem: &[u8]) -> Result<(), BuildError> {
    let mut n = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        cert.map_err(|e| bad_pem(file, "PEM certificate", e.to_string()))?;
        n += 1;
    }
    if n == 0 {
        return Err(bad_pem(file, "PEM certificate", "no CERTIFICATE block".into()));
    }
    Ok(())
}

fn private_key(file: &EnvPath, pem: &[u8]) -> Result<(), BuildError> {
    PrivateKeyDer::from_pem_slice(pem).map(drop).map_err(|e| bad_pem(file, "PEM private key", e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn env_path(path: PathBuf) -> EnvPath {
        EnvPath { var: "OTEL_EXPORTER_OTLP_CERTIFICATE".into(), path }
    }

    #[test]
    fn missing_and_bad_files_name_the_variable() {
        let files = TlsFiles { ca_certificate: Some(env_path("/nonexistent/ca.pem".into())), client_identity: None };
        let e = TlsMaterial::load(&files).err().unwrap().to_string();
        assert!(e.starts_with("cannot read OTEL_EXPORTER_OTLP_CERTIFICATE=\"/nonexistent/ca.pem\""), "{e}");

        let dir = std::env::temp_dir().join(format!("sysotel-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let files = TlsFiles { ca_certificate: Some(env_path(junk)), client_identity: None };
        let e = TlsMaterial::load(&files).err().unwrap();
        assert!(matches!(e, BuildError::BadPem { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_files_means_system_roots() {
        let m = TlsMaterial::load(&TlsFiles::default()).unwrap();
        assert!(m.rustls().is_ok());
        let _ = m.tonic();
    }
}
