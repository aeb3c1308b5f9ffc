//! A database per test, cloned from a template migrated once per run (crates.io's
//! `crates_io_test_db` pattern). The cluster itself is started by `scripts/test`
//! (`scripts/pg-throwaway`), which exports `PUSHGATE_TEST_ADMIN_URL`.

use diesel::Connection;
use diesel::RunQueryDsl;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;

type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

const TEMPLATE: &str = "pushgate_template";
const LOCK_KEY: i64 = 727_272;

pub fn admin_url() -> String {
    std::env::var("PUSHGATE_TEST_ADMIN_URL").expect(
        "PUSHGATE_TEST_ADMIN_URL is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL",
    )
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin)
        .to_owned();
    format!("{base}/{db}")
}

pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A fresh, migrated database of its own (blocking: call from `spawn_blocking` or before
    /// the runtime is busy).
    pub fn create() -> Self {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = SyncConn::establish(&admin_url()).expect("connect to the test cluster");
        diesel::sql_query(format!("SELECT pg_advisory_lock({LOCK_KEY})"))
            .execute(&mut admin)
            .unwrap();
        if diesel::sql_query(format!("CREATE DATABASE {TEMPLATE}"))
            .execute(&mut admin)
            .is_ok()
        {
            let mut template = SyncConn::establish(&url_for(TEMPLATE)).unwrap();
            use diesel_migrations::MigrationHarness;
            template
                .run_pending_migrations(pushgate::db::MIGRATIONS)
                .expect("migrate the template");
        }
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .execute(&mut admin)
            .unwrap();
        diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
            .execute(&mut admin)
            .unwrap();
        Self {
            url: url_for(&name),
            name,
        }
    }

    /// Runs a statement as the superuser in this test's database (for set-up and checks).
    pub fn execute(&self, sql: &str) {
        let url = self.url.clone();
        let sql = sql.to_owned();
        std::thread::spawn(move || {
            let mut conn = SyncConn::establish(&url).unwrap();
            diesel::sql_query(sql).execute(&mut conn).unwrap();
        })
        .join()
        .unwrap();
    }
}

impl TestDb {
    /// The `n` column of the first row of `sql`, e.g. `SELECT count(*) AS n FROM …` (a check
    /// as the superuser in this test's database).
    pub fn query_i64(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let url = self.url.clone();
        let sql = sql.to_owned();
        std::thread::spawn(move || {
            let mut conn = SyncConn::establish(&url).unwrap();
            diesel::sql_query(sql)
                .get_result::<Row>(&mut conn)
                .unwrap()
                .n
        })
        .join()
        .unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A thread of its own: Drop may run inside the async runtime.
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = SyncConn::establish(&admin_url()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        })
        .join();
    }
}
