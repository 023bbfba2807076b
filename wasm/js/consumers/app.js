// The tiny app every bundler builds: the root export (or /web for esbuild), a tenant, a check
// (with `now` as text and as epoch milliseconds, the package's two ways in), and prepared
// activation rules answering as the stateless evaluation.
export function run(pim) {
  const engine = new pim.Engine();
  engine.loadTenant({
    directory: {
      users: [{ id: 'user1' }],
      assignments: [{ type: 'active', principalId: 'user1', roleDefinitionId: '29232cdf-9323-42fd-ade2-1d097af3e4de' }],
    },
  }, '2026-03-02T09:00:00Z');
  const active = engine.check('user1', '29232cdf-9323-42fd-ade2-1d097af3e4de', '/', '2026-03-02T10:00:00Z');
  const activeMs = engine.check('user1', '29232cdf-9323-42fd-ade2-1d097af3e4de', '/', Date.parse('2026-03-02T10:00:00Z'));
  const form = { eligibility: { startDateTime: '2026-03-02T09:00:00Z' }, input: { justification: 'x' } };
  const prepared = new pim.ActivationRules().evaluate(form, '2026-03-02T10:00:00Z');
  const rules = JSON.stringify(prepared) === JSON.stringify(pim.evaluateActivation(form, '2026-03-02T10:00:00Z'));
  let code;
  try { engine.check(42); } catch (e) { code = pim.isPimError(e) ? e.code : String(e); }
  return { active, activeMs, rules, code, replay: typeof pim.Engine.fromEvents };
}
