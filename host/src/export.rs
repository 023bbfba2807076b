//! `pim-host audit export`: the audit log as CSV or JSON Lines.

use std::io::Write;

use pim_core::AuditRecord;
use serde_json::Value;

/// The columns of the CSV export, in order (Graph's `directoryAudit` names).
pub const CSV_COLUMNS: [&str; 15] = [
    "id",
    "activityDateTime",
    "activityDisplayName",
    "category",
    "operationType",
    "result",
    "resultReason",
    "initiatedBy",
    "targetPrincipalId",
    "roleDefinitionId",
    "roleDisplayName",
    "scope",
    "correlationId",
    "scheduleId",
    "ticketInfo",
];

fn csv_field(v: Option<&Value>) -> String {
    let text = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Writes records as CSV with a header line (RFC 4180 quoting).
pub fn write_csv(records: &[AuditRecord], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    for r in records {
        let v = serde_json::to_value(r).map_err(std::io::Error::other)?;
        let row: Vec<String> = CSV_COLUMNS.iter().map(|c| csv_field(v.get(c))).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// Writes records as JSON Lines: one Graph-shaped object per line.
pub fn write_jsonl(records: &[AuditRecord], out: &mut dyn Write) -> std::io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, r).map_err(std::io::Error::other)?;
        writeln!(out)?;
    }
    Ok(())
}
