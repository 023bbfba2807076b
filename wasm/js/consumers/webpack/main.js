import * as pim from '@pim-engine/pim';
import { run } from '../app.js';

document.getElementById('out').textContent = JSON.stringify(run(pim));
