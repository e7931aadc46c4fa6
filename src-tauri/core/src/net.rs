//! The one HTTP client of the app. It only ever talks to URLs that passed
//! `hosts::check_remote_url`, follows no redirects on its own, reads bounded
//! bodies and sends no cookies, so a server learns nothing beyond the request.

use std::time::Duration;

use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("server unreachable")]
    Unreachable,
    #[error("server did not answer in time")]
    Timeout,
    #[error("TLS failure")]
    Tls,
    #[error("response too large")]
    TooLarge,
    #[error("unexpected HTTP status {0}")]
    Status(u16),
    #[error("response is not text")]
    Decode,
}

impl NetError {
    pub fn code(self) -> &'static str {
        match self {
            NetError::Unreachable | NetError::Timeout => "net.unreachable",
            NetError::Tls => "net.tls",
            NetError::TooLarge | NetError::Decode | NetError::Status(_) => "net.bad_response",
        }
    }
}

#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub body: String,
}

#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
}

impl Default for Http {
    fn default() -> Self {
        Self::new()
    }
}

impl Http {
    pub fn new() -> Http {
        Http::with_timeouts(Duration::from_secs(8), Duration::from_secs(15))
    }

    /// Through the configured proxy; without one, ureq follows the usual
    /// `HTTPS_PROXY`/`ALL_PROXY` variables.
    pub fn with_proxy(proxy: Option<&Url>) -> Http {
        Http::build(Duration::from_secs(8), Duration::from_secs(15), proxy)
    }

    /// `total` bounds the whole request, so a server that never answers
    /// cannot hang the lobby or the consent screen.
    pub fn with_timeouts(connect: Duration, total: Duration) -> Http {
        Http::build(connect, total, None)
    }

    fn build(connect: Duration, total: Duration, proxy: Option<&Url>) -> Http {
        let proxy = proxy.and_then(|p| ureq::Proxy::new(p.as_str()).ok()).or_else(ureq::Proxy::try_from_env);
        let tls = ureq::tls::TlsConfig::builder()
            // Organisations often run their own CA; the OS trust store knows it.
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(connect))
            .timeout_global(Some(total))
            .user_agent(concat!("Sprechzimmer/", env!("CARGO_PKG_VERSION")))
            .proxy(proxy)
            .build();
        Http { agent: config.into() }
    }

    /// GET without following redirects; the body is read up to `max_bytes`.
    pub fn get(&self, url: &Url, accept: &str, max_bytes: u64) -> Result<Fetched, NetError> {
        let mut resp = self.agent.get(url.as_str()).header("Accept", accept).call().map_err(map_err)?;
        let status = resp.status().as_u16();
        let body = if (300..400).contains(&status) {
            String::new()
        } else {
            resp.body_mut().with_config().limit(max_bytes).read_to_string().map_err(map_err)?
        };
        Ok(Fetched { status, body })
    }
}

fn map_err(e: ureq::Error) -> NetError {
    match e {
        ureq::Error::Timeout(_) => NetError::Timeout,
        ureq::Error::BodyExceedsLimit(_) => NetError::TooLarge,
        ureq::Error::StatusCode(s) => NetError::Status(s),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => NetError::Tls,
        ureq::Error::Io(ref io) if io.kind() == std::io::ErrorKind::InvalidData => NetError::Decode,
        _ => NetError::Unreachable,
    }
}
