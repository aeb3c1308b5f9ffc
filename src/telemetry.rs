//! Logging: text or JSON, level from RUST_LOG (default info), and the request log's root span.

use crate::rate_limit::client_ip;
use crate::settings::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{Error, HttpMessage};
use ipnet::IpNet;
use std::cell::RefCell;
use std::collections::HashSet;
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

thread_local! {
    /// Paths that are their own route pattern (static routes), as found on this worker thread.
    static STATIC_ROUTES: RefCell<HashSet<String>> = RefCell::default();
}

/// The route pattern of a request, for the log. actix finds it by walking the route table and
/// matching each dynamic pattern's regex on the way (~5 % of an ingestion request's CPU, by
/// docs/performance.md's profile), so a path that turned out to be its own pattern is
/// remembered: at most one entry per pattern of the table, whatever clients send.
fn route_of(path: &str, lookup: impl FnOnce() -> Option<String>) -> String {
    if STATIC_ROUTES.with(|s| s.borrow().contains(path)) {
        return path.to_owned();
    }
    let route = lookup().unwrap_or_else(|| "default".into());
    if route == path {
        STATIC_ROUTES.with(|s| s.borrow_mut().insert(route.clone()));
    }
    route
}

impl RootSpanBuilder for ClientIpRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let trusted = request
            .app_data::<TrustedProxies>()
            .map(|t| t.0.as_slice())
            .unwrap_or_default();
        let client_ip = client_ip(request, trusted)
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let route = route_of(request.path(), || request.match_pattern());
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

    #[test]
    fn a_static_route_is_looked_up_once_a_dynamic_one_every_time() {
        let calls = std::cell::Cell::new(0);
        let lookup = |pattern: Option<&str>| {
            calls.set(calls.get() + 1);
            pattern.map(str::to_owned)
        };
        for _ in 0..3 {
            assert_eq!(
                route_of("/api/v1/x-static", || lookup(Some("/api/v1/x-static"))),
                "/api/v1/x-static"
            );
            assert_eq!(
                route_of("/api/v1/x/7", || lookup(Some("/api/v1/x/{id}"))),
                "/api/v1/x/{id}"
            );
            assert_eq!(route_of("/nowhere", || lookup(None)), "default");
        }
        assert_eq!(calls.get(), 1 + 3 + 3);
    }
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
