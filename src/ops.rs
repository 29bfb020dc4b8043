//! Operations endpoints: liveness, readiness and Prometheus metrics.

use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Encoder, IntGauge, Opts, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caches::Caches;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use crate::store::{self, DbPool};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The state of the process or of its dependencies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// 200 while the process runs.
///
/// For liveness probes: it touches no database.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// 200 when the database answers, else 503.
///
/// For readiness probes: a load balancer should route nothing here until it
/// answers 200.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Its own bound: a probe must answer even when the blocking threads
    // are all waiting on a database that went away.
    let check = store::run(&state.pool, |conn| conn.batch_execute("SELECT 1"));
    actix_web::rt::time::timeout(state.config.database_timeout, check)
        .await
        .map_err(|_| ApiError::Unavailable("the database did not answer in time".into()))?
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// Metrics in the Prometheus text format.
///
/// Requests by route pattern, method and status, a latency histogram, and
/// database pool use.
#[utoipa::path(
    tag = "ops",
    responses((status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")),
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut text = Vec::new();
    TextEncoder::new().encode(&state.metrics.gather(), &mut text).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text))
}

/// Reports the pool's size and idle connections at scrape time.
pub struct PoolCollector {
    pool: DbPool,
    connections: IntGauge,
    idle: IntGauge,
    max: IntGauge,
}

impl PoolCollector {
    pub fn new(pool: DbPool) -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str| IntGauge::with_opts(Opts::new(name, help).namespace("newsroom"));
        Ok(Self {
            connections: gauge("db_pool_connections", "Open database connections")?,
            idle: gauge("db_pool_idle_connections", "Database connections not in use")?,
            max: gauge("db_pool_max_connections", "Largest number of database connections")?,
            pool,
        })
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.connections, &self.idle, &self.max].into_iter().flat_map(|gauge| gauge.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let state = self.pool.state();
        self.connections.set(i64::from(state.connections));
        self.idle.set(i64::from(state.idle_connections));
        self.max.set(i64::from(self.pool.max_size()));
        [&self.connections, &self.idle, &self.max].into_iter().flat_map(|gauge| gauge.collect()).collect()
    }
}

/// Whether this instance believes what it remembers of sessions and
/// readers' votes: always on SQLite; on PostgreSQL while its listener hears
/// the other instances. 0 means every signed-in request asks the database
/// (slower, never wrong): worth an alert when it lasts.
pub struct MemoryCollector {
    caches: Arc<Caches>,
    believed: IntGauge,
}

impl MemoryCollector {
    pub fn new(caches: Arc<Caches>) -> prometheus::Result<Self> {
        let believed = IntGauge::with_opts(
            Opts::new(
                "memory_believed",
                "1 while remembered sessions and votes are believed, 0 while every request asks the database",
            )
            .namespace("newsroom"),
        )?;
        Ok(Self { caches, believed })
    }
}

impl Collector for MemoryCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.believed.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.believed.set(i64::from(self.caches.believed()));
        self.believed.collect()
    }
}
