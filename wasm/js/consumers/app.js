// The tiny app every bundler builds: the root export (or /web for esbuild), a tenant, a check.
export function run(pim) {
  const engine = new pim.Engine();
  engine.loadTenant({
    directory: {
      users: [{ id: 'user1' }],
      assignments: [{ type: 'active', principalId: 'user1', roleDefinitionId: '29232cdf-9323-42fd-ade2-1d097af3e4de' }],
    },
  }, '2026-03-02T09:00:00Z');
  const active = engine.check('user1', '29232cdf-9323-42fd-ade2-1d097af3e4de', '/', '2026-03-02T10:00:00Z');
  let code;
  try { engine.check(42); } catch (e) { code = pim.isPimError(e) ? e.code : String(e); }
  return { active, code, replay: typeof pim.Engine.fromEvents };
}
