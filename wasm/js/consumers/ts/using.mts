// `using` frees the engine at the end of the block (lib esnext.disposable, or es2026 and later).
import { Engine } from '@pim-engine/pim';

export function roles(): number {
  using engine = new Engine();
  return engine.eligibleRoles('user1').length;
}
