// Approve requests: the requests waiting for the signed-in approver (requester, role, scope,
// duration, reason, ticket), approved or denied with a justification; and the history of the
// requests that went through approval.

import { useState } from 'preact/hooks';

import { api, BETA, describe, DIRECTORY, list, type Json } from '../api';
import { duration, scopeName, when } from '../format';
import type { Me } from '../main';
import { Dialog, Loading, OutcomeLine, Table, useLoad, type Outcome } from '../ui';

async function waiting() {
  const approvals = await list(`${BETA}/roleAssignmentApprovals/filterByCurrentUser(on='approver')?$expand=steps`);
  const requests = await Promise.all(approvals.map((a: Json) =>
    api(`${DIRECTORY}/roleAssignmentScheduleRequests/${encodeURIComponent(a.id)}?$expand=principal,roleDefinition`)
      .then((request: Json) => ({ approval: a, request }))));
  // The history: readers see every request that had an approval; others see none here.
  const history = await list(`${DIRECTORY}/roleAssignmentScheduleRequests?$expand=principal,roleDefinition`)
    .then((all) => all.filter((r: Json) => r.approvalId && !['PendingApproval', 'PendingAdminDecision'].includes(r.status)))
    .catch(() => [] as Json[]);
  return { requests, history };
}

const name = (o: Json, fallback: string) => o?.displayName ?? fallback;

export function Approvals(_: { me: Me }) {
  const { data, error, reload } = useLoad(waiting);
  const [deciding, setDeciding] = useState<{ approval: Json; request: Json } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  if (!data) return <><h1>Approve requests</h1><Loading error={error} what="the requests" /></>;
  return (
    <>
      <h1>Approve requests</h1>
      <OutcomeLine outcome={outcome} testId="approvals-outcome" />
      <Table id="waiting" caption="Requests waiting for you" head={['Requester', 'Role', 'Scope', 'Duration', 'Reason', 'Ticket', 'Asked', '']}
        empty="No requests wait for you.">
        {data.requests.map(({ approval, request: r }) => (
          <tr key={r.id}>
            <th scope="row">{name(r.principal, r.principalId)}</th>
            <td>{name(r.roleDefinition, r.roleDefinitionId)}</td>
            <td>{scopeName(r.directoryScopeId)}</td>
            <td>{duration(r.scheduleInfo?.expiration?.duration)}</td>
            <td>{r.justification}</td>
            <td>{r.ticketInfo?.ticketNumber ?? ''}</td>
            <td>{when(r.createdDateTime)}</td>
            <td><button type="button" onClick={() => { setOutcome(null); setDeciding({ approval, request: r }); }}>Review</button></td>
          </tr>
        ))}
      </Table>
      <Table id="history" caption="Approval history" head={['Requester', 'Role', 'Action', 'Status', 'Reason', 'Decided']} empty="No approvals yet.">
        {data.history.map((r: Json) => (
          <tr key={r.id}>
            <th scope="row">{name(r.principal, r.principalId)}</th>
            <td>{name(r.roleDefinition, r.roleDefinitionId)}</td>
            <td>{r.action}</td>
            <td>{r.status}</td>
            <td>{r.justification}</td>
            <td>{when(r.completedDateTime)}</td>
          </tr>
        ))}
      </Table>
      {deciding && (
        <Decide item={deciding} onClose={() => setDeciding(null)}
          onDone={(o) => { setDeciding(null); setOutcome(o); reload(); }} />
      )}
    </>
  );
}

function Decide({ item, onClose, onDone }: { item: { approval: Json; request: Json }; onClose: () => void; onDone: (o: Outcome) => void }) {
  const [justification, setJustification] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const r = item.request;
  const step = (item.approval.steps ?? []).find((s: Json) => s.assignedToMe && s.status === 'InProgress')
    ?? (item.approval.steps ?? []).find((s: Json) => s.status === 'InProgress');
  const decide = async (reviewResult: 'Approve' | 'Deny') => {
    if (!step) return setProblem('No step of this approval waits for you.');
    try {
      await api(`${BETA}/roleAssignmentApprovals/${encodeURIComponent(item.approval.id)}/steps/${encodeURIComponent(step.id)}`, {
        method: 'PATCH', body: { reviewResult, justification },
      });
      onDone({ ok: true, text: `${reviewResult === 'Approve' ? 'Approved' : 'Denied'}: ${name(r.principal, r.principalId)}'s request for ${name(r.roleDefinition, r.roleDefinitionId)}.` });
    } catch (e) {
      setProblem(describe(e));
    }
  };
  return (
    <Dialog title="Approve or deny the request" onClose={onClose}>
      <dl class="facts">
        <dt>Requester</dt><dd>{name(r.principal, r.principalId)}</dd>
        <dt>Role</dt><dd>{name(r.roleDefinition, r.roleDefinitionId)}</dd>
        <dt>Scope</dt><dd>{scopeName(r.directoryScopeId)}</dd>
        <dt>Duration</dt><dd>{duration(r.scheduleInfo?.expiration?.duration)}</dd>
        <dt>Reason</dt><dd>{r.justification}</dd>
      </dl>
      <form onSubmit={(e) => e.preventDefault()}>
        <label for="decision-reason">Justification (required)</label>
        <textarea id="decision-reason" rows={3} value={justification} onInput={(e) => setJustification(e.currentTarget.value)} />
        {problem && <p class="error" role="alert">{problem}</p>}
        <div class="actions">
          <button type="button" disabled={!justification.trim()} onClick={() => decide('Approve')}>Approve</button>
          <button type="button" class="danger" disabled={!justification.trim()} onClick={() => decide('Deny')}>Deny</button>
          <button type="button" class="secondary" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}
