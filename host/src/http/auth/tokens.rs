//! Configured bearer tokens: checked when the config is read (non-empty, bearer-shaped, unique)
//! and kept only as SHA-256 digests, compared in constant time.

use pim_core::CallContext;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::header::is_token68;
use crate::http::config::{ConfigProblem, TokenEntry};

/// A token's SHA-256 digest.
type TokenDigest = [u8; 32];

fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// Checks every entry: a principal, a non-empty bearer-shaped token, and no token twice.
pub fn validate(entries: &[TokenEntry]) -> Result<(), ConfigProblem> {
    let mut seen: Vec<(TokenDigest, usize)> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let principal = entry.principal.clone();
        if entry.principal.is_empty() {
            return Err(ConfigProblem::EmptyPrincipal { index });
        }
        if entry.token.is_empty() {
            return Err(ConfigProblem::EmptyToken { index, principal });
        }
        if !is_token68(&entry.token) {
            return Err(ConfigProblem::TokenCharacters { index, principal });
        }
        let d = digest(&entry.token);
        if let Some(&(_, first)) = seen.iter().find(|(s, _)| *s == d) {
            return Err(ConfigProblem::DuplicateToken {
                first,
                first_principal: entries[first].principal.clone(),
                second: index,
                second_principal: principal,
            });
        }
        seen.push((d, index));
    }
    Ok(())
}

/// The configured callers, by their tokens' digests.
#[derive(Default)]
pub struct TokenTable {
    callers: Vec<(TokenDigest, CallContext)>,
}

impl std::fmt::Debug for TokenTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenTable({} callers)", self.callers.len())
    }
}

impl TokenTable {
    /// The table of `entries`, which [`validate`] accepted.
    pub fn new(entries: &[TokenEntry]) -> Result<Self, ConfigProblem> {
        validate(entries)?;
        let callers = entries
            .iter()
            .map(|t| {
                let ctx = CallContext {
                    caller: Some(t.principal.as_str().into()),
                    mfa: t.mfa,
                    auth_context: t.auth_context.clone(),
                };
                (digest(&t.token), ctx)
            })
            .collect();
        Ok(TokenTable { callers })
    }

    /// The caller `token` stands for. Every entry's digest is compared, each in constant time,
    /// so the time taken says nothing about how much of a secret a guess got right.
    pub fn caller(&self, token: &str) -> Option<&CallContext> {
        if token.is_empty() {
            return None;
        }
        let presented = digest(token);
        let mut found = None;
        for (d, ctx) in &self.callers {
            if bool::from(d.ct_eq(&presented)) {
                found = Some(ctx);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(token: &str, principal: &str) -> TokenEntry {
        TokenEntry {
            token: token.into(),
            principal: principal.into(),
            mfa: false,
            auth_context: Vec::new(),
        }
    }

    #[test]
    fn a_duplicate_token_is_refused_naming_both_entries_but_not_the_secret() {
        let e = validate(&[
            entry("s3cret-1", "aymen"),
            entry("other", "rev"),
            entry("s3cret-1", "user1"),
        ])
        .expect_err("a duplicate");
        assert_eq!(
            e,
            ConfigProblem::DuplicateToken {
                first: 0,
                first_principal: "aymen".into(),
                second: 2,
                second_principal: "user1".into(),
            }
        );
        let message = e.to_string();
        assert!(
            message.contains("tokens[0]") && message.contains("user1"),
            "{message}"
        );
        assert!(!message.contains("s3cret"), "{message}");
    }

    #[test]
    fn empty_and_ill_formed_tokens_and_empty_principals_are_refused() {
        let refused = |token: &str, principal: &str| validate(&[entry(token, principal)]);
        assert!(matches!(
            refused("", "a"),
            Err(ConfigProblem::EmptyToken { index: 0, .. })
        ));
        for bad in [" padded", "two words", "tab\t", "x=y", "é"] {
            assert!(
                matches!(
                    refused(bad, "a"),
                    Err(ConfigProblem::TokenCharacters { .. })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            refused("ok", ""),
            Err(ConfigProblem::EmptyPrincipal { index: 0 })
        );
        assert_eq!(refused("a-b.c_d~e+f/g==", "a"), Ok(()));
    }

    #[test]
    fn a_token_finds_its_caller_and_nothing_else_does() {
        let table =
            TokenTable::new(&[entry("t1", "aymen"), entry("t2", "user1")]).expect("a valid table");
        let principal = |t: &str| table.caller(t).and_then(|c| c.caller.clone());
        assert_eq!(principal("t1"), Some("aymen".into()));
        assert_eq!(principal("t2"), Some("user1".into()));
        assert_eq!(principal("t3"), None);
        assert_eq!(principal(""), None);
        assert_eq!(principal("t1 "), None);
        assert!(!format!("{table:?}").contains("t1"));
    }
}
