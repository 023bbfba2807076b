// Type-checks the browser build's definitions (pkg/web/pim.d.ts): `init` first, then the same
// engine, without the Node-only scenario runner and event replay.
// Run: npx tsc -p types

import init, { Engine, type EligibleRole } from '../pkg/web/pim.js';

export async function eligible(): Promise<EligibleRole[]> {
  await init();
  const engine = new Engine();
  engine.loadTenant({ directory: { users: [{ id: 'user1' }] } });
  // @ts-expect-error: the browser build has no event replay
  Engine.fromEvents([]);
  return engine.eligibleRoles('user1');
}
