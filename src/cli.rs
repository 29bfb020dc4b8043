//! Command-line tasks that run without the HTTP server.

use crate::auth::password::{self, Password};
use crate::config::Config;
use crate::store;
use crate::users::write::NewAccount;
use crate::users::{self, DisplayName, Email, Role};

pub type CliResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Creates a user with the same rules as registration; returns the new id.
pub fn create_user(config: &Config, email: &str, display_name: &str, role: &str, password: String) -> CliResult<i32> {
    let email = Email::parse(email)?;
    let display_name = DisplayName::parse(display_name)?;
    let role = Role::parse(role)
        .ok_or_else(|| format!("role must be reader, contributor, author, editor or admin, not {role:?}"))?;
    let password = Password::parse(password, email.as_ref(), config.password_min_length)?;
    let password_hash = password::hash_now(&password).map_err(|e| format!("argon2: {e}"))?;
    let pool = store::connect(&config.database, config.database_pool_size, store::COMMAND_TIMEOUT)?;
    store::migrate(&pool)?;
    let mut conn = pool.get()?;
    let created = crate::store::write_on(&mut conn, |conn| {
        let account =
            NewAccount { email: &email, display_name: display_name.as_ref(), password_hash: &password_hash, role };
        users::write::create(conn, account)
    })?;
    created
        .map(|user| user.id)
        .ok_or_else(|| format!("an account with the email {} already exists", email.as_ref()).into())
}

/// Recounts every tally from the votes table (`newsroom check`).
pub fn check_tallies(config: &Config) -> CliResult<Vec<crate::votes::db::TallyMismatch>> {
    let pool = store::connect(&config.database, config.database_pool_size, store::COMMAND_TIMEOUT)?;
    store::migrate(&pool)?;
    let mut conn = pool.get()?;
    Ok(crate::votes::db::check_tallies(&mut conn)?)
}

/// "1 page", "2 pages": a count with its noun, for what commands print.
pub fn count(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
