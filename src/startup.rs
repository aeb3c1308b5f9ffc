//! `Application::build` wires settings into a running server: migrations, pool, registry,
//! restored aggregate, background tasks, and the HTTP listener (port 0 in tests).
//! Over 300 lines: the wiring reads top to bottom in start-up order; what stands alone lives in
//! its own module.

use crate::aggregator::Aggregator;
use crate::auth::JwtKeys;
use crate::checkpoint::CheckpointStore;
use crate::forwarder::Forwarder;
use crate::ingest::{live::LiveStats, registry::RegistryCache};
use crate::own_metrics::OwnMetrics;
use crate::query::client::PrometheusClient;
use crate::settings::Settings;
use crate::shutdown::{self, Shutdown};
use crate::sinks::{PushgatewayClient, RemoteWriteSink, Sink, Sinks};
use crate::state::AppState;
use crate::{background, db, routes, security_headers, telemetry};
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use rand::Rng;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinHandle;

pub struct Application {
    port: u16,
    server: Server,
    parts: AppFactory,
    stop: shutdown::Trigger,
    /// the forwarder and the background tasks, joined at the stop
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

/// The routes with their rate limiters, built once and shared by every worker.
type Routes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// What every worker's `App` is made of, built once: the workers and in-process tests
/// (`actix_web::test::init_service(app.factory().app())`) serve the same state, rate limiters
/// and routes.
#[derive(Clone)]
pub struct AppFactory {
    state: web::Data<AppState>,
    proxies: telemetry::TrustedProxies,
    routes: Routes,
}

impl AppFactory {
    /// The application: its state, the request log, the security headers and the routes.
    pub fn app(
        &self,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody + use<>>,
            Error = actix_web::Error,
            InitError = (),
        > + use<>,
    > {
        let routes = self.routes.clone();
        App::new()
            .app_data(self.state.clone())
            .app_data(self.proxies.clone())
            .wrap(security_headers::headers())
            .wrap(tracing_actix_web::TracingLogger::<
                telemetry::ClientIpRootSpan,
            >::new())
            .configure(move |cfg| routes(cfg))
    }
}

/// Installs rustls' ring provider once (reqwest is built without a default provider).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn instance_name(settings: &Settings) -> String {
    settings.instance.clone().filter(|i| !i.trim().is_empty()).unwrap_or_else(|| {
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        tracing::warn!(instance = %host, "PUSHGATE_INSTANCE is not set; using the host name. Set it explicitly in production: it names this instance's Pushgateway group and checkpoint");
        host
    })
}

fn jwt_keys(settings: &Settings) -> JwtKeys {
    match &settings.jwt_secret {
        Some(secret) => JwtKeys::new(secret.expose().as_bytes()),
        None => {
            tracing::warn!(
                "PUSHGATE_JWT_SECRET is not set; using a random key: sessions end when pushgate restarts"
            );
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            JwtKeys::new(&key)
        }
    }
}

/// The remote-write URL, when one is set (an empty value, as templates leave it, is none).
fn remote_write_url(settings: &Settings) -> Option<&str> {
    settings
        .remote_write
        .remote_write_url
        .as_ref()
        .map(|u| u.expose().trim())
        .filter(|u| !u.is_empty())
}

/// At least one sink must be configured: else nothing would ever leave.
fn check_sinks(settings: &Settings) -> anyhow::Result<()> {
    if settings.pushgateway_url.trim().is_empty() && remote_write_url(settings).is_none() {
        anyhow::bail!(
            "no sink configured: PUSHGATEWAY_URL is empty and PUSHGATE_REMOTE_WRITE_URL is not set; set either (or both)"
        );
    }
    Ok(())
}

/// The sinks `settings` configure: the Pushgateway unless its URL is empty, remote write when
/// its URL is set.
fn configured_sinks(
    settings: &Settings,
    instance: &str,
    aggregator: &Aggregator,
    metrics: &OwnMetrics,
) -> anyhow::Result<Sinks> {
    let mut sinks: Vec<Arc<dyn Sink>> = Vec::new();
    if !settings.pushgateway_url.trim().is_empty() {
        let pushgateway = PushgatewayClient::new(&settings.pushgateway_url, instance)
            .context("cannot build the Pushgateway's HTTP client")?;
        sinks.push(Arc::new(pushgateway));
    }
    if let Some(url) = remote_write_url(settings) {
        let remote = RemoteWriteSink::new(
            &settings.remote_write,
            url,
            instance,
            aggregator.clone(),
            metrics.clone(),
        )
        .context("cannot build the remote-write HTTP client")?;
        tracing::info!(
            tenant_header = settings.remote_write.remote_write_tenant_header.as_ref().map(|h| h.as_str()),
            extra_headers = ?settings.remote_write.remote_write_headers,
            "forwarding by remote write too"
        );
        sinks.push(Arc::new(remote));
    }
    Ok(sinks.into())
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        install_crypto_provider();
        check_sinks(&settings)?;
        let instance = instance_name(&settings);
        settings.instance = Some(instance);
        Self::assemble(settings, None).await
    }

    /// `build`, with the given sinks instead of those the settings configure (tests use a
    /// stand-in to make faults a real receiver cannot make).
    pub async fn build_with_sinks(settings: Settings, sinks: Sinks) -> anyhow::Result<Self> {
        Self::assemble(settings, Some(sinks)).await
    }

    /// Everything: `sinks`, or those the settings configure.
    async fn assemble(settings: Settings, sinks: Option<Sinks>) -> anyhow::Result<Self> {
        install_crypto_provider();
        db::run_migrations(settings.database.database_url.expose())
            .await
            .context("cannot prepare the database")?;
        let pool = db::build_pool(&settings.database)?;
        let listener = TcpListener::bind(settings.listen).with_context(|| {
            format!(
                "cannot listen on {} (is another process using that port? set PUSHGATE_LISTEN)",
                settings.listen
            )
        })?;
        let port = listener
            .local_addr()
            .context("the listener has no address")?
            .port();
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{port}", settings.listen.ip()))
            .trim_end_matches('/')
            .to_owned();
        let instance = instance_name(&settings);
        let metrics = OwnMetrics::new().context("cannot register pushgate's own metrics")?;
        let aggregator = Aggregator::new(settings.limits.max_series_per_tenant);
        let sinks = match sinks {
            Some(sinks) => sinks,
            None => configured_sinks(&settings, &instance, &aggregator, &metrics)?,
        };
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            jwt: jwt_keys(&settings),
            registry: RegistryCache::default(),
            aggregator: aggregator.clone(),
            metrics: metrics.clone(),
            live: LiveStats::default(),
            used_keys: Default::default(),
            sinks: sinks.clone(),
            prometheus: PrometheusClient::new(&settings.query.prometheus_url)
                .context("cannot build the Prometheus client")?,
            instance: instance.clone(),
            public_url,
            settings: Arc::new(settings.clone()),
        });
        state
            .registry
            .reload(&pool)
            .await
            .context("cannot load API keys")?;
        let checkpoints = CheckpointStore::new(pool.clone(), instance.clone());
        match checkpoints.restore(&aggregator).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(series = n, instance = %instance, "restored the checkpoint"),
            Err(e) => return Err(anyhow::Error::new(e).context("cannot restore the checkpoint")),
        }
        let (stop, stopping): (_, Shutdown) = shutdown::channel();
        background::reconcile(&state);
        let mut tasks = vec![
            (
                "registry reload",
                background::spawn_key_refresh(state.clone(), stopping.clone()),
            ),
            (
                "key use writer",
                background::spawn_touch_keys(state.clone(), stopping.clone()),
            ),
        ];

        for sink in sinks.iter() {
            if let Err(e) = sink.ready().await {
                tracing::warn!(sink = sink.name(), error = %e, "{} is not ready; aggregating anyway and retrying pushes", sink.description());
            }
        }
        let forwarder = Forwarder {
            aggregator,
            checkpoints,
            sinks,
            metrics,
            series_ttl: settings.series_ttl,
            flush_interval: settings.flush_interval,
            checkpoint_every: settings.checkpoint_every(),
        };
        tasks.push(("forwarder", tokio::spawn(forwarder.run(stopping))));

        let parts = AppFactory {
            state: state.clone(),
            proxies: telemetry::TrustedProxies(Arc::new(
                settings.rate_limits.trusted_proxies.0.clone(),
            )),
            routes: Arc::new(routes::configure(routes::RateLimiters::new(
                &settings.rate_limits,
                state.jwt.clone(),
            ))),
        };
        let worker_parts = parts.clone();
        let workers = settings.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let server = HttpServer::new(move || worker_parts.app())
            .workers(workers)
            .on_connect(no_delay)
            .listen(listener)
            .context("cannot serve on the listener")?
            // in-flight requests get 3 s; the rest of the 10 s is the final flush's
            .shutdown_timeout(3)
            // run_until_stopped watches the signals: it needs the instant of the stop
            .disable_signals()
            .run();
        tracing::info!(
            port,
            workers,
            "pushgate listening; dashboard at {}/",
            parts.state.public_url
        );
        Ok(Self {
            port,
            server,
            parts,
            stop,
            tasks,
        })
    }

    /// What the workers serve, for in-process tests.
    pub fn factory(&self) -> AppFactory {
        self.parts.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.parts.state.clone()
    }

    /// Serves until SIGTERM/SIGINT (or the server ends by itself), then: stops accepting and
    /// lets in-flight requests finish, stops the background tasks (the final checkpoint and
    /// push, the last `last_used_at` write) with a deadline that leaves the exit within 10 s
    /// of the signal, and joins them.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = self.server;
        let (result, stopping) = tokio::select! {
            result = &mut server => (result, Instant::now()),
            stopping = shutdown::signal() => {
                tracing::info!("stopping: no new requests, in-flight ones finish");
                // the command is sent at once; the server future itself carries it out, so it
                // is that future that must be awaited, not the stop's completion
                drop(handle.stop(true));
                (server.await, stopping)
            }
        };
        tracing::info!("stopped accepting requests; final checkpoint and push");
        self.stop.stop(shutdown::deadline_from(stopping));
        for (name, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(task = name, error = %e, "a background task ended abnormally");
            }
        }
        result
    }
}

/// TCP_NODELAY on every accepted connection. An answer written in more than one piece (the
/// read path streams Prometheus's answer through) otherwise waits for the client's delayed ACK
/// before its last piece goes out: 40 ms per answer (Nagle's algorithm).
fn no_delay(connection: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Err(e) = tcp.set_nodelay(true)
    {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `HttpServer::on_connect` hands over for a TCP listener is actix's `TcpStream`.
    #[actix_web::test]
    async fn accepted_connections_get_tcp_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let address = listener.local_addr().expect("its address");
        let _client = std::net::TcpStream::connect(address).expect("a connection");
        let (accepted, _) = listener.accept().expect("accepted");
        accepted.set_nonblocking(true).expect("non-blocking");
        let tcp = actix_web::rt::net::TcpStream::from_std(accepted).expect("a tokio stream");
        assert!(!tcp.nodelay().expect("readable"), "off by default");
        no_delay(&tcp, &mut actix_web::dev::Extensions::new());
        assert!(tcp.nodelay().expect("readable"));
    }

    #[test]
    fn at_least_one_sink_is_required() {
        let mut s = Settings::for_tests("postgres://x/y", "http://pg:9091");
        assert!(check_sinks(&s).is_ok());
        s.pushgateway_url = String::new();
        let err = check_sinks(&s).unwrap_err().to_string();
        assert!(err.contains("PUSHGATEWAY_URL") && err.contains("PUSHGATE_REMOTE_WRITE_URL"));
        s.remote_write.remote_write_url = Some(crate::settings::Secret::new(" "));
        assert!(check_sinks(&s).is_err(), "an empty URL is none");
        s.remote_write.remote_write_url =
            Some(crate::settings::Secret::new("http://vm/api/v1/write"));
        assert!(check_sinks(&s).is_ok());
    }
}
