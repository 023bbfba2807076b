// pim_guest.wasm under Node's own WebAssembly API answers `check` as the native engine does.
// One tenant (direct and group eligibility, a role-assignable group inside an ordinary one, an active assignment at an
// administrative unit) is set up twice: as a scenario file run by the native engine
// (`pim-host scenario --engine native`), and through the raw guest from the same JSON. Every
// check step's native answer must equal `pim_check_ms`'s.
//
// Run: node --test examples/guest-node/   (PIM_HOST: a pim-host binary; PIM_GUEST: the guest,
// default target/wasm32-unknown-unknown/wasm-release/pim_guest.wasm)

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { PimGuest } from "./guest.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const EXO = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const GA = "62e90394-69f5-4237-9190-012177145e10";

const activate = (who, duration) => ({
  as: who,
  mfa: true,
  request: {
    kind: "assignment",
    body: {
      action: "selfActivate", principalId: who, roleDefinitionId: EXO, directoryScopeId: "/",
      justification: "Mail flow", scheduleInfo: { expiration: { type: "afterDuration", duration } },
    },
  },
});
const check = (principalId, roleDefinitionId, directoryScopeId = "/") => ({
  check: { principalId, roleDefinitionId, directoryScopeId },
});
const checks = [
  check("user1", EXO), check("user2", EXO), check("user3", EXO), check("user4", EXO),
  check("user4", EXO, "/administrativeUnits/au1"), check("admin", GA), check("admin", EXO),
  check("exo-admins", EXO), check("nobody", EXO),
];

const scenario = {
  name: "guest under Node's WebAssembly: check as the native engine answers it",
  start: "2026-03-02T09:00:00Z",
  directory: {
    users: ["admin", "user1", "user2", "user3", "user4"].map((id) => ({ id })),
    groups: [
      { id: "exo-admins", members: ["user1", "user2"], isRoleAssignable: true },
      { id: "tier2", members: ["user3", "exo-admins"] },
    ],
    roleDefinitions: [{ id: EXO, displayName: "Exchange Administrator" }],
    assignments: [
      { type: "active", principalId: "admin", roleDefinitionId: GA, directoryScopeId: "/" },
      { type: "eligible", principalId: "exo-admins", roleDefinitionId: EXO, directoryScopeId: "/" },
      { type: "eligible", principalId: "user3", roleDefinitionId: EXO, directoryScopeId: "/" },
      {
        type: "active", principalId: "user4", roleDefinitionId: EXO,
        directoryScopeId: "/administrativeUnits/au1",
      },
    ],
  },
  steps: [
    ...checks,
    activate("user1", "PT2H"), activate("user2", "PT1H"), activate("user3", "PT8H"),
    ...checks,
    { advance: "PT1H" }, ...checks,
    { advance: "PT1H" }, ...checks,
    { advance: "PT6H" }, ...checks,
  ],
};

function pimHost() {
  if (process.env.PIM_HOST) return process.env.PIM_HOST;
  const built = join(root, "target/debug/pim-host");
  if (!existsSync(built)) throw new Error("set PIM_HOST, or build pim-host (cargo build -p pim-host)");
  return built;
}

function nativeReport() {
  const file = join(mkdtempSync(join(tmpdir(), "pim-guest-node-")), "scenario.json");
  writeFileSync(file, JSON.stringify(scenario));
  const out = execFileSync(pimHost(), ["scenario", "--engine", "native", "--json", file], {
    encoding: "utf8",
  });
  const report = JSON.parse(out);
  return Array.isArray(report) ? report[0] : report;
}

/** Runs the scenario's steps through the raw guest: the answer of each check step, in order. */
function guestAnswers(guest) {
  let now = new Date(scenario.start);
  guest.submit({ op: "importDirectory", directory: scenario.directory }, undefined, now.toISOString());
  const answers = [];
  for (const step of scenario.steps) {
    if (step.check) {
      const { principalId, roleDefinitionId, directoryScopeId } = step.check;
      answers.push(guest.check(principalId, roleDefinitionId, directoryScopeId, now));
    } else if (step.request) {
      const command = { op: "request", kind: step.request.kind, body: step.request.body };
      const decision = guest.submit(command, { caller: step.as, mfa: step.mfa }, now.toISOString());
      assert.equal(decision.error ?? null, null, JSON.stringify(decision));
    } else if (step.advance) {
      now = new Date(now.getTime() + Number(step.advance.match(/^PT(\d+)H$/)[1]) * 3600_000);
      guest.tick(now.toISOString());
    }
  }
  return answers;
}

test("pim_guest.wasm under Node's WebAssembly answers every check as the native engine", async () => {
  const path = process.env.PIM_GUEST ?? join(root, "target/wasm32-unknown-unknown/wasm-release/pim_guest.wasm");
  const guest = await PimGuest.load(path);
  const native = nativeReport();
  assert.equal(native.failed, 0, JSON.stringify(native));
  const expected = native.steps
    .filter((s) => s.verb === "check")
    .map(({ actual }) => (actual.active
      ? { active: true, end: actual.endDateTime ? Date.parse(actual.endDateTime) : null }
      : { active: false }));
  const answers = guestAnswers(guest);
  assert.equal(answers.length, checks.length * 5);
  assert.deepEqual(answers, expected);
  // The tenant is not trivial: some checks are active, some not, some end, some never do.
  assert.ok(answers.some((a) => a.active && a.end !== null));
  assert.ok(answers.some((a) => a.active && a.end === null));
  assert.ok(answers.some((a) => !a.active));
});

test("the guest refuses a malformed call with an error envelope, not a trap", async () => {
  const path = process.env.PIM_GUEST ?? join(root, "target/wasm32-unknown-unknown/wasm-release/pim_guest.wasm");
  const guest = await PimGuest.load(path);
  assert.throws(() => guest.call({ op: "noSuchOp" }), { name: "GuestError", code: "InvalidRequest" });
  assert.deepEqual(guest.call({ op: "state" }).events, 0);
  assert.deepEqual(guest.check("p", "r", "/", new Date("2026-03-02T09:00:00Z")), { active: false });
});
