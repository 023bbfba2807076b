// The bundler entry: the browser build's types (no event replay, scenario runner or
// governance queries), with the package's `PimError` class.
export * from '../pkg/bundler/pim.js';
export { PimError, isPimError } from './wrap.mjs';
