//! The mails newsroom sends to account holders, each as plain text with an
//! HTML alternative.

use chrono::NaiveDateTime;
use lettre::message::Mailbox;
use url::Url;

use super::Mail;
use crate::time;

/// Who a mail goes to.
pub struct Recipient<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    /// The site's name (`NEWSROOM_SITE_NAME`), which signs the mail.
    pub site: &'a str,
}

fn mailbox(to: &Recipient<'_>) -> Option<Mailbox> {
    to.email.parse().ok().map(|address| Mailbox::new(Some(to.display_name.to_owned()), address))
}

/// The reset link for `token`: `{public_url}/reset-password?token=…`.
/// Appended, not joined: joining would replace a last path segment such as
/// the `/news` of `https://example.com/news`.
pub fn reset_url(public_url: &Url, token: &str) -> Option<Url> {
    let mut link = public_url.clone();
    link.path_segments_mut().ok()?.pop_if_empty().push("reset-password");
    link.query_pairs_mut().append_pair("token", token);
    Some(link)
}

/// A reset link that works once and expires after `minutes`, at `expires_at`.
pub fn reset_link(to: &Recipient<'_>, link: &Url, minutes: u64, expires_at: NaiveDateTime) -> Option<Mail> {
    let expires = expires_at.format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "Someone, hopefully you, asked to reset the password of the {site} account for {email}.\n\n\
         Open this link to choose a new password:\n\n{link}\n\n\
         The link works once and expires in {minutes} minutes, at {expires}.\n\
         If you did not ask, ignore this mail: your password stays as it is.\n",
        email = to.email,
        site = to.site,
    );
    let html = format!(
        "<p>Someone, hopefully you, asked to reset the password of the {site} account for {email}.</p>\
         <p><a href=\"{link}\">Choose a new password</a></p>\
         <p>The link works once and expires in {minutes} minutes, at {expires}.<br>\
         If you did not ask, ignore this mail: your password stays as it is.</p>",
        email = html_escape(to.email),
        link = html_escape(link.as_str()),
        site = html_escape(to.site),
    );
    Some(Mail { to: mailbox(to)?, subject: format!("Reset your {} password", to.site), text, html })
}

/// Tells a user that their password changed, so that a change they did not
/// make is noticed.
pub fn password_changed(to: &Recipient<'_>) -> Option<Mail> {
    let at = time::now().format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "The password of the {site} account for {email} was changed at {at}, and every session was signed out.\n\n\
         If you did not do this, use \"Forgot password?\" to choose a new one now.\n",
        email = to.email,
        site = to.site,
    );
    let html = format!(
        "<p>The password of the {site} account for {email} was changed at {at}, and every session was signed out.</p>\
         <p>If you did not do this, use \"Forgot password?\" to choose a new one now.</p>",
        email = html_escape(to.email),
        site = html_escape(to.site),
    );
    Some(Mail { to: mailbox(to)?, subject: format!("Your {} password was changed", to.site), text, html })
}

/// Tells an editor that the article `id` waits in the review queue.
pub fn review_requested(to: &Recipient<'_>, id: i32, title: &str, author: &str) -> Option<Mail> {
    let text = format!(
        "{author} submitted \"{title}\" for review.\n\n\
         Read it: GET /api/v1/articles/{id}\n\
         Publish it: PATCH /api/v1/articles/{id} with {{\"status\": \"published\"}}, or send it back with \"draft\".\n\
         Everything waiting: GET /api/v1/articles?status=pending (oldest first).\n"
    );
    let html = format!(
        "<p>{author} submitted <strong>{title}</strong> for review.</p>\
         <p>Read it: <code>GET /api/v1/articles/{id}</code><br>\
         Publish it: <code>PATCH /api/v1/articles/{id}</code> with <code>{{\"status\": \"published\"}}</code>, \
         or send it back with <code>\"draft\"</code>.<br>\
         Everything waiting: <code>GET /api/v1/articles?status=pending</code> (oldest first).</p>",
        author = html_escape(author),
        title = html_escape(title),
    );
    let subject = format!("For review: {} ({})", title.chars().take(120).collect::<String>(), to.site);
    Some(Mail { to: mailbox(to)?, subject, text, html })
}

/// What `newsroom send-test-mail` sends: proof that mail reaches `to`.
pub fn test_mail(to: &str, site: &str) -> Option<Mail> {
    let at = time::now().format("%Y-%m-%d %H:%M:%S UTC");
    let text = format!("This is a test mail from {site}, sent at {at}: mail from this site reaches {to}.\n");
    let html = format!("<p>{}</p>", html_escape(text.trim_end()));
    Some(Mail { to: to.parse().ok()?, subject: format!("{site}: test mail"), text, html })
}

/// Escapes text for an HTML body.
fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn reset_links_keep_the_path_of_the_public_url() {
        for base in ["https://example.com/news", "https://example.com/news/"] {
            let link = reset_url(&Url::parse(base).unwrap(), "t0k3n").unwrap();
            assert_eq!(link.as_str(), "https://example.com/news/reset-password?token=t0k3n");
        }
    }
}
