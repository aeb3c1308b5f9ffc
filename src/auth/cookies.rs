//! The dashboard's session cookies: HTTP-only, SameSite=Strict, Secure over HTTPS. The refresh
//! cookie is only sent to the auth endpoints.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

pub const ACCESS_COOKIE: &str = "pushgate_access";
pub const REFRESH_COOKIE: &str = "pushgate_refresh";
const REFRESH_PATH: &str = "/api/v1/auth";

fn secure(req: &HttpRequest, public_url: &str) -> bool {
    public_url.starts_with("https://") || req.connection_info().scheme() == "https"
}

fn cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    secs: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(Duration::seconds(secs))
        .finish()
}

pub fn session(
    req: &HttpRequest,
    public_url: &str,
    access: &str,
    refresh: &str,
    refresh_secs: i64,
) -> [Cookie<'static>; 2] {
    let s = secure(req, public_url);
    [
        cookie(
            ACCESS_COOKIE,
            access.to_owned(),
            "/",
            super::jwt::ACCESS_TOKEN_SECONDS,
            s,
        ),
        cookie(
            REFRESH_COOKIE,
            refresh.to_owned(),
            REFRESH_PATH,
            refresh_secs,
            s,
        ),
    ]
}

pub fn cleared(req: &HttpRequest, public_url: &str) -> [Cookie<'static>; 2] {
    let s = secure(req, public_url);
    [
        cookie(ACCESS_COOKIE, String::new(), "/", 0, s),
        cookie(REFRESH_COOKIE, String::new(), REFRESH_PATH, 0, s),
    ]
}
