// Rewrites each build's generated pim.d.ts (pkg/*/pim.d.ts) for TypeScript users; wasm/build.sh
// runs it after wasm-bindgen. Types only: the JavaScript and WebAssembly are untouched.
// - `[Symbol.dispose]` type-checks under any `lib` (es2022 has no `Symbol.dispose`: TS2550):
//   `SymbolConstructor.dispose` is declared as TypeScript's own esnext.disposable lib does, so
//   the two merge.
// - `Decision` and `ActivationDecision` become unions a compiler narrows: allowed, pending
//   (approval) or refused, a refusal always with `failedRules` (lib/wrap.mjs fills them in).
// Run: node tools/dts.mjs pkg/nodejs/pim.d.ts ...
import { readFileSync, writeFileSync } from 'node:fs';

const DISPOSE = `
declare global {
    interface SymbolConstructor {
        /** ES2026 explicit resource management: what \`using\` calls (\`Engine\` frees itself). */
        readonly dispose: unique symbol;
    }
}
`;

const DECISION = `
/** Statuses of a request that waits for someone's answer. */
export type PendingStatus = "PendingApproval" | "PendingAdminDecision";

/** A refusal: Graph's code, every failed rule (empty unless the policy rules failed), a message. */
export interface Refusal extends DecisionError {
    failedRules: FailedRule[];
}

/** A command the engine allowed (and, for \`submit\`, carried out). */
export interface AllowedDecision extends Omit<DecisionRecord, "status" | "error"> {
    status?: Exclude<Status, PendingStatus>;
    error?: undefined;
}

/** A request the engine accepted that now waits for an approver. */
export interface PendingDecision extends Omit<DecisionRecord, "status" | "error"> {
    status: PendingStatus;
    error?: undefined;
}

/** A command the rules refused: no status, no window, the refusal. */
export interface RefusedDecision extends Omit<DecisionRecord, "status" | "error"> {
    status?: undefined;
    error: Refusal;
}

/** What the engine decided about a command. Narrow on \`error\` (refused), then \`status\`. */
export type Decision = AllowedDecision | PendingDecision | RefusedDecision;
`;

const ACTIVATION = `
/** An activation form that passes every rule: \`Provisioned\`, or \`Granted\` for a future start. */
export interface AllowedActivation extends Omit<ActivationDecisionRecord, "status" | "error"> {
    status: "Provisioned" | "Granted";
    error?: undefined;
    requiresApproval: false;
}

/** An activation form that passes every rule and needs approval. */
export interface PendingActivation extends Omit<ActivationDecisionRecord, "status" | "error"> {
    status: "PendingApproval";
    error?: undefined;
    requiresApproval: true;
}

/** An activation form the rules refuse. */
export interface RefusedActivation extends Omit<ActivationDecisionRecord, "status" | "error"> {
    status?: undefined;
    error: Refusal;
}

/** The verdict on an activation form. Narrow on \`error\` (refused), then \`status\`. */
export type ActivationDecision = AllowedActivation | PendingActivation | RefusedActivation;
`;

/** Replaces `from` (which must occur exactly once) in `text`. */
function once(text, from, to, file) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${file}: expected one \`${from.trim()}\``);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

for (const file of process.argv.slice(2)) {
  let text = readFileSync(file, 'utf8');
  if (text.includes('interface DecisionRecord')) continue; // already rewritten
  text = once(text, '/* eslint-disable */\n', `/* eslint-disable */\n${DISPOSE}`, file);
  text = once(text, '\nexport interface Decision {', `${DECISION}\n/** The fields of every \`Decision\`. */\nexport interface DecisionRecord {`, file);
  text = once(text, '\nexport interface ActivationDecision {', `${ACTIVATION}\n/** The fields of every \`ActivationDecision\`. */\nexport interface ActivationDecisionRecord {`, file);
  writeFileSync(file, text);
}
