//! Faults with real processes (issue 8): Postgres stopped and started again (`postgres`), the
//! Pushgateway killed under steady load, two pushgate instances behind one Pushgateway. The
//! soak (`scripts/soak`, not in CI) lives here too.

mod postgres;
mod soak;

use crate::helpers::load::{self, Load};
use crate::helpers::{Transport, eventually, exposition, spawn_app};
use pushgate::settings::Settings;
use pushgate::startup::Application;
use serde_json::json;
use std::time::{Duration, Instant};

/// How long the Pushgateway stays dead under load: several flush intervals and retries.
const PGW_OUTAGE: Duration = Duration::from_secs(5);
const PACE: Duration = Duration::from_millis(10);

/// Starts a server with `settings`; returns its base URL.
async fn start(settings: Settings) -> String {
    pushgate::startup::install_crypto_provider();
    let app = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

#[tokio::test]
async fn pushgateway_killed_under_steady_load_then_restarted_has_exact_totals() {
    let mut app = spawn_app().await;
    let a = app.signup().await;
    let load: Load = load::steady(&app.address, &a.key, "steady_total", PACE);
    app.pushgateway_shows_at_least("steady_total", &a.user_id, 1.0)
        .await;
    app.pushgateway.stop();
    let killed = Instant::now();
    let before = load.acked_so_far();
    // the outage itself: the load keeps running meanwhile
    tokio::time::sleep(PGW_OUTAGE).await;
    let during = load.acked_so_far() - before;
    app.pushgateway.restart().await;
    eventually(
        Duration::from_secs(10),
        "more load after the restart",
        || async { (load.acked_so_far() > before + during + 20).then_some(()) },
    )
    .await;
    let result = load.finish().await;
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    app.pushgateway_shows(
        "steady_total",
        &[("tenant", a.user_id.as_str())],
        result.acked as f64,
    )
    .await;
    let own = app.own_metrics().await;
    let failures = exposition::find(&own, "pushgate_push_failures_total", &[]);
    assert!(
        failures.is_some_and(|f| f >= 1.0),
        "the forwarder saw the outage: {failures:?}"
    );
    println!(
        "Pushgateway dead for {:?}: {} pushes acknowledged ({during} while it was down), total exact afterwards",
        killed.elapsed().min(PGW_OUTAGE),
        result.acked
    );
}

#[tokio::test]
async fn two_instances_behind_one_pushgateway_add_up_to_the_total_sent() {
    let app = spawn_app().await;
    let mut settings = Settings::for_tests(&app.db.url, &app.pushgateway.url);
    settings.instance = Some("second".into());
    let second = start(settings).await;
    let a = app.signup().await;
    let probe = json!({"metrics": [{"name": "probe_total", "type": "counter", "value": 1}]});
    // the second instance learns the new key from Postgres within the cache refresh
    eventually(
        Duration::from_secs(10),
        "the second instance to know the key",
        || async {
            let r = Transport::socket(&second)
                .request("POST", "/api/v1/metrics")
                .header("X-API-Key", &a.key.public)
                .header("X-API-Secret", &a.key.secret)
                .body(probe.to_string())
                .try_send()
                .await
                .ok()?;
            (r.status == 200).then_some(())
        },
    )
    .await;
    let loads = [
        load::steady(&app.address, &a.key, "both_total", Duration::from_millis(5)),
        load::steady(&second, &a.key, "both_total", Duration::from_millis(5)),
        load::steady(&second, &a.key, "both_total", Duration::from_millis(5)),
    ];
    eventually(
        Duration::from_secs(20),
        "load on both instances",
        || async { loads.iter().all(|l| l.acked_so_far() >= 200).then_some(()) },
    )
    .await;
    let mut sent = 0;
    for l in loads {
        let r = l.finish().await;
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        sent += r.acked;
    }
    let per_instance = eventually(
        Duration::from_secs(15),
        "sum without (instance) = total sent",
        || async {
            let text = app.pushgateway.metrics_text().await;
            let samples = exposition::parse(&text);
            let of = |instance: &str| -> f64 {
                samples
                    .iter()
                    .filter(|s| {
                        s.name == "both_total"
                            && s.label("tenant") == Some(&a.user_id)
                            && s.label("instance") == Some(instance)
                    })
                    .map(|s| s.value)
                    .sum()
            };
            let (first, other) = (of("test"), of("second"));
            (first + other == sent as f64).then_some((first, other))
        },
    )
    .await;
    assert!(
        per_instance.0 > 0.0 && per_instance.1 > 0.0,
        "{per_instance:?}"
    );
    println!(
        "two instances: {} + {} = {sent} sent",
        per_instance.0, per_instance.1
    );
}
