//! The issuer's signing keys (a JWK Set, RFC 7517): read from a file or fetched over HTTPS at
//! start, and reloaded when a token names a key id the set lacks or the set is older than
//! `maxKeyAgeSeconds` (so a key the issuer withdrew stops being trusted), at most once per
//! `minRefreshSeconds` so that tokens with made-up key ids cannot make the server hammer the
//! issuer.

use std::path::PathBuf;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;

/// The largest JWK Set accepted, in bytes (Entra's is a few kilobytes).
const MAX_JWKS_BYTES: usize = 1 << 20;

/// How long a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    /// A JSON file.
    File(PathBuf),
    /// An `https://` URL (or plain HTTP on this machine).
    Url(String),
}

/// A JWK Set as published: each key parsed on its own, so one key of a type this host does not
/// know does not hide the others.
#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// How often the keys are reloaded.
#[derive(Debug, Clone, Copy)]
pub struct Refresh {
    /// The least time between two loads.
    pub min_interval: Duration,
    /// The age past which the next token reloads the keys.
    pub max_age: Duration,
}

/// The keys, and when they were last (re)loaded.
pub struct KeyStore {
    source: JwksSource,
    client: reqwest::Client,
    keys: RwLock<Loaded>,
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
    refresh: Refresh,
}

/// The keys of the last successful load, and when it was.
#[derive(Default)]
struct Loaded {
    keys: Vec<Jwk>,
    at: Option<Instant>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// A store over `source`; a file is read now, a URL on [`KeyStore::load`].
    pub fn new(source: JwksSource, refresh: Refresh) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        let store = KeyStore {
            source,
            client,
            keys: RwLock::new(Loaded::default()),
            last_attempt: tokio::sync::Mutex::new(None),
            refresh,
        };
        if let JwksSource::File(path) = &store.source {
            let text = std::fs::read(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            store.replace(parse(&text)?);
        }
        Ok(store)
    }

    /// Loads the keys now, whenever they were last loaded.
    pub async fn load(&self) -> Result<usize, String> {
        let mut last = self.last_attempt.lock().await;
        *last = Some(Instant::now());
        let keys = self.fetch().await?;
        let n = keys.len();
        self.replace(keys);
        Ok(n)
    }

    /// The key with id `kid`, reloading the set first if it lacks that id or is older than
    /// `max_age`, and the last attempt is at least `min_interval` old.
    pub async fn key(&self, kid: &str) -> Option<Jwk> {
        if !self.is_stale()
            && let Some(k) = self.find(kid)
        {
            return Some(k);
        }
        self.refresh_if_due().await;
        self.find(kid)
    }

    fn is_stale(&self) -> bool {
        let loaded = self.keys.read().unwrap_or_else(|p| p.into_inner());
        loaded
            .at
            .is_none_or(|t| t.elapsed() >= self.refresh.max_age)
    }

    async fn refresh_if_due(&self) {
        let mut last = self.last_attempt.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.refresh.min_interval) {
            return;
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "reloaded the issuer's signing keys");
                self.replace(keys);
            }
            Err(e) => tracing::warn!(error = %e, "cannot reload the issuer's signing keys"),
        }
    }

    fn find(&self, kid: &str) -> Option<Jwk> {
        let loaded = self.keys.read().unwrap_or_else(|p| p.into_inner());
        loaded
            .keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid))
            .cloned()
    }

    fn replace(&self, keys: Vec<Jwk>) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Loaded {
            keys,
            at: Some(Instant::now()),
        };
    }

    async fn fetch(&self) -> Result<Vec<Jwk>, String> {
        match &self.source {
            JwksSource::File(path) => {
                let text = tokio::fs::read(path)
                    .await
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                parse(&text)
            }
            JwksSource::Url(url) => parse(&self.download(url).await?),
        }
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, String> {
        let fail = |e: reqwest::Error| format!("cannot fetch `{url}`: {e}");
        let mut response = self.client.get(url).send().await.map_err(fail)?;
        if !response.status().is_success() {
            return Err(format!("`{url}` answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!(
                    "`{url}`: the key set is over {MAX_JWKS_BYTES} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The keys of a JWK Set document, skipping keys this host cannot use (with a warning).
fn parse(text: &[u8]) -> Result<Vec<Jwk>, String> {
    let raw: RawSet = serde_json::from_slice(text).map_err(|e| format!("not a JWK Set: {e}"))?;
    let keys: Vec<Jwk> = raw
        .keys
        .into_iter()
        .filter_map(|k| match serde_json::from_value::<Jwk>(k) {
            Ok(jwk) => Some(jwk),
            Err(e) => {
                tracing::warn!(error = %e, "skipping a key the host cannot read");
                None
            }
        })
        .collect();
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_of_an_unknown_shape_does_not_hide_the_others() {
        let set = br#"{"keys": [
            {"kty": "weird", "kid": "a"},
            {"kty": "EC", "crv": "P-256", "kid": "b", "use": "sig",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "RSA", "kid": "c", "n": "sXch", "e": "AQAB", "x5t": "ignored",
             "issuer": "https://login.microsoftonline.com/t/v2.0"}
        ]}"#;
        let keys = parse(set).expect("a set");
        let ids: Vec<_> = keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect();
        assert!(
            ids.contains(&"b".to_owned()) && ids.contains(&"c".to_owned()),
            "{ids:?}"
        );
        assert!(parse(b"[]").is_err());
        assert!(parse(b"{\"keys\": 1}").is_err());
    }
}
