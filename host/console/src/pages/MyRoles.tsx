// My roles: the caller's eligible, active and expired assignments and their requests.
// Activate (duration up to the role's maximum, reason, ticket, start now or later; the MFA
// and approval the role requires shown before sending, every rule judged live by the npm
// package), deactivate, request an extension or a renewal, cancel a pending request.

import { useMemo, useState } from 'preact/hooks';

import { api, describe, DIRECTORY, list, policyOf, type Json } from '../api';
import { duration, fromLocal, hasEnded, hoursOf, scopeName, toLocal, when, windowOf } from '../format';
import type { Me } from '../main';
import { evaluate, isoDuration, RULE_MESSAGES } from '../pim';
import { Dialog, Loading, OutcomeLine, Table, Tag, useLoad, type Outcome } from '../ui';
import { ReasonDialog } from './ReasonDialog';

const PENDING = ['PendingApproval', 'PendingAdminDecision', 'PendingScheduleCreation', 'Granted', 'PendingProvisioning'];

/** Entra offers Extend when the end is 14 days away or less (the server refuses it before). */
const extendable = (r: Json) => Boolean(r.endDateTime) && Date.parse(r.endDateTime) - Date.now() <= 14 * 86400_000;

async function mine() {
  const mineOf = (collection: string) =>
    list(`${DIRECTORY}/${collection}/filterByCurrentUser(on='principal')?$expand=roleDefinition`)
      .then((items) => items.map((r: Json) => ({ ...r, collection })));
  const [eligible, active, eligibilities, activations, extensions] = await Promise.all([
    api('/v1.0/me/eligibleRoles').then((r: Json) => r.value as Json[]),
    list(`${DIRECTORY}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')?$expand=roleDefinition`),
    list(`${DIRECTORY}/roleEligibilitySchedules/filterByCurrentUser(on='principal')?$expand=roleDefinition`),
    mineOf('roleAssignmentScheduleRequests'),
    mineOf('roleEligibilityScheduleRequests'),
  ]);
  return { eligible, active, eligibilities, requests: [...activations, ...extensions] };
}

export function MyRoles({ me }: { me: Me }) {
  const { data, error, reload } = useLoad(mine);
  const [activating, setActivating] = useState<Json | null>(null);
  const [asking, setAsking] = useState<{ kind: 'selfExtend' | 'selfRenew'; schedule: Json } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  if (!data) return <><h1>My roles</h1><Loading error={error} what="your roles" /></>;
  const expired = data.eligibilities.filter((s: Json) => hasEnded(s));
  // What the user asked for that is not decided yet (their own activations, extensions and renewals).
  const pending = data.requests.filter((r: Json) => PENDING.includes(r.status) && r.action.startsWith('self') && r.action !== 'selfDeactivate');

  const deactivate = async (a: Json) => {
    try {
      await api(`${DIRECTORY}/roleAssignmentScheduleRequests`, {
        method: 'POST',
        body: { action: 'selfDeactivate', principalId: me.id, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId },
      });
      setOutcome({ ok: true, text: `${a.roleDefinition?.displayName ?? a.roleDefinitionId} deactivated.` });
    } catch (e) {
      setOutcome({ ok: false, text: describe(e) });
    }
    reload();
  };
  const cancel = async (r: Json) => {
    try {
      await api(`${DIRECTORY}/${r.collection}/${encodeURIComponent(r.id)}/cancel`, { method: 'POST' });
      setOutcome({ ok: true, text: 'Request canceled.' });
    } catch (e) {
      setOutcome({ ok: false, text: describe(e) });
    }
    reload();
  };

  return (
    <>
      <h1>My roles</h1>
      <OutcomeLine outcome={outcome} testId="my-roles-outcome" />
      <Table id="eligible" caption="Eligible assignments" head={['Role', 'Scope', 'Membership', 'Maximum', 'Requires', 'End', 'Action']}
        empty="You have no eligible roles.">
        {data.eligible.map((r: Json) => (
          <tr key={r.eligibilityScheduleId}>
            <th scope="row">{r.roleDisplayName}</th>
            <td>{scopeName(r.scope)}</td>
            <td>{r.viaGroup ? `Group (${r.viaGroup})` : 'Direct'}</td>
            <td>{duration(r.maximumActivationDuration)}</td>
            <td>
              {r.requiresMfa && <Tag>MFA</Tag>}{r.requiresAuthContext && <Tag>Auth context {r.requiresAuthContext}</Tag>}
              {r.requiresJustification && <Tag>Justification</Tag>}{r.requiresTicket && <Tag>Ticket</Tag>}
              {r.requiresApproval && <Tag>Approval</Tag>}
            </td>
            <td>{when(r.endDateTime)}</td>
            <td class="row-actions">
              <button type="button" onClick={() => { setOutcome(null); setActivating(r); }}>Activate</button>
              {extendable(r) && (
                <button type="button" class="secondary" onClick={() => setAsking({ kind: 'selfExtend', schedule: { ...r, directoryScopeId: r.scope } })}>
                  Extend
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <Table id="active" caption="Active assignments" head={['Role', 'Scope', 'How', 'Start', 'End', 'Action']} empty="No active roles.">
        {data.active.map((a: Json) => (
          <tr key={a.id}>
            <th scope="row">{a.roleDefinition?.displayName ?? a.roleDefinitionId}</th>
            <td>{scopeName(a.directoryScopeId)}</td>
            <td>{a.assignmentType === 'Activated' ? 'Activated' : 'Assigned'}</td>
            <td>{when(a.startDateTime)}</td>
            <td>{when(a.endDateTime)}</td>
            <td>{a.assignmentType === 'Activated' && <button type="button" onClick={() => deactivate(a)}>Deactivate</button>}</td>
          </tr>
        ))}
      </Table>
      <Table id="pending" caption="Pending requests" head={['Role', 'Action', 'Status', 'Asked', 'Reason', '']} empty="No pending requests.">
        {pending.map((r: Json) => (
          <tr key={r.id}>
            <th scope="row">{r.roleDefinition?.displayName ?? r.roleDefinitionId}</th>
            <td>{r.action}</td>
            <td data-testid="request-status">{r.status}</td>
            <td>{when(r.createdDateTime)}</td>
            <td>{r.justification}</td>
            <td><button type="button" class="secondary" onClick={() => cancel(r)}>Cancel</button></td>
          </tr>
        ))}
      </Table>
      <Table id="expired" caption="Expired assignments" head={['Role', 'Scope', 'Ended', 'Action']} empty="No expired assignments.">
        {expired.map((s: Json) => (
          <tr key={s.id}>
            <th scope="row">{s.roleDefinition?.displayName ?? s.roleDefinitionId}</th>
            <td>{scopeName(s.directoryScopeId)}</td>
            <td>{when(windowOf(s).end)}</td>
            <td><button type="button" onClick={() => setAsking({ kind: 'selfRenew', schedule: s })}>Renew</button></td>
          </tr>
        ))}
      </Table>
      {activating && (
        <Activate role={activating} me={me} onClose={() => setActivating(null)}
          onDone={(text) => { setActivating(null); setOutcome({ ok: true, text }); reload(); }} />
      )}
      {asking && (
        <ReasonDialog
          title={asking.kind === 'selfExtend' ? 'Request an extension' : 'Request a renewal'}
          action="Send request" withEnd
          onClose={() => setAsking(null)}
          onSend={async (reason, end) => {
            const s = asking.schedule;
            await api(`${DIRECTORY}/roleEligibilityScheduleRequests`, {
              method: 'POST',
              body: {
                action: asking.kind, principalId: me.id, roleDefinitionId: s.roleDefinitionId,
                directoryScopeId: s.directoryScopeId ?? '/', justification: reason,
                ...(end ? { scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } } } : {}),
              },
            }).catch((e) => { throw new Error(describe(e)); });
            setOutcome({ ok: true, text: 'Request sent: it waits for an administrator.' });
            reload();
          }}
        />
      )}
    </>
  );
}

/** The activation form, judged as the user types by `evaluateActivation`. */
function Activate({ role, me, onClose, onDone }: { role: Json; me: Me; onClose: () => void; onDone: (text: string) => void }) {
  const settings = useLoad(() => policyOf(role.roleDefinitionId, role.scope));
  const maxHours = hoursOf(role.maximumActivationDuration) ?? 8;
  const [hours, setHours] = useState(String(maxHours));
  const [later, setLater] = useState(false);
  const [start, setStart] = useState(toLocal(new Date(Date.now() + 3600_000)));
  const [justification, setJustification] = useState('');
  const [ticketNumber, setTicketNumber] = useState('');
  const [ticketSystem, setTicketSystem] = useState('');
  const [sending, setSending] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);

  const input = useMemo(() => {
    const h = Number(hours);
    const startDateTime = later ? fromLocal(start) : null;
    return {
      justification: justification || undefined,
      ticketInfo: ticketNumber || ticketSystem ? { ticketNumber, ticketSystem } : undefined,
      scheduleInfo: {
        ...(startDateTime ? { startDateTime } : {}),
        expiration: { type: 'afterDuration', duration: Number.isFinite(h) && h > 0 ? isoDuration(h * 3600) : 'PT0S' },
      },
    };
  }, [hours, later, start, justification, ticketNumber, ticketSystem]);

  const verdict = settings.data
    ? evaluate({
      rules: settings.data.rules,
      eligibility: { startDateTime: role.startDateTime, endDateTime: role.endDateTime },
      input, caller: me.id, mfa: true,
    })
    : null;
  const decision = verdict?.kind === 'decision' ? verdict.decision : null;
  const blocked = !verdict || verdict.kind === 'invalid' || Boolean(decision?.error);

  const send = async (e: Event) => {
    e.preventDefault();
    setSending(true);
    setRefusal(null);
    try {
      const r = await api(`${DIRECTORY}/roleAssignmentScheduleRequests`, {
        method: 'POST',
        body: { action: 'selfActivate', principalId: me.id, roleDefinitionId: role.roleDefinitionId, directoryScopeId: role.scope, ...input },
      });
      onDone(r.status === 'PendingApproval'
        ? `${role.roleDisplayName}: your request waits for approval.`
        : `${role.roleDisplayName} is active (${r.status}).`);
    } catch (err) {
      setRefusal(describe(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <Dialog title={`Activate ${role.roleDisplayName}`} onClose={onClose}>
      {!settings.data ? <Loading error={settings.error} what="the role's settings" /> : (
        <form onSubmit={send} id="activate-form" noValidate>
          <ul class="requires" aria-label="What this role requires">
            {role.requiresMfa && <li>Multi-factor authentication: the server checks that your sign-in used it.</li>}
            {role.requiresAuthContext && <li>Authentication context {role.requiresAuthContext}.</li>}
            <li id="approval-note">{decision?.requiresApproval
              ? 'This role requires approval: your request will wait for an approver.'
              : 'No approval needed: the role is active as soon as you activate it.'}</li>
          </ul>
          <label for="hours">Duration (hours, at most {maxHours})</label>
          <input id="hours" type="number" min={0.5} max={maxHours} step={0.5} value={hours}
            onInput={(e) => setHours(e.currentTarget.value)} aria-describedby="messages" />
          <fieldset>
            <legend>Start</legend>
            <label class="inline"><input type="radio" name="start" checked={!later} onChange={() => setLater(false)} /> Now</label>
            <label class="inline"><input type="radio" name="start" checked={later} onChange={() => setLater(true)} /> Later</label>
            {later && (<><label for="start-at">Start at</label>
              <input id="start-at" type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} /></>)}
          </fieldset>
          <label for="justification">Reason{role.requiresJustification ? ' (required)' : ''}</label>
          <textarea id="justification" rows={3} value={justification} onInput={(e) => setJustification(e.currentTarget.value)} />
          <div class="pair">
            <div><label for="ticket-number">Ticket number{role.requiresTicket ? ' (required)' : ''}</label>
              <input id="ticket-number" value={ticketNumber} onInput={(e) => setTicketNumber(e.currentTarget.value)} /></div>
            <div><label for="ticket-system">Ticket system</label>
              <input id="ticket-system" value={ticketSystem} onInput={(e) => setTicketSystem(e.currentTarget.value)} /></div>
          </div>
          <ul id="messages" aria-live="polite">
            {verdict?.kind === 'invalid' && <li class="error">{verdict.message}</li>}
            {decision?.failedRules.map((rule) => <li key={rule} class="error" data-rule={rule}>{RULE_MESSAGES[rule] ?? rule}</li>)}
            {decision?.error && decision.failedRules.length === 0 && <li class="error">{decision.error.message}</li>}
            {decision && !decision.error && (
              <li class="ok">Ready: active from {when(decision.startDateTime)} until {when(decision.endDateTime)}
                {decision.cappedAtEligibilityEnd ? ' (cut at your eligibility’s end)' : ''}.</li>
            )}
          </ul>
          {refusal && <p class="error" role="alert" data-testid="refusal">The server refused: {refusal}</p>}
          <div class="actions">
            <button type="submit" id="activate-submit" disabled={blocked || sending}>Activate</button>
            <button type="button" class="secondary" onClick={onClose}>Cancel</button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
