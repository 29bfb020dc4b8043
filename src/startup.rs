//! [`Application`]: opens the database, builds the HTTP server with its
//! middleware and error handlers, binds, and serves until stopped.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, guard, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::password;
use crate::cluster;
use crate::config::{Config, CorsOrigins};
use crate::error::ApiError;
use crate::http::KnownRoutes;
use crate::mail::{MailError, Mailer};
use crate::ops::{MemoryCollector, PoolCollector};
use crate::state::{AppState, StateError};
use crate::store::{self, Database, DbPool};
use crate::telemetry::{self, RequestSpan};
use crate::{api, cors, jobs, openapi, shutdown};

/// Largest request body accepted, JSON or not.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long in-flight requests may run after SIGTERM or SIGINT.
const SHUTDOWN_GRACE_SECS: u64 = 30;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] store::SetupError),
    #[error("NEWSROOM_BIND: cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("cannot start listening for other instances' changes: {0}")]
    Listener(std::io::Error),
    #[error("cannot take SIGXFSZ: {0}")]
    Signal(std::io::Error),
}

/// A bound, ready-to-run server.
pub struct Application {
    address: std::net::SocketAddr,
    server: Server,
    /// The listening socket again, to answer what waits on it when the server stops.
    backlog: TcpListener,
    has_admin: bool,
}

/// A write past the process's file-size limit (`ulimit -f`, systemd's
/// `LimitFSIZE`) raises SIGXFSZ, which by default kills the process; with a
/// handler installed the write fails instead (EFBIG), and the request is
/// answered. tokio keeps the handler for the life of the process.
fn survive_file_size_limits() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::from_raw(libc::SIGXFSZ)).map(drop)
}

impl Application {
    /// Opens and migrates the database, binds `config.bind` (port 0 picks a
    /// free port) and prepares the server. Tests and `main` both start here.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        survive_file_size_limits().map_err(StartupError::Signal)?;
        let pool_size = config.database_pool_size;
        let pool = store::connect(&config.database, pool_size, config.database_timeout)?;
        store::migrate(&pool)?;
        let has_admin = crate::users::db::has_admin(&mut *pool.get().map_err(store::SetupError::Pool)?)
            .map_err(|e| StartupError::Database(store::SetupError::Open(e.to_string())))?;
        password::warm_up();

        let listener = TcpListener::bind(config.bind).map_err(|e| StartupError::Bind(config.bind, e))?;
        let address = listener.local_addr().map_err(|e| StartupError::Bind(config.bind, e))?;
        let backlog = listener.try_clone().map_err(|e| StartupError::Bind(config.bind, e))?;

        let metrics = prometheus_middleware(&pool)?;
        let mailer = Mailer::from_config(&config)?;
        let config = Arc::new(config);
        let state = web::Data::new(AppState::new(pool, config.clone(), mailer, metrics.registry.clone())?);
        let memory = MemoryCollector::new(state.caches.clone()).map_err(|e| StartupError::Metrics(e.to_string()))?;
        metrics.registry.register(Box::new(memory)).map_err(|e| StartupError::Metrics(e.to_string()))?;
        if let Database::Postgres(url) = &config.database {
            cluster::listen(url.clone(), state.instance.to_string(), &state.caches).map_err(StartupError::Listener)?;
        }
        jobs::spawn_all(&state);
        let document = openapi::document();
        let known_routes = web::Data::new(KnownRoutes::from_document(&document));
        // Serialised once and shared: handing the document to SwaggerUi kept
        // a copy per worker and serialised it again for every request.
        let document_json = web::Bytes::from(openapi::to_json(&document));

        // One worker per core, as actix does; their blocking threads share the pool.
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let server = HttpServer::new(move || {
            let routes = App::new()
                .into_utoipa_app()
                .configure(api::configure)
                .into_app()
                .app_data(state.clone())
                // Read by the client-address lookup, which logs and limits
                // need without the rest of the state.
                .app_data(config.trusted_proxies.clone())
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
                .wrap(from_fn(crate::idempotency::replay_retries));
            layers(routes, config.cors_origins.clone(), metrics.clone())
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        // Taken by `shutdown::stop_on_signal`, which also answers the backlog.
        .disable_signals()
        // Database work is bounded by the pool; more blocking threads than
        // connections only wait, and each one grows the heap.
        .workers(workers)
        .worker_max_blocking_threads((pool_size as usize).div_ceil(workers))
        .listen(listener)
        .map_err(|e| StartupError::Bind(address, e))?
        .run();

        Ok(Self { address, server, backlog, has_admin })
    }

    /// Whether the site has an enabled admin account (a new one has none).
    pub fn has_admin(&self) -> bool {
        self.has_admin
    }

    /// The bound address (useful when the configuration asked for port 0).
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish
    /// and answers the connections that were waiting ([`shutdown`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let backlog = shutdown::Backlog::new(self.backlog);
        let mut server = self.server;
        let stopping = shutdown::stop_on_signal(server.handle(), backlog.clone());
        let served = tokio::select! {
            served = &mut server => served,
            stopped = stopping => {
                if let Err(error) = stopped {
                    tracing::error!(error = %error, "cannot take SIGTERM and SIGINT; the server stops only when killed");
                }
                server.await
            }
        };
        backlog.finish();
        served
    }
}

/// Every layer around the routes, innermost first; tests wrap their own
/// routes in the same stack.
pub fn layers<T, B>(
    app: App<T>,
    origins: CorsOrigins,
    metrics: PrometheusMetrics,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody + 'static>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    app.app_data(web::Data::new(origins.clone()))
        .wrap(from_fn(crate::http::head_as_get))
        .wrap(
            telemetry::SECURITY_HEADERS
                .into_iter()
                .fold(DefaultHeaders::new(), |headers, header| headers.add(header))
                // Handlers that serve cacheable content say so; the rest is never stored.
                .add((header::CACHE_CONTROL, "no-store")),
        )
        .wrap(metrics)
        .wrap(TracingLogger::<RequestSpan>::new())
        .wrap(cors::middleware(&origins))
        .wrap(from_fn(telemetry::catch_panics))
        .wrap(from_fn(cors::rejections_as_problems))
        .wrap(from_fn(telemetry::request_id))
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

#[cfg(test)]
mod tests {
    use actix_web::{App, test, web};

    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_answers_a_500_problem_through_every_layer() {
        let metrics = PrometheusMetricsBuilder::new("test").build().unwrap();
        let routes = App::new()
            .route("/boom", web::get().to(|| async { if true { panic!("boom") } else { "unreachable" } }))
            .route("/fine", web::get().to(|| async { "fine" }));
        let app = test::init_service(layers(routes, CorsOrigins::Any, metrics)).await;

        let request = test::TestRequest::get()
            .uri("/boom")
            .insert_header(("x-request-id", "r-1"))
            .insert_header(("origin", "https://app.example"))
            .to_request();
        // Like actix itself, render an error that left the last middleware.
        let response = match test::try_call_service(&app, request).await {
            Ok(response) => response.into_parts().1.map_into_boxed_body(),
            Err(error) => error.error_response(),
        };

        assert_eq!(response.status(), 500);
        let headers = response.headers();
        assert_eq!(headers.get("x-request-id").unwrap(), "r-1");
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*", "CORS reaches the 500 too");
        assert_eq!(headers.get("content-type").unwrap(), "application/problem+json");
        let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "internal_error");
        assert_eq!(problem["request_id"], "r-1");
        assert!(!problem.to_string().contains("boom"), "the panic message stays in the log");
        let after = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(after.status(), 200, "the service keeps serving");
    }
}
