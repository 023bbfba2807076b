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
function guard(fn, name, signature, after, what = 'engine') {
  const params = signature.map((p) => p.split(':')[0]);
  const spec = signature.map((p) => p.split(':')[1]);
  return function guarded(...args) {
    checkArgs(name, params, spec, args);
    // wasm-bindgen zeroes an object's pointer when it is freed (`free()`, `using`).
    if (this && this.__wbg_ptr === 0) throw invalid(`${name}: the ${what} was freed`);
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
  activationRules: [['roleDefinitionId:s', 'scopeId:s?']],
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

/**
 * How many principal, role and scope strings `check` keeps numbers for before it starts again
 * (src/bindgen/interned.rs holds the strings on the WebAssembly side).
 */
const INTERN_LIMIT = 10_000;

/**
 * `Engine.check` without re-encoding its strings: each string gets a number once (`internId`)
 * and `checkInterned` takes three numbers and `now` as epoch milliseconds. Anything else (a
 * `now` given as text, a wrong argument, a freed engine, an answer `checkInterned` leaves open)
 * goes to `slow`, the guarded plain `check`, whose answer or error is the canonical one.
 */
function internedCheck(raw, slow) {
  const ids = new Map();
  const id = (text) => {
    let n = ids.get(text);
    if (n === undefined) {
      n = raw.internId(text);
      ids.set(text, n);
    }
    return n;
  };
  return function check(principalId, roleDefinitionId, scope, now) {
    if (typeof principalId === 'string' && typeof roleDefinitionId === 'string'
      && (scope == null || typeof scope === 'string') && this && this.__wbg_ptr) {
      const ms = typeof now === 'number' ? now
        : now == null ? Date.now()
          : now instanceof Date ? now.getTime() : undefined;
      if (ms !== undefined) {
        if (ids.size > INTERN_LIMIT - 3) {
          ids.clear();
          raw.internReset();
        }
        const answer = this.checkInterned(id(principalId), id(roleDefinitionId), id(scope ?? '/'), ms);
        if (answer !== 2) return answer === 1;
      }
    }
    return slow.call(this, principalId, roleDefinitionId, scope, now);
  };
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A plain object (not an array, a class instance, a `Map`...). */
function plain(value) {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Calls `each(key, value)` for every own enumerable key of a plain object; false (at once) when
 * `value` is not one, a key is inherited, or `each` returns false.
 */
function fields(value, each) {
  if (!plain(value)) return false;
  for (const key in value) {
    if (!hasOwn.call(value, key) || !each(key, value[key])) return false;
  }
  return true;
}

/**
 * An optional text field: a string, or `null` or `undefined` (as if absent: the plain path reads
 * `undefined` as `null`).
 */
const text = (v) => v == null || typeof v === 'string';

/**
 * The arguments of `ActivationRules.evaluateParts` for a form of the common shape (plain objects
 * holding the fields `evaluate` reads, each a string, a boolean, or `null` or `undefined` where
 * the wire type is optional; Graph's `@odata.type`, accepted and ignored), or `undefined` for
 * any other form (then `evaluate` reads it, and answers or throws as the wire types say).
 * `authContext`, `recentActivations`, `heldRoles` and `recurrence` always take that way.
 */
function formParts(form, now) {
  let eligibility, input, context;
  let start, end = null, flags = 0, schedStart = null, type = null, endAt = null, duration = null;
  let justification = null, number = null, system = null, caller = null, mfa = false;
  const ok = fields(form, (k, v) => {
    if (k === 'eligibility') eligibility = v;
    else if (k === 'input') input = v;
    // The plain path reads a `context` given as `undefined` as `null`, and refuses it.
    else if (k === 'context') { context = v; return v !== undefined; }
    else return false;
    return true;
  })
    && fields(eligibility, (k, v) => {
      if (k === 'startDateTime') { start = v; return typeof v === 'string'; }
      if (k === 'endDateTime') { end = v ?? null; return text(v); }
      return false;
    })
    && typeof start === 'string'
    && fields(input, (k, v) => {
      if (k === 'justification') { justification = v ?? null; return text(v); }
      if (k === 'scheduleInfo') {
        if (v == null) return true;
        flags |= 1;
        return fields(v, (k2, v2) => {
          if (k2 === 'startDateTime') { schedStart = v2 ?? null; return text(v2); }
          if (k2 === '@odata.type') return text(v2);
          if (k2 !== 'expiration') return false;
          if (v2 == null) return true;
          flags |= 2;
          return fields(v2, (k3, v3) => {
            if (k3 === 'type') type = v3 ?? null;
            else if (k3 === 'endDateTime') endAt = v3 ?? null;
            else if (k3 === 'duration') duration = v3 ?? null;
            else if (k3 !== '@odata.type') return false;
            return text(v3);
          });
        });
      }
      if (k === 'ticketInfo') {
        if (v == null) return true;
        flags |= 4;
        return fields(v, (k2, v2) => {
          if (k2 === 'ticketNumber') number = v2 ?? null;
          else if (k2 === 'ticketSystem') system = v2 ?? null;
          else if (k2 !== '@odata.type') return false;
          return text(v2);
        });
      }
      return false;
    })
    && (context === undefined || fields(context, (k, v) => {
      if (k === 'caller') { caller = v ?? null; return text(v); }
      if (k === 'mfa') { mfa = v; return typeof v === 'boolean'; }
      return false;
    }));
  if (!ok) return undefined;
  let ms = 0, nowText = null;
  if (typeof now === 'number') ms = now;
  else if (now == null) ms = Date.now();
  else if (now instanceof Date) ms = now.getTime();
  else if (typeof now === 'string') nowText = now;
  else return undefined;
  return [start, end, flags, schedStart, type, endAt, duration, justification, number, system,
    caller, mfa, ms, nowText];
}

/** The unit separator between the fields of `evaluateParts`' answer. */
const SEPARATOR = '\u001f';
const list = (text) => (text === '' ? [] : text.split(','));

/**
 * The decision `evaluateParts` answers in compact form (src/bindgen/activation_rules.rs,
 * `compact`), as the object its JSON would give: the same fields, absent where JSON leaves them
 * out, in the same order.
 */
function decisionFrom(text) {
  const f = text.split(SEPARATOR, 12);
  const decision = {};
  if (f[0] !== '') decision.status = f[0];
  if (f[10] !== '') {
    const error = { code: f[10] };
    if (f[11] !== '') error.failedRules = list(f[11]);
    // The message is everything after the twelfth separator (it may hold one itself).
    let at = -1;
    for (let i = 0; i < 12; i++) at = text.indexOf(SEPARATOR, at + 1);
    error.message = text.slice(at + 1);
    decision.error = error;
  }
  decision.failedRules = list(f[1]);
  decision.missingAuthContext = f[2] === '1';
  decision.requiresApproval = f[3] === '1';
  decision.breakGlass = f[4] === '1';
  decision.outsideActivationWindow = f[5] === '1';
  decision.startDateTime = f[7];
  decision.endDateTime = f[8];
  decision.cappedAtEligibilityEnd = f[6] === '1';
  decision.maximumDuration = f[9];
  return decision;
}

/**
 * `ActivationRules.evaluate`: the common form shape through `evaluateParts` (its fields as plain
 * arguments), anything else and anything it leaves open through `slow`, the guarded `evaluate`.
 */
function partsEvaluate(slow) {
  return function evaluate(form, now) {
    if (this && this.__wbg_ptr) {
      const args = formParts(form, now);
      const answer = args && this.evaluateParts(...args);
      if (answer !== undefined) return settle(decisionFrom(answer));
    }
    return slow.call(this, form, now);
  };
}

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
  if (typeof proto.checkInterned === 'function') proto.check = internedCheck(raw, proto.check);
  const rules = raw.ActivationRules.prototype;
  rules.evaluate = partsEvaluate(guard(rules.evaluate, 'evaluate', ['form:o', 'now:*'], settle, 'rules object'));
  class ActivationRules extends raw.ActivationRules {
    constructor(rules, scopeType) {
      checkArgs('new ActivationRules', ['rules', 'scopeType'], ['o?', 's?'], [rules, scopeType]);
      try {
        super(rules, scopeType);
      } catch (e) {
        throw adopt(e);
      }
    }
  }
  Object.defineProperty(ActivationRules, 'name', { value: 'ActivationRules' });
  const activationRules = proto.activationRules;
  proto.activationRules = function (roleDefinitionId, scopeId) {
    return Object.setPrototypeOf(activationRules.call(this, roleDefinitionId, scopeId), ActivationRules.prototype);
  };
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
  const api = { Engine, ActivationRules };
  for (const [name, [signature, after]] of Object.entries(FUNCTIONS)) {
    if (typeof raw[name] === 'function') api[name] = guard(raw[name], name, signature, after);
  }
  wrapped.set(raw.Engine, api);
  return api;
}
