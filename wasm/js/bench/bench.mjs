// Benchmarks of the Node build through the package's public API (lib/node.mjs, what `import
// '@pim-engine/pim'` gives in Node): nanoseconds per gateway `check`, per activation evaluation
// (prepared `ActivationRules`, an eligible role's settings, and stateless from Graph rules), per
// scenario step (every file of tests/scenarios, parsing and the report's conversion to JS
// included), and, when Cedar is installed, pim beside Cedar on the same two questions.
//
// Run (after wasm/build.sh), from the repository root:
//   node wasm/js/bench/bench.mjs [--quick]
// The Cedar comparison needs the bench's own dependency (not the package's), once:
//   npm ci --prefix wasm/js/bench
// Without it the Cedar rows are skipped with a note.
//
// How the Cedar comparison is modelled (docs/performance.md says the same, with the figures):
// - Gateway check, "is P active in role R at scope S now": a tenant of N users, each eligible for
//   one role and half of them also active in another for a window around now. pim: the tenant is
//   loaded into an `Engine` and `check(P, R, S, now)` answers from its index. Cedar (4.13, its
//   wasm build for Node): each user is a `User` entity whose tags are its active grants, keyed
//   `role|scope`, each a record `{ start, end }` in epoch milliseconds (what Cedar compares
//   fastest; permanent grants end at the largest safe integer); one policy permits `actAs` when
//   the principal has the tag `context.grant` and `context.now` is inside its window. Cedar's
//   JavaScript API keeps no entities between calls, so each call passes the principal's entity
//   only (the caller looks it up in a `Map` of N entities, timed with the call): that is Cedar at
//   its cheapest; passing the whole tenant every call is also shown, for N = 100. The policy set
//   is parsed once (`preparsePolicySet`, `statefulIsAuthorized`); `isAuthorized`, which parses
//   the policy text on every call, is shown too. Cedar matches scopes exactly, where pim's
//   scopes nest (`/` covers every administrative unit); every question here asks `/`.
// - Activation rules, "may this form activate the role": the role's settings are 8 h maximum,
//   MFA, justification and ticket required. pim: `new ActivationRules(rules)` once, then
//   `rules.evaluate(form, now)` on the Graph-shaped form, which answers with every failed rule,
//   approval, the window that would be granted and its cap at the eligibility's end. Cedar: the
//   settings are attributes of the `Role` entity (`maxSeconds`, `requireMfa`,
//   `requireJustification`, `requireTicket`); one `forbid` policy per rule, named as pim names the
//   rule (`ExpirationRule`, `MfaRule`, `JustificationRule`, `TicketingRule`), and one `permit`;
//   the forbids that fire (`diagnostics.reason`) are the failed rules. The form becomes Cedar's
//   context in JavaScript, timed with the call (`durationSeconds` from the ISO 8601 duration by a
//   regular expression, justification and ticket number as strings, `mfa`): pim reads the Graph
//   form itself. Cedar answers allow or deny and the failed rules; pim also computes the window,
//   approval and eligibility checks, so its answer holds more.
// Both sides are checked to give the same allow/deny answers on the benchmark's inputs first.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ActivationRules, Engine, evaluateActivation, runScenario } from '../lib/node.mjs';
import { EXCHANGE, HELPDESK, T0, activation, tenant } from '../test/tenant.mjs';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.05 : 1;

/**
 * Runs `fn` `n` times after a warm-up (`warm` calls, a tenth of `n` unless given: Cedar's first
 * thousand calls are many times slower than the next, while V8 tiers its module up) and returns
 * nanoseconds per call.
 */
function measure(n, fn, warm = Math.max(1, Math.floor(n / 10))) {
  for (let i = 0; i < warm; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n;
}
const times = (n) => Math.max(1, Math.floor(n * scale));

/** The instant the Cedar comparison asks about. */
const NOW = Date.parse('2026-03-02T12:00:00Z');
/** Warm-up calls before each Cedar row. */
const CEDAR_WARM = 2_000;

const rows = [];
const row = (what, ns) => rows.push([what, ns]);

// A tenant with User1's Exchange activation running and a pending Helpdesk approval.
const engine = new Engine();
engine.loadTenant(tenant, T0);
const at = '2026-03-02T10:00:00Z';
engine.submit(activation(EXCHANGE), { caller: 'user1', mfa: true }, at);
engine.submit(activation(HELPDESK, { ticket: null }), { caller: 'user1', mfa: true }, at);
const nowMs = Date.parse('2026-03-02T11:00:00Z');
if (!engine.check('user1', EXCHANGE, '/', nowMs)) throw new Error('the benchmark tenant is wrong');

const n = times(1_000_000);
row('check (active, now as epoch ms)', measure(n, () => engine.check('user1', EXCHANGE, '/', nowMs)));
row('check (inactive, now as epoch ms)', measure(n, () => engine.check('user1', HELPDESK, '/', nowMs)));
row('check (now from the JS clock)', measure(n, () => engine.check('user1', EXCHANGE, '/')));
const nowDate = new Date(nowMs);
row('check (now as a Date)', measure(n, () => engine.check('user1', EXCHANGE, '/', nowDate)));
row('check (now as RFC 3339 text)', measure(times(250_000), () => engine.check('user1', EXCHANGE, '/', '2026-03-02T11:00:00Z')));
row('checkDetails (now as epoch ms)', measure(times(250_000), () => engine.checkDetails('user1', EXCHANGE, '/', nowMs)));

const [role] = engine.eligibleRoles('user1', at);
const eligibility = { startDateTime: role.startDateTime, endDateTime: role.endDateTime };
const input = {
  justification: 'mailbox migration',
  ticketInfo: { ticketNumber: 'INC-1', ticketSystem: 'ServiceNow' },
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT4H' } },
};
const context = { caller: 'user1', mfa: true };
const form = { eligibility, input, context };
const graphRules = engine.policy(EXCHANGE);
const prepared = engine.activationRules(EXCHANGE);
const fromRules = new ActivationRules(graphRules);
const roleForm = { role, input, context };
for (const d of [prepared.evaluate(form, nowMs), fromRules.evaluate(form, nowMs), engine.evaluateActivation(roleForm, nowMs)]) {
  if (d.status !== 'Provisioned') throw new Error('the benchmark form is wrong');
}
row('ActivationRules.evaluate (engine.activationRules, read once)', measure(times(200_000), () => prepared.evaluate(form, nowMs)));
row('ActivationRules.evaluate (new ActivationRules(17 rules), read once)', measure(times(200_000), () => fromRules.evaluate(form, nowMs)));
row('engine.evaluateActivation (an eligible role\'s settings)', measure(times(50_000), () => engine.evaluateActivation(roleForm, nowMs)));
row('evaluateActivation (stateless, Entra default rules)', measure(times(50_000), () => evaluateActivation(form, nowMs)));
const request = { rules: graphRules, ...form };
row('evaluateActivation (stateless, 17 rules passed in)', measure(times(5_000), () => evaluateActivation(request, nowMs)));
row('new ActivationRules(17 rules)', measure(times(5_000), () => new ActivationRules(graphRules).free()));

const dir = fileURLToPath(new URL('../../../tests/scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readFileSync(dir + f, 'utf8'));
const steps = files.reduce((sum, text) => sum + runScenario(text).steps.length, 0);
const rounds = Math.max(1, Math.floor(20 * scale));
const perRound = measure(rounds, () => files.forEach((text) => runScenario(text)));
row(`scenario step (${files.length} files, ${steps} steps, setup included)`, perRound / steps);

console.log(`pim ${quick ? '(quick) ' : ''}on Node ${process.version}`);
print(rows);

let cedar;
try {
  cedar = await import('@cedar-policy/cedar-wasm/nodejs');
} catch {
  console.log('\nCedar comparison skipped: run `npm ci --prefix wasm/js/bench` once to install Cedar');
}
if (cedar) compareWithCedar(cedar.default ?? cedar);

function print(list) {
  for (const [what, ns] of list) console.log(`${ns.toFixed(0).padStart(9)} ns  ${what}`);
}

/** pim beside Cedar on the gateway check and on activation rules (modelled as the header says). */
function compareWithCedar(cedar) {
  const out = [];
  const N = quick ? 1_000 : 10_000;
  const { pim, users, questions } = checkTenant(N);
  const { entities, byId } = cedarTenant(users);
  const checkPolicies = {
    staticPolicies: {
      active: `permit (principal, action == Action::"actAs", resource is Role)
when { principal.hasTag(context.grant)
  && principal.getTag(context.grant).start <= context.now
  && context.now < principal.getTag(context.grant).end };`,
    },
  };
  const ok = cedar.preparsePolicySet('pim-check', checkPolicies);
  if (ok.type !== 'success') throw new Error(`Cedar refused the check policy: ${JSON.stringify(ok)}`);
  const action = { type: 'Action', id: 'actAs' };
  const cedarCall = ([p, r, s], now, slice) => ({
    principal: { type: 'User', id: p }, action, resource: { type: 'Role', id: r },
    context: { grant: `${r}|${s}`, now }, preparsedPolicySetId: 'pim-check', entities: slice,
  });
  const allowed = (answer) => {
    if (answer.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(answer.errors)}`);
    return answer.response.decision === 'allow';
  };
  // The same answers first, on every question.
  let active = 0;
  for (const q of questions) {
    const mine = pim.check(q[0], q[1], q[2], NOW);
    if (mine !== allowed(cedar.statefulIsAuthorized(cedarCall(q, NOW, [byId.get(q[0])])))) {
      throw new Error(`pim and Cedar disagree on ${q.join(' ')}`);
    }
    if (mine) active++;
  }
  if (active === 0 || active === questions.length) throw new Error('the check questions are all alike');
  const Q = questions.length;
  const k = times(200_000);
  out.push([`pim check (N = ${N} users)`, measure(k, (i) => { const q = questions[i % Q]; return pim.check(q[0], q[1], q[2], NOW); })]);
  out.push([`Cedar statefulIsAuthorized, preparsed policy, the principal's entity (N = ${N})`,
    measure(times(20_000), (i) => { const q = questions[i % Q]; return allowed(cedar.statefulIsAuthorized(cedarCall(q, NOW, [byId.get(q[0])]))); }, CEDAR_WARM)]);
  out.push([`Cedar isAuthorized, policy text parsed each call, the principal's entity (N = ${N})`,
    measure(times(5_000), (i) => {
      const q = questions[i % Q];
      const { preparsedPolicySetId, ...call } = cedarCall(q, NOW, [byId.get(q[0])]);
      return allowed(cedar.isAuthorized({ ...call, policies: checkPolicies }));
    }, CEDAR_WARM)]);
  const hundred = entities.slice(0, 100);
  const inHundred = questions.filter((q) => Number(q[0].slice(1)) < 100);
  out.push(['Cedar statefulIsAuthorized, the whole tenant passed each call (N = 100)',
    measure(times(2_000), (i) => allowed(cedar.statefulIsAuthorized(cedarCall(inHundred[i % inHundred.length], NOW, hundred))), 200)]);

  // Activation rules.
  const settings = [
    { id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT8H' },
    { id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification', 'Ticketing'] },
  ];
  const rules = new ActivationRules(settings);
  const rolesEntity = {
    uid: { type: 'Role', id: EXCHANGE },
    attrs: { maxSeconds: 8 * 3600, requireMfa: true, requireJustification: true, requireTicket: true },
    parents: [],
  };
  const on = 'principal, action == Action::"activate", resource';
  const activationPolicies = {
    staticPolicies: {
      ExpirationRule: `forbid (${on}) when { context.durationSeconds > resource.maxSeconds };`,
      MfaRule: `forbid (${on}) when { resource.requireMfa && !context.mfa };`,
      JustificationRule: `forbid (${on}) when { resource.requireJustification && context.justification == "" };`,
      TicketingRule: `forbid (${on}) when { resource.requireTicket && context.ticketNumber == "" };`,
      eligible: `permit (${on});`,
    },
  };
  const parsed = cedar.preparsePolicySet('pim-activation', activationPolicies);
  if (parsed.type !== 'success') throw new Error(`Cedar refused the activation policies: ${JSON.stringify(parsed)}`);
  const forms = [
    form,
    { eligibility, input: { ...input, justification: '' }, context },
    { eligibility, input: { justification: 'x', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT9H' } } }, context },
    { eligibility, input, context: { caller: 'user1', mfa: false } },
  ];
  const seconds = (iso) => {
    const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(iso ?? 'PT8H');
    return m ? (Number(m[1] ?? 0) * 3600) + (Number(m[2] ?? 0) * 60) + Number(m[3] ?? 0) : Number.MAX_SAFE_INTEGER;
  };
  const user1 = { uid: { type: 'User', id: 'user1' }, attrs: {}, parents: [] };
  const activate = { type: 'Action', id: 'activate' };
  const resource = { type: 'Role', id: EXCHANGE };
  const cedarActivation = (f) => cedar.statefulIsAuthorized({
    principal: { type: 'User', id: f.context.caller }, action: activate, resource,
    context: {
      durationSeconds: seconds(f.input.scheduleInfo?.expiration?.duration),
      justification: f.input.justification ?? '',
      ticketNumber: f.input.ticketInfo?.ticketNumber ?? '',
      mfa: f.context.mfa === true,
    },
    preparsedPolicySetId: 'pim-activation', entities: [user1, rolesEntity],
  });
  for (const f of forms) {
    const mine = rules.evaluate(f, NOW);
    const theirs = cedarActivation(f);
    if (theirs.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(theirs.errors)}`);
    const failed = theirs.response.diagnostics.reason.filter((id) => id !== 'eligible').sort();
    if (!mine.error !== (theirs.response.decision === 'allow')
      || JSON.stringify([...mine.failedRules].sort()) !== JSON.stringify(failed)) {
      throw new Error(`pim and Cedar disagree on ${JSON.stringify(f)}: ${JSON.stringify({ mine, failed })}`);
    }
  }
  const F = forms.length;
  out.push(['pim ActivationRules.evaluate (4 forms in turn)', measure(times(200_000), (i) => rules.evaluate(forms[i % F], NOW))]);
  out.push(['Cedar statefulIsAuthorized, preparsed policies (4 forms in turn)', measure(times(20_000), (i) => cedarActivation(forms[i % F]), CEDAR_WARM)]);
  rules.free();

  console.log(`\npim beside Cedar ${cedar.getCedarVersion()} (wasm, Node build) on the same questions`);
  print(out);
}

/** N users, each eligible for Exchange Administrator; every other one active in Helpdesk Administrator. */
function checkTenant(count) {
  const users = [];
  for (let i = 0; i < count; i++) {
    const grants = [];
    if (i % 2 === 0) {
      // Active for a window around NOW for three in four of them; one in four has it expired.
      const start = NOW - 3_600_000 * (1 + (i % 5));
      const end = i % 4 === 0 ? NOW - 60_000 : NOW + 3_600_000 * (1 + (i % 7));
      grants.push({ role: HELPDESK, scope: '/', start, end });
    }
    users.push({ id: `u${i}`, grants });
  }
  const pim = new Engine();
  pim.loadTenant({
    directory: {
      users: users.map((u) => ({ id: u.id })),
      roleDefinitions: tenant.directory.roleDefinitions,
      assignments: users.flatMap((u) => [
        { type: 'eligible', principalId: u.id, roleDefinitionId: EXCHANGE },
        ...u.grants.map((g) => ({
          type: 'active', principalId: u.id, roleDefinitionId: g.role, directoryScopeId: g.scope,
          startDateTime: new Date(g.start).toISOString(), endDateTime: new Date(g.end).toISOString(),
        })),
      ]),
    },
  }, '2026-03-01T00:00:00Z');
  const questions = [];
  for (let i = 0; i < Math.min(count, 1000); i++) {
    const u = users[(i * 7919) % count].id;
    questions.push([u, HELPDESK, '/'], [u, EXCHANGE, '/']);
  }
  return { pim, users, questions };
}

/** The same tenant as Cedar entities: each user's active grants as tags. */
function cedarTenant(users) {
  const entities = users.map((u) => ({
    uid: { type: 'User', id: u.id },
    attrs: {},
    parents: [],
    tags: Object.fromEntries(u.grants.map((g) => [`${g.role}|${g.scope}`, { start: g.start, end: g.end }])),
  }));
  return { entities, byId: new Map(entities.map((e) => [e.uid.id, e])) };
}
