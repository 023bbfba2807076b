//! TLS to PostgreSQL, chosen by the connection string as libpq users write it: `sslmode` and
//! `sslrootcert` (`postgres://pim@db.internal/pim?sslmode=verify-full&sslrootcert=/etc/pim/ca.pem`,
//! or the key=value form `host=db.internal sslmode=verify-full`).
//!
//! | `sslmode` | pim |
//! | --- | --- |
//! | absent, `disable`, `allow`, `prefer` | no TLS |
//! | `require`, `verify-ca`, `verify-full` | TLS, the server's certificate checked against the roots and its name against the host |
//!
//! pim never encrypts without checking whom it talks to: libpq's `require` and `verify-ca`
//! would accept a certificate that does not name the host (or any certificate at all), pim
//! treats them as `verify-full`; and it never falls back to plain text once TLS was asked
//! for. The roots are `sslrootcert`'s PEM certificates, or Mozilla's (the `webpki-roots`
//! crate) when it is absent or `system`. The handshake is rustls with ring, as the host's
//! other TLS is.

use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::StoreError;

/// A connection string with pim's TLS settings taken out: what remains goes to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The connection string without `sslmode` and `sslrootcert`.
    pub rest: String,
    /// Whether TLS is required, with the roots file if one was named.
    pub tls: Option<Roots>,
}

/// Where the roots that sign the server's certificate come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// Mozilla's roots.
    Mozilla,
    /// The PEM certificates in this file.
    File(String),
}

fn invalid(reason: String) -> StoreError {
    StoreError::Config(reason)
}

impl Target {
    /// Splits `url` (a `postgres://` URL or a key=value string) into the driver's part and
    /// pim's TLS settings.
    pub fn parse(url: &str) -> Result<Target, StoreError> {
        let (rest, mode, root) =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                split_url(url)?
            } else {
                split_key_values(url)
            };
        let tls = match mode.as_deref() {
            None | Some("disable" | "allow" | "prefer") => None,
            Some("require" | "verify-ca" | "verify-full") => Some(match root.as_deref() {
                None | Some("system") => Roots::Mozilla,
                Some(file) => Roots::File(file.to_owned()),
            }),
            Some(other) => {
                return Err(invalid(format!(
                    "sslmode `{other}`: use disable, prefer, require, verify-ca or verify-full"
                )));
            }
        };
        if tls.is_none() && root.is_some() {
            return Err(invalid(
                "sslrootcert is given but sslmode does not ask for TLS: add sslmode=verify-full"
                    .into(),
            ));
        }
        Ok(Target { rest, tls })
    }
}

/// `postgres://…?a=b&sslmode=…`: the URL without pim's two parameters, and their values.
fn split_url(url: &str) -> Result<(String, Option<String>, Option<String>), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None, None));
    };
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || {
            percent_decode_str(value)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| invalid(format!("`{key}` is not UTF-8 once decoded")))
        };
        match key {
            "sslmode" => mode = Some(decoded()?),
            "sslrootcert" => root = Some(decoded()?),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, mode, root))
}

/// `host=… sslmode=…`: the string without pim's two settings, and their values (unquoted
/// values only, as they are written in practice).
fn split_key_values(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for word in url.split_whitespace() {
        match word.split_once('=') {
            Some(("sslmode", v)) => mode = Some(v.to_owned()),
            Some(("sslrootcert", v)) => root = Some(v.to_owned()),
            _ => kept.push(word),
        }
    }
    (kept.join(" "), mode, root)
}

/// The rustls connector for `roots`.
pub fn connector(roots: &Roots) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Roots::Mozilla => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Roots::File(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| invalid(format!("sslrootcert `{path}`: {e}")))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(invalid(format!(
                    "sslrootcert `{path}` holds no usable certificate"
                )));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS: {e}")))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_taken_out_of_urls_and_key_value_strings() {
        let t = Target::parse(
            "postgres://pim:s3cret@db:5432/pim?application_name=pim&sslmode=verify-full&sslrootcert=%2Fetc%2Fpim%2Fca.pem",
        )
        .expect("parses");
        assert_eq!(
            t.rest,
            "postgres://pim:s3cret@db:5432/pim?application_name=pim"
        );
        assert_eq!(t.tls, Some(Roots::File("/etc/pim/ca.pem".into())));
        let t = Target::parse("host=db user=pim sslmode=require").expect("parses");
        assert_eq!(t.rest, "host=db user=pim");
        assert_eq!(t.tls, Some(Roots::Mozilla));
        let t = Target::parse("postgres://db/pim?sslmode=prefer").expect("parses");
        assert_eq!((t.rest.as_str(), t.tls), ("postgres://db/pim", None));
        let t = Target::parse("postgres://db/pim").expect("parses");
        assert_eq!((t.rest.as_str(), t.tls), ("postgres://db/pim", None));
    }

    #[test]
    fn unknown_modes_and_roots_without_tls_are_refused() {
        for bad in [
            "postgres://db/pim?sslmode=always",
            "postgres://db/pim?sslrootcert=/ca.pem",
            "host=db sslmode=disable sslrootcert=/ca.pem",
        ] {
            assert!(
                matches!(Target::parse(bad), Err(StoreError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_roots_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("pim-pg-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("writes");
        let roots = Roots::File(empty.display().to_string());
        assert!(matches!(connector(&roots), Err(StoreError::Config(_))));
        let missing = Roots::File(dir.join("missing.pem").display().to_string());
        assert!(matches!(connector(&missing), Err(StoreError::Config(_))));
        assert!(connector(&Roots::Mozilla).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
