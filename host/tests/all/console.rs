//! The console's routes (`/`, `/console/…`) and the directory routes it needs (`/v1.0/me`,
//! `/v1.0/directoryObjects`): static files with their security headers and no token, the
//! demo sign-in picker only when the config asks for it, and least privilege on the directory.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value;

use crate::governance::Api;

/// A GET without a token: the status, the headers (lower-cased names) and the body.
fn get(addr: &str, path: &str) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(addr).expect("connects");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    )
    .expect("sends");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_console_page_needs_no_token_and_carries_its_security_headers() {
    let api = Api::start("console-page");
    let (status, headers, body) = get(&api.addr, "/");
    assert_eq!(status, 200);
    assert!(body.contains("<html"), "{body}");
    assert!(
        header(&headers, "content-type").is_some_and(|t| t.starts_with("text/html")),
        "{headers:?}"
    );
    let csp = header(&headers, "content-security-policy").expect("a CSP");
    for directive in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp} lacks {directive}");
    }
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&headers, "referrer-policy"), Some("no-referrer"));
    // A file the console does not have is a plain 404, with the same headers.
    let (status, headers, _) = get(&api.addr, "/console/no-such-file.js");
    assert_eq!(status, 404);
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
}

#[test]
fn the_sign_in_picker_is_offered_only_to_a_demo_host() {
    let api = Api::start("console-sign-in");
    let (status, _, body) = get(&api.addr, "/console/sign-in");
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["demo"], false, "{v}");
    assert_eq!(v["callers"], serde_json::json!([]), "{v}");

    let demo = Api::start_configured("console-sign-in-demo", |_| {}, |c| c.demo_sign_in = true);
    let (_, _, body) = get(&demo.addr, "/console/sign-in");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["demo"], true, "{v}");
    let principals: Vec<&str> = v["callers"]
        .as_array()
        .expect("callers")
        .iter()
        .filter_map(|c| c["principal"].as_str())
        .collect();
    assert_eq!(principals, ["aymen", "rev", "user1", "u0", "ghost"]);
    assert_eq!(v["callers"][2]["token"], "user1-token");
}

#[test]
fn me_is_the_caller_and_the_directory_is_for_readers() {
    let api = Api::start("console-directory");
    let (status, me) = api.call("user1", "GET", "/v1.0/me", "");
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], "user1");
    assert_eq!(me["@odata.type"], "#microsoft.graph.user");
    let (status, ghost) = api.call("ghost", "GET", "/v1.0/me", "");
    assert_eq!(status, 403, "{ghost}");
    assert_eq!(ghost["error"]["code"], "Authorization_RequestDenied");

    let (status, all) = api.call("aymen", "GET", "/v1.0/directoryObjects", "");
    assert_eq!(status, 200, "{all}");
    let mut ids: Vec<&str> = all["value"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["aymen", "rev", "u0", "user1"]);
    let (status, refused) = api.call("user1", "GET", "/v1.0/directoryObjects", "");
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["code"], "Authorization_RequestDenied");
}
