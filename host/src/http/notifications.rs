//! The notification outbox.

use axum::extract::{Query as UrlQuery, State};
use pim_core::Query;
use serde::Deserialize;

use super::answer::value;
use super::extract::{Caller, instant};
use super::{ApiResult, Routes, Shared};
use crate::store::Store;

/// `?since=&recipient=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotificationParams {
    since: Option<String>,
    recipient: Option<String>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new().get(
        "/v1.0/pim/notifications",
        "The notifications due (the outbox)",
        list::<S>,
    )
}

/// `GET /v1.0/pim/notifications?…`: administrators read everyone's notifications, anyone else
/// only their own.
async fn list<S: Store + 'static>(
    State(s): Shared<S>,
    UrlQuery(p): UrlQuery<NotificationParams>,
    caller: Caller,
) -> ApiResult {
    let recipient = s.readable_by(&caller, p.recipient).await?;
    let q = Query::Notifications {
        since: instant("since", p.since)?,
        recipient,
    };
    Ok(value(s.query(q).await?))
}
