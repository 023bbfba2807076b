// The bundler entry (webpack, Vite with vite-plugin-wasm, Rollup...): the browser build, whose
// module imports its `.wasm`, through the package's JavaScript layer (wrap.mjs).
import * as raw from '../pkg/bundler/pim.js';
import { wrap } from './wrap.mjs';

export { PimError, isPimError } from './wrap.mjs';
export const { ActivationRules, Engine, durationSeconds, evaluateActivation, isoDuration, version } = wrap(raw);
