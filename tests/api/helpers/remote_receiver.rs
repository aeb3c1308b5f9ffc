//! A stand-in remote-write receiver, for the answers a real one will not give on demand (a
//! 500, a 429 with `Retry-After`, a 400) and to see exactly what each request carried: it
//! answers from a script, then 204, and records every request, decoded.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use prost::Message;
use pushgate::sinks::remote_write::proto::{TimeSeries, WriteRequest};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One answer of the script.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: &'static str,
}

impl Reply {
    pub fn status(status: u16, body: &'static str) -> Self {
        Self {
            status,
            retry_after: None,
            body,
        }
    }
}

/// What one request carried and how it was answered.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub headers: Vec<(String, String)>,
    /// the compressed body as sent (retries send the same bytes)
    pub body: Vec<u8>,
    pub series: Vec<TimeSeries>,
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of label `name` of each series.
    pub fn label_values(&self, name: &str) -> Vec<String> {
        self.series
            .iter()
            .filter_map(|ts| ts.labels.iter().find(|l| l.name == name))
            .map(|l| l.value.clone())
            .collect()
    }

    /// The sample of the series named `metric`, if the request holds it.
    pub fn value_of(&self, metric: &str) -> Option<f64> {
        self.series
            .iter()
            .find(|ts| {
                ts.labels
                    .iter()
                    .any(|l| l.name == "__name__" && l.value == metric)
            })
            .map(|ts| ts.samples[0].value)
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
}

pub struct StandInReceiver {
    pub url: String,
    shared: Arc<Shared>,
}

async fn write(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let reply = shared.script.lock().unwrap().pop_front();
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&body)
        .expect("a snappy block body");
    let request = WriteRequest::decode(raw.as_slice()).expect("a WriteRequest");
    let answered = reply.as_ref().map_or(204, |r| r.status);
    shared.received.lock().unwrap().push(Received {
        at: Instant::now(),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: body.to_vec(),
        series: request.timeseries,
        answered,
    });
    match reply {
        None => HttpResponse::NoContent().finish(),
        Some(r) => {
            let mut answer =
                HttpResponse::build(actix_web::http::StatusCode::from_u16(r.status).unwrap());
            if let Some(secs) = r.retry_after {
                answer.insert_header(("Retry-After", secs.to_string()));
            }
            answer.body(r.body)
        }
    }
}

impl StandInReceiver {
    /// Answers `script` in order, then 204 to everything.
    pub fn start(script: Vec<Reply>) -> Self {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            received: Mutex::default(),
        });
        let data = web::Data::from(shared.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 << 20))
                .route("/api/v1/write", web::post().to(write))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/api/v1/write"),
            shared,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }
}
