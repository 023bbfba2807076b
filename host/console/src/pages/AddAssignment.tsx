// The add-assignment wizard: 1. members, 2. eligible or active, permanent or from/to, and a
// justification, checked against the role's assignment settings before sending; 3. the
// result for each member, as the server decided it.

import { useState } from 'preact/hooks';

import { api, describe, DIRECTORY, list, policyOf, type Json } from '../api';
import { duration, fromLocal, hoursOf, toLocal } from '../format';
import { Loading, useLoad } from '../ui';

async function load(roleId: string) {
  const [role, objects, policy] = await Promise.all([
    api(`${DIRECTORY}/roleDefinitions/${encodeURIComponent(roleId)}`),
    list('/v1.0/directoryObjects'),
    policyOf(roleId),
  ]);
  return { role, objects, policy };
}

const LENGTHS: [string, string][] = [
  ['P15D', 'After 15 days'], ['P30D', 'After 1 month'], ['P90D', 'After 3 months'],
  ['P180D', 'After 6 months'], ['P365D', 'After 1 year'], ['custom', 'On a date'],
];

const rule = (rules: Json[], id: string) => rules.find((r: Json) => r.id === id) ?? {};

/** What the role's settings refuse in this form, before it is sent. */
export function assignmentProblems(rules: Json[], form: {
  type: 'eligible' | 'active'; permanent: boolean; start: string | null; length: string; end: string | null; justification: string;
}): string[] {
  const problems: string[] = [];
  const expiry = rule(rules, form.type === 'eligible' ? 'Expiration_Admin_Eligibility' : 'Expiration_Admin_Assignment');
  if (form.permanent && expiry.isExpirationRequired) {
    problems.push(`This role's settings do not allow permanent ${form.type} assignments: set an end.`);
  }
  if (!form.permanent) {
    const start = form.start ? Date.parse(form.start) : Date.now();
    const lengthHours = form.length === 'custom' ? null : hoursOf(form.length);
    const end = lengthHours !== null ? start + lengthHours * 3600_000 : form.end ? Date.parse(form.end) : NaN;
    if (Number.isNaN(end)) problems.push('Set an end date.');
    else if (end <= start) problems.push('The end must be after the start.');
    const max = hoursOf(expiry.maximumDuration);
    if (expiry.isExpirationRequired && max && end - start > max * 3600_000) {
      problems.push(`The assignment is longer than this role allows (${duration(expiry.maximumDuration)}).`);
    }
  }
  if (form.type === 'active') {
    const enabled: string[] = rule(rules, 'Enablement_Admin_Assignment').enabledRules ?? [];
    if (enabled.includes('Justification') && !form.justification.trim()) {
      problems.push('A justification is required for active assignments of this role.');
    }
  }
  return problems;
}

export function AddAssignment({ roleId }: { roleId: string }) {
  const { data, error } = useLoad(() => load(roleId), [roleId]);
  const [step, setStep] = useState(1);
  const [search, setSearch] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [type, setType] = useState<'eligible' | 'active'>('eligible');
  const [permanent, setPermanent] = useState(false);
  const [start, setStart] = useState('');
  const [length, setLength] = useState('P365D');
  const [end, setEnd] = useState(toLocal(new Date(Date.now() + 30 * 86400_000)));
  const [justification, setJustification] = useState('');
  const [results, setResults] = useState<{ who: string; ok: boolean; text: string }[]>([]);
  const [sending, setSending] = useState(false);

  if (!data) return <><h1>Add assignments</h1><Loading error={error} what="the directory" /></>;
  const form = { type, permanent, start: fromLocal(start), length, end: fromLocal(end), justification };
  const problems = assignmentProblems(data.policy.rules, form);
  const q = search.trim().toLowerCase();
  const shown = data.objects.filter((o: Json) => !q || `${o.displayName} ${o.id}`.toLowerCase().includes(q));
  const nameOf = (id: string) => data.objects.find((o: Json) => o.id === id)?.displayName ?? id;

  const assign = async () => {
    setSending(true);
    const out = [];
    for (const principalId of members) {
      try {
        const r = await api(`${DIRECTORY}/${type === 'eligible' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`, {
          method: 'POST',
          body: {
            action: 'adminAssign', principalId, roleDefinitionId: roleId, directoryScopeId: '/',
            justification: justification || undefined,
            scheduleInfo: {
              startDateTime: form.start ?? undefined,
              expiration: permanent ? { type: 'noExpiration' }
                : length === 'custom' ? { type: 'afterDateTime', endDateTime: form.end }
                : { type: 'afterDuration', duration: length },
            },
          },
        });
        out.push({ who: nameOf(principalId), ok: true, text: r.status });
      } catch (e) {
        out.push({ who: nameOf(principalId), ok: false, text: describe(e) });
      }
    }
    setResults(out);
    setSending(false);
    setStep(3);
  };

  return (
    <>
      <p class="crumbs"><a href="#/roles">Roles</a> › <a href={`#/roles/${encodeURIComponent(roleId)}`}>{data.role.displayName}</a> › Add assignments</p>
      <h1>Add assignments: {data.role.displayName}</h1>
      <ol class="steps" aria-label="Steps">
        {['Members', 'Setting', 'Done'].map((s, i) => <li key={s} aria-current={step === i + 1 ? 'step' : undefined}>{s}</li>)}
      </ol>
      {step === 1 && (
        <section aria-labelledby="members-h">
          <h2 id="members-h">Select members</h2>
          <label for="member-search">Search the directory</label>
          <input id="member-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          <fieldset class="members">
            <legend>Members</legend>
            {shown.map((o: Json) => (
              <label key={o.id} class="inline">
                <input type="checkbox" checked={members.includes(o.id)}
                  onChange={(e) => setMembers(e.currentTarget.checked ? [...members, o.id] : members.filter((m) => m !== o.id))} />
                {' '}{o.displayName ?? o.id} <span class="hint">({o.id})</span>
              </label>
            ))}
          </fieldset>
          <div class="actions"><button type="button" disabled={!members.length} onClick={() => setStep(2)}>Next: setting</button></div>
        </section>
      )}
      {step === 2 && (
        <section aria-labelledby="setting-h">
          <h2 id="setting-h">Assignment setting</h2>
          <p>Members: {members.map(nameOf).join(', ')}</p>
          <fieldset>
            <legend>Assignment type</legend>
            <label class="inline"><input type="radio" name="type" checked={type === 'eligible'} onChange={() => setType('eligible')} /> Eligible</label>
            <label class="inline"><input type="radio" name="type" checked={type === 'active'} onChange={() => setType('active')} /> Active</label>
          </fieldset>
          <label class="inline"><input type="checkbox" id="permanent" checked={permanent} onChange={(e) => setPermanent(e.currentTarget.checked)} /> Permanent</label>
          <div class="pair">
            <div><label for="assign-start">Starts (empty: now)</label>
              <input id="assign-start" type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} /></div>
            {!permanent && <div><label for="assign-length">Ends</label>
              <select id="assign-length" value={length} onChange={(e) => setLength(e.currentTarget.value)}>
                {LENGTHS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
              </select></div>}
            {!permanent && length === 'custom' && <div><label for="assign-end">End date</label>
              <input id="assign-end" type="datetime-local" value={end} onInput={(e) => setEnd(e.currentTarget.value)} /></div>}
          </div>
          <label for="assign-justification">Justification</label>
          <textarea id="assign-justification" rows={3} value={justification} onInput={(e) => setJustification(e.currentTarget.value)} />
          <ul id="assign-problems" aria-live="polite">{problems.map((p) => <li key={p} class="error">{p}</li>)}</ul>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => setStep(1)}>Back</button>
            <button type="button" id="assign-submit" disabled={problems.length > 0 || sending} onClick={assign}>Assign</button>
          </div>
        </section>
      )}
      {step === 3 && (
        <section aria-labelledby="done-h">
          <h2 id="done-h">Result</h2>
          <ul id="assign-results">
            {results.map((r) => <li key={r.who} class={r.ok ? 'ok' : 'error'}>{r.who}: {r.text}</li>)}
          </ul>
          <p><a href={`#/roles/${encodeURIComponent(roleId)}`}>Back to {data.role.displayName}</a></p>
        </section>
      )}
    </>
  );
}
