// The Node entry (`import` and, on Node 20.19 and later, `require`): the Node build (every
// feature, loads synchronously) through the package's JavaScript layer (wrap.mjs).
import raw from '../pkg/nodejs/pim.js';
import { wrap } from './wrap.mjs';

export { PimError, isPimError } from './wrap.mjs';
export const {
  ActivationRules, Engine, durationSeconds, evaluateActivation, isoDuration, version, runScenario,
  runScenarioJson,
} = wrap(raw);
