//! [`Application`]: opens the database, builds the HTTP server with its
//! middleware and error handlers, binds, and serves until stopped.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header::{self, ContentType, HeaderName};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, guard, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::password;
use crate::config::{Config, CorsOrigins};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::KnownRoutes;
use crate::mail::{MailError, Mailer};
use crate::ops::PoolCollector;
use crate::state::AppState;
use crate::telemetry::{self, RequestSpan};
use crate::{api, auth, openapi};

/// Largest request body accepted, JSON or not.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long in-flight requests may run after SIGTERM or SIGINT.
const SHUTDOWN_GRACE_SECS: u64 = 30;

/// How often expired tokens and reset links are deleted.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// How often the stored hot ranks are recomputed so that age decay shows.
pub const HOT_RANK_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] db::SetupError),
    #[error("cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
    #[error("JSON Web Token keys: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// A bound, ready-to-run server.
pub struct Application {
    address: std::net::SocketAddr,
    server: Server,
}

impl Application {
    /// Opens and migrates the database, binds `config.bind` (port 0 picks a
    /// free port) and prepares the server. Tests and `main` both start here.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let pool = db::connect(&config.database_path)?;
        db::migrate(&pool)?;
        password::warm_up();

        let listener = TcpListener::bind(config.bind).map_err(|e| StartupError::Bind(config.bind, e))?;
        let address = listener.local_addr().map_err(|e| StartupError::Bind(config.bind, e))?;

        let metrics = prometheus_middleware(&pool)?;
        let mailer = Mailer::from_config(&config)?;
        let config = Arc::new(config);
        let state = web::Data::new(AppState::new(pool, config.clone(), mailer, metrics.registry.clone())?);
        spawn_housekeeping(state.clone());
        spawn_hot_rank_refresh(state.clone());
        spawn_checkpoints(state.clone());
        let document = openapi::document();
        let known_routes = web::Data::new(KnownRoutes::from_document(&document));
        // Serialised once and shared: handing the document to SwaggerUi kept
        // a copy per worker and serialised it again for every request.
        let document_json = web::Bytes::from(openapi::to_json(&document));

        // One worker per core, as actix does; their blocking threads share the pool.
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .configure(api::configure)
                .into_app()
                .app_data(state.clone())
                .app_data(known_routes.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|error, _| ApiError::bad_request("invalid_query", error.to_string()).into()),
                )
                .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
                .service(web::resource("/openapi.json").guard(guard::Get()).to({
                    let json = document_json.clone();
                    move || {
                        let json = json.clone();
                        async move { HttpResponse::Ok().content_type(ContentType::json()).body(json) }
                    }
                }))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from("/openapi.json").validator_url("none")),
                )
                .service(web::redirect("/docs", "/docs/"))
                .default_service(web::to(crate::http::fallback))
                .wrap(
                    telemetry::SECURITY_HEADERS
                        .into_iter()
                        .fold(DefaultHeaders::new(), |headers, header| headers.add(header))
                        // Handlers that serve cacheable content say so; the rest is never stored.
                        .add((header::CACHE_CONTROL, "no-store")),
                )
                .wrap(metrics.clone())
                .wrap(TracingLogger::<RequestSpan>::new())
                .wrap(cors(&config.cors_origins))
                .wrap(from_fn(telemetry::catch_panics))
                .wrap(from_fn(telemetry::request_id))
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        // Database work is bounded by the pool; more blocking threads than
        // connections only wait, and each one grows the heap.
        .workers(workers)
        .worker_max_blocking_threads((db::POOL_SIZE as usize).div_ceil(workers))
        .listen(listener)
        .map_err(|e| StartupError::Bind(address, e))?
        .run();

        Ok(Self { address, server })
    }

    /// The bound address (useful when the configuration asked for port 0).
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Periodic clean-up on the runtime that built the server; it ends with it.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut interval = actix_web::rt::time::interval(HOUSEKEEPING_INTERVAL);
        loop {
            interval.tick().await;
            let deleted = db::run(&state.pool, |conn| {
                let deleted = auth::tokens::delete_expired(conn)? + auth::reset::delete_expired(conn)?;
                db::optimize(conn)?;
                Ok::<_, diesel::result::Error>(deleted)
            })
            .await;
            match deleted {
                Ok(count) => tracing::debug!(rows = count, "expired tokens deleted"),
                Err(error) => tracing::warn!(error = %error, "housekeeping failed"),
            }
        }
    });
}

/// Checkpoints the WAL on a timer, off every request's path.
fn spawn_checkpoints(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut interval = actix_web::rt::time::interval(CHECKPOINT_INTERVAL);
        loop {
            interval.tick().await;
            if let Err(error) = db::run(&state.pool, db::checkpoint).await {
                tracing::warn!(error = %error, "checkpoint failed");
            }
        }
    });
}

/// Recomputes hot ranks on a timer; each batch is its own short transaction.
fn spawn_hot_rank_refresh(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut interval = actix_web::rt::time::interval(HOT_RANK_INTERVAL);
        loop {
            interval.tick().await;
            match db::run(&state.pool, crate::votes::refresh_hot_ranks).await {
                Ok(count) => tracing::debug!(articles = count, "hot ranks refreshed"),
                Err(error) => tracing::warn!(error = %error, "hot rank refresh failed"),
            }
        }
    });
}

fn prometheus_middleware(pool: &DbPool) -> Result<PrometheusMetrics, StartupError> {
    let metrics = PrometheusMetricsBuilder::new("newsroom")
        // Unrouted paths share one label, so that scanners cannot blow up cardinality.
        .mask_unmatched_patterns("UNMATCHED")
        .build()
        .map_err(|e| StartupError::Metrics(e.to_string()))?;
    let collector = PoolCollector::new(pool.clone()).map_err(|e| StartupError::Metrics(e.to_string()))?;
    metrics.registry.register(Box::new(collector)).map_err(|e| StartupError::Metrics(e.to_string()))?;
    Ok(metrics)
}

fn cors(origins: &CorsOrigins) -> Cors {
    let cors = match origins {
        CorsOrigins::Any => Cors::default().allow_any_origin().send_wildcard(),
        CorsOrigins::List(origins) => origins.iter().fold(Cors::default(), |cors, origin| cors.allowed_origin(origin)),
    };
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            telemetry::REQUEST_ID_HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            telemetry::REQUEST_ID_HEADER,
            HeaderName::from_static("ratelimit"),
            HeaderName::from_static("ratelimit-policy"),
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-after"),
        ])
        .max_age(3600)
}
