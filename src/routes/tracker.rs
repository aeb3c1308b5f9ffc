//! The tracking code (SPEC §6): the loader snippet, the per-key `tracker.js` with the key's
//! configs embedded, per-config generated code, and the generic client library. The library is
//! one readable JavaScript file, `frontend/tracker/tracker.js`; every route serves its minified
//! copy `tracker.min.js` (made by `npm run minify` there, checked in CI to be current, and run
//! through the same tests). The configuration is injected as JSON escaped so that no value can
//! close the script. The scripts go out gzip-encoded to clients that accept it, with a weak
//! ETag: it names the script, not one encoding.

use crate::domain::{ApiKeyId, MetricConfigId, UserId};
use crate::error::ApiError;
use crate::extract::{ApiJson, AuthUser};
use crate::models::{ApiKey, MetricConfig};
use crate::state::AppState;
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, EntityTag, IfNoneMatch,
};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use flate2::{Compression, write::GzEncoder};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write;

pub const LIBRARY: &str = include_str!("../../frontend/tracker/tracker.min.js");
const MARKER: &str = "/*PUSHGATE_CONFIG*/null";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Config changes reach sites within this many seconds.
const MAX_AGE_SECS: u32 = 300;

/// JSON that is safe inside a `<script>` element and a JS string context.
fn script_safe_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn library_with(config: &Value) -> String {
    LIBRARY.replacen(MARKER, &script_safe_json(config), 1)
}

fn config_json(
    state: &AppState,
    key: &str,
    auto_track: bool,
    custom_events: bool,
    configs: &[MetricConfig],
) -> Value {
    let metrics: Vec<Value> = configs
        .iter()
        .filter(|c| c.is_active)
        // Only what the library reads, under the short keys it reads them by (name, type,
        // labels): every byte here is sent with each page load.
        .map(|c| json!({"n": c.metric_name, "t": c.metric_type, "l": c.labels}))
        .collect();
    let mut config = json!({
        "endpoint": format!("{}/api/v1/metrics", state.public_url),
        "key": key,
        "metrics": metrics,
    });
    // The library takes an absent option as on: only an option that is off is spelled out.
    for (option, on) in [("auto_track", auto_track), ("custom_events", custom_events)] {
        if !on {
            config[option] = Value::Bool(false);
        }
    }
    config
}

/// Compressed here rather than by actix-web's `Compress` (as the dashboard is): its fastest
/// level makes this script ~300 bytes bigger than the default level does, to save < 0.1 ms
/// once per visitor and max-age.
fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 2), Compression::default());
    encoder.write_all(body)?;
    encoder.finish()
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    let offered = [Encoding::identity(), Encoding::gzip()];
    req.get_header::<AcceptEncoding>()
        .and_then(|accept| accept.negotiate(offered.iter()))
        == Some(Encoding::gzip())
}

fn script_response(req: &HttpRequest, body: String) -> HttpResponse {
    // Weak: the gzip and identity bodies differ byte for byte but are the same script, and a
    // strong ETag must name one exact byte sequence (RFC 9110 §8.8.1).
    let etag = EntityTag::new_weak(hex::encode(Sha256::digest(body.as_bytes()))[..32].to_owned());
    // If-None-Match compares weakly (RFC 9110 §13.1.2): a list, `*`, W/ or not, all match.
    let cached = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&etag)),
        None => false,
    };
    let mut response = if cached {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .content_type("text/javascript; charset=utf-8")
        .insert_header(header::ETag(etag))
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={MAX_AGE_SECS}"),
        ))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"));
    if cached {
        return response.finish();
    }
    match accepts_gzip(req).then(|| gzip(body.as_bytes())) {
        Some(Ok(zipped)) => response.insert_header(ContentEncoding::Gzip).body(zipped),
        // A Vec cannot fail to take bytes; were it to, the script goes out as it is.
        _ => response.body(body),
    }
}

#[derive(Deserialize)]
pub struct TrackerQuery {
    k: Option<String>,
    a: Option<String>,
    c: Option<String>,
}

/// `GET /api/v1/tracker.js?k=KEY&a=1&c=1`: an unknown or inactive key gets a script that only
/// warns, never a broken page.
pub async fn get_tracker(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TrackerQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = query.k.clone().unwrap_or_default();
    let registry = state.registry.current();
    let Some(cached) = registry
        .keys
        .get(&key)
        .filter(|k| k.expires_at.is_none_or(|at| at > chrono::Utc::now()))
    else {
        let warning = "/* pushgate: unknown or inactive key */\ntry{console.warn('pushgate: this tracking key is unknown or inactive; nothing will be tracked. Check the snippet in your pushgate dashboard.')}catch(e){}\n";
        return Ok(script_response(&req, warning.to_owned()));
    };
    let mut conn = state.pool.get().await?;
    let configs = MetricConfig::list_for_user(&mut conn, cached.user_id).await?;
    let config = config_json(
        &state,
        &key,
        query.a.as_deref() == Some("1"),
        query.c.as_deref() == Some("1"),
        &configs,
    );
    Ok(script_response(&req, library_with(&config)))
}

/// `GET /api/v1/client/script.js`: the generic library, configured by the page.
pub async fn get_client_script(req: HttpRequest) -> HttpResponse {
    script_response(&req, LIBRARY.to_owned())
}

/// `GET /api/v1/client`: what the generic library is.
pub async fn get_client_info(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "version": VERSION,
        "script_url": format!("{}/api/v1/client/script.js", state.public_url),
        "size_bytes": LIBRARY.len(),
        "configuration": "window.PushgateConfig = {key, endpoint, auto_track, custom_events, metrics: [{n: metric_name, t: metric_type, l: labels}]}, or data-key / data-endpoint / data-auto-track / data-custom-events on the script tag",
        "api": {
            "track": "MetricsTracker.track(name, value, labels)",
            "increment": "MetricsTracker.increment(name, by)",
            "decrement": "MetricsTracker.decrement(name, by)",
            "observe": "MetricsTracker.observe(name, value)",
            "flush": "MetricsTracker.flush()",
        },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnippetRequest {
    api_key_id: ApiKeyId,
    #[serde(default = "yes")]
    auto_track: bool,
    #[serde(default = "yes")]
    custom_events: bool,
}

fn yes() -> bool {
    true
}

async fn owned_key(state: &AppState, user: UserId, id: ApiKeyId) -> Result<ApiKey, ApiError> {
    let mut conn = state.pool.get().await?;
    ApiKey::find_for_user(&mut conn, user, id)
        .await?
        .ok_or(ApiError::NotFound("API key"))
}

/// `POST /api/v1/code-generation`: the loader snippet (async; at most 250 bytes).
pub async fn generate_snippet(
    state: web::Data<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<SnippetRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = owned_key(&state, user.0, body.api_key_id).await?;
    let tracker_url = format!(
        "{}/api/v1/tracker.js?k={}&a={}&c={}",
        state.public_url,
        key.api_key,
        u8::from(body.auto_track),
        u8::from(body.custom_events)
    );
    let snippet = format!(
        "<script async src=\"{}\"></script>",
        tracker_url.replace('&', "&amp;")
    );
    Ok(HttpResponse::Ok().json(json!({ "snippet": snippet, "tracker_url": tracker_url })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigCodeRequest {
    api_key_id: ApiKeyId,
}

/// `POST /api/v1/metric-configs/{id}/generate-code`: self-contained code for one config.
pub async fn generate_config_code(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<MetricConfigId>,
    ApiJson(body): ApiJson<ConfigCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let config = {
        let mut conn = state.pool.get().await?;
        MetricConfig::find_for_user(&mut conn, user.0, id.into_inner())
            .await?
            .ok_or(ApiError::NotFound("metric config"))?
    };
    let key = owned_key(&state, user.0, body.api_key_id).await?;
    let auto_track = config.auto_track;
    let js = library_with(&config_json(
        &state,
        &key.api_key,
        auto_track,
        true,
        std::slice::from_ref(&config),
    ));
    let code = format!("<script>\n{js}</script>");
    Ok(HttpResponse::Ok().json(json!({ "code": code })))
}
