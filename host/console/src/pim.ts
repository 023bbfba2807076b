// The npm package's browser build, loaded once: the same pim-core the server runs, so a form
// is judged by the very rules the server will apply before the request is sent.

import init, { evaluateActivation, isPimError, isoDuration, version } from '@pim';
import type { ActivationDecision, PolicyRule } from '@pim';

let ready: Promise<unknown> | null = null;

/** Loads the WebAssembly module (served beside the console's script). */
export function load(): Promise<unknown> {
  ready ??= init({ module_or_path: '/console/pim_bg.wasm' });
  return ready;
}

export { isoDuration, version };

/** What the engine says about an activation form. */
export type Verdict =
  | { kind: 'decision'; decision: ActivationDecision }
  | { kind: 'invalid'; code: string; message: string };

/** `evaluateActivation` with errors as values: a malformed form or settings is `invalid`. */
export function evaluate(request: {
  rules: PolicyRule[];
  eligibility: { startDateTime: string; endDateTime?: string | null };
  input: unknown;
  caller: string;
  mfa: boolean;
}): Verdict {
  try {
    const decision = evaluateActivation({
      rules: request.rules,
      eligibility: { startDateTime: request.eligibility.startDateTime, endDateTime: request.eligibility.endDateTime ?? undefined },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      input: request.input as any,
      context: { caller: request.caller, mfa: request.mfa },
    });
    return { kind: 'decision', decision };
  } catch (e) {
    if (isPimError(e)) return { kind: 'invalid', code: e.code, message: e.message };
    return { kind: 'invalid', code: 'InvalidRequest', message: String(e) };
  }
}

/**
 * Whether role settings (every rule, as the form has them) are ones the server accepts: the
 * package builds the policy from them exactly as a rule PATCH does, and says why not.
 */
export function checkSettings(rules: PolicyRule[]): string | null {
  const verdict = evaluate({
    rules,
    eligibility: { startDateTime: new Date().toISOString() },
    input: {},
    caller: 'settings-check',
    mfa: true,
  });
  return verdict.kind === 'invalid' ? verdict.message : null;
}

/** The sentence each failed rule stands for. */
export const RULE_MESSAGES: Record<string, string> = {
  MfaRule: 'Multi-factor authentication is required to activate this role.',
  JustificationRule: 'A reason is required.',
  TicketingRule: 'Ticket information is required.',
  ExpirationRule: 'The duration exceeds the maximum for this role.',
  'pim.justificationRule': 'The reason or ticket does not meet this role’s standard.',
  'pim.rateLimitRule': 'Too many activations of this role lately: wait, then try again.',
  'pim.separationOfDutiesRule': 'You hold a role that may not be active at the same time as this one.',
  'pim.activationWindowRule': 'This role can be activated only in its activation windows.',
};
