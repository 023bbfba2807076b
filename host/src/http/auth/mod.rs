//! Who a request comes from: a configured bearer token ([`tokens`]) or, when an OpenID Connect
//! issuer is configured, a JWT access token it signed ([`jwt`]), both read from the
//! `Authorization` header ([`header`]). Tokens are never logged.

pub mod header;
pub mod jwks;
pub mod jwt;
pub mod tokens;

use axum::http::HeaderMap;
use pim_core::CallContext;

use self::header::{HeaderProblem, bearer_token};
use self::jwt::{JwtValidator, looks_like_jwt};
use self::tokens::TokenTable;
use super::config::{ConfigProblem, ServerConfig};
use super::error::ApiError;

/// Turns a request's `Authorization` header into the caller it stands for.
#[derive(Debug)]
pub struct Authenticator {
    tokens: TokenTable,
    jwt: Option<JwtValidator>,
}

impl Authenticator {
    /// The callers `config` names; a key file is read now, a key URL on
    /// [`Authenticator::load_keys`].
    pub fn new(config: &ServerConfig) -> Result<Self, ConfigProblem> {
        config.validate()?;
        Ok(Authenticator {
            tokens: TokenTable::new(&config.tokens)?,
            jwt: config.oidc.as_ref().map(JwtValidator::new).transpose()?,
        })
    }

    /// Loads the issuer's keys now, if an issuer is configured.
    pub async fn load_keys(&self) -> Result<(), ConfigProblem> {
        if let Some(jwt) = &self.jwt {
            let n = jwt.load_keys().await?;
            tracing::info!(keys = n, "loaded the issuer's signing keys");
        }
        Ok(())
    }

    /// The caller behind `headers`: a missing header, a malformed one, an unknown token and
    /// an access token that fails validation are each a 401.
    pub async fn caller(&self, headers: &HeaderMap) -> Result<CallContext, ApiError> {
        let token = bearer_token(headers).map_err(|p| match p {
            HeaderProblem::Missing => ApiError::MissingToken,
            HeaderProblem::Malformed => ApiError::MalformedAuthorization,
        })?;
        if let Some(ctx) = self.tokens.caller(token) {
            return Ok(ctx.clone());
        }
        match &self.jwt {
            Some(jwt) if looks_like_jwt(token) => {
                jwt.caller(token).await.map_err(ApiError::InvalidToken)
            }
            _ => Err(ApiError::UnknownToken),
        }
    }
}
