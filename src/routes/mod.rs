//! Every route, registered in one place: `configure` is used by `startup` and by every test.

pub mod api_keys;
pub mod auth;
pub mod health;
pub mod ingest;
pub mod metric_configs;
pub mod own_metrics;

use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, ResponseError, middleware::DefaultHeaders, web};

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

pub fn configure(cfg: &mut web::ServiceConfig) {
    extractor_errors(cfg);
    cfg.service(
        web::scope("/api/v1")
            .service(health::get_health)
            .service(health::get_ready)
            .service(auth::signup)
            .service(auth::signin)
            .service(auth::refresh)
            .service(auth::signout)
            .service(auth::get_me)
            .service(auth::delete_me)
            .service(api_keys::create_api_key)
            .service(api_keys::list_api_keys)
            .service(api_keys::update_api_key)
            .service(api_keys::delete_api_key)
            .service(metric_configs::create_metric_config)
            .service(metric_configs::list_metric_configs)
            .service(metric_configs::get_metric_config)
            .service(metric_configs::replace_metric_config)
            .service(metric_configs::delete_metric_config)
            .service(
                web::resource("/metrics")
                    .wrap(
                        DefaultHeaders::new()
                            .add(("Access-Control-Allow-Origin", "*"))
                            .add(("Cross-Origin-Resource-Policy", "cross-origin")),
                    )
                    .route(web::post().to(ingest::push_metrics))
                    .route(web::method(actix_web::http::Method::OPTIONS).to(ingest::preflight)),
            )
            .default_service(web::to(not_found)),
    )
    .service(own_metrics::get_own_metrics);
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().json(crate::error::error_body(
        "not_found",
        &format!(
            "no such endpoint: {} {}; see the API reference in docs/api.md",
            req.method(),
            req.path()
        ),
        serde_json::Value::Null,
    ))
}
