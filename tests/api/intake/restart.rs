//! Groups survive a restart: the checkpoint carries which series each group owns and its last
//! push, so after a SIGTERM and a start the next PUT still replaces the whole group.

use crate::helpers::binary::{self, Stack, wait_healthy};
use crate::helpers::{eventually, exposition};
use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn a_group_is_still_replaced_whole_after_a_restart() {
    let Stack { db, pgw, port } = Stack::new().await;
    let url = format!("http://127.0.0.1:{port}");
    let serve = || {
        binary::serve(
            &db.url,
            &pgw.url,
            port,
            "group-restart",
            "group-restart-secret",
        )
        .spawn()
        .expect("the binary starts")
    };
    let mut server = serve();
    wait_healthy(&url).await;
    let client = reqwest::Client::new();
    let (_, signed_up) = binary::signup(&url, "groups@example.com").await;
    let (key, secret) = (signed_up.public, signed_up.secret);
    let put = |body: &'static str| {
        client
            .put(format!("{url}/metrics/job/nightly"))
            .basic_auth(&key, Some(&secret))
            .body(body)
            .send()
    };
    let r =
        put("# TYPE rows_total counter\nrows_total 5\n# TYPE took_seconds gauge\ntook_seconds 2\n")
            .await
            .unwrap();
    assert_eq!(r.status(), 200);

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    let shows = |name: &'static str| {
        let pgw = &pgw;
        async move {
            exposition::find(
                &pgw.metrics_text().await,
                name,
                &[("exported_job", "nightly")],
            )
        }
    };
    assert_eq!(
        shows("took_seconds").await,
        Some(2.0),
        "the final push carried the group"
    );

    let mut server = serve();
    wait_healthy(&url).await;
    // the restored group owns its series: this PUT takes `took_seconds` away
    let r = put("# TYPE rows_total counter\nrows_total 9\n")
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    eventually(
        Duration::from_secs(15),
        "the replaced group in the Pushgateway",
        || async {
            (shows("rows_total").await == Some(9.0) && shows("took_seconds").await.is_none())
                .then_some(())
        },
    )
    .await;
    assert!(shows("pushgate_group_push_time_seconds").await.is_some());
    let _ = server.kill();
    let _ = server.wait();
}
