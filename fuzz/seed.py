#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target under fuzz/seeds/<target>/ from the scenario
files (tests/scenarios) and the golden event logs (tests/golden), and the libFuzzer dictionary
fuzz/json.dict. The seeds are minimised with `cargo fuzz cmin` into fuzz/corpus/<target>/,
which is committed with the dictionary."""
import glob, hashlib, json, os, re, struct, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")
AT = "2026-03-02T09:00:00Z"  # the fixture tenant's load time (fuzz/src/checks/fixture.rs)
GA = "62e90394-69f5-4237-9190-012177145e10"
EXO = "29232cdf-9323-42fd-ade2-1d097af3e4de"


def write(target, data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def wire_bodies(scenario):
    yield scenario.get("directory", {})
    yield {"directory": scenario.get("directory", {}), "policies": scenario.get("policies")}
    for p in scenario.get("policies") or []:
        yield p
        yield p.get("rules", [])
        yield dict(op="setPolicy", **p)
    for s in scenario["steps"]:
        if "request" in s and isinstance(s["request"], dict) and "body" in s["request"]:
            yield s["request"]["body"]
            yield dict(op="request", **s["request"])
        if "policy" in s:
            yield s["policy"]
            yield dict(op="setPolicy", **s["policy"])
        if "createReview" in s:
            yield s["createReview"]
            yield {"op": "createReview", "definition": s["createReview"]}
        if "approve" in s:
            a = dict(s["approve"])
            a["requestId"] = a.pop("request")
            yield dict(op="decide", **a)
        if "membership" in s:
            yield dict(op="changeMembership", **s["membership"])
        if "check" in s:
            yield dict(query="check", **s["check"])
        if "as" in s:
            yield {"caller": s["as"], "mfa": s.get("mfa", False), "authContext": s.get("authContext", [])}


def execute(command, caller=None, now=AT):
    call = {"op": "execute", "command": command, "now": now}
    if caller:
        call["context"] = {"caller": caller, "mfa": True}
    return json.dumps(call, separators=(",", ":"))


def abi_calls():
    """Call sequences aimed at the fixture tenant, one envelope a line."""
    activate = {"op": "request", "kind": "assignment", "body": {
        "action": "selfActivate", "principalId": "u1", "roleDefinitionId": GA,
        "justification": "fix", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT2H"}}}}
    assign = {"op": "request", "kind": "eligibility", "body": {
        "action": "adminAssign", "principalId": "u2", "roleDefinitionId": EXO,
        "directoryScopeId": "/administrativeUnits/au1", "justification": "x",
        "scheduleInfo": {"startDateTime": AT, "expiration": {"type": "afterDateTime", "endDateTime": "2026-09-01T00:00:00Z"}}}}
    check = {"op": "query", "now": AT, "query": {"query": "check", "principalId": "u1", "roleDefinitionId": GA}}
    yield "\n".join([execute(activate, "u1"), json.dumps(check), '{"op":"tick","now":"2026-03-02T12:00:00Z"}'])
    yield "\n".join([execute(assign, "admin"), '{"op":"state"}', '{"op":"version"}'])
    yield "\n".join(['{"op":"reset","projections":{"audit":false,"notifications":false}}', '{"op":"state"}'])
    yield '{"op":"query","now":"2026-03-02T09:00:00Z","query":{"query":"eligibleRoles","principalId":"u1"}}'
    yield '{"op":"query","now":"2026-03-02T09:00:00Z","query":{"query":"audit"}}'
    yield execute({"op": "changeMembership", "groupId": "g1", "remove": ["u2"], "add": ["u1"]}, "admin")
    yield execute({"op": "setPolicy", "roleDefinitionId": EXO, "rules": [
        {"id": "Approval_EndUser_Assignment", "setting": {"isApprovalRequired": True, "approvalStages": [
            {"primaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": "admin"}]}]}}]}, "admin")


EDGES = ["9999-12-31T23:59:59", "0000-01-01T00:00:00", "2026-03-02T09:00:00Z", "-05:00",
         "+14:00", ".999999999", "P1Y", "PT1H", "P30D", "PT0S", "P1W", "-P1D", "true", "false",
         "null", '":"', '","', '{"', '"}', "e-300", "1e400"]


def dictionary(scenarios):
    """Field names and short enum-like values of the scenario files, and instants and durations
    near the edges."""
    tokens = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                tokens.add(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and len(v) < 40 and re.fullmatch(r"[A-Za-z_#.:/]+", v):
            tokens.add(v)

    for s in scenarios:
        walk(s)
    quoted = ['"%s"' % t.replace("\\", "\\\\").replace('"', '\\"') for t in sorted(tokens) + EDGES]
    with open(os.path.join(ROOT, "fuzz", "json.dict"), "w", encoding="utf-8") as f:
        f.write("# libFuzzer dictionary of the JSON targets, written by fuzz/seed.py.\n")
        f.write("\n".join(quoted) + "\n")


def main():
    scenarios = sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios", "*.json")))
    for path in scenarios:
        text = open(path, encoding="utf-8").read()
        write("scenario", text)
        scenario = json.loads(text)
        for body in wire_bodies(scenario):
            write("wire", body)
        for s in scenario["steps"]:
            if "request" in s and isinstance(s["request"], dict) and "body" in s["request"]:
                write("abi_call", execute(dict(op="request", **s["request"]), s.get("as"), scenario["start"]))
    dictionary(json.loads(open(p, encoding="utf-8").read()) for p in scenarios)
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*", "*.jsonl"))):
        lines = open(path, encoding="utf-8").read().splitlines()
        for line in lines:
            write("wire", line)
        write("abi_call", json.dumps({"op": "load", "events": [json.loads(l) for l in lines[:20]]}))
    for calls in abi_calls():
        write("abi_call", calls)
    for mode in range(0, 256, 7):
        for now in (1_772_442_000, 1_773_059_400, 0, -1, 2**62):
            write("abi_check", bytes([mode]) + struct.pack("<q", now) + bytes([2, 3]) + b"u1GA/administrativeUnits/au1")
    write("abi_check", bytes([7]) + struct.pack("<q", 0) + bytes([1, 1]) + b"\xff\xfe/")


if __name__ == "__main__":
    sys.exit(main())
