//! `/prometheus/api/v1/…`: Prometheus's HTTP API, scoped to the reader's tenant, so that a
//! Grafana Prometheus datasource can point at `<public url>/prometheus` (issue 13). Queries
//! are parsed and rewritten (`query::tenant`), checked against the limits (`query::limits`)
//! and forwarded (`query::client`); Prometheus's answer comes back unchanged.

mod metadata;
mod params;
pub mod reader;

use crate::query::error::PromError;
use crate::query::limits::{QueryLimits, parse_duration, parse_time, prometheus_duration};
use crate::query::tenant::{scope_query, scope_selector, tenant_only_selector};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use params::Params;
use reader::Reader;
use std::time::Duration;

/// Registers the endpoints under the scope `configure` wraps (`/prometheus/api/v1`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/query")
            .route(web::get().to(query))
            .route(web::post().to(query)),
    )
    .service(
        web::resource("/query_range")
            .route(web::get().to(query_range))
            .route(web::post().to(query_range)),
    )
    .service(
        web::resource("/series")
            .route(web::get().to(series))
            .route(web::post().to(series)),
    )
    .service(
        web::resource("/labels")
            .route(web::get().to(labels))
            .route(web::post().to(labels)),
    )
    .route("/label/{name}/values", web::get().to(label_values))
    .route("/metadata", web::get().to(metadata::metadata))
    .route("/status/buildinfo", web::get().to(buildinfo));
}

/// Any other path under `/prometheus`: Prometheus's 404, in its shape.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    actix_web::ResponseError::error_response(&PromError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "{} {} is not part of pushgate's Prometheus API: see docs/api.md for the endpoints",
            req.method(),
            req.path()
        ),
    ))
}

struct Read {
    /// the reader's user id, as the `tenant` label holds it
    tenant: String,
    user: crate::domain::UserId,
    params: Params,
    limits: QueryLimits,
}

async fn begin(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut web::Payload,
) -> Result<Read, PromError> {
    let reader = Reader::authenticate(req, state).await?;
    let params = Params::read(req, payload).await?;
    Ok(Read {
        tenant: reader.0.to_string(),
        user: reader.0,
        params,
        limits: QueryLimits {
            max_range: state.settings.query.query_max_range,
            timeout: state.settings.query.query_timeout,
        },
    })
}

fn check_times(params: &Params, names: &[&str]) -> Result<(), PromError> {
    for name in names {
        if let Some(raw) = params.get(name) {
            parse_time(name, raw)?;
        }
    }
    Ok(())
}

pub async fn query(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, PromError> {
    let r = begin(&req, &state, &mut payload).await?;
    let scoped = scope_query(r.params.required("query")?, &r.tenant)?;
    r.limits.check_span(scoped.lookback.as_secs_f64())?;
    check_times(&r.params, &["time"])?;
    let timeout = r.limits.timeout(r.params.get("timeout"))?;
    let mut form = vec![
        ("query".to_owned(), scoped.promql),
        ("timeout".to_owned(), prometheus_duration(timeout)),
    ];
    form.extend(r.params.passthrough(&["time", "stats", "lookback_delta"]));
    state
        .prometheus
        .post_form("/api/v1/query", &form, timeout)
        .await
}

pub async fn query_range(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, PromError> {
    let r = begin(&req, &state, &mut payload).await?;
    let start = parse_time("start", r.params.required("start")?)?;
    let end = parse_time("end", r.params.required("end")?)?;
    let step = parse_duration("step", r.params.required("step")?)?;
    let scoped = scope_query(r.params.required("query")?, &r.tenant)?;
    r.limits.check_range(start, end, step, scoped.lookback)?;
    let timeout = r.limits.timeout(r.params.get("timeout"))?;
    let mut form = vec![
        ("query".to_owned(), scoped.promql),
        ("timeout".to_owned(), prometheus_duration(timeout)),
    ];
    form.extend(
        r.params
            .passthrough(&["start", "end", "step", "stats", "lookback_delta"]),
    );
    state
        .prometheus
        .post_form("/api/v1/query_range", &form, timeout)
        .await
}

/// Each `match[]` scoped, or the tenant's own selector as the only one.
fn scoped_matches(r: &Read) -> Result<Vec<(String, String)>, PromError> {
    let given = r.params.all("match[]");
    let selectors = if given.is_empty() {
        vec![tenant_only_selector(&r.tenant)]
    } else {
        given
            .into_iter()
            .map(|m| scope_selector(m, &r.tenant))
            .collect::<Result<_, _>>()?
    };
    Ok(selectors
        .into_iter()
        .map(|s| ("match[]".to_owned(), s))
        .collect())
}

/// The form of a metadata-like request: scoped `match[]`, checked start/end, limit.
fn listing_form(r: &Read) -> Result<Vec<(String, String)>, PromError> {
    check_times(&r.params, &["start", "end"])?;
    let mut form = scoped_matches(r)?;
    form.extend(r.params.passthrough(&["start", "end", "limit"]));
    Ok(form)
}

pub async fn series(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, PromError> {
    let r = begin(&req, &state, &mut payload).await?;
    let form = listing_form(&r)?;
    state
        .prometheus
        .post_form("/api/v1/series", &form, r.limits.timeout)
        .await
}

pub async fn labels(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, PromError> {
    let r = begin(&req, &state, &mut payload).await?;
    let form = listing_form(&r)?;
    state
        .prometheus
        .post_form("/api/v1/labels", &form, r.limits.timeout)
        .await
}

pub async fn label_values(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, PromError> {
    let r = begin(&req, &state, &mut payload).await?;
    let name = name.into_inner();
    let valid = name
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
    if name.is_empty() || !valid {
        return Err(PromError::bad_data(format!("invalid label name: {name:?}")));
    }
    let form = listing_form(&r)?;
    state
        .prometheus
        .get(
            &format!("/api/v1/label/{name}/values"),
            &form,
            r.limits.timeout,
        )
        .await
}

/// Prometheus's version, for clients (Grafana) that adapt to it; no tenant data.
pub async fn buildinfo(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PromError> {
    Reader::authenticate(&req, &state).await?;
    state
        .prometheus
        .get("/api/v1/status/buildinfo", &[], Duration::from_secs(5))
        .await
}

/// What `/api/v1/health/ready` says of the read path.
pub async fn readiness(state: &AppState) -> String {
    match state.prometheus.ready().await {
        Ok(()) => "ok".into(),
        Err(e) => format!(
            "{e}: reads through /prometheus answer 503 until it is back (ingestion is unaffected)"
        ),
    }
}
