//! `/v1.0/pim/forwardAuth` behind Debian's nginx (`auth_request`): a request reaches the
//! upstream only while its caller is active in the route's role, and is refused the second the
//! activation ends. The role comes from the check's query string in one location and from the
//! host's `forwardAuth.routes` in the other.

use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use axum::http::HeaderMap;
use pim_host::http::{ForwardAuthConfig, ForwardRoute};
use serde_json::json;

use crate::common::EXCHANGE_ADMIN;
use crate::governance::{ASSIGNMENT, Api};

/// An upstream that answers who nginx says the caller is, and whether a token reached it.
async fn upstream(listener: tokio::net::TcpListener) {
    let app = axum::Router::new().fallback(|headers: HeaderMap| async move {
        let who = headers
            .get("x-pim-principal")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("nobody")
            .to_owned();
        let token = if headers.contains_key("authorization") {
            "with the token"
        } else {
            "without the token"
        };
        format!("hello {who}, {token}")
    });
    let _ = axum::serve(listener, app).await;
}

fn nginx_conf(dir: &Path, listen: &str, pim: &str, upstream: &str) -> String {
    let d = dir.display();
    let auth = |name: &str, target: &str| {
        format!(
            "location = /_pim/{name} {{
            internal;
            proxy_pass http://{pim}{target};
            proxy_pass_request_body off;
            proxy_set_header Content-Length \"\";
            proxy_set_header X-Original-URI $request_uri;
        }}"
        )
    };
    let guarded = |prefix: &str, name: &str| {
        format!(
            "location /{prefix}/ {{
            auth_request /_pim/{name};
            auth_request_set $pim_principal $upstream_http_x_pim_principal;
            proxy_set_header X-Pim-Principal $pim_principal;
            proxy_set_header Authorization \"\";
            proxy_pass http://{upstream};
        }}"
        )
    };
    format!(
        "daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen {listen};
        {}
        {}
        {}
        {}
    }}
}}
",
        guarded("exchange", "exchange"),
        auth(
            "exchange",
            &format!("/v1.0/pim/forwardAuth?roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"),
        ),
        guarded("routed", "routed"),
        auth("routed", "/v1.0/pim/forwardAuth"),
    )
}

/// nginx over `conf`, stopped when dropped.
struct Nginx(Child);

impl Nginx {
    fn start(dir: &Path, conf: &str) -> Nginx {
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).expect("writes nginx.conf");
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("nginx is not installed: scripts/test.sh installs it (apt-get install nginx)");
        let child = Process::new(binary)
            .arg("-e")
            .arg(dir.join("early.log"))
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        Nginx(child)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    l.local_addr().expect("an address").to_string()
}

/// `GET http://{front}{path}` as `who` (no token when `None`): the status and body.
fn get(api: &Api, front: &str, path: &str, who: Option<&str>) -> (u16, String) {
    api.rt.block_on(async {
        let mut req = reqwest::Client::new().get(format!("http://{front}{path}"));
        if let Some(who) = who {
            req = req.bearer_auth(format!("{who}-token"));
        }
        let resp = req.send().await.expect("nginx answers");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    })
}

fn wait_until_listening(addr: &str, dir: &Path) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    let early = std::fs::read_to_string(dir.join("early.log")).unwrap_or_default();
    panic!("nginx did not start:\n{early}\n{log}");
}

fn routes() -> ForwardAuthConfig {
    ForwardAuthConfig {
        routes: vec![ForwardRoute {
            prefix: "/routed/".into(),
            role_definition_id: EXCHANGE_ADMIN.into(),
            directory_scope_id: None,
        }],
        role_headers: false,
    }
}

#[test]
fn nginx_passes_a_caller_only_while_the_role_is_active() {
    let api = Api::start_configured("forward-nginx", |_| {}, |c| c.forward_auth = routes());
    let dir = std::env::temp_dir().join(format!("pim-host-nginx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let up = api
        .rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let up_addr = up.local_addr().expect("an address").to_string();
    api.rt.spawn(upstream(up));
    let front = free_port();
    let _nginx = Nginx::start(&dir, &nginx_conf(&dir, &front, &api.addr, &up_addr));
    wait_until_listening(&front, &dir);

    for path in ["/exchange/mail", "/routed/mail"] {
        assert_eq!(
            get(&api, &front, path, None).0,
            401,
            "{path} without a token"
        );
        assert_eq!(
            get(&api, &front, path, Some("user1")).0,
            403,
            "{path} while eligible only"
        );
    }
    // user1 activates Exchange Administrator for an hour, from 10:00.
    let body = json!({ "action": "selfActivate", "principalId": "user1",
        "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": "/", "justification": "mail flow",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } } });
    let (status, answer) = api.call("user1", "POST", ASSIGNMENT, &body.to_string());
    assert_eq!(
        (status, &answer["status"]),
        (201, &json!("Provisioned")),
        "{answer}"
    );

    let passed = (200, "hello user1, without the token".to_owned());
    for path in ["/exchange/mail", "/routed/mail"] {
        assert_eq!(
            get(&api, &front, path, Some("user1")),
            passed,
            "{path} while active"
        );
        assert_eq!(
            get(&api, &front, path, Some("aymen")).0,
            403,
            "{path}: aymen lacks the role"
        );
    }
    api.advance(Duration::from_secs(3599));
    assert_eq!(
        get(&api, &front, "/exchange/mail", Some("user1")),
        passed,
        "at 10:59:59"
    );
    api.advance(Duration::from_secs(1));
    for path in ["/exchange/mail", "/routed/mail"] {
        assert_eq!(
            get(&api, &front, path, Some("user1")).0,
            403,
            "{path} at 11:00, its end"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn forward_auth_answers_the_principal_and_refuses_what_it_cannot_place() {
    let api = Api::start_configured("forward-direct", |_| {}, |c| c.forward_auth = routes());
    let ask = |path: &str, extra: &[(&str, &str)]| {
        api.rt.block_on(async {
            let mut req = reqwest::Client::new()
                .post(format!("http://{}{path}", api.addr))
                .bearer_auth("u0-token");
            for (k, v) in extra {
                req = req.header(*k, *v);
            }
            let resp = req.send().await.expect("pim-host answers");
            let principal = resp.headers().get("x-pim-principal").cloned();
            (resp.status().as_u16(), principal)
        })
    };
    // u0 holds Exchange Administrator permanently; a POST is a read here, never a write.
    let named = format!("/v1.0/pim/forwardAuth?roleDefinitionId={EXCHANGE_ADMIN}");
    let (status, principal) = ask(&named, &[]);
    assert_eq!(status, 200);
    assert_eq!(principal.as_ref().and_then(|v| v.to_str().ok()), Some("u0"));
    // Envoy's pathPrefix: the original path appended, its query string the original's.
    assert_eq!(ask("/v1.0/pim/forwardAuth/routed/x?a=b", &[]).0, 200);
    assert_eq!(ask("/v1.0/pim/forwardAuth/elsewhere/x", &[]).0, 400);
    // Traefik's X-Forwarded-Uri; a path that means something else to the proxy is refused.
    let base = "/v1.0/pim/forwardAuth";
    assert_eq!(ask(base, &[("x-forwarded-uri", "/routed/x")]).0, 200);
    assert_eq!(ask(base, &[("x-original-uri", "/routed/../admin/")]).0, 400);
    assert_eq!(ask(base, &[]).0, 400, "no role and no original path");
    // Role headers are not trusted unless the config says so.
    let spoof = [("x-pim-role-definition-id", pim_core::GLOBAL_ADMINISTRATOR)];
    assert_eq!(
        ask(base, &[spoof[0], ("x-original-uri", "/routed/x")]).0,
        200
    );
    assert_eq!(
        ask(&format!("{named}&extra=1"), &[]).0,
        400,
        "an unknown parameter"
    );
}
