// A role's settings, as Entra's portal groups them: Activation (maximum duration 0.5 to 24
// hours, MFA or an authentication context, justification, ticket, approval and its approvers),
// Assignment (permanent or expiring eligible and active assignments, MFA and justification on
// active assignment) and Notification (the nine rules: default recipients, additional
// recipients, critical only); then pim's own rules, which Entra does not have (justification
// quality, rate limit, separation of duties, quorum approval, break-glass, activation windows),
// each edited as its JSON. The edited rules are checked by the npm package (the same
// policy reading the server does on a rule PATCH) before any is sent; each changed rule is
// then PATCHed.

import { useEffect, useState } from 'preact/hooks';

import { api, describe, list, policyOf, type Json } from '../api';
import { duration, hoursOf } from '../format';
import { checkSettings, isoDuration } from '../pim';
import { Loading, OutcomeLine, useLoad, type Outcome } from '../ui';

const EXPIRY_CHOICES = ['P15D', 'P30D', 'P90D', 'P180D', 'P365D'];
const HOURS = Array.from({ length: 48 }, (_, i) => (i + 1) / 2);

const NOTIFICATIONS: [string, string][] = [
  ['Notification_Admin_Admin_Eligibility', 'Members assigned as eligible: role assignment alert'],
  ['Notification_Requestor_Admin_Eligibility', 'Members assigned as eligible: notification to the assigned user'],
  ['Notification_Approver_Admin_Eligibility', 'Members assigned as eligible: request to approve a renewal or extension'],
  ['Notification_Admin_Admin_Assignment', 'Members assigned as active: role assignment alert'],
  ['Notification_Requestor_Admin_Assignment', 'Members assigned as active: notification to the assigned user'],
  ['Notification_Approver_Admin_Assignment', 'Members assigned as active: request to approve a renewal or extension'],
  ['Notification_Admin_EndUser_Assignment', 'Eligible members activate the role: role activation alert'],
  ['Notification_Requestor_EndUser_Assignment', 'Eligible members activate the role: notification to the activated user'],
  ['Notification_Approver_EndUser_Assignment', 'Eligible members activate the role: request to approve an activation'],
];

/** pim's own rules: id, `@odata.type`, what it decides. */
const PIM_RULES: [string, string, string][] = [
  ['Pim_Justification_EndUser_Assignment', '#pim.justificationRule', 'Justification quality: minimum length, ticket number pattern, allowed ticket systems'],
  ['Pim_RateLimit_EndUser_Assignment', '#pim.rateLimitRule', 'Rate limit: activations per window, cool-down after one ends'],
  ['Pim_SeparationOfDuties_EndUser_Assignment', '#pim.separationOfDutiesRule', 'Separation of duties: roles that may not be active at the same time'],
  ['Pim_SeparationOfDuties_Admin_Eligibility', '#pim.separationOfDutiesRule', 'Separation of duties: roles that may not be eligible at the same time'],
  ['Pim_QuorumApproval_EndUser_Assignment', '#pim.quorumApprovalRule', 'Quorum approval: approvals needed per stage'],
  ['Pim_BreakGlass_EndUser_Assignment', '#pim.breakGlassRule', 'Break-glass: who may activate at once, for how long'],
  ['Pim_ActivationWindow_EndUser_Assignment', '#pim.activationWindowRule', 'Activation windows: days and hours in a time zone, excluded dates'],
];

async function load(roleId: string) {
  const [role, policy, objects] = await Promise.all([
    api(`/v1.0/roleManagement/directory/roleDefinitions/${encodeURIComponent(roleId)}`),
    policyOf(roleId),
    list('/v1.0/directoryObjects').catch(() => [] as Json[]),
  ]);
  return { role, policy, objects };
}

const clone = <T,>(v: T): T => JSON.parse(JSON.stringify(v));

export function RoleSettings({ roleId }: { roleId: string }) {
  const { data, error, reload } = useLoad(() => load(roleId), [roleId]);
  const [rules, setRules] = useState<Json[] | null>(null);
  const [tab, setTab] = useState<'activation' | 'assignment' | 'notification' | 'pim'>('activation');
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => { if (data) setRules(clone(data.policy.rules)); }, [data]);

  if (!data || !rules) return <><h1>Role settings</h1><Loading error={error} what="the role's settings" /></>;
  const get = (id: string): Json => rules.find((r: Json) => r.id === id) ?? { id };
  const change = (id: string, edit: (r: Json) => void) => {
    setRules(rules.map((r: Json) => {
      if (r.id !== id) return r;
      const c = clone(r);
      edit(c);
      return c;
    }));
  };
  // pim's own rules are listed only once set: an edit of one not set yet adds it.
  const put = (rule: Json) => {
    setRules(rules.some((r: Json) => r.id === rule.id)
      ? rules.map((r: Json) => (r.id === rule.id ? rule : r))
      : [...rules, rule]);
  };
  const changed = rules.filter((r: Json) => JSON.stringify(r) !== JSON.stringify(data.policy.rules.find((o: Json) => o.id === r.id)));
  const problem = checkSettings(rules);

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    try {
      for (const r of changed) {
        await api(`/v1.0/policies/roleManagementPolicies/${encodeURIComponent(data.policy.id)}/rules/${encodeURIComponent(r.id)}`, {
          method: 'PATCH', body: r,
        });
      }
      setOutcome({ ok: true, text: `Saved ${changed.length} rule${changed.length === 1 ? '' : 's'}.` });
      reload();
    } catch (err) {
      setOutcome({ ok: false, text: `The server refused: ${describe(err)}` });
    } finally {
      setSaving(false);
    }
  };

  const tabs: [typeof tab, string][] = [['activation', 'Activation'], ['assignment', 'Assignment'], ['notification', 'Notification'], ['pim', 'pim rules']];
  return (
    <>
      <p class="crumbs"><a href="#/roles">Roles</a> › <a href={`#/roles/${encodeURIComponent(roleId)}`}>{data.role.displayName}</a> › Settings</p>
      <h1>Role settings: {data.role.displayName}</h1>
      <div role="tablist" aria-label="Settings" class="tabs">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`panel-${id}`}
            onClick={() => setTab(id)}>{label}</button>
        ))}
      </div>
      <form onSubmit={save} id="settings-form">
        <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {tab === 'activation' && <Activation get={get} change={change} objects={data.objects} />}
          {tab === 'assignment' && <Assignment get={get} change={change} />}
          {tab === 'notification' && <Notification get={get} change={change} />}
          {tab === 'pim' && <PimRules get={get} put={put} />}
        </section>
        <p class={problem ? 'error' : 'hint'} aria-live="polite" id="settings-check">
          {problem ? `Not accepted: ${problem}` : `${changed.length} rule${changed.length === 1 ? '' : 's'} changed.`}
        </p>
        <OutcomeLine outcome={outcome} testId="settings-outcome" />
        <div class="actions">
          <button type="submit" id="settings-save" disabled={saving || Boolean(problem) || changed.length === 0}>Update</button>
          <button type="button" class="secondary" onClick={() => setRules(clone(data.policy.rules))}>Discard changes</button>
        </div>
      </form>
    </>
  );
}

type Edit = { get: (id: string) => Json; change: (id: string, edit: (r: Json) => void) => void };

function toggle(list: string[] | undefined, item: string, on: boolean): string[] {
  const l = (list ?? []).filter((x) => x !== item);
  return on ? [...l, item] : l;
}

function Activation({ get, change, objects }: Edit & { objects: Json[] }) {
  const expiry = get('Expiration_EndUser_Assignment');
  const enablement: string[] = get('Enablement_EndUser_Assignment').enabledRules ?? [];
  const context = get('AuthenticationContext_EndUser_Assignment');
  const approval = get('Approval_EndUser_Assignment');
  const setting = approval.setting ?? {};
  const approvers: string[] = (setting.approvalStages?.[0]?.primaryApprovers ?? []).map((a: Json) => a.userId ?? a.groupId ?? a.id);
  const on = (rule: string, value: boolean) =>
    change('Enablement_EndUser_Assignment', (r) => { r.enabledRules = toggle(r.enabledRules, rule, value); });
  const mfaMode = context.isEnabled ? 'context' : enablement.includes('MultiFactorAuthentication') ? 'mfa' : 'none';
  const setApprovers = (ids: string[]) => change('Approval_EndUser_Assignment', (r) => {
    r.setting ??= {};
    const stages = r.setting.approvalStages?.length ? r.setting.approvalStages : [{
      approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0,
      isEscalationEnabled: false, escalationApprovers: [],
    }];
    stages[0].primaryApprovers = ids.map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser', userId }));
    r.setting.approvalStages = stages.slice(0, 1);
  });
  const users = objects.filter((o: Json) => o['@odata.type'] !== '#microsoft.graph.servicePrincipal');
  return (
    <>
      <label for="max-duration">Activation maximum duration (hours)</label>
      <select id="max-duration" value={String(hoursOf(expiry.maximumDuration) ?? 8)}
        onChange={(e) => change('Expiration_EndUser_Assignment', (r) => { r.maximumDuration = isoDuration(Number(e.currentTarget.value) * 3600); })}>
        {HOURS.map((h) => <option key={h} value={String(h)}>{h}</option>)}
      </select>
      <fieldset>
        <legend>On activation, require</legend>
        <label class="inline"><input type="radio" name="mfa" checked={mfaMode === 'none'}
          onChange={() => { on('MultiFactorAuthentication', false); change('AuthenticationContext_EndUser_Assignment', (r) => { r.isEnabled = false; }); }} /> None</label>
        <label class="inline"><input type="radio" name="mfa" checked={mfaMode === 'mfa'}
          onChange={() => { on('MultiFactorAuthentication', true); change('AuthenticationContext_EndUser_Assignment', (r) => { r.isEnabled = false; }); }} /> Azure MFA</label>
        <label class="inline"><input type="radio" name="mfa" checked={mfaMode === 'context'}
          onChange={() => { on('MultiFactorAuthentication', false); change('AuthenticationContext_EndUser_Assignment', (r) => { r.isEnabled = true; r.claimValue ??= 'c1'; }); }} /> Microsoft Entra Conditional Access authentication context</label>
        {mfaMode === 'context' && (<><label for="claim">Authentication context</label>
          <input id="claim" value={context.claimValue ?? ''} onInput={(e) => change('AuthenticationContext_EndUser_Assignment', (r) => { r.claimValue = e.currentTarget.value; })} /></>)}
      </fieldset>
      <label class="inline"><input type="checkbox" id="require-justification" checked={enablement.includes('Justification')}
        onChange={(e) => on('Justification', e.currentTarget.checked)} /> Require justification on activation</label>
      <label class="inline"><input type="checkbox" id="require-ticket" checked={enablement.includes('Ticketing')}
        onChange={(e) => on('Ticketing', e.currentTarget.checked)} /> Require ticket information on activation</label>
      <label class="inline"><input type="checkbox" id="require-approval" checked={Boolean(setting.isApprovalRequired)}
        onChange={(e) => change('Approval_EndUser_Assignment', (r) => {
          r.setting ??= {};
          r.setting.isApprovalRequired = e.currentTarget.checked;
          r.setting.approvalMode = e.currentTarget.checked ? 'SingleStage' : 'NoApproval';
        })} /> Require approval to activate</label>
      {setting.isApprovalRequired && (
        <fieldset class="members" id="approvers">
          <legend>Approvers</legend>
          {users.map((o: Json) => (
            <label key={o.id} class="inline"><input type="checkbox" checked={approvers.includes(o.id)}
              onChange={(e) => setApprovers(toggle(approvers, o.id, e.currentTarget.checked))} /> {o.displayName ?? o.id}</label>
          ))}
        </fieldset>
      )}
    </>
  );
}

function ExpiryField({ id, label, rule, change }: { id: string; label: string; rule: Json; change: Edit['change'] }) {
  return (
    <fieldset>
      <legend>{label}</legend>
      <label class="inline"><input type="checkbox" id={`${id}-permanent`} checked={!rule.isExpirationRequired}
        onChange={(e) => change(rule.id, (r) => { r.isExpirationRequired = !e.currentTarget.checked; })} /> Allow permanent</label>
      {rule.isExpirationRequired && (<>
        <label for={`${id}-expire`}>Expire after</label>
        <select id={`${id}-expire`} value={rule.maximumDuration}
          onChange={(e) => change(rule.id, (r) => { r.maximumDuration = e.currentTarget.value; })}>
          {(EXPIRY_CHOICES.includes(rule.maximumDuration) ? EXPIRY_CHOICES : [rule.maximumDuration, ...EXPIRY_CHOICES])
            .map((d) => <option key={d} value={d}>{duration(d)}</option>)}
        </select>
      </>)}
    </fieldset>
  );
}

function Assignment({ get, change }: Edit) {
  const enabled: string[] = get('Enablement_Admin_Assignment').enabledRules ?? [];
  const on = (rule: string, value: boolean) =>
    change('Enablement_Admin_Assignment', (r) => { r.enabledRules = toggle(r.enabledRules, rule, value); });
  return (
    <>
      <ExpiryField id="eligible" label="Eligible assignments" rule={get('Expiration_Admin_Eligibility')} change={change} />
      <ExpiryField id="active" label="Active assignments" rule={get('Expiration_Admin_Assignment')} change={change} />
      <label class="inline"><input type="checkbox" checked={enabled.includes('MultiFactorAuthentication')}
        onChange={(e) => on('MultiFactorAuthentication', e.currentTarget.checked)} /> Require MFA on active assignment</label>
      <label class="inline"><input type="checkbox" checked={enabled.includes('Justification')}
        onChange={(e) => on('Justification', e.currentTarget.checked)} /> Require justification on active assignment</label>
    </>
  );
}

function Notification({ get, change }: Edit) {
  return (
    <div class="table-wrap">
      <table id="notifications">
        <caption>Notifications: who is sent mail when</caption>
        <thead><tr><th scope="col">Rule</th><th scope="col">Default recipients</th><th scope="col">Additional recipients</th><th scope="col">Critical only</th></tr></thead>
        <tbody>
          {NOTIFICATIONS.map(([id, label]) => {
            const r = get(id);
            return (
              <tr key={id}>
                <th scope="row">{label}</th>
                <td><input type="checkbox" aria-label={`${label}: default recipients`} checked={r.isDefaultRecipientsEnabled !== false}
                  onChange={(e) => change(id, (x) => { x.isDefaultRecipientsEnabled = e.currentTarget.checked; })} /></td>
                <td><input aria-label={`${label}: additional recipients`} value={(r.notificationRecipients ?? []).join(', ')}
                  onChange={(e) => change(id, (x) => {
                    x.notificationRecipients = e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean);
                  })} /></td>
                <td><input type="checkbox" aria-label={`${label}: critical only`} checked={r.notificationLevel === 'Critical'}
                  onChange={(e) => change(id, (x) => { x.notificationLevel = e.currentTarget.checked ? 'Critical' : 'All'; })} /></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** pim's own rules, each as its JSON (a rule not set shows its inert default). */
function PimRules({ get, put }: { get: (id: string) => Json; put: (rule: Json) => void }) {
  return (
    <>
      <p class="hint">Rules Entra does not have, in the same policy. A rule with only its id changes nothing.</p>
      {PIM_RULES.map(([id, type, what]) => (
        <PimRule key={id} id={id} what={what} rule={{ '@odata.type': type, ...get(id) }} put={put} />
      ))}
    </>
  );
}

function PimRule({ id, what, rule, put }: { id: string; what: string; rule: Json; put: (rule: Json) => void }) {
  const [text, setText] = useState(JSON.stringify(rule, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  useEffect(() => setText(JSON.stringify(rule, null, 2)), [JSON.stringify(rule)]);
  const read = () => {
    try {
      const parsed = JSON.parse(text);
      if (parsed?.id !== id) throw new Error(`the rule's id must stay ${id}`);
      setBad(null);
      put(parsed);
    } catch (err) {
      setBad(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <label class="field">
      <span>{what}</span>
      <textarea rows={6} spellcheck={false} aria-label={`${id} (JSON)`} value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} onBlur={read} />
      {bad && <span class="error" role="alert">Not JSON pim can read: {bad}</span>}
    </label>
  );
}
