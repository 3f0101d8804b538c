//! Test PKI shared by the TLS tests: a CA, a server certificate for
//! 127.0.0.1/localhost and a client certificate, generated with rcgen.

use std::path::PathBuf;

use tonic::transport::{Certificate, Identity, ServerTlsConfig};

pub struct Pki {
    pub _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
}

impl Pki {
    /// A CA, a server certificate for 127.0.0.1/localhost and a client
    /// certificate, all signed by the CA; PEM files in a temporary directory.
    pub fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
            KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "sysotel test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(names).unwrap();
            params.extended_key_usages = vec![usage];
            let cert = params.signed_by(&key, &issuer).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert_pem, server_key_pem) =
            leaf(vec!["127.0.0.1".into(), "localhost".into()], ExtendedKeyUsagePurpose::ServerAuth);
        let (client_cert_pem, client_key_pem) = leaf(vec!["sysotel-agent".into()], ExtendedKeyUsagePurpose::ClientAuth);

        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, pem: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        let ca_pem = ca_cert.pem();
        Pki {
            ca: write("ca.pem", &ca_pem),
            client_cert: write("client.pem", &client_cert_pem),
            client_key: write("client.key", &client_key_pem),
            _dir: dir,
            ca_pem,
            server_cert_pem,
            server_key_pem,
        }
    }

    pub fn tonic_server(&self, require_client_cert: bool) -> ServerTlsConfig {
        let tls = ServerTlsConfig::new().identity(Identity::from_pem(&self.server_cert_pem, &self.server_key_pem));
        if require_client_cert { tls.client_ca_root(Certificate::from_pem(&self.ca_pem)) } else { tls }
    }
}
