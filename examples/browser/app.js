// My roles: lists the signed-in user's eligible roles and validates the activation form live,
// every decision made by pim's wasm module (the `web` build): the roles and what each requires
// (`eligibleRoles`), the duration limit (`maximumActivationDuration`), which requirements are
// unmet and whether approval is needed (`evaluateActivation` against the role's settings), and
// the activation itself (`submit` on an in-page engine holding the tenant).
// Run: node examples/browser/serve.mjs, then open the printed URL (?user=adele by default).

import init, { Engine, durationSeconds, isoDuration, version } from '/pkg/web/pim.js';

const MESSAGES = {
  MfaRule: 'Multi-factor authentication is required to activate this role.',
  JustificationRule: 'A reason is required.',
  TicketingRule: 'Ticket information is required.',
  ExpirationRule: 'The duration exceeds the maximum for this role.',
};

const $ = (id) => document.getElementById(id);
const user = new URLSearchParams(location.search).get('user') ?? 'adele';

// 1. Load the module and the tenant into an engine that lives in the page.
await init();
const tenant = await (await fetch('tenant.json')).json();
const engine = new Engine();
engine.loadTenant(tenant);
$('user').textContent = user;
$('version').textContent = version();

let selected = null;

// 2. The eligible roles, with what activating each requires.
function showRoles() {
  const body = $('roles').querySelector('tbody');
  body.replaceChildren();
  for (const role of engine.eligibleRoles(user)) {
    const requires = [
      role.requiresMfa && 'MFA', role.requiresJustification && 'Justification',
      role.requiresTicket && 'Ticket', role.requiresApproval && 'Approval',
    ].filter(Boolean);
    const row = body.insertRow();
    row.dataset.role = role.roleDefinitionId;
    row.insertCell().textContent = role.roleDisplayName;
    row.insertCell().textContent = role.scope === '/' ? 'Directory' : role.scope;
    row.insertCell().textContent = role.viaGroup ? `Group (${role.viaGroup})` : 'Direct';
    row.insertCell().textContent = `${durationSeconds(role.maximumActivationDuration) / 3600} h`;
    row.insertCell().innerHTML = requires.map((r) => `<span class="tag">${r}</span>`).join('');
    const button = document.createElement('button');
    const active = engine.check(user, role.roleDefinitionId, role.scope);
    button.textContent = active ? 'Active' : 'Activate';
    button.disabled = active;
    button.onclick = () => open(role);
    row.insertCell().append(button);
  }
}

// 3. The form: durations up to the role's maximum, never above it.
function open(role) {
  selected = role;
  $('activate').hidden = false;
  $('role-name').textContent = role.roleDisplayName;
  $('result').textContent = '';
  $('form').reset();
  const maxHours = durationSeconds(role.maximumActivationDuration) / 3600;
  const select = $('duration');
  select.replaceChildren();
  for (let h = 0.5; h <= maxHours; h += 0.5) select.add(new Option(String(h), String(h)));
  select.value = String(maxHours);
  validate();
}

// 4. Live validation: the form as Graph's `selfActivate` would carry it, judged by pim.
function form() {
  const ticketNumber = $('ticket-number').value.trim();
  const ticketSystem = $('ticket-system').value.trim();
  return {
    justification: $('justification').value,
    ticketInfo: ticketNumber || ticketSystem ? { ticketNumber, ticketSystem } : undefined,
    scheduleInfo: {
      expiration: { type: 'afterDuration', duration: isoDuration(Number($('duration').value) * 3600) },
    },
  };
}

function validate() {
  if (!selected) return;
  const decision = engine.evaluateActivation({
    role: selected,
    input: form(),
    context: { caller: user, mfa: $('mfa').checked },
  });
  const list = $('messages');
  list.replaceChildren(...decision.failedRules.map((rule) => {
    const li = document.createElement('li');
    li.dataset.rule = rule;
    li.textContent = MESSAGES[rule] ?? rule;
    return li;
  }));
  if (decision.error && decision.failedRules.length === 0) {
    list.append(Object.assign(document.createElement('li'), { textContent: decision.error.message }));
  }
  if (!decision.error) {
    list.append(Object.assign(document.createElement('li'), { className: 'ok', textContent: 'Ready to activate.' }));
  }
  $('approval').textContent = decision.requiresApproval
    ? 'This role requires approval: your request will wait for an approver.'
    : 'No approval needed: the role is active as soon as you activate it.';
  $('submit').disabled = Boolean(decision.error);
}

// 5. Activation: the in-page engine decides and records it, like the service would.
function activate(event) {
  event.preventDefault();
  const command = {
    op: 'request',
    kind: 'assignment',
    body: {
      action: 'selfActivate', principalId: user, roleDefinitionId: selected.roleDefinitionId,
      directoryScopeId: selected.scope, ...form(),
    },
  };
  try {
    const decision = engine.submit(command, { caller: user, mfa: $('mfa').checked });
    $('result').textContent = decision.status === 'PendingApproval'
      ? `Request ${decision.request.id} is pending approval.`
      : `${selected.roleDisplayName} is active until ${new Date(decision.endDateTime).toUTCString()}.`;
  } catch (e) {
    $('result').textContent = `${e.code}: ${e.message}`;
  }
  showRoles();
}

for (const id of ['duration', 'justification', 'ticket-number', 'ticket-system', 'mfa']) {
  $(id).addEventListener('input', validate);
}
$('form').addEventListener('submit', activate);
showRoles();
document.body.dataset.ready = 'true';
