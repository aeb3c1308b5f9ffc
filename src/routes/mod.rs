//! Every route, registered in one place: `configure` is used by `startup` and by every test.

pub mod api_keys;
pub mod auth;
pub mod dashboard;
pub mod health;
pub mod ingest;
mod intake;
mod limits;
pub mod live;
pub mod metric_configs;
pub mod otlp;
pub mod own_metrics;
pub mod prometheus;
pub mod pushgateway;
pub mod tracker;

use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, ResponseError, middleware::DefaultHeaders, web};
pub use limits::RateLimiters;

/// Malformed path or query parameters become 404/400 in the JSON error shape.
fn extractor_errors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| {
        actix_web::error::InternalError::from_response(
            "",
            ApiError::NotFound("resource").error_response(),
        )
        .into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        let err = ApiError::BadRequest {
            code: "invalid_query",
            message: format!("invalid query string: {e}"),
        };
        actix_web::error::InternalError::from_response("", err.error_response()).into()
    }));
}

/// Registers every route behind the rate limiters of `limiters` (a limit of 0 is not
/// installed). Called once per worker: the limiters' state is shared, not rebuilt. The whole
/// table is here: handlers carry no route attributes.
pub fn configure(limiters: RateLimiters) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        extractor_errors(cfg);
        cfg.service(
            web::scope("/api/v1")
                .wrap(limiters.api.middleware())
                .service(
                    web::resource("/auth/signup")
                        .wrap(limiters.auth.middleware())
                        .route(web::post().to(auth::signup))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/auth/signin")
                        .wrap(limiters.auth.middleware())
                        .route(web::post().to(auth::signin))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/auth/refresh")
                        .wrap(limiters.auth.middleware())
                        .route(web::post().to(auth::refresh))
                        .default_service(web::to(method_not_allowed)),
                )
                .configure(|cfg| api_routes(cfg, &limiters))
                .default_service(web::to(not_found)),
        )
        .service(
            web::scope("/prometheus/api/v1")
                .wrap(limiters.read.middleware())
                .configure(prometheus::configure)
                .default_service(web::to(prometheus::not_found)),
        )
        .route("/metrics", web::get().to(own_metrics::get_own_metrics))
        .configure(|cfg| intake_routes(cfg, &limiters))
        .configure(dashboard::configure);
    }
}

/// Each `route` is a resource of its own with its method's guard: another method on the same
/// path falls through to the next match, and finally to the scope's JSON 404.
fn api_routes(cfg: &mut web::ServiceConfig, limiters: &RateLimiters) {
    use web::{delete, get, patch, post, put};
    cfg.route("/live", get().to(live::get_live))
        .route("/tracker.js", get().to(tracker::get_tracker))
        .route("/client/script.js", get().to(tracker::get_client_script))
        .route("/client", get().to(tracker::get_client_info))
        .route("/code-generation", post().to(tracker::generate_snippet))
        .route(
            "/metric-configs/{id}/generate-code",
            post().to(tracker::generate_config_code),
        )
        .route("/health", get().to(health::get_health))
        .route("/health/ready", get().to(health::get_ready))
        .route("/auth/signout", post().to(auth::signout))
        .route("/auth/me", get().to(auth::get_me))
        .route("/auth/me", delete().to(auth::delete_me))
        .route("/apikeys", post().to(api_keys::create_api_key))
        .route("/apikeys", get().to(api_keys::list_api_keys))
        .route("/apikeys/{id}", patch().to(api_keys::update_api_key))
        .route("/apikeys/{id}", delete().to(api_keys::delete_api_key))
        .route(
            "/metric-configs",
            post().to(metric_configs::create_metric_config),
        )
        .route(
            "/metric-configs",
            get().to(metric_configs::list_metric_configs),
        )
        .route(
            "/metric-configs/{id}",
            get().to(metric_configs::get_metric_config),
        )
        .route(
            "/metric-configs/{id}",
            put().to(metric_configs::replace_metric_config),
        )
        .route(
            "/metric-configs/{id}",
            delete().to(metric_configs::delete_metric_config),
        )
        .service(
            web::resource("/metrics")
                .wrap(limiters.ingest.middleware())
                .wrap(limiters.browser.middleware())
                .wrap(
                    DefaultHeaders::new()
                        .add(("Access-Control-Allow-Origin", "*"))
                        .add(("Cross-Origin-Resource-Policy", "cross-origin")),
                )
                .route(post().to(ingest::push_metrics))
                .route(web::method(actix_web::http::Method::OPTIONS).to(ingest::preflight))
                .default_service(web::to(method_not_allowed)),
        );
}

/// The ecosystem's push protocols, at the paths their clients use (outside `/api/v1`): the
/// Pushgateway's push API and OTLP/HTTP. Server-side keys only, so no CORS.
fn intake_routes(cfg: &mut web::ServiceConfig, limiters: &RateLimiters) {
    cfg.service(
        web::resource(pushgateway::PATHS)
            .wrap(limiters.ingest.middleware())
            .route(web::put().to(pushgateway::push_group))
            .route(web::post().to(pushgateway::push_group))
            .route(web::delete().to(pushgateway::push_group))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/v1/metrics")
            .wrap(limiters.ingest.middleware())
            .route(web::post().to(otlp::export_metrics))
            .default_service(web::to(method_not_allowed)),
    );
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::NoSuchEndpoint {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}

/// A known path with a method it does not take: 405 in the JSON error shape (actix's own 405
/// has an empty body).
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}
