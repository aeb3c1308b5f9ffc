//! A signed-in session's view of the account API: one typed call per endpoint, the access
//! token sent as `Authorization: Bearer`.

use super::{Response, TestApp};
use serde_json::{Value, json};

pub struct Session<'a> {
    app: &'a TestApp,
    token: String,
}

impl<'a> Session<'a> {
    pub(super) fn new(app: &'a TestApp, token: &str) -> Self {
        Self {
            app,
            token: token.to_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.app
            .request("GET", path)
            .bearer(&*self.token)
            .send()
            .await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.app
            .request("DELETE", path)
            .bearer(&*self.token)
            .send()
            .await
    }

    /// `method` on `path` with a JSON body.
    pub async fn send(&self, method: &str, path: &str, body: &Value) -> Response {
        self.app
            .request(method, path)
            .bearer(&*self.token)
            .json(body)
            .send()
            .await
    }

    pub async fn me(&self) -> Response {
        self.get("/api/v1/auth/me").await
    }

    /// Signs out, revoking `refresh_token`'s login when one is given.
    pub async fn signout(&self, refresh_token: Option<&str>) -> Response {
        let request = self
            .app
            .request("POST", "/api/v1/auth/signout")
            .bearer(&*self.token);
        match refresh_token {
            Some(t) => request.json(&json!({"refresh_token": t})).send().await,
            None => request.send().await,
        }
    }

    pub async fn delete_account(&self, password: &str) -> Response {
        let body = json!({"password": password});
        self.send("DELETE", "/api/v1/auth/me", &body).await
    }

    pub async fn create_key(&self, body: &Value) -> Response {
        self.send("POST", "/api/v1/apikeys", body).await
    }

    pub async fn keys(&self) -> Response {
        self.get("/api/v1/apikeys").await
    }

    pub async fn update_key(&self, id: &str, body: &Value) -> Response {
        self.send("PATCH", &format!("/api/v1/apikeys/{id}"), body)
            .await
    }

    pub async fn delete_key(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/apikeys/{id}")).await
    }

    pub async fn create_config(&self, body: &Value) -> Response {
        self.send("POST", "/api/v1/metric-configs", body).await
    }

    pub async fn configs(&self) -> Response {
        self.get("/api/v1/metric-configs").await
    }

    pub async fn config(&self, id: &str) -> Response {
        self.get(&format!("/api/v1/metric-configs/{id}")).await
    }

    pub async fn replace_config(&self, id: &str, body: &Value) -> Response {
        self.send("PUT", &format!("/api/v1/metric-configs/{id}"), body)
            .await
    }

    pub async fn delete_config(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/metric-configs/{id}")).await
    }

    /// `POST /metric-configs/{id}/generate-code` for the key `key_id`.
    pub async fn generate_code(&self, config_id: &str, key_id: &str) -> Response {
        let path = format!("/api/v1/metric-configs/{config_id}/generate-code");
        self.send("POST", &path, &json!({"api_key_id": key_id}))
            .await
    }

    /// `POST /code-generation`: the loader snippet.
    pub async fn snippet(&self, body: &Value) -> Response {
        self.send("POST", "/api/v1/code-generation", body).await
    }

    pub async fn live(&self) -> Response {
        self.get("/api/v1/live").await
    }
}
