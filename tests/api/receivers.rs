//! The third-party servers the tests deliver to, real ones from the package
//! registry (`tests/receivers/requirements.txt`): a webhook endpoint that
//! verifies signatures with the Standard Webhooks reference library,
//! aiosmtpd as the SMTP server and moto as the S3-compatible server. Their
//! virtualenv is kept under `~/.cache/newsroom` and rebuilt when the
//! requirements change.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const REQUIREMENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/receivers/requirements.txt");
const WEBHOOK_RECEIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/receivers/webhook_receiver.py");

/// The virtualenv's Python, built once per test run when it is missing or stale.
fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
            let venv = home.join(".cache/newsroom/receivers-venv");
            let wanted = std::fs::read(REQUIREMENTS).expect("the receivers' requirements");
            if std::fs::read(venv.join("requirements.txt")).ok().as_ref() != Some(&wanted) {
                // Built aside and moved in whole: the other suite, running at
                // the same time, never finds half a virtualenv.
                let building = venv.with_extension(format!("building-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&building);
                run(Command::new("python3").arg("-m").arg("venv").arg(&building));
                run(Command::new(building.join("bin/python")).args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "-r",
                    REQUIREMENTS,
                ]));
                std::fs::write(building.join("requirements.txt"), &wanted).expect("write the requirements");
                let _ = std::fs::remove_dir_all(&venv);
                if std::fs::rename(&building, &venv).is_err() {
                    let _ = std::fs::remove_dir_all(&building);
                }
            }
            venv.join("bin/python")
        })
        .clone()
}

fn run(command: &mut Command) {
    let status = command.status().unwrap_or_else(|error| panic!("{command:?}: {error}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

/// A port nothing listens on yet.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server process on `port`, killed when dropped.
struct Process {
    child: Option<Child>,
    port: u16,
}

impl Process {
    fn start(&mut self, command: &mut Command) {
        assert!(self.child.is_none(), "already running");
        let child = command.stdout(Stdio::null()).spawn().unwrap_or_else(|error| panic!("{command:?}: {error}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "{command:?} does not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A webhook endpoint (`tests/receivers/webhook_receiver.py`).
pub struct WebhookReceiver {
    process: Process,
    state: TempDir,
}

impl WebhookReceiver {
    /// Its address, not yet listening: as a receiver that is down.
    pub fn down() -> Self {
        let _ = python();
        Self { process: Process { child: None, port: free_port() }, state: TempDir::new().unwrap() }
    }

    pub fn started() -> Self {
        let mut receiver = Self::down();
        receiver.start();
        receiver
    }

    pub fn start(&mut self) {
        let mut command = Command::new(python());
        command.arg(WEBHOOK_RECEIVER).arg(self.process.port.to_string()).arg(self.state.path());
        self.process.start(&mut command);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.process.port)
    }

    /// The secret deliveries are verified with.
    pub fn trust(&self, secret: &str) {
        std::fs::write(self.state.path().join("secret"), secret).unwrap();
    }

    /// Answers the next `count` deliveries 500.
    pub fn fail_next(&self, count: u32) {
        std::fs::write(self.state.path().join("fail"), count.to_string()).unwrap();
    }

    /// Every delivery so far, in order: `id`, `verified`, `answered`, `body`.
    pub fn received(&self) -> Vec<Value> {
        let log = std::fs::read_to_string(self.state.path().join("received.jsonl")).unwrap_or_default();
        log.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    /// The deliveries answered 200 whose event is `kind`.
    pub fn accepted(&self, kind: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|record| record["answered"] == 200 && record["body"]["type"] == kind)
            .collect()
    }

    /// Waits until `done` holds of what arrived (at most `within`), and returns it.
    pub async fn wait_until(&self, within: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if done(&received) || Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// aiosmtpd, keeping what it receives in a Maildir.
pub struct SmtpServer {
    process: Process,
    maildir: TempDir,
}

impl SmtpServer {
    pub fn down() -> Self {
        let _ = python();
        Self { process: Process { child: None, port: free_port() }, maildir: TempDir::new().unwrap() }
    }

    pub fn start(&mut self) {
        let mut command = Command::new(python());
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.process.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir.path().join("mail"));
        self.process.start(&mut command);
    }

    /// `NEWSROOM_SMTP_URL` for it: plain, as on a machine's loopback.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.process.port)
    }

    /// Every mail received, as sent.
    pub fn mails(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&new)
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|file| std::fs::read_to_string(Path::new(file)).unwrap()).collect()
    }

    pub async fn wait_for_mails(&self, count: usize, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.mails();
            if mails.len() >= count || Instant::now() > deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An S3-compatible server (moto's), with one bucket.
pub struct S3Server {
    process: Process,
    pub bucket: &'static str,
}

impl S3Server {
    pub async fn started() -> Self {
        let mut server = Self { process: Process { child: None, port: free_port() }, bucket: "newsroom-media" };
        // As a module: the venv's scripts name the folder it was built in.
        let mut command = Command::new(python());
        command.args(["-m", "moto.server", "-H", "127.0.0.1", "-p"]).arg(server.process.port.to_string());
        server.process.start(command.stderr(Stdio::null()));
        // moto takes unsigned requests: the bucket is made as any client would.
        newsroom::tls::install_provider();
        let made = reqwest::Client::new().put(server.object_url("")).send().await.expect("create the bucket");
        assert!(made.status().is_success(), "bucket: {}", made.status());
        server
    }

    /// `AWS_ENDPOINT_URL` for it.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.process.port)
    }

    fn object_url(&self, key: &str) -> String {
        format!("{}/{}/{key}", self.endpoint(), self.bucket)
    }

    /// The object `key` of the bucket, read with boto3 as any client would;
    /// `None` when there is none.
    pub fn object(&self, key: &str) -> Option<Vec<u8>> {
        const READ: &str = r#"
import sys, boto3
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
                  aws_access_key_id='reader', aws_secret_access_key='reader')
try:
    sys.stdout.buffer.write(s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read())
except s3.exceptions.NoSuchKey:
    sys.exit(3)
"#;
        let output =
            Command::new(python()).args(["-c", READ, &self.endpoint(), self.bucket, key]).output().expect("run boto3");
        match output.status.code() {
            Some(0) => Some(output.stdout),
            Some(3) => None,
            _ => panic!("reading {key}: {}", String::from_utf8_lossy(&output.stderr)),
        }
    }
}
