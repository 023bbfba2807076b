// Audit: the resource audit (every PIM record, for readers) and my audit (the records made by
// the signed-in user), filtered by activity, role, principal and time, exported as CSV.

import { useState } from 'preact/hooks';

import { filter, list, type Json } from '../api';
import { fromLocal, when } from '../format';
import type { Me } from '../main';
import { Loading, Table, useLoad } from '../ui';

interface Filters { mine: boolean; activity: string; principal: string; role: string; since: string; until: string }

function query(me: Me, f: Filters): string {
  const params: string[] = [];
  if (f.mine) params.push(filter(`initiatedBy/user/id eq '${me.id}'`));
  if (f.activity.trim()) params.push(`activity=${encodeURIComponent(f.activity.trim())}`);
  if (f.principal.trim()) params.push(`principalId=${encodeURIComponent(f.principal.trim())}`);
  if (f.role.trim()) params.push(`roleDefinitionId=${encodeURIComponent(f.role.trim())}`);
  const since = fromLocal(f.since);
  const until = fromLocal(f.until);
  if (since) params.push(`since=${encodeURIComponent(since)}`);
  if (until) params.push(`until=${encodeURIComponent(until)}`);
  return `/v1.0/auditLogs/directoryAudits${params.length ? `?${params.join('&')}` : ''}`;
}

const target = (a: Json, type: string) =>
  (a.targetResources ?? []).filter((t: Json) => !type || String(t.type).toLowerCase().includes(type))
    .map((t: Json) => t.displayName ?? t.id).join(', ');
const by = (a: Json) => a.initiatedBy?.user?.displayName ?? a.initiatedBy?.user?.id ?? a.initiatedBy?.app?.displayName ?? 'PIM';

const COLUMNS: [string, (a: Json) => string][] = [
  ['Time', (a) => a.activityDateTime],
  ['Activity', (a) => a.activityDisplayName],
  ['Result', (a) => a.result],
  ['Reason', (a) => a.resultReason ?? ''],
  ['By', by],
  ['Targets', (a) => target(a, '')],
];

function csv(rows: Json[]): string {
  const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [COLUMNS.map(([h]) => h), ...rows.map((a) => COLUMNS.map(([, f]) => String(f(a) ?? '')))]
    .map((r) => r.map(cell).join(',')).join('\r\n');
}

export function Audit({ me }: { me: Me }) {
  const [f, setF] = useState<Filters>({ mine: false, activity: '', principal: '', role: '', since: '', until: '' });
  const [applied, setApplied] = useState(f);
  const { data: loaded, error } = useLoad(() => list(query(me, applied)).then((items) => ({ items, mine: applied.mine })), [applied]);
  const data = loaded?.items ?? null;
  const set = (k: keyof Filters) => (e: Event) => {
    const t = e.currentTarget as HTMLInputElement;
    setF({ ...f, [k]: t.type === 'checkbox' ? t.checked : t.value });
  };
  const download = () => {
    if (!data) return;
    const url = URL.createObjectURL(new Blob([csv(data)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'pim-audit.csv';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <>
      <h1>Audit</h1>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); setApplied(f); }}>
        <label class="inline"><input type="checkbox" checked={f.mine} onChange={set('mine')} /> My audit (what I did)</label>
        <div><label for="f-activity">Activity</label><input id="f-activity" value={f.activity} onInput={set('activity')} /></div>
        <div><label for="f-principal">Principal id</label><input id="f-principal" value={f.principal} onInput={set('principal')} /></div>
        <div><label for="f-role">Role definition id</label><input id="f-role" value={f.role} onInput={set('role')} /></div>
        <div><label for="f-since">Since</label><input id="f-since" type="datetime-local" value={f.since} onInput={set('since')} /></div>
        <div><label for="f-until">Until</label><input id="f-until" type="datetime-local" value={f.until} onInput={set('until')} /></div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick={download} disabled={!data}>Export CSV</button>
        </div>
      </form>
      {!data ? <Loading error={error} what="the audit log" /> : (
        <Table id="audit" caption={`${data.length} audit records${loaded?.mine ? ' (my audit)' : ''}, newest first`} head={COLUMNS.map(([h]) => h)} empty="No records match.">
          {[...data].reverse().map((a: Json) => (
            <tr key={a.id}>
              <td>{when(a.activityDateTime)}</td>
              <th scope="row">{a.activityDisplayName}</th>
              <td class={a.result === 'success' ? '' : 'bad'}>{a.result}</td>
              <td>{a.resultReason}</td>
              <td>{by(a)}</td>
              <td>{target(a, '')}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
