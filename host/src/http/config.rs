//! The server's config file: where to listen, which bearer tokens stand for which callers, the
//! OpenID Connect issuer whose access tokens are accepted, the per-caller write limit, and
//! where notifications go (`notifications`, in `crate::outbox::config`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why the config file could not be read or used.
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
    /// The file has the expected shape but a value that cannot be used.
    #[error("`{}`: {problem}", path.display())]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: ConfigProblem,
    },
    /// A config built in code has a value that cannot be used.
    #[error(transparent)]
    Invalid(#[from] ConfigProblem),
}

/// A config value that cannot be used. Messages name entries by position and principal, never
/// by their secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// A token entry with an empty secret.
    #[error("tokens[{index}] (principal `{principal}`): the token is empty")]
    EmptyToken {
        /// The entry's position.
        index: usize,
        /// Its principal.
        principal: String,
    },
    /// A token with characters a bearer token cannot carry (RFC 6750's `b64token`).
    #[error(
        "tokens[{index}] (principal `{principal}`): the token may only hold letters, digits and `-._~+/`, with `=` at the end"
    )]
    TokenCharacters {
        /// The entry's position.
        index: usize,
        /// Its principal.
        principal: String,
    },
    /// A token entry with an empty principal.
    #[error("tokens[{index}]: the principal is empty")]
    EmptyPrincipal {
        /// The entry's position.
        index: usize,
    },
    /// Two entries with the same secret: which caller it stands for would be ambiguous.
    #[error(
        "tokens[{first}] (principal `{first_principal}`) and tokens[{second}] (principal `{second_principal}`) have the same token; each caller needs its own"
    )]
    DuplicateToken {
        /// The first entry's position.
        first: usize,
        /// Its principal.
        first_principal: String,
        /// The second entry's position.
        second: usize,
        /// Its principal.
        second_principal: String,
    },
    /// A write limit with a rate but no burst.
    #[error("rateLimit.burst must be at least 1 (set writesPerMinute to 0 to turn the limit off)")]
    ZeroBurst,
    /// An empty OpenID Connect setting.
    #[error("oidc.{0} is empty")]
    EmptyOidcField(&'static str),
    /// A JWKS URL that is neither `https://` nor plain HTTP on a loopback address.
    #[error(
        "oidc.jwks `{0}`: keys are fetched over https (plain http only from 127.0.0.1 or localhost)"
    )]
    InsecureJwks(String),
    /// The issuer's keys could not be loaded.
    #[error("oidc.jwks: {0}")]
    Jwks(String),
    /// A forward-auth route whose prefix is not a path or whose role is empty.
    #[error("forwardAuth.routes[{index}]: {problem}")]
    ForwardRoute {
        /// The route's position.
        index: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A `notifications` setting that cannot be used.
    #[error("notifications: {0}")]
    Notifications(String),
    /// A `metrics` setting that guards nothing or is ambiguous.
    #[error("metrics: {0}")]
    Metrics(&'static str),
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

/// The per-caller limit on writes (every method but GET and HEAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Writes a caller may make per minute, on average; 0 turns the limit off.
    #[serde(default = "RateLimitConfig::default_per_minute")]
    pub writes_per_minute: u32,
    /// Writes a caller may make at once before the rate applies.
    #[serde(default = "RateLimitConfig::default_burst")]
    pub burst: u32,
}

impl RateLimitConfig {
    /// No limit.
    pub const OFF: RateLimitConfig = RateLimitConfig {
        writes_per_minute: 0,
        burst: 0,
    };

    fn default_per_minute() -> u32 {
        60
    }

    fn default_burst() -> u32 {
        20
    }
}

impl Default for RateLimitConfig {
    /// 60 writes a minute, 20 at once.
    fn default() -> Self {
        RateLimitConfig {
            writes_per_minute: Self::default_per_minute(),
            burst: Self::default_burst(),
        }
    }
}

/// The OpenID Connect issuer whose JWT access tokens `serve` accepts besides configured tokens.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OidcConfig {
    /// The `iss` the tokens must carry, e.g. `https://login.microsoftonline.com/{tenant}/v2.0`.
    pub issuer: String,
    /// The `aud` the tokens must carry (this API's application id or URI).
    pub audience: String,
    /// The issuer's signing keys (a JWK Set): a file (relative to the config file) or an
    /// `https://` URL.
    pub jwks: String,
    /// The claim that names the principal: `oid` (Entra's object id) unless set, or e.g. `sub`.
    #[serde(default = "OidcConfig::default_principal_claim")]
    pub principal_claim: String,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    #[serde(default = "OidcConfig::default_leeway")]
    pub leeway_seconds: u64,
    /// The least time between two reloads of the keys (a token with an unknown `kid` asks for
    /// one).
    #[serde(default = "OidcConfig::default_min_refresh")]
    pub min_refresh_seconds: u64,
    /// The age past which the keys are reloaded before the next token is checked, so that a
    /// key the issuer withdrew stops being trusted.
    #[serde(default = "OidcConfig::default_max_key_age")]
    pub max_key_age_seconds: u64,
}

impl OidcConfig {
    fn default_principal_claim() -> String {
        "oid".into()
    }

    fn default_leeway() -> u64 {
        60
    }

    fn default_min_refresh() -> u64 {
        300
    }

    fn default_max_key_age() -> u64 {
        24 * 60 * 60
    }

    /// Whether the JWKS is fetched over HTTP(S) rather than read from a file.
    pub fn jwks_is_url(&self) -> bool {
        self.jwks.starts_with("https://") || self.jwks.starts_with("http://")
    }

    fn validate(&self) -> Result<(), ConfigProblem> {
        for (field, value) in [
            ("issuer", &self.issuer),
            ("audience", &self.audience),
            ("jwks", &self.jwks),
            ("principalClaim", &self.principal_claim),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigProblem::EmptyOidcField(field));
            }
        }
        if self.jwks.starts_with("http://") && !is_loopback_url(&self.jwks) {
            return Err(ConfigProblem::InsecureJwks(self.jwks.clone()));
        }
        Ok(())
    }
}

/// Whether a URL's host is this machine (parsed, so `http://127.0.0.1:80@elsewhere/` is not).
fn is_loopback_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
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
    /// The per-caller write limit (60 a minute, 20 at once, unless set).
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// The OpenID Connect issuer whose access tokens are accepted, if any.
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
    /// The tenant id in Graph's policy ids (`DirectoryRole_{tenantId}_…`); a fixed default
    /// when absent.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Which role a path behind a proxy needs, for `/v1.0/pim/forwardAuth`.
    #[serde(default)]
    pub forward_auth: ForwardAuthConfig,
    /// Where the outbox is delivered (mail, webhooks), and how (host/README.md,
    /// "Notifications").
    #[serde(default)]
    pub notifications: Option<crate::outbox::NotificationsConfig>,
    /// Whether the console offers the configured tokens as a sign-in picker: set by `serve
    /// --demo` for its demo tokens only, never read from the file.
    #[serde(skip)]
    pub demo_sign_in: bool,
    /// Who may scrape `GET /metrics`; absent, the route answers 404 (host/README.md,
    /// "Metrics").
    #[serde(default)]
    pub metrics: Option<MetricsConfig>,
}

/// `metrics`: how `GET /metrics` is guarded. The scrape token is a secret of its own, good
/// for nothing but the metrics, so a scraper holds no caller's rights.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricsConfig {
    /// The scraper sends `Authorization: Bearer <token>`.
    #[serde(default)]
    pub token: Option<String>,
    /// Serves the metrics to anyone who reaches the host, without a token (a host whose
    /// listen address only the scraper's network reaches).
    #[serde(default)]
    pub public: bool,
}

impl MetricsConfig {
    fn validate(&self) -> Result<(), ConfigProblem> {
        let problem = match (&self.token, self.public) {
            (Some(_), true) => "set either `token` or `public`, not both",
            (Some(t), false) if t.trim().is_empty() => "the token is empty",
            (None, false) => "set `token` (the scraper's bearer token) or `public: true`",
            _ => return Ok(()),
        };
        Err(ConfigProblem::Metrics(problem))
    }
}

/// `forwardAuth`: the roles paths behind a proxy need, for proxies that do not name the role
/// in the check's query string (docs/gateways.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardAuthConfig {
    /// Path prefixes and the role each needs; the longest matching prefix wins.
    #[serde(default)]
    pub routes: Vec<ForwardRoute>,
    /// Whether the `X-Pim-Role-Definition-Id` and `X-Pim-Directory-Scope-Id` request headers
    /// name the role. Off by default: a proxy that does not set them passes the client's own.
    #[serde(default)]
    pub role_headers: bool,
}

/// A path prefix behind a proxy and the role a caller must hold, active, to use it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardRoute {
    /// The path prefix, e.g. `/exchange/`.
    pub prefix: String,
    /// The role the caller must hold, active, now.
    pub role_definition_id: String,
    /// Where; `/` when absent.
    #[serde(default)]
    pub directory_scope_id: Option<String>,
}

impl ForwardAuthConfig {
    fn validate(&self) -> Result<(), ConfigProblem> {
        for (index, r) in self.routes.iter().enumerate() {
            let problem = if !r.prefix.starts_with('/') {
                "the prefix must be a path, starting with `/`"
            } else if r.role_definition_id.trim().is_empty() {
                "roleDefinitionId is empty"
            } else {
                continue;
            };
            return Err(ConfigProblem::ForwardRoute { index, problem });
        }
        Ok(())
    }
}

impl ServerConfig {
    /// Reads and checks a config file; a relative `oidc.jwks` path is taken relative to it.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: ServerConfig =
            serde_json::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source,
            })?;
        config
            .validate()
            .map_err(|problem| ConfigError::InvalidFile {
                path: path.to_owned(),
                problem,
            })?;
        if let Some(oidc) = config.oidc.as_mut().filter(|o| !o.jwks_is_url()) {
            let dir = path.parent().unwrap_or(Path::new(""));
            oidc.jwks = dir.join(&oidc.jwks).to_string_lossy().into_owned();
        }
        if let Some(n) = config.notifications.as_mut() {
            n.resolve_paths(path.parent().unwrap_or(Path::new("")));
        }
        Ok(config)
    }

    /// Checks what the types cannot: tokens non-empty, unique and bearer-shaped, principals
    /// named, a burst for a rate, OpenID Connect settings present.
    pub fn validate(&self) -> Result<(), ConfigProblem> {
        crate::http::auth::tokens::validate(&self.tokens)?;
        if self.rate_limit.writes_per_minute > 0 && self.rate_limit.burst == 0 {
            return Err(ConfigProblem::ZeroBurst);
        }
        self.forward_auth.validate()?;
        if let Some(m) = &self.metrics {
            m.validate()?;
        }
        if let Some(n) = &self.notifications {
            n.validate().map_err(ConfigProblem::Notifications)?;
        }
        self.oidc.as_ref().map_or(Ok(()), OidcConfig::validate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ServerConfig {
        serde_json::from_str(json).expect("a config")
    }

    #[test]
    fn metrics_need_a_token_or_public_and_not_both() {
        assert!(parse("{}").validate().is_ok());
        assert!(parse(r#"{"metrics": {"token": "s3"}}"#).validate().is_ok());
        assert!(parse(r#"{"metrics": {"public": true}}"#).validate().is_ok());
        for bad in [
            r#"{"metrics": {}}"#,
            r#"{"metrics": {"token": " "}}"#,
            r#"{"metrics": {"token": "s3", "public": true}}"#,
        ] {
            let e = parse(bad).validate().expect_err(bad);
            assert!(e.to_string().starts_with("metrics: "), "{e}");
        }
    }

    #[test]
    fn the_write_limit_defaults_to_60_a_minute_20_at_once_and_0_turns_it_off() {
        assert_eq!(parse("{}").rate_limit, RateLimitConfig::default());
        assert_eq!(
            parse(r#"{"rateLimit": {}}"#).rate_limit,
            RateLimitConfig {
                writes_per_minute: 60,
                burst: 20
            }
        );
        let off = parse(r#"{"rateLimit": {"writesPerMinute": 0}}"#);
        assert_eq!(off.rate_limit.writes_per_minute, 0);
        assert_eq!(off.validate(), Ok(()));
        let no_burst = parse(r#"{"rateLimit": {"writesPerMinute": 5, "burst": 0}}"#);
        assert_eq!(no_burst.validate(), Err(ConfigProblem::ZeroBurst));
    }

    #[test]
    fn a_relative_key_file_is_found_beside_the_config_file() {
        let dir = std::env::temp_dir().join(format!("pim-config-jwks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let path = dir.join("config.json");
        let oidc = r#"{"oidc": {"issuer": "https://i", "audience": "a", "jwks": "keys.json"}}"#;
        std::fs::write(&path, oidc).expect("writes");
        let config = ServerConfig::load(&path).expect("a config");
        let _ = std::fs::remove_dir_all(&dir);
        let jwks = config.oidc.map(|o| o.jwks).unwrap_or_default();
        assert_eq!(Path::new(&jwks), dir.join("keys.json"));
    }

    #[test]
    fn oidc_defaults_to_the_oid_claim_and_refuses_plain_http_off_this_machine() {
        let oidc = |jwks: &str| {
            parse(&format!(
                r#"{{"oidc": {{"issuer": "https://i", "audience": "api", "jwks": "{jwks}"}}}}"#
            ))
        };
        let c = oidc("https://login.example/keys");
        assert_eq!(
            c.oidc.as_ref().map(|o| o.principal_claim.as_str()),
            Some("oid")
        );
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(oidc("http://127.0.0.1:9/keys").validate(), Ok(()));
        assert_eq!(
            oidc("http://keys.example/keys").validate(),
            Err(ConfigProblem::InsecureJwks(
                "http://keys.example/keys".into()
            ))
        );
        assert_eq!(
            oidc("http://localhost.example/keys").validate(),
            Err(ConfigProblem::InsecureJwks(
                "http://localhost.example/keys".into()
            ))
        );
        for sneaky in [
            "http://127.0.0.1:80@keys.example/keys",
            "http://127.0.0.1.example/k",
        ] {
            assert_eq!(
                oidc(sneaky).validate(),
                Err(ConfigProblem::InsecureJwks(sneaky.into())),
                "{sneaky}"
            );
        }
        assert_eq!(oidc("http://[::1]:9/keys").validate(), Ok(()));
        assert_eq!(
            oidc(" ").validate(),
            Err(ConfigProblem::EmptyOidcField("jwks"))
        );
    }
}
