// A small PIM backend: pim's npm package (Node build) is the authority for every decision, and
// the events it returns are kept in a file (event-store.mjs), so a restart loses nothing.
//
//   GET  /me/eligibleRoles                    the caller's eligible roles and what each requires
//   POST /me/activations                      a Graph `selfActivate` body (principalId is the caller)
//   GET  /requests/{id}                       a request as it stands
//   GET  /me/approvals                        requests the caller may approve
//   POST /requests/{id}/decision              { "reviewResult": "Approve" | "Deny", "justification" }
//   GET  /check?principalId=&roleDefinitionId=&scope=    the gateway question, { active }
//   GET  /audit                               the audit trail
//
// The caller is the `x-pim-user` header and `x-pim-mfa: true` says the session passed MFA: a
// stand-in for a verified bearer token. Refusals are 400 with Graph's `{ error: { code,
// message, failedRules } }`.
// Run: node examples/node/server.mjs   (after wasm/build.sh; PORT and PIM_EVENTS are optional)

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// In an application: import { Engine } from '@pim-engine/pim';
import { Engine } from '../../wasm/js/lib/node.mjs';
import { EventStore } from './event-store.mjs';

const tenantFile = new URL('./tenant.json', import.meta.url);

/** Opens the log: replays it, or loads the demo tenant into an empty one. */
export function openEngine(store) {
  const persist = (events) => store.append(events);
  const log = store.readAll();
  if (log.length > 0) return Engine.fromEvents(log, persist);
  const engine = new Engine(persist);
  engine.loadTenant(JSON.parse(readFileSync(tenantFile, 'utf8')));
  return engine;
}

/** Starts the backend; resolves to the listening HTTP server. */
export function start({ port = 0, eventsFile, tickSeconds = 30 }) {
  const engine = openEngine(new EventStore(eventsFile));
  // Time alone ends activations and times out approvals; record those events as they fall due.
  const timer = setInterval(() => engine.advance(), tickSeconds * 1000);
  timer.unref();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const context = { caller: req.headers['x-pim-user'], mfa: req.headers['x-pim-mfa'] === 'true' };
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const answer = route(engine, req.method, url, context, body);
      send(res, answer.status ?? 200, answer.body);
    } catch (e) {
      // A PimError: a refusal by the rules, or malformed input.
      if (e?.name === 'PimError') {
        send(res, 400, { error: { code: e.code, message: e.message, failedRules: e.failedRules } });
      } else {
        send(res, 500, { error: { code: 'HostError', message: String(e?.message ?? e) } });
      }
    }
  });
  server.on('close', () => {
    clearInterval(timer);
    engine.free();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function route(engine, method, url, context, body) {
  const path = url.pathname;
  const requestId = path.match(/^\/requests\/([^/]+)(\/decision)?$/);
  if (method === 'GET' && path === '/me/eligibleRoles') {
    return { body: { value: engine.eligibleRoles(context.caller) } };
  }
  if (method === 'POST' && path === '/me/activations') {
    const command = {
      op: 'request',
      kind: 'assignment',
      body: { ...body, action: 'selfActivate', principalId: context.caller },
    };
    return { status: 201, body: engine.submit(command, context) };
  }
  if (method === 'GET' && path === '/me/approvals') {
    return { body: { value: engine.pendingApprovals(context.caller) } };
  }
  if (method === 'POST' && requestId?.[2]) {
    const command = { op: 'decide', requestId: requestId[1], ...body };
    return { body: engine.submit(command, context) };
  }
  if (method === 'GET' && requestId) {
    return { body: engine.status(requestId[1]) };
  }
  if (method === 'GET' && path === '/check') {
    const q = url.searchParams;
    return { body: { active: engine.check(q.get('principalId'), q.get('roleDefinitionId'), q.get('scope') ?? '/') } };
  }
  if (method === 'GET' && path === '/audit') {
    return { body: { value: engine.audit() } };
  }
  return { status: 404, body: { error: { code: 'NotFound', message: `${method} ${path}` } } };
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text === '' ? {} : JSON.parse(text);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const eventsFile = process.env.PIM_EVENTS ?? fileURLToPath(new URL('./data/events.jsonl', import.meta.url));
  const server = await start({ port: Number(process.env.PORT ?? 8081), eventsFile });
  console.log(`pim backend on http://127.0.0.1:${server.address().port}, events in ${eventsFile}`);
}
