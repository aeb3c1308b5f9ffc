//! The admin dashboard's files, embedded in the binary (one file to deploy), served at `/`
//! with a CSP that allows no inline script, and X-Frame-Options: DENY; gzip-encoded to clients
//! that accept it (actix-web's `Compress`; the files carry no ETag, so none needs care).

use crate::security_headers::DASHBOARD_CSP;
use actix_web::{HttpRequest, HttpResponse, guard, middleware::Compress, web};

macro_rules! files {
    ($($name:literal => $mime:literal),* $(,)?) => {
        &[$(($name, $mime, include_bytes!(concat!("../../frontend/", $name)) as &[u8])),*]
    };
}

const FILES: &[(&str, &str, &[u8])] = files! {
    "index.html" => "text/html; charset=utf-8",
    "styles.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "app.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "dom.js" => "text/javascript; charset=utf-8",
    "state.js" => "text/javascript; charset=utf-8",
    "format.js" => "text/javascript; charset=utf-8",
    "forms.js" => "text/javascript; charset=utf-8",
    "dialogs.js" => "text/javascript; charset=utf-8",
    "widgets.js" => "text/javascript; charset=utf-8",
    "prom.js" => "text/javascript; charset=utf-8",
    "queries.js" => "text/javascript; charset=utf-8",
    "charts.js" => "text/javascript; charset=utf-8",
    "metric-chart.js" => "text/javascript; charset=utf-8",
    "view-insights.js" => "text/javascript; charset=utf-8",
    "grafana-help.js" => "text/javascript; charset=utf-8",
    "metric-form.js" => "text/javascript; charset=utf-8",
    "grafana/pushgate-web-metrics.json" => "application/json",
    "vendor/uplot/uPlot.esm.js" => "text/javascript; charset=utf-8",
    "vendor/uplot/uPlot.min.css" => "text/css; charset=utf-8",
    "view-account.js" => "text/javascript; charset=utf-8",
    "view-auth.js" => "text/javascript; charset=utf-8",
    "view-code.js" => "text/javascript; charset=utf-8",
    "view-keys.js" => "text/javascript; charset=utf-8",
    "view-live.js" => "text/javascript; charset=utf-8",
    "view-metrics.js" => "text/javascript; charset=utf-8",
};

pub async fn get_dashboard_file(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    let name = if path.is_empty() { "index.html" } else { path };
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => HttpResponse::Ok()
            .content_type(*mime)
            .insert_header(("Content-Security-Policy", DASHBOARD_CSP))
            .insert_header(("X-Frame-Options", "DENY"))
            .insert_header(("Cache-Control", "no-cache"))
            .body(*body),
        None => super::not_found(req).await,
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    let paths =
        std::iter::once("/".to_owned()).chain(FILES.iter().map(|(n, _, _)| format!("/{n}")));
    for path in paths {
        // The GET guard on the resource, as `cfg.route` puts it: other methods fall through.
        cfg.service(
            web::resource(path)
                .guard(guard::Get())
                .wrap(Compress::default())
                .to(get_dashboard_file),
        );
    }
}
