// The plain-ES-module entry for browsers (and esbuild): the browser build, loaded by `init()`
// (or `initSync`), through the package's JavaScript layer (wrap.mjs).
import * as raw from '../pkg/web/pim.js';
import { wrap } from './wrap.mjs';

export { default, initSync } from '../pkg/web/pim.js';
export { PimError, isPimError } from './wrap.mjs';
export const { ActivationRules, Engine, durationSeconds, evaluateActivation, isoDuration, version } = wrap(raw);
