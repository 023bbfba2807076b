// The Node entry: the Node build's types (every feature), with the package's `PimError` class.
export * from '../pkg/nodejs/pim.js';
export { PimError, isPimError } from './wrap.mjs';
