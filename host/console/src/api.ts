// The console's only way to the server: Graph calls with the signed-in user's bearer token.
// Every refusal comes back as an `ApiError` carrying Graph's error code, message and failed
// rules, so the pages show the server's own reason.

const TOKEN_KEY = 'pim.console.token';

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A refusal or failure, as Graph's error body states it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly failedRules: string[] = [],
  ) {
    super(message);
  }
}

// Graph collections and objects are open-ended JSON: pages read the fields they show.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const DIRECTORY = '/v1.0/roleManagement/directory';
export const BETA = '/beta/roleManagement/directory';

/** One Graph call; `body` is sent as JSON. Answers the parsed body (null for 204). */
export async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const e = body?.error ?? {};
    throw new ApiError(response.status, e.code ?? `HTTP ${response.status}`, e.message ?? response.statusText, e.failedRules ?? []);
  }
  return body;
}

/** Every item of a Graph collection, following `@odata.nextLink`. */
export async function list(path: string): Promise<Json[]> {
  const items: Json[] = [];
  let next: string | null = path;
  while (next) {
    const page: Json = await api(next);
    items.push(...(page.value ?? []));
    const link: string | undefined = page['@odata.nextLink'];
    next = link ? new URL(link, location.origin).pathname + new URL(link, location.origin).search : null;
  }
  return items;
}

/** `$filter=…` as a query string value. */
export const filter = (expr: string) => `$filter=${encodeURIComponent(expr)}`;

/** A role's settings: the policy (its id, for PATCH) and its rules. */
export async function policyOf(roleDefinitionId: string, scopeId = '/'): Promise<{ id: string; rules: Json[] }> {
  const path = `/v1.0/policies/roleManagementPolicies/${encodeURIComponent(roleDefinitionId)}`
    + `?scopeId=${encodeURIComponent(scopeId)}&$expand=rules`;
  const p = await api(path);
  return { id: p.id, rules: p.rules ?? [] };
}

/** The message a page shows for any failure. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) {
    const rules = e.failedRules.length ? ` (${e.failedRules.join(', ')})` : '';
    return `${e.code}: ${e.message}${rules}`;
  }
  return e instanceof Error ? e.message : String(e);
}
