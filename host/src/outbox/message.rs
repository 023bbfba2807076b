//! What a notification's messages say: the details looked up when the outbox takes it (who,
//! role, scope, times, reason, ticket), and the mail and chat bodies made from them, modelled
//! on the mails Entra PIM sends (Microsoft Learn, "Email notifications in PIM").

use pim_core::notify::Notification;
use pim_core::{Instant, Query, QueryResult};
use serde::{Deserialize, Serialize};

use crate::service::{Service, ServiceError};
use crate::store::Store;

/// What a notification's messages say besides the notification itself, looked up once, when
/// the outbox takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    /// The display name of the principal concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_name: Option<String>,
    /// The role's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// The directory scope (`/` is the whole directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Who made the request, when someone other than the principal did (an administrator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    /// The request's justification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The ticket number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    /// The ticket system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_system: Option<String>,
    /// Start (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End (RFC 3339); absent for a permanent assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// The length between start and end, in words (`4 hours`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

/// A notification as the outbox keeps it: the core's notification and its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The notification.
    pub notification: Notification,
    /// What its messages say besides.
    pub details: Details,
}

/// The notifications due at or after `since` (all when `None`), oldest first.
pub fn notifications<S: Store>(
    svc: &mut Service<S>,
    now: Instant,
    since: Option<Instant>,
) -> Result<Vec<Notification>, ServiceError> {
    let q = Query::Notifications {
        since,
        recipient: None,
    };
    Ok(match svc.query(&q, now)? {
        QueryResult::Notifications(v) => v,
        _ => Vec::new(),
    })
}

/// Looks up a notification's details: the request's (or else the schedule's) times, reason and
/// ticket, and the names of the principal, role and requester.
pub fn details<S: Store>(
    svc: &mut Service<S>,
    now: Instant,
    n: &Notification,
) -> Result<Details, ServiceError> {
    let mut d = Details::default();
    let mut requester = None;
    let mut times = (None, None);
    if let Some(id) = &n.request_id
        && let QueryResult::Request(r) = svc.query(
            &Query::Request {
                request_id: id.clone(),
            },
            now,
        )?
    {
        d.scope = Some(r.scope.to_string());
        d.justification = r.justification.clone();
        if let Some(t) = &r.ticket_info {
            d.ticket_number = t.ticket_number.clone();
            d.ticket_system = t.ticket_system.clone();
        }
        times = (Some(r.start_date_time), r.end_date_time);
        requester = r.created_by.clone().filter(|c| *c != r.principal_id);
    }
    if let Some(id) = &n.schedule_id {
        let q = Query::Schedules {
            principal_id: n.principal_id.clone(),
        };
        if let QueryResult::Schedules(list) = svc.query(&q, now)?
            && let Some(s) = list.iter().find(|s| s.id == *id)
        {
            d.scope.get_or_insert_with(|| s.scope.to_string());
            times = (Some(s.start_date_time), s.end_date_time);
        }
    }
    let (start, end) = times;
    d.start = start.map(|t| pim_core::time::format_instant(&t));
    d.end = end.map(|t| pim_core::time::format_instant(&t));
    if let (Some(s), Some(e)) = (start, end) {
        d.duration = Some(in_words(e.signed_duration_since(s)));
    }
    let mut ids = vec![n.principal_id.clone()];
    ids.extend(requester.clone());
    if let QueryResult::Principals(found) = svc.query(&Query::Principals { ids }, now)? {
        d.principal_name = display_name(&found, &n.principal_id);
        d.requested_by = requester.as_deref().and_then(|r| display_name(&found, r));
    }
    if let QueryResult::RoleDefinitions(roles) = svc.query(&Query::RoleDefinitions {}, now)? {
        d.role_name = roles
            .into_iter()
            .find(|r| r.id == n.role_definition_id)
            .and_then(|r| r.display_name);
    }
    Ok(d)
}

/// A principal's display name (else its id), if the directory knows it.
fn display_name(found: &[pim_core::directory::Principal], id: &str) -> Option<String> {
    found
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.display_name.clone().unwrap_or_else(|| p.id.to_string()))
}

/// A length in words: `30 days`, `4 hours`, `1 hour 30 minutes`.
pub fn in_words(t: chrono::TimeDelta) -> String {
    let minutes = t.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    for (n, unit) in [(days, "day"), (hours, "hour"), (mins, "minute")] {
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if parts.is_empty() {
        return "0 minutes".into();
    }
    parts.join(" ")
}

/// The console page that acts on a notification, and the button's label.
pub fn action(n: &Notification) -> (&'static str, &'static str) {
    let kind = n.kind.as_str();
    let recipient = n.recipient_type.as_str();
    if kind.ends_with("ApprovalRequested") {
        return ("#/approvals", "Approve or deny request");
    }
    if kind.contains("lert") {
        return ("#/alerts", "View alert");
    }
    if kind.contains("eview") {
        return ("#/reviews", "Review access");
    }
    match recipient {
        "Requestor" if kind == "roleAssigned" && n.rule_id.as_str().contains("Eligibility") => {
            ("#/roles", "Activate role")
        }
        "Requestor" => ("#/roles", "View my roles"),
        "Approver" => ("#/approvals", "View approval requests"),
        _ => ("#/assignments", "View role assignments"),
    }
}

/// The link to the console page, when a console is configured.
pub fn link(console: Option<&str>, n: &Notification) -> Option<String> {
    let base = console?.trim_end_matches('/');
    Some(format!("{base}/{}", action(n).0))
}

/// The facts a message lists, in Entra's order: who, role, scope, times, reason, ticket.
pub fn facts(item: &Item) -> Vec<(&'static str, String)> {
    let (n, d) = (&item.notification, &item.details);
    let who = d
        .principal_name
        .clone()
        .unwrap_or_else(|| n.principal_id.to_string());
    let role = d
        .role_name
        .clone()
        .unwrap_or_else(|| n.role_definition_id.to_string());
    let mut out = vec![("User", who), ("Role", role)];
    if let Some(s) = &d.scope {
        let scope = if s == "/" {
            "Directory".into()
        } else {
            s.clone()
        };
        out.push(("Scope", scope));
    }
    let (start, end) = (readable(d.start.as_deref()), readable(d.end.as_deref()));
    let optional = [
        ("Requested by", &d.requested_by),
        ("Start time", &start),
        ("End time", &end),
        ("Duration", &d.duration),
        ("Reason", &d.justification),
        ("Ticket number", &d.ticket_number),
        ("Ticket system", &d.ticket_system),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            out.push((name, v.clone()));
        }
    }
    if d.end.is_none() && d.start.is_some() {
        out.push(("End time", "Permanent".into()));
    }
    out.push((
        "Request ID",
        n.request_id.as_deref().unwrap_or("-").to_owned(),
    ));
    out
}

/// An RFC 3339 instant as people read it: `Wed, 02 Dec 2026 13:04 UTC`.
fn readable(instant: Option<&str>) -> Option<String> {
    let text = instant?;
    Some(match pim_core::time::parse_instant(text) {
        Ok(t) => t.format("%a, %d %b %Y %H:%M UTC").to_string(),
        Err(_) => text.to_owned(),
    })
}

/// A mail's plain-text body.
pub fn text_body(item: &Item, link: Option<&str>) -> String {
    let n = &item.notification;
    let mut out = format!("{}\n\n", n.subject);
    for (name, value) in facts(item) {
        out.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(link) = link {
        out.push_str(&format!("\n{}: {link}\n", action(n).1));
    }
    out.push_str("\nYou receive this mail from Privileged Identity Management (pim).\n");
    out
}

/// A mail's HTML body: the same facts as a table, and a button to the console page.
pub fn html_body(item: &Item, link: Option<&str>) -> String {
    let n = &item.notification;
    let mut rows = String::new();
    for (name, value) in facts(item) {
        rows.push_str(&format!(
            "<tr><td style=\"padding:4px 16px 4px 0;color:#605e5c\">{}</td><td style=\"padding:4px 0\">{}</td></tr>\n",
            escape(name),
            escape(&value)
        ));
    }
    let button = link.map_or_else(String::new, |l| {
        format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:8px 16px;background:#0078d4;color:#fff;text-decoration:none\">{}</a></p>\n",
            escape(l),
            escape(action(n).1)
        )
    });
    format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family:Segoe UI,sans-serif;font-size:14px\">\n\
         <h2 style=\"font-weight:600\">{}</h2>\n<table>\n{rows}</table>\n{button}\
         <p style=\"color:#605e5c;font-size:12px\">You receive this mail from Privileged Identity Management (pim).</p>\n\
         </body></html>\n",
        escape(&n.subject)
    )
}

/// Text made safe inside HTML (element content and quoted attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
