//! The server's config file: where to listen and which bearer tokens stand for which callers.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why the config file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a config (JSON of the expected shape).
    #[error("`{}` is not a valid config", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
}

/// A caller a bearer token stands for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenEntry {
    /// The secret the caller sends as `Authorization: Bearer <token>`.
    pub token: String,
    /// The principal id.
    pub principal: String,
    /// Whether sessions with this token satisfied MFA.
    #[serde(default)]
    pub mfa: bool,
    /// Authentication-context claims the session satisfied.
    #[serde(default)]
    pub auth_context: Vec<String>,
}

/// The server's config file (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to listen, e.g. `127.0.0.1:8080`.
    #[serde(default)]
    pub listen: Option<String>,
    /// The callers.
    #[serde(default)]
    pub tokens: Vec<TokenEntry>,
    /// How far the host's clock may be off before it refuses to write, in seconds
    /// (docs/semantics.md, "Time: which clock pim trusts"); `serve --max-clock-skew` overrides.
    #[serde(default)]
    pub max_clock_skew_seconds: Option<u64>,
}

impl ServerConfig {
    /// Reads a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }
}
