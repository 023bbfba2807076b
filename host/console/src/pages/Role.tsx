// A role: its eligible, active and expired assignments, each updated, removed, extended or
// renewed by an administrator; links to the add-assignment wizard and the role's settings.

import { useState } from 'preact/hooks';

import { api, describe, DIRECTORY, filter, list, type Json } from '../api';
import { hasEnded, scopeName, when, windowOf } from '../format';
import { Loading, OutcomeLine, Table, useLoad, type Outcome } from '../ui';
import { ReasonDialog } from './ReasonDialog';

type Kind = 'eligibility' | 'assignment';
type Act = 'adminUpdate' | 'adminRemove' | 'adminExtend' | 'adminRenew';

async function load(roleId: string) {
  const f = filter(`roleDefinitionId eq '${roleId}'`);
  const [role, eligible, active] = await Promise.all([
    api(`${DIRECTORY}/roleDefinitions/${encodeURIComponent(roleId)}`),
    list(`${DIRECTORY}/roleEligibilitySchedules?${f}&$expand=principal`),
    list(`${DIRECTORY}/roleAssignmentSchedules?${f}&$expand=principal`),
  ]);
  return { role, eligible, active };
}

const ACT_NAMES: Record<Act, string> = { adminUpdate: 'Update', adminRemove: 'Remove', adminExtend: 'Extend', adminRenew: 'Renew' };

export function Role({ roleId }: { roleId: string }) {
  const { data, error, reload } = useLoad(() => load(roleId), [roleId]);
  const [acting, setActing] = useState<{ act: Act; kind: Kind; s: Json } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  if (!data) return <><h1>Role</h1><Loading error={error} what="the role's assignments" /></>;
  const ended = (s: Json) => hasEnded(s);

  const rows = (kind: Kind, items: Json[], expired: boolean) => items.map((s: Json) => (
    <tr key={s.id}>
      <th scope="row">{s.principal?.displayName ?? s.principalId}</th>
      <td>{kind === 'eligibility' ? 'Eligible' : (s.assignmentType === 'Activated' ? 'Activated' : 'Active')}</td>
      <td>{scopeName(s.directoryScopeId)}</td>
      <td>{when(windowOf(s).start)}</td>
      <td>{when(windowOf(s).end)}</td>
      <td class="row-actions">
        {(expired ? ['adminRenew'] as Act[] : ['adminUpdate', 'adminExtend', 'adminRemove'] as Act[])
          .filter((a) => kind === 'eligibility' || s.assignmentType !== 'Activated')
          .map((a) => (
            <button key={a} type="button" class={a === 'adminRemove' ? 'danger' : 'secondary'}
              aria-label={`${ACT_NAMES[a]} ${s.principal?.displayName ?? s.principalId}`}
              onClick={() => { setOutcome(null); setActing({ act: a, kind, s }); }}>{ACT_NAMES[a]}</button>
          ))}
      </td>
    </tr>
  ));

  const head = ['Member', 'Type', 'Scope', 'Start', 'End', 'Action'];
  return (
    <>
      <p class="crumbs"><a href="#/roles">Roles</a> › {data.role.displayName}</p>
      <h1>{data.role.displayName}</h1>
      <p class="actions">
        <a class="button" href={`#/roles/${encodeURIComponent(roleId)}/add`}>Add assignments</a>
        <a class="button secondary" href={`#/roles/${encodeURIComponent(roleId)}/settings`}>Settings</a>
      </p>
      <OutcomeLine outcome={outcome} testId="role-outcome" />
      <Table id="eligible-assignments" caption="Eligible assignments" head={head} empty="No eligible assignments.">
        {rows('eligibility', data.eligible.filter((s: Json) => !ended(s)), false)}
      </Table>
      <Table id="active-assignments" caption="Active assignments" head={head} empty="No active assignments.">
        {rows('assignment', data.active.filter((s: Json) => !ended(s)), false)}
      </Table>
      <Table id="expired-assignments" caption="Expired assignments" head={head} empty="No expired assignments.">
        {[...rows('eligibility', data.eligible.filter(ended), true),
          // Ended activations are not expired assignments (Entra lists them in the audit only).
          ...rows('assignment', data.active.filter((s: Json) => ended(s) && s.assignmentType !== 'Activated'), true)]}
      </Table>
      {acting && (
        <ReasonDialog
          title={`${ACT_NAMES[acting.act]}: ${acting.s.principal?.displayName ?? acting.s.principalId}`}
          action={ACT_NAMES[acting.act]}
          withEnd={acting.act !== 'adminRemove'}
          onClose={() => setActing(null)}
          onSend={async (reason, end) => {
            const { act, kind, s } = acting;
            const path = kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests';
            const scheduleInfo = end
              ? { startDateTime: act === 'adminUpdate' ? windowOf(s).start ?? undefined : undefined, expiration: { type: 'afterDateTime', endDateTime: end } }
              : undefined;
            await api(`${DIRECTORY}/${path}`, {
              method: 'POST',
              body: {
                action: act, principalId: s.principalId, roleDefinitionId: s.roleDefinitionId,
                directoryScopeId: s.directoryScopeId, justification: reason, ...(scheduleInfo ? { scheduleInfo } : {}),
              },
            }).catch((e) => { throw new Error(describe(e)); });
            setOutcome({ ok: true, text: `${ACT_NAMES[act]}: done.` });
            reload();
          }}
        />
      )}
    </>
  );
}
