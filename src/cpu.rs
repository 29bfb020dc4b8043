//! CPU-heavy work a request asks for (rendering a body, decoding an
//! image) runs on the blocking pool, never on the async workers that answer
//! every other request, and only as many at once as there are cores to
//! spare: a burst of such requests queues here instead of starving the rest.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use crate::error::ApiError;

/// One turn per core but one, which stays free for the async workers; at
/// least one.
static TURNS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Semaphore::new(cores.saturating_sub(1).max(1))
});

/// Runs `work` on the blocking pool, inside the caller's tracing span, once a
/// turn is free.
pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _turn = TURNS.acquire().await.map_err(ApiError::internal)?;
    let span = tracing::Span::current();
    Ok(actix_web::web::block(move || span.in_scope(work)).await?)
}
