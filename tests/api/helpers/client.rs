//! One request builder for the server under test, whichever way the test reaches it: over the
//! server's socket, or in process through `actix_web::test` and the very `App` the server's
//! workers run (`Application::factory`), where a socket adds nothing.

use actix_web::test::TestRequest;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use std::rc::Rc;
use std::time::Duration;

/// The in-process service: a request in, the answer's status, headers and body out.
pub type InProcess = Rc<dyn Fn(TestRequest) -> LocalBoxFuture<'static, Response>>;

/// Builds the in-process service of `app` (the peer is 127.0.0.1, as over the socket).
pub async fn in_process(app: &pushgate::startup::Application) -> InProcess {
    let service = Rc::new(actix_web::test::init_service(app.factory().app()).await);
    Rc::new(move |request: TestRequest| {
        let service = service.clone();
        Box::pin(async move {
            let request = request
                .peer_addr(([127, 0, 0, 1], 40000).into())
                .to_request();
            let answer = actix_web::test::call_service(&*service, request).await;
            let status = answer.status().as_u16();
            let mut headers = reqwest::header::HeaderMap::new();
            for (name, value) in answer.headers() {
                if let (Ok(name), Ok(value)) = (
                    reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
                    reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
                ) {
                    headers.append(name, value);
                }
            }
            let body = actix_web::test::read_body(answer).await;
            Response::new(status, headers, &body)
        })
    })
}

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// the JSON body, the text when it is not JSON, `Null` when empty
    pub body: Value,
}

impl Response {
    fn new(status: u16, headers: reqwest::header::HeaderMap, bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    pub async fn read(resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap_or_default();
        Self::new(status, headers, &bytes)
    }

    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// Every `Set-Cookie` line.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// How requests reach a server.
pub enum Transport {
    /// HTTP to `base` (e.g. `http://127.0.0.1:4000`)
    Socket {
        base: String,
        client: reqwest::Client,
    },
    InProcess(InProcess),
}

impl Transport {
    pub fn socket(base: &str) -> Self {
        Self::Socket {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// HTTP to `base` on a new connection for every request (keeps no idle connection), so
    /// that consecutive requests reach different workers.
    pub fn fresh_connections(base: &str) -> Self {
        Self::Socket {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("an HTTP client"),
        }
    }

    /// Any request: add a token, headers or a body, then `send`.
    pub fn request(&self, method: &str, path: &str) -> Request<'_> {
        Request {
            transport: self,
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
            timeout: None,
        }
    }
}

/// A request being built; `send` delivers it.
pub struct Request<'a> {
    transport: &'a Transport,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    timeout: Option<Duration>,
}

impl Request<'_> {
    /// How long to wait for the answer over the socket (no limit unless set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `Authorization: Bearer <token>`, when there is a token.
    pub fn bearer<'t>(self, token: impl Into<Option<&'t str>>) -> Self {
        match token.into() {
            Some(t) => self.header("Authorization", &format!("Bearer {t}")),
            None => self,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body, with its content type.
    pub fn json(self, body: &Value) -> Self {
        self.header("Content-Type", "application/json")
            .body(body.to_string())
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub async fn send(self) -> Response {
        self.try_send().await.expect("request sent")
    }

    /// `send`, with a transport error as an `Err` (for tests of faults).
    pub async fn try_send(self) -> Result<Response, String> {
        match self.transport {
            Transport::InProcess(service) => {
                let method = self.method.parse().expect("an HTTP method");
                let mut request = TestRequest::default().method(method).uri(&self.path);
                for (name, value) in &self.headers {
                    request = request.insert_header((name.as_str(), value.as_str()));
                }
                if let Some(body) = self.body {
                    request = request.set_payload(body);
                }
                Ok(service(request).await)
            }
            Transport::Socket { base, client } => {
                let method = self.method.parse().expect("an HTTP method");
                let mut request = client.request(method, format!("{base}{}", self.path));
                for (name, value) in &self.headers {
                    request = request.header(name, value);
                }
                if let Some(body) = self.body {
                    request = request.body(body);
                }
                if let Some(timeout) = self.timeout {
                    request = request.timeout(timeout);
                }
                let answer = request.send().await.map_err(|e| e.to_string())?;
                Ok(Response::read(answer).await)
            }
        }
    }
}
