import * as pim from '@pim-engine/pim/web';
import wasmUrl from '@pim-engine/pim/web/pim_bg.wasm';
import { run } from '../app.js';

await pim.default({ module_or_path: wasmUrl });
document.getElementById('out').textContent = JSON.stringify(run(pim));
