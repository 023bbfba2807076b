// The package's JavaScript layer over each wasm-bindgen build (pkg/*/pim.js): the same engine
// and functions, with errors as a real `PimError` class, argument types checked before they
// reach WebAssembly (a number where a string belongs would otherwise read the wrong memory), and
// refusals that always carry `failedRules`. Plain JavaScript, no Rust: it costs the browser
// build's WebAssembly nothing.

/**
 * What every function of the package throws: Graph's error `code` and, for policy validation
 * failures, every failed rule.
 */
export class PimError extends Error {
  constructor(code, message, failedRules = []) {
    super(message);
    this.name = 'PimError';
    this.code = code;
    this.failedRules = failedRules;
  }
}
Object.defineProperty(PimError.prototype, 'name', { value: 'PimError', writable: true, configurable: true });

/** Whether `value` is a `PimError` (also one thrown by another copy of the package). */
export function isPimError(value) {
  return value instanceof PimError
    || (value instanceof Error && value.name === 'PimError' && typeof value.code === 'string'
      && Array.isArray(value.failedRules));
}

/** The WebAssembly side throws plain `Error`s named `PimError`: give them the class. */
function adopt(error) {
  if (error instanceof Error && error.name === 'PimError' && !(error instanceof PimError)) {
    Object.setPrototypeOf(error, PimError.prototype);
    if (!Array.isArray(error.failedRules)) error.failedRules = [];
  }
  return error;
}

const invalid = (message) => new PimError('InvalidRequest', message);

/**
 * Argument kinds: `s` a string, `s?` an optional string (undefined or null), `f?` an optional
 * function, `o` an object, `o?` an optional object, `*` anything (checked by the engine: `now`,
 * numbers).
 */
const KINDS = {
  s: (v) => typeof v === 'string',
  's?': (v) => v == null || typeof v === 'string',
  'f?': (v) => v == null || typeof v === 'function',
  o: (v) => typeof v === 'object' && v !== null,
  'o?': (v) => v == null || typeof v === 'object',
  '*': () => true,
};
const WANTED = { s: 'a string', 's?': 'a string', 'f?': 'a function', o: 'an object', 'o?': 'an object' };

function checkArgs(name, params, spec, args) {
  for (let i = 0; i < spec.length; i++) {
    if (!KINDS[spec[i]](args[i])) {
      const got = args[i] === null ? 'null' : Array.isArray(args[i]) ? 'an array' : typeof args[i];
      throw invalid(`${name}: \`${params[i]}\` must be ${WANTED[spec[i]]} (got ${got})`);
    }
  }
}

/** A refusal always lists its failed rules (empty unless the rules failed). */
function settle(decision) {
  if (decision && decision.error && !Array.isArray(decision.error.failedRules)) {
    decision.error.failedRules = [];
  }
  return decision;
}
const settleOutcome = (outcome) => { settle(outcome && outcome.decision); return outcome; };

/** Wraps `fn` (called with `this`) with argument checks, `PimError` adoption and `after`. */
function guard(fn, name, signature, after) {
  const params = signature.map((p) => p.split(':')[0]);
  const spec = signature.map((p) => p.split(':')[1]);
  return function guarded(...args) {
    checkArgs(name, params, spec, args);
    // wasm-bindgen zeroes an object's pointer when it is freed (`free()`, `using`).
    if (this && this.__wbg_ptr === 0) throw invalid(`${name}: the engine was freed`);
    let result;
    try {
      result = fn.apply(this, args);
    } catch (e) {
      throw adopt(e);
    }
    return after ? after(result) : result;
  };
}

/** Engine methods by name: parameter names and kinds, and what to do with the result. */
const METHODS = {
  advance: [['now:*']],
  alerts: [['now:*']],
  apply: [['events:o']],
  audit: [['filter:o?', 'now:*']],
  check: [['principalId:s', 'roleDefinitionId:s', 'scope:s?', 'now:*']],
  checkDetails: [['principalId:s', 'roleDefinitionId:s', 'scope:s?', 'now:*']],
  commit: [['events:o']],
  eligibleRoles: [['principalId:s', 'now:*']],
  evaluateActivation: [['form:o', 'now:*'], settle],
  execute: [['command:o', 'context:o?', 'now:*'], settleOutcome],
  loadTenant: [['tenant:o', 'now:*']],
  notifications: [['recipient:s?']],
  pendingApprovals: [['approverId:s', 'now:*']],
  policy: [['roleDefinitionId:s', 'scopeId:s?']],
  review: [['reviewId:s', 'now:*']],
  reviews: [['now:*']],
  status: [['requestId:s', 'now:*']],
  submit: [['command:o', 'context:o?', 'now:*'], settle],
  tick: [['now:*']],
};

/** Functions by name, as `METHODS`. */
const FUNCTIONS = {
  durationSeconds: [['duration:s']],
  evaluateActivation: [['request:o', 'now:*'], settle],
  isoDuration: [['seconds:*']],
  runScenario: [['text:s']],
  runScenarioJson: [['text:s']],
  version: [[]],
};

const wrapped = new WeakMap();

/**
 * The package's API over one build's module: its `Engine` (a subclass that checks `persist`)
 * and functions, guarded. Functions a build leaves out stay out.
 */
export function wrap(raw) {
  if (wrapped.has(raw.Engine)) return wrapped.get(raw.Engine);
  const proto = raw.Engine.prototype;
  for (const [name, [signature, after]] of Object.entries(METHODS)) {
    if (typeof proto[name] === 'function') proto[name] = guard(proto[name], name, signature, after);
  }
  class Engine extends raw.Engine {
    constructor(persist) {
      checkArgs('new Engine', ['persist'], ['f?'], [persist]);
      super(persist);
    }
  }
  Object.defineProperty(Engine, 'name', { value: 'Engine' });
  if (typeof raw.Engine.fromEvents === 'function') {
    const fromEvents = guard(raw.Engine.fromEvents, 'Engine.fromEvents', ['events:o', 'persist:f?']);
    Engine.fromEvents = function (events, persist) {
      return Object.setPrototypeOf(fromEvents.call(raw.Engine, events, persist), Engine.prototype);
    };
  }
  const api = { Engine };
  for (const [name, [signature, after]] of Object.entries(FUNCTIONS)) {
    if (typeof raw[name] === 'function') api[name] = guard(raw[name], name, signature, after);
  }
  wrapped.set(raw.Engine, api);
  return api;
}
