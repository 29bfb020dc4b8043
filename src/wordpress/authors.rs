//! Authors: an account each, with no usable password, or all one account.

use super::db;
use super::import::{ImportError, Importer};
use super::report::Outcome;
use super::text::one_line;
use super::wxr;
use crate::articles::slug;
use crate::users::write::NewAccount;
use crate::users::{self, Email, Role};

/// A stored password hash no password matches: imported authors sign in
/// after choosing one by "Forgot password?".
const NO_PASSWORD: &str = "!imported-from-wordpress";

impl Importer<'_> {
    pub(super) fn import_authors(&mut self, authors: Vec<wxr::Author>) -> Result<(), ImportError> {
        if let Some(email) = &self.options.author_email {
            let user = users::db::find_by_email_key(self.conn, &Email::key_of(email))?
                .ok_or_else(|| ImportError::Refused(format!("--author-email: no account has the email {email}")))?;
            for author in authors {
                self.authors.insert(author.login, user.id);
            }
            self.authors.entry(String::new()).or_insert(user.id);
            return Ok(());
        }
        for author in authors {
            let email = Email::parse(author.email.trim())
                .or_else(|_| Email::parse(&format!("{}@wordpress.invalid", slug::slugify(&author.login))))
                .map_err(|_| ImportError::Refused(format!("author {:?} has no usable email", author.login)))?;
            let (id, outcome) = match users::db::find_by_email_key(self.conn, &email.key())? {
                Some(user) => (user.id, Outcome::Unchanged),
                None => {
                    let name = one_line(&author.display_name, 100)
                        .or_else(|| one_line(&author.login, 100))
                        .unwrap_or_else(|| "WordPress author".to_owned());
                    let account = NewAccount {
                        email: &email,
                        display_name: &name,
                        password_hash: NO_PASSWORD,
                        role: Role::Author,
                    };
                    let user = users::write::create(self.conn, account)?.ok_or_else(|| {
                        ImportError::Refused(format!("author {:?}: the email is taken", author.login))
                    })?;
                    (user.id, Outcome::Imported)
                }
            };
            db::remember(self.conn, "author", &author.login, &id.to_string(), email.as_ref())?;
            self.authors.insert(author.login, id);
            self.report.count("authors", outcome);
        }
        Ok(())
    }
}
