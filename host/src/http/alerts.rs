//! Security alerts (`roleManagementAlerts`, beta): list, configure, dismiss, refresh,
//! remediate.

use axum::extract::{Path, State};
use pim_core::{Command, Query};
use serde::Deserialize;

use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, json, wire};
use super::{ApiResult, Routes, Shared};
use crate::store::Store;

const ALERTS: &str = "/beta/roleManagement/directory/roleManagementAlerts";

/// `{"isActive": false}` dismisses an alert; `true` refreshes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AlertPatch {
    is_active: bool,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let alerts = format!("{ALERTS}/alerts");
    Routes::new()
        .get(&alerts, "The security alerts as they stand now", list::<S>)
        .patch(
            &format!("{ALERTS}/alertConfigurations/{{alert}}"),
            "Configure an alert",
            configure::<S>,
        )
        .patch(
            &format!("{alerts}/{{alert}}"),
            "Dismiss an alert (isActive false)",
            set_active::<S>,
        )
        .post(
            &format!("{alerts}/refresh"),
            "Refresh every alert",
            refresh_all::<S>,
        )
        .post(
            &format!("{alerts}/{{alert}}/refresh"),
            "Refresh an alert",
            refresh::<S>,
        )
        .post(
            &format!("{alerts}/{{alert}}/remediate"),
            "Remediate every incident of an alert",
            remediate::<S>,
        )
        .post(
            &format!("{alerts}/{{alert}}/alertIncidents/{{incident}}/remediate"),
            "Remediate one incident",
            remediate_incident::<S>,
        )
}

/// `GET …/alerts`.
async fn list<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    s.reader(&caller, "security alerts").await?;
    Ok(value(s.query(Query::Alerts {}).await?))
}

/// `PATCH …/alertConfigurations/{alertId}`: the body is the alert's configuration.
async fn configure<S: Store + 'static>(
    State(s): Shared<S>,
    Path(alert): Path<String>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let command = Command::ConfigureAlert {
        alert_id: wire("alertId", alert)?,
        configuration: json(&body)?,
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// `PATCH …/alerts/{alertId}`: `{"isActive": false}` dismisses, `true` refreshes.
async fn set_active<S: Store + 'static>(
    State(s): Shared<S>,
    Path(alert): Path<String>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let alert_id = wire("alertId", alert)?;
    let patch: AlertPatch = json(&body)?;
    let command = if patch.is_active {
        Command::RefreshAlerts {
            alert_ids: vec![alert_id],
        }
    } else {
        Command::DismissAlert { alert_id }
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// `POST …/alerts/refresh`: every alert.
async fn refresh_all<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    let command = Command::RefreshAlerts {
        alert_ids: Vec::new(),
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// `POST …/alerts/{alertId}/refresh`.
async fn refresh<S: Store + 'static>(
    State(s): Shared<S>,
    Path(alert): Path<String>,
    caller: Caller,
) -> ApiResult {
    let command = Command::RefreshAlerts {
        alert_ids: vec![wire("alertId", alert)?],
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// `POST …/alerts/{alertId}/remediate`: every incident of the alert.
async fn remediate<S: Store + 'static>(
    State(s): Shared<S>,
    Path(alert): Path<String>,
    caller: Caller,
) -> ApiResult {
    let command = Command::RemediateAlert {
        alert_id: wire("alertId", alert)?,
        incident_id: None,
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// `POST …/alerts/{alertId}/alertIncidents/{incidentId}/remediate`: one incident.
async fn remediate_incident<S: Store + 'static>(
    State(s): Shared<S>,
    Path((alert, incident)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult {
    let command = Command::RemediateAlert {
        alert_id: wire("alertId", alert)?,
        incident_id: Some(incident),
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}
