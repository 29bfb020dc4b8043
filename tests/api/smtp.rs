//! Mail to an SMTP server never sends a password in clear: over `smtp://`,
//! STARTTLS is required unless the URL says `?tls=none`. Mail asked for while
//! the server is down waits in the queue and goes out once it is up.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::spawn_app_with;
use crate::password_reset::{forgot, reset, token_in};
use crate::receivers::SmtpServer;

/// A server that offers AUTH but not STARTTLS, as a downgrading machine in
/// between would: it answers every command and keeps every line a client
/// sends, to see whether a password arrives in clear.
fn plaintext_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let lines = Arc::clone(&heard);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = stream.write_all(b"220 plain.example ESMTP\r\n");
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                let command = line.trim_end().to_owned();
                lines.lock().unwrap().push(command.clone());
                let answer: &[u8] = match command.to_ascii_uppercase().split(' ').next().unwrap_or("") {
                    "EHLO" => b"250-plain.example\r\n250 AUTH PLAIN LOGIN\r\n",
                    "AUTH" => b"235 ok\r\n",
                    "DATA" => b"354 go on\r\n",
                    "QUIT" => b"221 bye\r\n",
                    _ if command == "." => b"250 queued\r\n",
                    _ if lines.lock().unwrap().iter().any(|earlier| earlier == "DATA") => b"",
                    _ => b"250 ok\r\n",
                };
                let _ = stream.write_all(answer);
                line.clear();
            }
        }
    });
    (port, heard)
}

#[tokio::test]
async fn a_server_without_starttls_never_gets_the_password() {
    let (port, heard) = plaintext_server();
    let url = format!("smtp://newsroom:hunter2-secret@127.0.0.1:{port}");
    let app = spawn_app_with(&[("--smtp-url", &url)]).await;
    let user = app.register_user().await;

    assert_eq!(forgot(&app, &user.email).await.status(), StatusCode::ACCEPTED);
    for _ in 0..100 {
        if heard.lock().unwrap().iter().any(|line| line.starts_with("EHLO")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let heard = heard.lock().unwrap().clone();
    assert!(heard.iter().any(|line| line.starts_with("EHLO")), "the mailer connected: {heard:?}");
    assert!(!heard.iter().any(|line| line.to_ascii_uppercase().starts_with("AUTH")), "no AUTH in clear: {heard:?}");
    assert!(!heard.iter().any(|line| line.starts_with("MAIL FROM")), "no mail in clear: {heard:?}");
}

#[tokio::test]
async fn tls_none_is_plain_on_request() {
    let (port, heard) = plaintext_server();
    let app = spawn_app_with(&[("--smtp-url", &format!("smtp://127.0.0.1:{port}?tls=none"))]).await;
    let user = app.register_user().await;

    assert_eq!(forgot(&app, &user.email).await.status(), StatusCode::ACCEPTED);
    for _ in 0..100 {
        if heard.lock().unwrap().iter().any(|line| line == ".") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let heard = heard.lock().unwrap().clone();
    assert!(heard.iter().any(|line| line.starts_with("MAIL FROM")), "sent in clear as asked: {heard:?}");
}

#[tokio::test]
async fn a_reset_mail_asked_for_while_the_smtp_server_is_down_arrives_once_it_is_up() {
    let mut smtp = SmtpServer::down();
    let app = spawn_app_with(&[("--smtp-url", &smtp.url()), ("--delivery-first-retry-ms", "10")]).await;
    let user = app.register_user().await;

    assert_eq!(forgot(&app, &user.email).await.status(), StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    smtp.start();

    let mails = smtp.wait_for_mails(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "the mail was kept through the outage");
    assert!(mails[0].contains(&format!("To: {}", user.email)), "{}", mails[0]);
    assert!(mails[0].contains("Subject: Reset your newsroom password"), "{}", mails[0]);
    let token = token_in(&mails[0]);
    assert_eq!(reset(&app, &token, "a brand new passphrase here").await.status(), StatusCode::NO_CONTENT);
    let mails = smtp.wait_for_mails(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.mails().len(), 2, "the link once, then the notice that the password changed");
    assert!(mails.iter().any(|mail| mail.contains("Subject: Your newsroom password was changed")), "{mails:?}");
}

#[tokio::test]
async fn mail_is_signed_with_the_site_name_and_send_test_mail_says_how_it_went() {
    let mut smtp = SmtpServer::down();
    let site = crate::cli::Site::new();
    let smtp_url = smtp.url();
    let send_test_mail = || {
        site.newsroom()
            .args(["send-test-mail", "desk@example.com"])
            .env("NEWSROOM_SMTP_URL", &smtp_url)
            .env("NEWSROOM_SITE_NAME", "Harbour News")
            .output()
            .unwrap()
    };
    let down = send_test_mail();
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    assert!(String::from_utf8_lossy(&down.stderr).contains("the mail was not sent"), "{down:?}");

    smtp.start();
    let sent = send_test_mail();
    assert!(sent.status.success(), "{sent:?}");
    assert_eq!(String::from_utf8_lossy(&sent.stdout), "sent to desk@example.com through NEWSROOM_SMTP_URL\n");
    let mails = smtp.wait_for_mails(1, Duration::from_secs(10)).await;
    assert!(mails[0].contains("Subject: Harbour News: test mail"), "{}", mails[0]);

    let app = spawn_app_with(&[("--smtp-url", &smtp.url()), ("--site-name", "Harbour News")]).await;
    let user = app.register_user().await;
    assert_eq!(forgot(&app, &user.email).await.status(), StatusCode::ACCEPTED);
    let mails = smtp.wait_for_mails(2, Duration::from_secs(30)).await;
    assert!(mails.iter().any(|mail| mail.contains("Subject: Reset your Harbour News password")), "{mails:?}");
}
