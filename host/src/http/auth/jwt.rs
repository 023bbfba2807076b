//! JWT access tokens from an OpenID Connect issuer (Microsoft Entra ID or any other): signature
//! against the issuer's keys, issuer, audience, expiry and not-before; then the caller they
//! stand for, with MFA and authentication contexts read from the claims as Entra writes them.

use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use pim_core::CallContext;
use serde_json::Value;

use super::jwks::{JwksSource, KeyStore, Refresh};
use crate::http::config::{ConfigProblem, OidcConfig};

/// The signature algorithms accepted: the asymmetric ones (Entra signs with RS256). Symmetric
/// `HS*` would let anyone holding the public key forge tokens; `none` is not a signature.
const ACCEPTED: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Why an access token was refused; each reason is safe to tell the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not a JWT, or a header that does not parse (including `alg: none`).
    #[error("malformed token or unsupported algorithm")]
    Malformed,
    /// An algorithm other than RS256, RS384, RS512, PS256, ES256 and ES384.
    #[error("signature algorithm not accepted")]
    Algorithm,
    /// No `kid` in the header.
    #[error("token names no signing key (kid)")]
    NoKeyId,
    /// A `kid` the issuer's key set does not have.
    #[error("unknown signing key")]
    UnknownKey,
    /// The key's type, curve or `alg` does not fit the token's algorithm.
    #[error("signing key does not fit the token's algorithm")]
    KeyMismatch,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// `exp` is past.
    #[error("token expired")]
    Expired,
    /// `nbf` is still ahead.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` is not the configured audience.
    #[error("wrong audience")]
    Audience,
    /// A required claim is missing or not a string.
    #[error("token lacks the `{0}` claim")]
    MissingClaim(String),
}

/// Checks access tokens against one issuer.
#[derive(Debug)]
pub struct JwtValidator {
    issuer: String,
    audience: String,
    principal_claim: String,
    leeway: u64,
    keys: KeyStore,
}

impl JwtValidator {
    /// A validator for `config`; a key file is read now, a key URL on [`JwtValidator::load_keys`].
    pub fn new(config: &OidcConfig) -> Result<Self, ConfigProblem> {
        let source = if config.jwks_is_url() {
            JwksSource::Url(config.jwks.clone())
        } else {
            JwksSource::File(config.jwks.clone().into())
        };
        let refresh = Refresh {
            min_interval: Duration::from_secs(config.min_refresh_seconds),
            max_age: Duration::from_secs(config.max_key_age_seconds),
        };
        let keys = KeyStore::new(source, refresh).map_err(ConfigProblem::Jwks)?;
        Ok(JwtValidator {
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            principal_claim: config.principal_claim.clone(),
            leeway: config.leeway_seconds,
            keys,
        })
    }

    /// Loads the issuer's keys now (at start, so that a wrong URL is found at once).
    pub async fn load_keys(&self) -> Result<usize, ConfigProblem> {
        self.keys.load().await.map_err(ConfigProblem::Jwks)
    }

    /// The caller `token` stands for, if it is a valid access token from the issuer.
    pub async fn caller(&self, token: &str) -> Result<CallContext, JwtError> {
        let header = decode_header(token).map_err(|_| JwtError::Malformed)?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(JwtError::Algorithm);
        }
        let kid = header.kid.ok_or(JwtError::NoKeyId)?;
        let jwk = self.keys.key(&kid).await.ok_or(JwtError::UnknownKey)?;
        let key = key_for(&jwk, header.alg)?;
        let claims = decode::<Value>(token, &key, &self.validation(header.alg))
            .map_err(|e| refusal(e.kind()))?
            .claims;
        call_context(&claims, &self.principal_claim)
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        v.validate_nbf = true;
        v.leeway = self.leeway;
        v
    }
}

/// The call context of verified `claims`: `principal_claim` names the caller, `amr` holding
/// `mfa` satisfies MFA, and `acrs` lists the authentication contexts satisfied.
fn call_context(claims: &Value, principal_claim: &str) -> Result<CallContext, JwtError> {
    let principal = claims
        .get(principal_claim)
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| JwtError::MissingClaim(principal_claim.to_owned()))?;
    let strings = |name: &str| -> Vec<String> {
        claims
            .get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(CallContext {
        caller: Some(principal.into()),
        mfa: strings("amr").iter().any(|m| m == "mfa"),
        auth_context: strings("acrs"),
    })
}

/// The verifying key of `jwk` for `alg`, if the key is meant for it.
fn key_for(jwk: &Jwk, alg: Algorithm) -> Result<DecodingKey, JwtError> {
    let fits = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => matches!(
            alg,
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256
        ),
        AlgorithmParameters::EllipticCurve(p) => matches!(
            (&p.curve, alg),
            (EllipticCurve::P256, Algorithm::ES256) | (EllipticCurve::P384, Algorithm::ES384)
        ),
        _ => false,
    };
    let declared = jwk.common.key_algorithm.map(|a| a.to_string());
    let for_signing = jwk
        .common
        .public_key_use
        .as_ref()
        .is_none_or(|u| *u == PublicKeyUse::Signature);
    if !fits || !for_signing || declared.is_some_and(|d| d != format!("{alg:?}")) {
        return Err(JwtError::KeyMismatch);
    }
    DecodingKey::from_jwk(jwk).map_err(|_| JwtError::KeyMismatch)
}

/// The refusal for a failed `decode`.
fn refusal(kind: &jsonwebtoken::errors::ErrorKind) -> JwtError {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => JwtError::Expired,
        K::ImmatureSignature => JwtError::NotYetValid,
        K::InvalidIssuer => JwtError::Issuer,
        K::InvalidAudience => JwtError::Audience,
        K::InvalidSignature => JwtError::Signature,
        K::MissingRequiredClaim(c) => JwtError::MissingClaim(c.clone()),
        K::InvalidAlgorithm => JwtError::KeyMismatch,
        _ => JwtError::Malformed,
    }
}

/// Whether `token` has a JWT's shape: three base64url parts, the first a JSON object.
pub fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3 && parts[0].starts_with("eyJ") && !parts[1].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amr_mfa_satisfies_mfa_and_acrs_are_the_authentication_contexts() {
        let ctx = call_context(
            &serde_json::json!({"oid": "u", "amr": ["pwd", "mfa"], "acrs": ["c1", "c3"]}),
            "oid",
        )
        .expect("a context");
        assert_eq!(ctx.caller.as_deref(), Some("u"));
        assert!(ctx.mfa);
        assert_eq!(ctx.auth_context, ["c1", "c3"]);
        let plain = call_context(&serde_json::json!({"sub": "s", "amr": ["pwd"]}), "sub")
            .expect("a context");
        assert!(!plain.mfa && plain.auth_context.is_empty());
        assert_eq!(
            call_context(&serde_json::json!({"oid": ""}), "oid"),
            Err(JwtError::MissingClaim("oid".into()))
        );
        assert_eq!(
            call_context(&serde_json::json!({"oid": 7}), "oid"),
            Err(JwtError::MissingClaim("oid".into()))
        );
    }

    #[test]
    fn only_three_part_tokens_with_a_json_header_look_like_jwts() {
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.e30."));
        assert!(looks_like_jwt("eyJa.eyJb.sig"));
        assert!(!looks_like_jwt("user1-token"));
        assert!(!looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("eyJa.eyJb"));
        assert!(!looks_like_jwt("eyJa..sig"));
    }
}
