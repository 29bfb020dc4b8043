//! Settings: every `NEWSROOM_*` variable is also a `--flag`, read once at start-up.
//!
//! [`Settings`] is what clap parses; [`Config`] is the validated form the rest of
//! the crate uses. No other module reads the environment.

mod settings;
mod validated;
mod values;

pub use settings::{LogFormat, Settings};
pub use validated::{Config, MediaConfig, S3Access};
pub use values::{ArticleUrl, ConfigError, CorsOrigins, MediaStoreUrl, database};
