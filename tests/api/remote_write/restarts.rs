//! The real binary with remote write on (and the Pushgateway too), stopped with SIGTERM or
//! SIGKILL and started again: nothing lost on SIGTERM, and never a value at the receiver ahead
//! of what a restart restores (the checkpoint is written before each send).

use super::Receiver;
use crate::helpers::binary::{self, Stack, wait_healthy};
use crate::helpers::{eventually, load};
use std::process::{Child, Command};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn start(stack: &Stack, receiver: &Receiver) -> Child {
    binary::serve(
        &stack.db.url,
        &stack.pgw.url,
        stack.port,
        "rw-restart",
        "rw-restart-secret",
    )
    .env("PUSHGATE_REMOTE_WRITE_URL", receiver.write_url())
    .spawn()
    .expect("the binary starts")
}

fn signal(child: &Child, sig: &str) {
    Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
}

#[tokio::test]
async fn sigterm_sends_everything_and_counters_continue_after_restart() {
    let receiver = Receiver::prometheus().await;
    let stack = Stack::new().await;
    let url = format!("http://127.0.0.1:{}", stack.port);
    let mut child = start(&stack, &receiver);
    wait_healthy(&url).await;
    let (tenant, key) = binary::signup(&url, "rw-restart@example.com").await;
    binary::push_jobs(&url, &key, 150).await;
    signal(&child, "-TERM");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    let promql = format!("jobs_total{{tenant=\"{tenant}\"}}");
    // the final flush went out before the exit: the value is there now, not eventually
    assert_eq!(receiver.value(&promql).await, Some(150.0));

    let mut child = start(&stack, &receiver);
    wait_healthy(&url).await;
    binary::push_jobs(&url, &key, 30).await;
    eventually(WAIT, "the counter to continue", || async {
        (receiver.value(&promql).await == Some(180.0)).then_some(())
    })
    .await;
    assert_eq!(
        receiver.value(&format!("resets({promql}[10m])")).await,
        Some(0.0)
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn sigkill_never_leaves_the_receiver_ahead_of_the_checkpoint() {
    let receiver = Receiver::prometheus().await;
    let stack = Stack::new().await;
    let url = format!("http://127.0.0.1:{}", stack.port);
    let mut child = start(&stack, &receiver);
    wait_healthy(&url).await;
    let (tenant, key) = binary::signup(&url, "rw-restart@example.com").await;
    let promql = format!("jobs_total{{tenant=\"{tenant}\"}}");
    let steady = load::steady(&url, &key, "jobs_total", Duration::from_millis(10));
    eventually(WAIT, "several flushes under load", || async {
        receiver.value(&promql).await.filter(|v| *v >= 200.0)
    })
    .await;
    signal(&child, "-KILL");
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let result = steady.finish().await;
    let before = receiver
        .value(&promql)
        .await
        .expect("the value sent before the kill");

    let mut child = start(&stack, &receiver);
    wait_healthy(&url).await;
    binary::push_jobs(&url, &key, 10).await;
    // after the restart the receiver gets the restored total plus the new increments; had it
    // held a value ahead of the checkpoint, the counter would go down (a reset)
    let after = eventually(WAIT, "the restarted instance to send", || async {
        receiver
            .value(&promql)
            .await
            .filter(|v| *v >= before + 10.0)
    })
    .await;
    assert!(
        after <= result.acked as f64 + 1.0 + 10.0,
        "{after} > acknowledged"
    );
    assert_eq!(
        receiver.value(&format!("resets({promql}[10m])")).await,
        Some(0.0)
    );
    let _ = child.kill();
    let _ = child.wait();
}
