// Microsoft's JavaScript Graph client (@microsoft/microsoft-graph-client) pointed at a running
// pim-host: PIM_GRAPH_URL is its root (scripts/test-graph-sdk.sh sets it).
'use strict';

const assert = require('node:assert/strict');
const { Client, GraphError, MiddlewareFactory } = require('@microsoft/microsoft-graph-client');
const { setRequestHeader } = require('@microsoft/microsoft-graph-client/lib/src/middleware/MiddlewareUtil');

const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

function root() {
  const url = process.env.PIM_GRAPH_URL;
  if (!url) throw new Error('PIM_GRAPH_URL is not set (scripts/test-graph-sdk.sh sets it)');
  return url.replace(/\/+$/, '') + '/';
}

// Every request the clients sent (method and URL), newest last.
const wire = [];

// The client's own AuthenticationHandler adds the token only to https:// URLs (Graph's hosts or
// `customHosts`), never to http://127.0.0.1, so this handler takes its place at the head of the
// client's default middleware chain (retry, redirect, telemetry and HTTP handlers unchanged).
class BearerHandler {
  constructor(token) {
    this.token = token;
  }

  async execute(context) {
    if (this.token) {
      setRequestHeader(context.request, context.options, 'Authorization', `Bearer ${this.token}`);
    }
    const method = (context.options && context.options.method) || 'GET';
    wire.push({ method, url: typeof context.request === 'string' ? context.request : context.request.url });
    return this.nextMiddleware.execute(context);
  }

  setNext(next) {
    this.nextMiddleware = next;
  }
}

// A client that calls as the holder of `token` (none: no Authorization header), on v1.0 unless
// `version` says beta.
function client(token, version = 'v1.0') {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain({ getAccessToken: async () => token });
  chain[0] = new BearerHandler(token);
  return Client.initWithMiddleware({ middleware: chain, baseUrl: root(), defaultVersion: version });
}

// Runs a call that must fail; checks it is a GraphError with Graph's status and code.
async function graphError(promise, statusCode, code) {
  let error;
  try {
    const result = await promise;
    assert.fail(`expected a GraphError, got ${JSON.stringify(result)}`);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof GraphError, `not a GraphError: ${error}`);
  assert.equal(error.statusCode, statusCode, error.message);
  assert.equal(error.code, code, error.message);
  assert.ok(error.message, 'the error has no message');
  assert.ok(error.requestId, 'innerError has no request-id');
  return error;
}

module.exports = { EXCHANGE_ADMIN, GLOBAL_ADMIN, client, graphError, root, wire };
