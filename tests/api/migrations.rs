use crate::helpers::new_db;

#[tokio::test]
async fn every_migration_reverts_and_reapplies() {
    let db = new_db().await;
    pushgate::db::redo_all_migrations(&db.url)
        .await
        .expect("down.sql and up.sql stay true");
    // and the schema is usable afterwards
    db.execute("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')");
}

#[tokio::test]
async fn migrate_command_is_idempotent() {
    let db = new_db().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pushgate"))
        .args(["migrate", "--database-url", &db.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 0 migration(s)"));
}

#[tokio::test]
async fn serve_without_postgres_fails_with_one_clear_line() {
    let port = crate::helpers::pushgateway::free_port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pushgate"))
        .args([
            "serve",
            "--database-url",
            &format!("postgres://nobody@127.0.0.1:{port}/none"),
            "--instance",
            "t",
        ])
        .env("PUSHGATE_JWT_SECRET", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pushgate: cannot prepare the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_duration_setting_is_a_clear_startup_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pushgate"))
        .args(["serve", "--database-url", "postgres://x/y"])
        .env("PUSHGATE_FLUSH_INTERVAL", "soon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("write it like 500ms, 1s, 5m or 24h"));
}
