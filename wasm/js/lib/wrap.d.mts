import type { ErrorCode, FailedRule } from '../pkg/bundler/pim.js';

/**
 * What every function of the package throws: Graph's error `code` (`InvalidRequest` for
 * malformed input or a wrong argument type) and, for policy validation failures, every failed
 * rule. A refusal by `execute` is a value (`decision.error`), not a `PimError`.
 */
export declare class PimError extends Error {
    constructor(code: ErrorCode, message: string, failedRules?: FailedRule[]);
    readonly name: "PimError";
    /** Graph's error code. */
    code: ErrorCode;
    /** Every failed rule (empty unless the code is `RoleAssignmentRequestPolicyValidationFailed`). */
    failedRules: FailedRule[];
}

/** Whether `value` is a `PimError` (also one thrown by another copy of the package). */
export declare function isPimError(value: unknown): value is PimError;
