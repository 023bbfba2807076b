// Alerts: PIM's security alerts as they stand (severity, incidents), each one's details and
// settings; dismiss, refresh, and fix (remediate) all incidents or one.

import { useState } from 'preact/hooks';

import { api, describe, list, type Json } from '../api';
import { when } from '../format';
import { Dialog, Loading, OutcomeLine, Table, useLoad, type Outcome } from '../ui';

const ALERTS = '/beta/roleManagement/directory/roleManagementAlerts';

export function Alerts() {
  const { data, error, reload } = useLoad(() => list(`${ALERTS}/alerts`));
  const roles = useLoad(() => list('/v1.0/roleManagement/directory/roleDefinitions'));
  const roleName = (id: string | undefined) => roles.data?.find((r: Json) => r.id === id)?.displayName ?? id ?? '';
  const [open, setOpen] = useState<Json | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const act = async (text: string, path: string, method: string, body?: unknown) => {
    try {
      await api(path, { method, body });
      setOutcome({ ok: true, text });
    } catch (e) {
      setOutcome({ ok: false, text: describe(e) });
    }
    setOpen(null);
    reload();
  };
  if (!data) return <><h1>Alerts</h1><Loading error={error} what="the alerts" /></>;
  return (
    <>
      <h1>Alerts</h1>
      <p class="actions"><button type="button" class="secondary" onClick={() => act('Alerts refreshed.', `${ALERTS}/alerts/refresh`, 'POST')}>Refresh all</button></p>
      <OutcomeLine outcome={outcome} />
      <Table id="alerts" caption="Security alerts" head={['Alert', 'Severity', 'Incidents', 'State', 'Scanned', '']} empty="No alerts.">
        {data.map((a: Json) => (
          <tr key={a.alertDefinitionId ?? a.id}>
            <th scope="row">{a.displayName ?? a.alertDefinitionId}</th>
            <td>{a.severityLevel}</td>
            <td>{a.incidentCount}</td>
            <td>{a.isDismissed ? 'Dismissed' : a.isActive ? 'Active' : 'Resolved'}{a.isEnabled === false ? ' (disabled)' : ''}</td>
            <td>{when(a.lastScannedDateTime)}</td>
            <td><button type="button" onClick={() => setOpen(a)}>Details</button></td>
          </tr>
        ))}
      </Table>
      {open && <Details alert={open} act={act} roleName={roleName} onClose={() => setOpen(null)} />}
    </>
  );
}

function Details({ alert, act, roleName, onClose }: {
  alert: Json; onClose: () => void; roleName: (id: string | undefined) => string;
  act: (text: string, path: string, method: string, body?: unknown) => Promise<void>;
}) {
  const id = encodeURIComponent(alert.alertDefinitionId ?? alert.id);
  const config = alert.configuration ?? alert.alertConfiguration ?? {};
  const [enabled, setEnabled] = useState(config.isEnabled !== false);
  // The alert's own thresholds (how many global administrators, how often activations…).
  const [thresholds, setThresholds] = useState<Record<string, Json>>(Object.fromEntries(
    Object.entries(config).filter(([k, v]) => !k.startsWith('@') && k !== 'id' && k !== 'isEnabled' && k !== 'alertDefinitionId'
      && (typeof v === 'number' || typeof v === 'string'))));
  const incidents: Json[] = alert.incidents ?? alert.alertIncidents ?? [];
  return (
    <Dialog title={alert.displayName ?? alert.alertDefinitionId} onClose={onClose}>
      <Table caption="Incidents" head={['Incident', 'Assignee', 'Role', 'Since', '']} empty="No incidents.">
        {incidents.map((i: Json) => (
          <tr key={i.id}>
            <th scope="row">{i.id}</th>
            <td>{i.assigneeDisplayName ?? i.assigneeId}</td>
            <td>{i.roleDisplayName ?? roleName(i.roleDefinitionId)}</td>
            <td>{when(i.assignmentCreatedDateTime)}</td>
            <td>{alert.isRemediatable && <button type="button" class="secondary"
              onClick={() => act('Incident fixed.', `${ALERTS}/alerts/${id}/alertIncidents/${encodeURIComponent(i.id)}/remediate`, 'POST')}>Fix</button>}</td>
          </tr>
        ))}
      </Table>
      <form onSubmit={(e) => { e.preventDefault(); act('Alert settings saved.', `${ALERTS}/alertConfigurations/${id}`, 'PATCH', { ...config, ...thresholds, isEnabled: enabled }); }}>
        <label class="inline"><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Alert enabled</label>
        {Object.entries(thresholds).map(([k, v]) => (
          <div key={k}>
            <label for={`threshold-${k}`}>{k.replace(/([A-Z])/g, ' $1').toLowerCase()}</label>
            <input id={`threshold-${k}`} type={typeof v === 'number' ? 'number' : 'text'} min={0} value={String(v)}
              onInput={(e) => {
                const raw = e.currentTarget.value;
                setThresholds({ ...thresholds, [k]: typeof v === 'number' ? Number(raw) : raw });
              }} />
          </div>
        ))}
        <div class="actions">
          <button type="submit" class="secondary">Save settings</button>
          {alert.isRemediatable && incidents.length > 0 && <button type="button" onClick={() => act('Alert fixed.', `${ALERTS}/alerts/${id}/remediate`, 'POST')}>Fix all</button>}
          <button type="button" class="secondary" onClick={() => act('Alert refreshed.', `${ALERTS}/alerts/${id}/refresh`, 'POST')}>Refresh</button>
          {alert.isActive && <button type="button" class="danger" onClick={() => act('Alert dismissed.', `${ALERTS}/alerts/${id}`, 'PATCH', { isActive: false })}>Dismiss</button>}
        </div>
      </form>
    </Dialog>
  );
}
