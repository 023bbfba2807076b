//! `pim-host audit export`: the audit log as CSV or JSON Lines, written by pim-core's own
//! writers (one CSV writer for every path, formula-safe: see `pim_core::audit::to_csv`).

use std::io::Write;

use pim_core::AuditRecord;
use pim_core::audit::{CSV_HEADER, push_csv_row};

/// Writes records as CSV: RFC 4180 with a header line and CRLF line ends; a field a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) is prefixed with
/// `'`. Streams one record at a time.
pub fn write_csv(records: &[AuditRecord], out: &mut dyn Write) -> std::io::Result<()> {
    let mut row = String::from(CSV_HEADER);
    row.push_str("\r\n");
    out.write_all(row.as_bytes())?;
    for r in records {
        row.clear();
        push_csv_row(&mut row, r);
        out.write_all(row.as_bytes())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(reason: &str) -> AuditRecord {
        serde_json::from_value(serde_json::json!({
            "id": "audit-1", "activityDateTime": "2026-03-02T09:00:00Z",
            "activityDisplayName": "Add member to role requested (PIM activation)",
            "category": "RoleManagement", "operationType": "Add", "result": "success",
            "resultReason": reason, "initiatedBy": "user1",
        }))
        .expect("a record")
    }

    #[test]
    fn the_host_writes_the_cores_csv() {
        let records = [record("=HYPERLINK(\"http://x\")"), record("plain")];
        let mut out = Vec::new();
        write_csv(&records, &mut out).expect("writes");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            pim_core::audit::to_csv(&records)
        );
    }
}
