//! A lean keep-alive HTTP/1.1 client for the load bench: one hyper connection per client
//! task, requests prepared once, no pool, no URL parsing per request.
//!
//! The load clients share the server's 2 cores, so every microsecond a client spends is one
//! the server does not get. reqwest costs several times what a bare hyper connection does
//! per request (pool checkout, URL parsing, header maps rebuilt); with this client the same
//! cores leave more room to the server and to the baseline alike, and the ratio between the
//! two stays the measure. (`#[path]`-included; not a bench target.)

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

/// One request, as the scenario describes it: method, path (with the query), an optional
/// bearer token and an optional JSON body.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub token: Option<std::sync::Arc<str>>,
    pub body: Option<Bytes>,
    pub visitor: Option<String>,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Req {
        Req { method: Method::GET, path: path.into(), token: None, body: None, visitor: None }
    }

    pub fn post_json(path: impl Into<String>, body: &serde_json::Value) -> Req {
        let body = Bytes::from(serde_json::to_vec(body).expect("json"));
        Req {
            method: Method::POST,
            path: path.into(),
            token: None,
            body: Some(body),
            visitor: None,
        }
    }

    pub fn token(mut self, t: &std::sync::Arc<str>) -> Req {
        self.token = Some(t.clone());
        self
    }

    pub fn visitor(mut self, v: String) -> Req {
        self.visitor = Some(v);
        self
    }
}

/// `http://127.0.0.1:port` → the socket address (loopback only).
pub fn addr(base: &str) -> SocketAddr {
    let a: SocketAddr = base.trim_start_matches("http://").parse().expect("base address");
    assert!(a.ip().is_loopback(), "loopback only: {base}");
    a
}

pub struct Conn {
    send: SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    pub async fn open(to: SocketAddr) -> std::io::Result<Conn> {
        let stream = tokio::net::TcpStream::connect(to).await?;
        stream.set_nodelay(true)?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { send, host: to.to_string() })
    }

    /// Sends one request and reads the whole body; Ok(status) or an error.
    pub async fn send(&mut self, r: &Req) -> Result<u16, hyper::Error> {
        let mut b = Request::builder()
            .method(r.method.clone())
            .uri(r.path.as_str())
            .header(hyper::header::HOST, self.host.as_str());
        if let Some(t) = &r.token {
            b = b.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(v) = &r.visitor {
            b = b.header("x-visitor-id", v.as_str());
        }
        let body = match &r.body {
            Some(body) => {
                b = b.header(hyper::header::CONTENT_TYPE, "application/json");
                Full::new(body.clone())
            }
            None => Full::new(Bytes::new()),
        };
        let req = b.body(body).expect("request");
        self.send.ready().await?;
        let res = self.send.send_request(req).await?;
        let status = res.status().as_u16();
        res.into_body().collect().await?;
        Ok(status)
    }
}
