//! Stopping without dropping anyone: on SIGTERM or SIGINT the server stops
//! accepting and lets the requests in flight finish (actix-web's graceful
//! stop, up to its grace period). Connections the kernel had already
//! accepted on the listening socket but the server had not yet taken up
//! would be reset when that socket closes; they, and connections that come
//! while the requests in flight finish, are answered here instead: 503 with
//! `Retry-After`, so that a client never sees a request it sent vanish.
//! Once the server has stopped the socket closes and connections are
//! refused.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use tokio::signal::unix::{SignalKind, signal};

use crate::error::ApiError;

/// Long enough for connections accepted before the pause to reach a worker.
const HANDOVER: Duration = Duration::from_millis(100);
/// How often the backlog is looked at while the server stops.
const POLL: Duration = Duration::from_millis(5);
/// How long an answered connection is given to send its request and read
/// the answer.
const LINGER: Duration = Duration::from_secs(2);
/// The most of a request's head read before answering.
const MOST_READ: usize = 64 * 1024;

/// The server's listening socket, kept to answer the connections the
/// server no longer takes while it stops.
pub struct Backlog {
    socket: Mutex<Option<TcpListener>>,
    answering: Mutex<Option<JoinHandle<usize>>>,
    stopped: AtomicBool,
}

impl Backlog {
    /// `socket` is a clone of the server's listening socket.
    pub fn new(socket: TcpListener) -> Arc<Self> {
        Arc::new(Self {
            socket: Mutex::new(Some(socket)),
            answering: Mutex::default(),
            stopped: AtomicBool::new(false),
        })
    }

    fn start_answering(self: &Arc<Self>) {
        let Some(socket) = self.socket.lock().unwrap_or_else(PoisonError::into_inner).take() else { return };
        let backlog = self.clone();
        let answering = std::thread::Builder::new()
            .name("newsroom-stopping".into())
            .spawn(move || answer_backlog(socket, &backlog.stopped));
        match answering {
            Ok(thread) => *self.answering.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread),
            Err(error) => tracing::warn!(error = %error, "cannot answer connections while stopping"),
        }
    }

    /// Once the server has stopped: answers what still waits, then closes the socket.
    pub fn finish(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let answering = self.answering.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(answered) = answering.and_then(|thread| thread.join().ok()).filter(|answered| *answered > 0) {
            tracing::info!(connections = answered, "answered 503 to connections that came while the server stopped");
        }
    }
}

/// Waits for SIGTERM or SIGINT, then stops `server` gracefully while
/// `backlog` answers the connections it no longer takes.
pub async fn stop_on_signal(server: ServerHandle, backlog: Arc<Backlog>) -> std::io::Result<()> {
    let (mut terminate, mut interrupt) = (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?);
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
    // From here on, new connections wait in the backlog, where they are
    // answered, rather than reach a worker that is stopping.
    server.pause().await;
    backlog.start_answering();
    // A connection the server accepted just before is on its way to a
    // worker, which on stopping would close it unread; it is let arrive.
    actix_web::rt::time::sleep(HANDOVER).await;
    server.stop(true).await;
    Ok(())
}

/// Answers every connection that arrives on `socket` with a 503 until
/// `stopped`, and those waiting then, and closes it (the server's own copy
/// is closed by then); how many.
fn answer_backlog(socket: TcpListener, stopped: &AtomicBool) -> usize {
    if socket.set_nonblocking(true).is_err() {
        return 0;
    }
    let mut answering = Vec::new();
    loop {
        let last = stopped.load(Ordering::SeqCst);
        while let Ok((stream, _)) = socket.accept() {
            answering.push(std::thread::spawn(move || answer(stream)));
        }
        if last {
            break;
        }
        std::thread::sleep(POLL);
    }
    // Refused from now on, rather than reset while the last answers go out.
    drop(socket);
    let answered = answering.len();
    answering.into_iter().for_each(|thread| drop(thread.join()));
    answered
}

fn answer(mut stream: TcpStream) {
    let deadline = Instant::now() + LINGER;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(POLL * 10));
    // The request's head is read first: closing a socket with unread data
    // resets it, and the client would never see the answer.
    let mut head = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    while !head.windows(4).any(|end| end == b"\r\n\r\n") && head.len() < MOST_READ && Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return,
            Ok(read) => head.extend_from_slice(buffer.get(..read).unwrap_or_default()),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
    let problem = ApiError::Unavailable("the server is stopping".into()).problem();
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(answer.as_bytes()).is_ok() {
        let _ = stream.shutdown(Shutdown::Write);
        // The rest of the request, until the client has read the answer and
        // closed its side.
        while Instant::now() < deadline {
            match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => break,
            }
        }
    }
}
