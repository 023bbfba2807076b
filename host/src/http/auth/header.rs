//! The `Authorization` header: exactly `<scheme> SP <token68>` (RFC 7235 §2.1), the scheme
//! `Bearer` in any case (RFC 7235 §2.1: auth-schemes are case-insensitive; RFC 6750 §2.1).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// Why a request carries no usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderProblem {
    /// No `Authorization` header.
    Missing,
    /// A header that is not `Bearer <token68>`: another scheme, extra or missing spaces, an
    /// empty token, characters a token cannot hold, or a second header.
    Malformed,
}

/// Whether `s` is RFC 7235's `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
/// *"="`.
pub fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// The bearer token in `headers`.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, HeaderProblem> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(HeaderProblem::Missing)?;
    if values.next().is_some() {
        return Err(HeaderProblem::Malformed);
    }
    let text = value.to_str().map_err(|_| HeaderProblem::Malformed)?;
    let (scheme, token) = text.split_once(' ').ok_or(HeaderProblem::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !is_token68(token) {
        return Err(HeaderProblem::Malformed);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn parse(values: &[&str]) -> Result<String, HeaderProblem> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                AUTHORIZATION,
                HeaderValue::from_str(v).expect("a header value"),
            );
        }
        bearer_token(&headers).map(str::to_owned)
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            assert_eq!(
                parse(&[&format!("{scheme} abc")]),
                Ok("abc".into()),
                "{scheme}"
            );
        }
    }

    #[test]
    fn anything_but_scheme_space_token68_is_malformed() {
        for bad in [
            "Bearer  user1-token",
            "Bearer user1-token ",
            " Bearer user1-token",
            "Bearer\tuser1-token",
            "Bearer ",
            "Bearer",
            "Bearer =",
            "Bearer a b",
            "Bearer a=b",
            "Basic dXNlcjE6cHc=",
            "Bearerx abc",
            "user1-token",
        ] {
            assert_eq!(parse(&[bad]), Err(HeaderProblem::Malformed), "{bad:?}");
        }
        assert_eq!(
            parse(&["Bearer a", "Bearer b"]),
            Err(HeaderProblem::Malformed)
        );
        assert_eq!(parse(&[]), Err(HeaderProblem::Missing));
        assert_eq!(parse(&["Bearer eyJ.e30.sig=="]), Ok("eyJ.e30.sig==".into()));
    }
}
