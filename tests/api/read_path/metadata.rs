//! Metadata is kept by Prometheus per metric name, not per tenant: when two tenants push the
//! same name, the exposed help is whichever came first. Each reader gets its own help back.

use super::{As, read, read_stack};
use crate::helpers::eventually;
use serde_json::json;
use std::time::Duration;

const A_SECRET: &str = "Acme's enterprise deals closed (pricing in the CRM)";

#[tokio::test]
async fn each_reader_gets_its_own_help_text() {
    let stack = read_stack().await;
    let app = &stack.app;
    let (a, b) = (app.signup().await, app.signup().await);
    let config = json!({"name": "Deals", "metric_name": "deals_total", "metric_type": "counter",
        "help": A_SECRET, "labels": {"plan": null}});
    let r = app.create_config(&a, config).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let item = |v: f64| json!({"metrics": [{"name": "deals_total", "type": "counter", "value": v, "labels": {"plan": "pro"}}]});
    assert_eq!(app.push(&a.key, item(3.0)).await.status, 200);
    assert_eq!(app.push(&b.key, item(2.0)).await.status, 200);

    let help_for = |who| {
        let stack = &stack;
        async move {
            let r = read(&stack.app, who, "GET", "/metadata", &[]).await;
            let entries = r.data().get("deals_total").cloned();
            entries.map(|e| (e, r.text))
        }
    };
    // Prometheus learns the metadata from its next scrape of the Pushgateway.
    let (a_entries, _) = eventually(Duration::from_secs(30), "A's deals_total metadata", || {
        help_for(As::Bearer(&a))
    })
    .await;
    assert_eq!(
        a_entries,
        json!([{"type": "counter", "help": A_SECRET, "unit": ""}])
    );
    let (b_entries, b_text) = help_for(As::Bearer(&b))
        .await
        .expect("B has series of deals_total: it is in B's metadata");
    assert!(
        !b_text.contains("Acme"),
        "A's help text reached B: {b_text}"
    );
    assert_eq!(
        b_entries,
        json!([{"type": "counter", "help": "Custom metric pushed through pushgate.", "unit": ""}])
    );
}
