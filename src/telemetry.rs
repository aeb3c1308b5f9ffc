//! Logging: text or JSON, level from RUST_LOG (default info), and the request log's root span.

use crate::rate_limit::client_ip;
use crate::settings::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{Error, HttpMessage};
use ipnet::IpNet;
use std::sync::Arc;
use tracing::{Span, field};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::{EnvFilter, fmt};

const QUIET_DB_DRIVER: &str = "tokio_postgres=info";

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // At debug, tokio-postgres logs every statement's parameters (as bytes): password and
        // secret hashes, refresh-token hashes. No secret in a log line, whatever RUST_LOG says.
        .add_directive(QUIET_DB_DRIVER.parse().expect("a valid directive"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The proxies whose `X-Forwarded-For` is believed (`PUSHGATE_TRUSTED_PROXIES`), as app data for
/// the request log.
#[derive(Clone)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

/// The request log's root span: tracing-actix-web's default fields, but the client IP follows
/// the rate limiter's rule. The default takes `X-Forwarded-For`/`Forwarded` from any client,
/// so anyone could write any address into the log.
pub struct ClientIpRootSpan;

impl RootSpanBuilder for ClientIpRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let trusted = request
            .app_data::<TrustedProxies>()
            .map(|t| t.0.as_slice())
            .unwrap_or_default();
        let client_ip = client_ip(request, trusted)
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let method = request.method().as_str();
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("")
        };
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.flavor = ?request.version(),
            // The Host header itself: X-Forwarded-Host is as easy to spoof.
            http.host = %header(header::HOST),
            http.client_ip = %client_ip,
            http.user_agent = %header(header::USER_AGENT),
            http.target = %request.uri().path_and_query().map(|p| p.as_str()).unwrap_or(""),
            http.status_code = field::Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = field::Empty,
            request_id = %request_id,
            exception.message = field::Empty,
            exception.details = field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // Status and error fields as the default records them (the span declares them all).
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::io::Write;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("the log buffer")
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the request log says about a request from `peer` claiming `forwarded_for`.
    fn logged(peer: &str, forwarded_for: &str, trusted: &[&str]) -> String {
        let trusted = trusted.iter().map(|n| n.parse().expect("a net")).collect();
        let request = TestRequest::default()
            .peer_addr(peer.parse().expect("an address"))
            .insert_header(("x-forwarded-for", forwarded_for))
            .insert_header(("forwarded", format!("for={forwarded_for}")))
            .app_data(TrustedProxies(Arc::new(trusted)))
            .to_srv_request();
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = ClientIpRootSpan::on_request_start(&request);
            span.in_scope(|| tracing::info!("handled"));
        });
        let bytes = out.0.lock().expect("the log buffer").clone();
        String::from_utf8(bytes).expect("utf-8 log")
    }

    #[test]
    fn an_untrusted_client_cannot_choose_its_logged_address() {
        let line = logged("203.0.113.7:5000", "198.51.100.66", &[]);
        assert!(line.contains("http.client_ip=203.0.113.7"), "{line}");
        assert!(!line.contains("198.51.100.66 "), "{line}");
        assert!(!line.contains("http.client_ip=198.51.100.66"), "{line}");
    }

    #[test]
    fn a_trusted_proxy_forwards_the_client_address() {
        let line = logged("10.0.0.2:5000", "198.51.100.66, 10.0.0.3", &["10.0.0.0/8"]);
        assert!(line.contains("http.client_ip=198.51.100.66"), "{line}");
    }
}
