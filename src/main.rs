//! The `newsroom` binary: parses the command line, then hands over to the library.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsroom::config::{Config, Settings};
use newsroom::startup::Application;
use newsroom::{cli, config, copy, openapi, seed, seed_bench, startup, store, telemetry, wordpress};

/// mimalloc keeps less of the memory a burst of requests freed than glibc's
/// per-thread arenas, and is faster on the write path (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about = "The backend of a news site: a REST/JSON API.")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Create a user; the password is the first line of stdin, or asked for
    /// without echo on a terminal. Prints the new id.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        /// reader, contributor, author, editor or admin.
        #[arg(long, default_value = "reader")]
        role: String,
        /// Read the password from stdin (required: passwords never go in argv).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Load demo categories, articles in English and Arabic, a privacy policy
    /// page, and a demo editor (idempotent; prints the editor's new password).
    SeedDemo,
    /// Fill an empty database with benchmark data (100,000 articles, 1,000,000 votes…).
    SeedBench {
        /// Scale every count by this factor (1.0 is the full size).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
    /// Recount every vote tally from the votes table; exit 1 on any difference.
    Check,
    /// Copy every table of one database into another, empty one: SQLite to
    /// PostgreSQL or the other way, ids, sequences, passwords and sessions kept.
    CopyDatabase {
        /// The database to copy: a SQLite path or a `postgres://` URL.
        #[arg(long)]
        from: String,
        /// The empty database to fill: a SQLite path or a `postgres://` URL.
        #[arg(long)]
        to: String,
    },
    /// Import a WordPress export (WXR: Tools → Export → All content); safe to run twice.
    ImportWordpress {
        /// The export file.
        file: std::path::PathBuf,
        /// Report what would happen, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Make every post this existing account's, instead of importing the authors.
        #[arg(long)]
        author_email: Option<String>,
        /// A copy of the site's `wp-content/uploads`: its images become media,
        /// featured images covers, and links in bodies point to them.
        #[arg(long)]
        uploads: Option<std::path::PathBuf>,
        /// Write where each public post and page was and where it is now,
        /// as an nginx map, into this new file.
        #[arg(long)]
        redirects: Option<std::path::PathBuf>,
    },
    /// Copy the live SQLite database into FILE, consistently, while the site
    /// serves (on PostgreSQL, says how to use pg_dump instead).
    Backup {
        /// The copy to write; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Send a test mail to ADDRESS now, through NEWSROOM_SMTP_URL or into the
    /// outbox, and say how it went.
    SendTestMail {
        /// Where to send it.
        address: String,
    },
    /// Print the OpenAPI document (JSON) to stdout.
    Openapi,
}

/// Exit code for unusable configuration, as clap uses for bad arguments.
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return argument_error(&error),
    };
    if let Err(e) = telemetry::init(&cli.settings.log, cli.settings.log_format) {
        eprintln!("error: NEWSROOM_LOG: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let command = cli.command.unwrap_or(Command::Serve);
    // Neither needs the site's configuration.
    match &command {
        Command::Openapi => return finish(write_stdout(&openapi::to_json(&openapi::document()))),
        Command::CopyDatabase { from, to } => return finish(copy_database(from, to)),
        _ => {}
    }
    let config = match cli.settings.into_config() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let outcome = match command {
        Command::Serve => serve(config),
        Command::Migrate => migrate(&config),
        Command::CreateUser { email, display_name, role, password_stdin: _ } => {
            create_user(&config, &email, &display_name, &role)
        }
        Command::SeedDemo => seed_demo(&config),
        Command::SeedBench { scale } => seed_bench(&config, scale),
        Command::Check => check(&config),
        Command::ImportWordpress { file, dry_run, author_email, uploads, redirects } => {
            let progress = std::io::stderr().is_terminal();
            let options = wordpress::ImportOptions { dry_run, author_email, uploads, redirects, progress };
            import_wordpress(&config, &file, &options)
        }
        Command::SendTestMail { address } => send_test_mail(&config, &address),
        Command::Backup { file } => backup(&config, &file),
        Command::Openapi | Command::CopyDatabase { .. } => Ok(()),
    };
    finish(outcome)
}

/// A value that cannot be parsed is one line naming its variable and flag,
/// like every other configuration error; usage errors and `--help` are
/// clap's own.
fn argument_error(error: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.as_str()),
        _ => None,
    };
    let (Some(argument), Some(value)) = (context(ContextKind::InvalidArg), context(ContextKind::InvalidValue)) else {
        error.exit()
    };
    if !matches!(error.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue) {
        error.exit()
    }
    // "--bind <NEWSROOM_BIND>": the flag, and the variable as its value name.
    let (flag, variable) = argument.split_once(' ').unwrap_or((argument, ""));
    let variable = variable.trim_matches(['<', '>']);
    let reason = std::error::Error::source(error)
        .map_or_else(|| "not one of the values it takes".to_owned(), ToString::to_string);
    eprintln!("error: {variable} ({flag}): {value:?} is not usable: {reason}");
    ExitCode::from(EXIT_CONFIG)
}

/// Writes to stdout; a reader that stopped early (`newsroom openapi | head`)
/// is how pipes end, not an error.
fn write_stdout(text: &str) -> cli::CliResult<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The exit code of a command's outcome, with its error on stderr.
fn finish(outcome: cli::CliResult<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if is_configuration_error(e.as_ref()) { EXIT_CONFIG } else { 1 })
        }
    }
}

/// An unusable setting (a `--from` that is no database URL, say), a database
/// that cannot be opened (refused, unknown, wrong credentials) or whose
/// folder cannot be made, an address already in use, a mail outbox that
/// cannot be written: what the operator fixes in the configuration.
fn is_configuration_error(error: &(dyn std::error::Error + 'static)) -> bool {
    use startup::StartupError;
    use store::SetupError;
    let database = |error: &SetupError| matches!(error, SetupError::Open(_) | SetupError::Folder(..));
    let mut next = Some(error);
    while let Some(error) = next {
        let configuration = error.is::<config::ConfigError>()
            || error.is::<newsroom::mail::MailError>()
            || error.downcast_ref::<SetupError>().is_some_and(database)
            || match error.downcast_ref::<StartupError>() {
                Some(StartupError::Database(setup)) => database(setup),
                Some(StartupError::Bind(..) | StartupError::Mail(_)) => true,
                Some(StartupError::State(newsroom::state::StateError::Config(_))) => true,
                _ => false,
            };
        if configuration {
            return true;
        }
        next = error.source();
    }
    false
}

fn serve(config: Config) -> cli::CliResult<()> {
    config.require_jwt_secret()?;
    actix_web::rt::System::new().block_on(async move {
        let database = format!("{:?}", config.database);
        let application = Application::build(config).await?;
        let address = application.address();
        // On stdout whatever the log level: scripts read the port from it.
        println!("listening on http://{address}");
        tracing::info!(%database, docs = %format!("http://{address}/docs"), "serving");
        if !application.has_admin() {
            tracing::warn!(
                "no admin account yet: make one with `newsroom create-user --role admin --email … --display-name … \
                 --password-stdin` (the password is read from stdin)"
            );
        }
        application.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn migrate(config: &Config) -> cli::CliResult<()> {
    let pool = store::connect(&config.database, config.database_pool_size, store::COMMAND_TIMEOUT)?;
    let applied = store::migrate(&pool)?;
    println!("applied {applied} migration(s)");
    Ok(())
}

fn create_user(config: &Config, email: &str, display_name: &str, role: &str) -> cli::CliResult<()> {
    let password = if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password(format!("password for {email}: "))?;
        if rpassword::prompt_password("the same again: ")? != password {
            return Err("the two passwords differ; nothing was created".into());
        }
        password
    } else {
        let mut password = String::new();
        std::io::stdin().lock().read_line(&mut password)?;
        password.trim_end_matches(['\r', '\n']).to_owned()
    };
    let id = cli::create_user(config, email, display_name, role, password)?;
    println!("{id}");
    Ok(())
}

fn seed_demo(config: &Config) -> cli::CliResult<()> {
    let report = seed::seed_demo(config)?;
    println!(
        "added {}, {}, {}",
        cli::count(report.categories, "category", "categories"),
        cli::count(report.articles, "article", "articles"),
        cli::count(report.pages, "page", "pages")
    );
    match &report.editor_password {
        Some(password) => println!("demo editor: {} / {password}", report.editor_email),
        None => println!("demo editor: {} (kept its password)", report.editor_email),
    }
    Ok(())
}

fn backup(config: &Config, file: &std::path::Path) -> cli::CliResult<()> {
    let report = newsroom::backup::backup(config, file)?;
    println!(
        "backed up into {} ({:.1} MB) in {:.1} s; keep the data folder's jwt-secret and media/ with it",
        file.display(),
        report.bytes as f64 / 1e6,
        report.seconds
    );
    Ok(())
}

fn send_test_mail(config: &Config, address: &str) -> cli::CliResult<()> {
    let mail = newsroom::mail::test_mail(address, &config.site_name)
        .ok_or_else(|| format!("{address:?} is not a mail address"))?;
    // The SMTP pool starts tasks of its own: it is built inside the runtime.
    let route = actix_web::rt::System::new().block_on(async {
        let mailer = newsroom::mail::Mailer::from_config(config)?;
        let route = match &mailer {
            newsroom::mail::Mailer::Smtp(_) => "through NEWSROOM_SMTP_URL".to_owned(),
            newsroom::mail::Mailer::Outbox(folder) => {
                format!("into {} (no NEWSROOM_SMTP_URL is set)", folder.display())
            }
        };
        mailer.send(config.mail_from.clone(), mail).await.map_err(|e| format!("the mail was not sent: {e}"))?;
        cli::CliResult::Ok(route)
    })?;
    println!("sent to {address} {route}");
    Ok(())
}

fn check(config: &Config) -> cli::CliResult<()> {
    let mismatches = cli::check_tallies(config)?;
    for mismatch in &mismatches {
        let stored = match mismatch.stored {
            Some(stored) => format!("stored up/down/score {stored:?}"),
            None => "no stored counters".to_owned(),
        };
        println!("article {}: {stored}, counted {:?}", mismatch.article_id, mismatch.counted);
    }
    if mismatches.is_empty() {
        println!("all vote tallies match the votes table");
        Ok(())
    } else {
        Err(format!("{} article(s) with a wrong tally", mismatches.len()).into())
    }
}

fn copy_database(from: &str, to: &str) -> cli::CliResult<()> {
    let from = config::database(from, "--from")?;
    let to = config::database(to, "--to")?;
    let started = std::time::Instant::now();
    let report = copy::copy_database(&from, &to, std::io::stderr().is_terminal())?;
    for (table, rows) in &report.tables {
        println!("{table:>16}  {rows} rows");
    }
    let mismatches = copy::check_copy(&from, &to)?;
    if !mismatches.is_empty() {
        return Err(format!("the copy differs from the source: {}", mismatches.join("; ")).into());
    }
    println!("copied in {:.1} s; row counts match and every vote tally checks out", started.elapsed().as_secs_f64());
    Ok(())
}

fn import_wordpress(config: &Config, file: &std::path::Path, options: &wordpress::ImportOptions) -> cli::CliResult<()> {
    eprintln!(
        "importing {}: categories, tags, authors, posts, pages and featured images{}; comments, menus and \
         other post types stay behind (counted below)",
        file.display(),
        if options.uploads.is_some() { ", and the uploads' images" } else { "" }
    );
    let report = wordpress::import_wordpress(config, file, options)?;
    if report.dry_run {
        println!("dry run: nothing was written; an import would do this:");
    }
    let line = |outcome: &str, counts: &std::collections::BTreeMap<&str, usize>| {
        let statuses = report.post_statuses.get(outcome).map(|statuses| {
            ["published", "scheduled", "pending", "draft", "archived"]
                .into_iter()
                .filter_map(|status| statuses.get(status).map(|count| (status, *count)))
                .map(|(status, count)| match status {
                    "draft" => cli::count(count, "draft", "drafts"),
                    _ => format!("{count} {status}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        counts
            .iter()
            .map(|(kind, count)| match (*kind, &statuses) {
                ("posts", Some(statuses)) => format!("{count} {kind} ({statuses})"),
                _ => format!("{count} {kind}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let outcomes = [
        ("imported", &report.imported),
        ("updated", &report.updated),
        ("unchanged", &report.unchanged),
        ("withdrawn", &report.withdrawn),
    ];
    if outcomes.iter().all(|(_, counts)| counts.is_empty()) {
        println!("the export holds nothing to import");
    }
    for (outcome, counts) in outcomes.iter().filter(|(_, counts)| !counts.is_empty()) {
        println!("{outcome}: {}", line(outcome, counts));
    }
    for (reason, count) in &report.skipped {
        match report.skipped_in.get(reason) {
            Some(within) => {
                let more = if within.posts > within.named.len() { ", …" } else { "" };
                let posts = cli::count(within.posts, "post", "posts");
                println!("skipped: {count} {reason}, in {posts}: {}{more}", within.named.join(", "));
            }
            None => println!("skipped: {count} {reason}"),
        }
    }
    for (reason, count) in &report.left_alone {
        println!("left alone: {count} {reason}");
    }
    for file in &report.missing {
        println!("missing from --uploads: {file}");
    }
    if let Some(redirects) = &options.redirects {
        if report.dry_run {
            println!("redirects: a dry run writes no map");
        } else {
            println!("redirects: {} old addresses mapped in {}", report.redirects_written, redirects.display());
        }
    }
    Ok(())
}

fn seed_bench(config: &Config, scale: f64) -> cli::CliResult<()> {
    let full = seed_bench::BenchSizes::default();
    let scaled = |count: usize| ((count as f64 * scale).round() as usize).max(1);
    let sizes = seed_bench::BenchSizes {
        articles: scaled(full.articles),
        categories: scaled(full.categories),
        tags: scaled(full.tags),
        users: scaled(full.users),
        votes: scaled(full.votes),
        collection_items: scaled(full.collection_items),
    };
    let report = seed_bench::seed_bench(config, sizes)?;
    println!(
        "{} users, {} categories, {} tags, {} articles, {} votes, {} collection items in {:.1} s; every user's password is {:?}",
        report.users,
        report.categories,
        report.tags,
        report.articles,
        report.votes,
        report.collection_items,
        report.seconds,
        seed_bench::BENCH_PASSWORD
    );
    Ok(())
}
