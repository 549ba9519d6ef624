//! Certificates made at test time (`rcgen`) and HTTPS upstreams on loopback (`tokio-rustls`
//! in front of an axum router), optionally demanding a client certificate from one CA.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A private certificate authority.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate with its key, as PEM.
pub struct Leaf {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Ca {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        Self {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, DER.
    pub fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    fn leaf(&self, name: &str, server: bool, valid: Option<(u64, u64)>) -> Leaf {
        let sans = if server {
            vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
        } else {
            Vec::new()
        };
        let mut params = CertificateParams::new(sans).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![if server {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::ClientAuth
        }];
        if let Some((from, to)) = valid {
            // rcgen's dates are `time`'s; built from the epoch so no `time` import is needed.
            params.not_before = rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(from);
            params.not_after = rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(to);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    /// A server certificate for 127.0.0.1 and localhost.
    pub fn server(&self) -> Leaf {
        self.leaf("upstream", true, None)
    }

    /// A client certificate valid for years.
    pub fn client(&self, name: &str) -> Leaf {
        let now = unix_now();
        self.leaf(name, false, Some((now - 3600, now + 400 * 86_400)))
    }

    /// A client certificate valid for `days` more days.
    pub fn client_expiring_in(&self, name: &str, days: u64) -> Leaf {
        let now = unix_now();
        self.leaf(name, false, Some((now - 3600, now + days * 86_400)))
    }

    /// A client certificate that expired yesterday.
    pub fn expired_client(&self, name: &str) -> Leaf {
        let now = unix_now();
        self.leaf(name, false, Some((now - 10 * 86_400, now - 86_400)))
    }
}

impl Leaf {
    /// A PKCS#12 archive of this certificate and key, under `password`.
    pub fn pkcs12(&self, password: &str) -> Vec<u8> {
        let key = p12_keystore::PrivateKey::from_der(&self.key_der).unwrap();
        let cert = p12_keystore::Certificate::from_der(&self.cert_der).unwrap();
        let chain = p12_keystore::PrivateKeyChain::new(b"1".to_vec(), key, [cert]);
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "client",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
        );
        store.writer(password).write().unwrap()
    }
}

/// What an HTTPS fake saw at the TLS layer.
#[derive(Default)]
pub struct TlsCounts {
    /// Handshakes that completed.
    pub accepted: AtomicUsize,
    /// Handshakes that failed (no or a refused client certificate, an untrusted server one).
    pub refused: AtomicUsize,
    /// Common names of the client certificates presented on completed handshakes.
    pub client_names: std::sync::Mutex<Vec<String>>,
}

/// How an HTTPS fake is set up.
pub struct TlsFake<'a> {
    /// Its certificate.
    pub server: &'a Leaf,
    /// Demand a client certificate issued by this CA.
    pub client_ca: Option<&'a Ca>,
    /// Only TLS 1.2.
    pub tls12_only: bool,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Serves `router` over HTTPS on a free loopback port; returns `https://127.0.0.1:<port>` and
/// the handshake counts.
pub async fn serve_tls(router: Router, fake: TlsFake<'_>) -> (String, Arc<TlsCounts>) {
    let versions: &[&rustls::SupportedProtocolVersion] = if fake.tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .unwrap();
    let builder = match fake.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.der()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(
            vec![fake.server.cert_der.clone()],
            PrivateKeyDer::try_from(fake.server.key_der.clone()).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counts = Arc::new(TlsCounts::default());
    let seen = Arc::clone(&counts);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, router, seen) = (acceptor.clone(), router.clone(), Arc::clone(&seen));
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    seen.refused.fetch_add(1, Ordering::SeqCst);
                    return;
                };
                seen.accepted.fetch_add(1, Ordering::SeqCst);
                if let Some(cert) = tls.get_ref().1.peer_certificates().and_then(|c| c.first()) {
                    seen.client_names.lock().unwrap().push(common_name(cert));
                }
                let service = hyper_util::service::TowerToHyperService::new(router);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (format!("https://{addr}"), counts)
}

/// The last printable run of the certificate that follows the CN OID: enough to tell test
/// certificates apart without an X.509 parser.
fn common_name(cert: &CertificateDer<'_>) -> String {
    let der: &[u8] = cert.as_ref();
    let oid = [0x06, 0x03, 0x55, 0x04, 0x03];
    let mut last = String::new();
    for i in 0..der.len().saturating_sub(oid.len() + 2) {
        if der[i..i + oid.len()] == oid {
            let len = der[i + oid.len() + 1] as usize;
            let start = i + oid.len() + 2;
            if let Some(bytes) = der.get(start..start + len) {
                last = String::from_utf8_lossy(bytes).into_owned();
            }
        }
    }
    last
}
