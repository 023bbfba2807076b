// pim_guest.wasm driven by Node's own WebAssembly API: no wasm-bindgen, no npm package, only
// the contract in docs/abi.md. A gateway written in JavaScript (or any runtime with a
// WebAssembly engine) embeds the guest this way.

import { readFile } from "node:fs/promises";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** `pim_check_ms`'s answer for "active, with no end" (i64::MAX). */
const FOREVER = 9223372036854775807n;

/** An error envelope from the guest (`{"err": {code, message}}`). */
export class GuestError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = "GuestError";
    this.code = code;
  }
}

/** One guest instance: one tenant in its linear memory. Calls must not overlap. */
export class PimGuest {
  static async load(path) {
    const bytes = await readFile(path);
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new PimGuest(instance.exports);
  }

  constructor(exports) {
    for (const name of ["memory", "pim_abi_version", "pim_alloc", "pim_free", "pim_call", "pim_check_ms"]) {
      if (!(name in exports)) throw new Error(`pim_guest.wasm lacks the export ${name}`);
    }
    if (exports.pim_abi_version() !== 1) {
      throw new Error(`unknown guest ABI version ${exports.pim_abi_version()}`);
    }
    this.x = exports;
  }

  /** Copies `bytes` into a fresh guest buffer: [ptr, len]. The caller frees it. */
  #write(bytes) {
    const ptr = this.x.pim_alloc(bytes.length);
    if (ptr === 0 && bytes.length > 0) throw new Error("the guest is out of memory");
    // Read the memory's buffer after the allocation: growing it detaches old views.
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  /** One `pim_call` envelope in; its `ok` value out, or a thrown GuestError. */
  call(envelope) {
    const [ptr, len] = this.#write(encoder.encode(JSON.stringify(envelope)));
    const packed = BigInt.asUintN(64, this.x.pim_call(ptr, len));
    this.x.pim_free(ptr, len);
    const outPtr = Number(packed >> 32n);
    const outLen = Number(packed & 0xffffffffn);
    const text = decoder.decode(new Uint8Array(this.x.memory.buffer, outPtr, outLen));
    this.x.pim_free(outPtr, outLen);
    const answer = JSON.parse(text);
    if (answer.err) throw new GuestError(answer.err.code, answer.err.message);
    return answer.ok;
  }

  /** Decides `command` as `context` at `now` and applies its events: the decision. */
  submit(command, context, now) {
    const outcome = this.call({ op: "execute", command, context, now });
    if (outcome.events.length > 0) this.call({ op: "apply", events: outcome.events });
    return outcome.decision;
  }

  /** Applies what time alone causes up to `now` (expiries, time-outs). */
  tick(now) {
    const events = this.call({ op: "tick", now });
    if (events.length > 0) this.call({ op: "apply", events });
  }

  /**
   * The gateway question, without JSON, to the millisecond (`pim_check_ms`): `{active: false}`,
   * `{active: true, end: null}` or `{active: true, end: <unix milliseconds>}`. `now` is a Date.
   */
  check(principal, role, scope, now) {
    const bytes = encoder.encode(principal + role + scope);
    const [ptr, len] = this.#write(bytes);
    const p = encoder.encode(principal).length;
    const r = encoder.encode(role).length;
    const millis = BigInt(now.getTime());
    const answer = this.x.pim_check_ms(ptr, p, ptr + p, r, ptr + p + r, len - p - r, millis);
    this.x.pim_free(ptr, len);
    if (answer === -1n) throw new GuestError("InvalidRequest", "not UTF-8, or now out of range");
    if (answer === 0n) return { active: false };
    return { active: true, end: answer === FOREVER ? null : Number(answer) };
  }
}
