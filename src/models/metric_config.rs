use crate::db::schema::metric_configs;
use crate::domain::{DeclaredLabels, MetricConfigId, MetricKind, MetricName, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = metric_configs, check_for_backend(diesel::pg::Pg))]
pub struct MetricConfig {
    pub id: MetricConfigId,
    pub user_id: UserId,
    pub name: String,
    pub description: Option<String>,
    pub metric_name: MetricName,
    pub metric_type: MetricKind,
    pub labels: DeclaredLabels,
    pub help: Option<String>,
    pub buckets: Option<Vec<f64>>,
    pub quantiles: Option<Vec<f64>>,
    pub auto_track: bool,
    pub tracking_events: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every column a client sets; used for both insert (POST) and full replacement (PUT).
#[derive(Insertable, AsChangeset, Debug)]
#[diesel(table_name = metric_configs, treat_none_as_null = true)]
pub struct MetricConfigFields {
    pub name: String,
    pub description: Option<String>,
    pub metric_name: MetricName,
    pub metric_type: MetricKind,
    pub labels: DeclaredLabels,
    pub help: Option<String>,
    pub buckets: Option<Vec<f64>>,
    pub quantiles: Option<Vec<f64>>,
    pub auto_track: bool,
    pub tracking_events: Vec<String>,
    pub is_active: bool,
}

#[derive(Serialize, Debug)]
pub struct MetricConfigResponse {
    pub id: MetricConfigId,
    pub name: String,
    pub description: Option<String>,
    pub metric_name: MetricName,
    pub metric_type: MetricKind,
    pub labels: DeclaredLabels,
    pub help: Option<String>,
    pub buckets: Option<Vec<f64>>,
    pub quantiles: Option<Vec<f64>>,
    pub auto_track: bool,
    pub tracking_events: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<MetricConfig> for MetricConfigResponse {
    fn from(c: MetricConfig) -> Self {
        Self {
            id: c.id,
            name: c.name,
            description: c.description,
            metric_name: c.metric_name,
            metric_type: c.metric_type,
            labels: c.labels,
            help: c.help,
            buckets: c.buckets,
            quantiles: c.quantiles,
            auto_track: c.auto_track,
            tracking_events: c.tracking_events,
            is_active: c.is_active,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl MetricConfig {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        user: UserId,
        fields: &MetricConfigFields,
    ) -> QueryResult<MetricConfig> {
        diesel::insert_into(metric_configs::table)
            .values((metric_configs::user_id.eq(user), fields))
            .returning(MetricConfig::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn replace_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: MetricConfigId,
        fields: &MetricConfigFields,
    ) -> QueryResult<Option<MetricConfig>> {
        diesel::update(
            metric_configs::table
                .find(id)
                .filter(metric_configs::user_id.eq(user)),
        )
        .set((fields, metric_configs::updated_at.eq(diesel::dsl::now)))
        .returning(MetricConfig::as_returning())
        .get_result(conn)
        .await
        .optional()
    }

    pub async fn list_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> QueryResult<Vec<MetricConfig>> {
        metric_configs::table
            .filter(metric_configs::user_id.eq(user))
            .order(metric_configs::created_at.asc())
            .select(MetricConfig::as_select())
            .load(conn)
            .await
    }

    /// The config if it exists *and* belongs to `user`.
    pub async fn find_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: MetricConfigId,
    ) -> QueryResult<Option<MetricConfig>> {
        metric_configs::table
            .find(id)
            .filter(metric_configs::user_id.eq(user))
            .select(MetricConfig::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn delete_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: MetricConfigId,
    ) -> QueryResult<Option<MetricConfig>> {
        diesel::delete(
            metric_configs::table
                .find(id)
                .filter(metric_configs::user_id.eq(user)),
        )
        .returning(MetricConfig::as_returning())
        .get_result(conn)
        .await
        .optional()
    }

    /// Configs of *other* tenants using any of `names`: the cross-tenant conflict check.
    pub async fn others_named(
        conn: &mut AsyncPgConnection,
        user: UserId,
        names: &[String],
    ) -> QueryResult<Vec<(MetricName, MetricKind)>> {
        metric_configs::table
            .filter(metric_configs::metric_name.eq_any(names))
            .filter(metric_configs::user_id.ne(user))
            .select((metric_configs::metric_name, metric_configs::metric_type))
            .load(conn)
            .await
    }

    /// Every config of every active user: the in-memory registry used by ingestion.
    pub async fn load_all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<MetricConfig>> {
        use crate::db::schema::users;
        metric_configs::table
            .inner_join(users::table)
            .filter(users::is_active.eq(true))
            .select(MetricConfig::as_select())
            .load(conn)
            .await
    }
}
