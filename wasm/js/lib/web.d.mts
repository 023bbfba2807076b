// The plain-ES-module browser entry: `init()` (or `initSync`) first, then the browser build's
// API, with the package's `PimError` class.
export * from '../pkg/web/pim.js';
export { default } from '../pkg/web/pim.js';
export { PimError, isPimError } from './wrap.mjs';
