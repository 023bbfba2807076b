// Access reviews: create one (a role, reviewers, assignment type), the reviews the signed-in
// user reviews with their items to decide, each review's results, and stop / apply / delete
// for administrators.

import { useState } from 'preact/hooks';

import { api, describe, DIRECTORY, list, type Json } from '../api';
import { when } from '../format';
import type { Me } from '../main';
import { Loading, OutcomeLine, Table, useLoad, type Outcome } from '../ui';

const REVIEWS = '/v1.0/identityGovernance/accessReviews/definitions';

export function Reviews({ me }: { me: Me }) {
  const { data, error, reload } = useLoad(() => api(REVIEWS).then((r: Json) => r.value as Json[]));
  const roles = useLoad(() => list(`${DIRECTORY}/roleDefinitions`));
  const [outcome, setOutcome] = useState<Outcome>(null);
  const act = async (text: string, path: string, method: string, body?: unknown) => {
    try {
      await api(path, { method, body });
      setOutcome({ ok: true, text });
    } catch (e) {
      setOutcome({ ok: false, text: describe(e) });
    }
    reload();
  };
  const roleName = (id: string) => roles.data?.find((r: Json) => r.id === id)?.displayName ?? id;
  return (
    <>
      <h1>Access reviews</h1>
      <OutcomeLine outcome={outcome} testId="reviews-outcome" />
      <Create roles={roles.data ?? []} onCreate={(body) => act('Review created.', REVIEWS, 'POST', body)} />
      {!data ? <Loading error={error} what="the reviews" /> : data.map((r: Json) => {
        const current = r.instances?.[r.instances.length - 1];
        const items: Json[] = current?.items ?? [];
        const id = encodeURIComponent(r.id);
        return (
          <section key={r.id} class="card" aria-labelledby={`review-${r.id}`}>
            <h2 id={`review-${r.id}`}>{r.definition?.displayName ?? r.id}: {roleName(r.definition?.roleDefinitionId)}</h2>
            <p>{current ? `${current.status}, ${when(current.startDateTime)} to ${when(current.endDateTime)}` : 'No instance yet.'}</p>
            <Table caption="Items and results" head={['Principal', 'Recommendation', 'Decision', 'Reviewed by', 'Justification', 'Decide']} empty="Nothing to review.">
              {items.map((i: Json) => (
                <tr key={i.principalId}>
                  <th scope="row">{i.principalId}</th>
                  <td>{i.recommendation ?? ''}</td>
                  <td>{i.decision}</td>
                  <td>{i.reviewedBy ?? ''}</td>
                  <td>{i.justification ?? ''}</td>
                  <td class="row-actions">{current?.status === 'InProgress' && (i.reviewers ?? []).includes(me.id) && (['Approve', 'Deny'] as const).map((d) => (
                    <button key={d} type="button" class={d === 'Deny' ? 'danger' : 'secondary'}
                      onClick={() => act(`${d}: ${i.principalId}.`, `${REVIEWS}/${id}/decisions`, 'POST',
                        { principalId: i.principalId, decision: d, justification: `${d} by ${me.displayName} in the console` })}>{d}</button>
                  ))}</td>
                </tr>
              ))}
            </Table>
            <div class="actions">
              <button type="button" class="secondary" onClick={() => act('Review stopped.', `${REVIEWS}/${id}/stop`, 'POST')}>Stop</button>
              <button type="button" class="secondary" onClick={() => act('Results applied.', `${REVIEWS}/${id}/applyDecisions`, 'POST')}>Apply results</button>
              <button type="button" class="danger" onClick={() => act('Review deleted.', `${REVIEWS}/${id}`, 'DELETE')}>Delete</button>
            </div>
          </section>
        );
      })}
    </>
  );
}

function Create({ roles, onCreate }: { roles: Json[]; onCreate: (body: unknown) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [reviewers, setReviewers] = useState('');
  const [type, setType] = useState('eligible');
  return (
    <details class="card">
      <summary>Create an access review</summary>
      <form onSubmit={(e) => {
        e.preventDefault();
        onCreate({
          displayName: name || undefined, roleDefinitionId: role, scopeId: '/', assignmentType: type,
          reviewers: { type: 'selected', ids: reviewers.split(',').map((s) => s.trim()).filter(Boolean) },
        });
      }}>
        <label for="review-name">Name</label>
        <input id="review-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="review-role">Role</label>
        <select id="review-role" value={role} onChange={(e) => setRole(e.currentTarget.value)} required>
          <option value="">Choose a role</option>
          {roles.map((r: Json) => <option key={r.id} value={r.id}>{r.displayName}</option>)}
        </select>
        <label for="review-type">Assignments reviewed</label>
        <select id="review-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="eligible">Eligible</option><option value="active">Active</option><option value="all">All</option>
        </select>
        <label for="review-reviewers">Reviewers (principal ids, comma-separated)</label>
        <input id="review-reviewers" value={reviewers} onInput={(e) => setReviewers(e.currentTarget.value)} required />
        <div class="actions"><button type="submit">Create review</button></div>
      </form>
    </details>
  );
}
