//! The one HTTP client of the app (`reqwest`, async, on the runtime Tauri
//! already runs). It only ever talks to URLs that passed
//! `hosts::check_remote_url`, follows no redirects on its own, reads bounded
//! bodies, keeps no cookies and gives up after a total timeout, so a server
//! learns nothing beyond the request and cannot hang a screen.

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

/// A cheap handle: clones share one connection pool.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
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

    /// Through the configured proxy; without one, the usual `HTTPS_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY` variables.
    pub fn with_proxy(proxy: Option<&Url>) -> Http {
        Http::build(Duration::from_secs(8), Duration::from_secs(15), proxy)
    }

    /// `total` bounds the whole request, so a server that never answers
    /// cannot hang the lobby or the consent screen.
    pub fn with_timeouts(connect: Duration, total: Duration) -> Http {
        Http::build(connect, total, None)
    }

    fn build(connect: Duration, total: Duration, proxy: Option<&Url>) -> Http {
        // One TLS backend, ring (pure Rust plus assembly, cross-builds for
        // Windows with mingw). Already installed is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect)
            .timeout(total)
            .user_agent(concat!("Sprechzimmer/", env!("CARGO_PKG_VERSION")));
        // A configured proxy that does not parse was refused by the settings
        // already; the variables apply then, as without one.
        if let Some(p) = proxy.and_then(|p| reqwest::Proxy::all(p.as_str()).ok()) {
            builder = builder.proxy(p);
        }
        // Organisations often run their own CA: the platform verifier asks
        // the OS trust store, which knows it.
        let client = builder.build().expect("the HTTP client's fixed configuration is valid");
        Http { client }
    }

    /// GET without following redirects; the body is read up to `max_bytes`.
    pub async fn get(&self, url: &Url, accept: &str, max_bytes: u64) -> Result<Fetched, NetError> {
        let mut resp = self.client.get(url.as_str()).header(reqwest::header::ACCEPT, accept).send().await.map_err(map_err)?;
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            return Ok(Fetched { status, body: String::new() });
        }
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(NetError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(map_err)? {
            if body.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(NetError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8(body).map_err(|_| NetError::Decode)?;
        Ok(Fetched { status, body })
    }

    /// POSTs a JSON document; the answer's status only (a redirect is not
    /// followed and counts as not delivered). The answer's body is not read.
    pub async fn post_json(&self, url: &Url, json: String) -> Result<u16, NetError> {
        let resp =
            self.client.post(url.as_str()).header(reqwest::header::CONTENT_TYPE, "application/json").body(json).send().await.map_err(map_err)?;
        Ok(resp.status().as_u16())
    }
}

fn map_err(e: reqwest::Error) -> NetError {
    if e.is_timeout() {
        NetError::Timeout
    } else if is_tls(&e) {
        NetError::Tls
    } else if e.is_decode() || e.is_body() {
        NetError::Decode
    } else {
        NetError::Unreachable
    }
}

/// Somewhere down the chain, rustls refused: a bad certificate or not TLS at
/// all. An `io::Error` hides the error it wraps from `source()` (and hyper
/// wraps rustls's in two of them), so look inside those.
fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err.is::<rustls::Error>() {
            return true;
        }
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// Answers every connection with `reply`, then closes it.
    fn serve(reply: &'static [u8]) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut s in l.incoming().flatten() {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf);
                let _ = s.write_all(reply);
            }
        });
        port
    }

    fn get(url: &str, max: u64) -> Result<Fetched, NetError> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(Http::with_timeouts(Duration::from_secs(2), Duration::from_secs(3)).get(&Url::parse(url).unwrap(), "*/*", max))
    }

    #[test]
    fn redirects_are_reported_not_followed() {
        let port = serve(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n");
        let f = get(&format!("http://127.0.0.1:{port}/"), 100).unwrap();
        assert_eq!((f.status, f.body.as_str()), (302, ""));
    }

    #[test]
    fn bodies_are_bounded_with_and_without_a_length() {
        let port = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
        assert_eq!(get(&format!("http://127.0.0.1:{port}/"), 9).err(), Some(NetError::TooLarge));
        assert_eq!(get(&format!("http://127.0.0.1:{port}/"), 10).unwrap().body, "0123456789");
        let port = serve(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789");
        assert_eq!(get(&format!("http://127.0.0.1:{port}/"), 9).err(), Some(NetError::TooLarge));
    }

    #[test]
    fn text_that_is_not_utf8_is_a_decode_error() {
        let port = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\xff\xfe");
        assert_eq!(get(&format!("http://127.0.0.1:{port}/"), 100).err(), Some(NetError::Decode));
    }

    #[test]
    fn a_server_that_does_not_speak_tls_is_a_tls_error() {
        let port = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(get(&format!("https://127.0.0.1:{port}/"), 100).err(), Some(NetError::Tls));
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        assert_eq!(get(&format!("http://127.0.0.1:{port}/"), 100).err(), Some(NetError::Unreachable));
    }

    #[test]
    fn no_cookie_is_kept() {
        // A second request through the same client carries no Cookie header.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for mut s in l.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                seen2.lock().unwrap().push(String::from_utf8_lossy(&buf[..n]).to_lowercase());
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let http = Http::with_timeouts(Duration::from_secs(2), Duration::from_secs(3));
        let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        rt.block_on(async {
            http.get(&url, "*/*", 10).await.unwrap();
            http.get(&url, "*/*", 10).await.unwrap();
        });
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|r| !r.contains("cookie")), "{seen:?}");
    }
}
