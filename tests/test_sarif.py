"""`audit -o sarif`: a SARIF 2.1.0 log that validates against the official JSON schema (`sarif-2.1.0-rtm.5.json`, as
the npm package @microsoft/jest-sarif ships it: fetched once with `npm pack` into ~/.cache/kubectl-reach-tests (realcluster/cache.py), never
committed), one rule per audit check, one result per finding, and fix commands that run."""

import json
import pathlib
import shutil
import subprocess
import tarfile

import pytest

from kubectl_expose_ext.audit import CHECKS
from kubectl_expose_ext.sarif import FIXES, LEVELS, SECURITY_SEVERITY, document, fix_command
from realcluster.cache import machine_cache
from support import needs, requires_kubectl, run_installed

PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
CACHE = machine_cache("sarif-schema")


@pytest.fixture(scope="module")
def validator():
    """The official SARIF 2.1.0 schema (draft-04), from the npm registry once, then from the cache."""
    import jsonschema  # the test extra's

    schema_file = CACHE / "sarif-2.1.0-rtm.5.json"
    if not schema_file.exists():
        needs(shutil.which("npm") is not None, "no npm to fetch the SARIF schema with")
        CACHE.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(CACHE), "--silent"],
                                capture_output=True, text=True, timeout=300, cwd=CACHE)
        needs(packed.returncode == 0, f"npm pack {PACKAGE} failed: {packed.stderr.strip()[-500:]}")
        with tarfile.open(CACHE / packed.stdout.strip().splitlines()[-1]) as archive:
            schema_file.write_bytes(archive.extractfile(MEMBER).read())
    schema = json.loads(schema_file.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(validator, log) -> list:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def audit(demo_api, *args):
    done = run_installed(["kubectl-reach", "audit", *args], demo_api.env())
    return done.returncode, done.stdout, done.stderr


def test_the_demo_audit_validates_and_holds_every_finding(demo_api, validator):
    code, out, err = audit(demo_api, "-o", "sarif")
    assert (code, err) == (0, "")
    log = json.loads(out)
    assert errors(validator, log) == []
    broken = json.loads(out)
    broken["runs"][0]["results"][0]["level"] = "critical"  # the validator does reject what the schema forbids
    assert errors(validator, broken)

    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CHECKS]  # one rule per check, in the table's order
    for rule, check in zip(rules, CHECKS):
        assert rule["shortDescription"]["text"] == check.summary
        assert rule["defaultConfiguration"]["level"] == LEVELS[check.severity]
        assert rule["properties"]["security-severity"] == SECURITY_SEVERITY[check.severity]
        assert rule["help"]["text"].endswith(fix_command(check.id)) and "```sh" in rule["help"]["markdown"]

    findings = [(i["target"]["kind"], i["target"]["name"], f["check"], f["message"])
                for i in json.loads(audit(demo_api, "-o", "json")[1])["items"] for f in i["findings"]]
    results = [(r["properties"]["target"]["kind"], r["properties"]["target"]["name"], r["ruleId"],
                r["message"]["text"].split(": ", 1)[1].split(". Fix: ")[0]) for r in run["results"]]
    assert results == findings  # one result per finding, riskiest first
    first = run["results"][0]
    assert first["locations"] == [{"logicalLocations": [{"name": "influxdb-lb", "fullyQualifiedName":
                                                         "default/Service/influxdb-lb", "kind": "resource"}]}]
    assert first["message"]["text"] == ("svc/influxdb-lb: load balancer open to the internet (no "
                                        "loadBalancerSourceRanges). Fix: kubectl reach convert svc/influxdb-lb --to "
                                        "loadbalancer --source-range CIDR -n default --dry-run")
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "open-lb"
    assert len({r["partialFingerprints"]["kubectlReachFinding/v1"] for r in run["results"]}) == len(findings)
    assert run["automationDetails"]["id"] == "kubectl-reach/audit/fake/namespace/default"
    assert run["properties"]["summary"] == {"exposed": 10, "public": 10, "internal": 0, "high": 2, "medium": 4,
                                            "low": 0}


def test_fail_on_gates_a_sarif_run_too(demo_api):
    code, out, _ = audit(demo_api, "-o", "sarif", "--fail-on", "high")
    assert code == 4 and json.loads(out)["version"] == "2.1.0"


def test_several_contexts_are_several_runs_and_a_failure_is_a_failed_invocation(validator):
    from kubectl_expose_ext.audit import Assessment, Finding
    from kubectl_expose_ext.endpoints import Endpoint, Found
    from kubectl_expose_ext.reach import Reach

    answer = Reach("Ingress", "shop", "web", Found(endpoints=[Endpoint("Ingress", "http", "web.example.com", 80,
                                                                      path="/", service="web")]))
    assessed = [Assessment(answer, [Finding("medium", "plain-http", "web.example.com served over plain http")])]
    log = document([("prod", assessed), ("staging", "the server refused the connection")], "all-namespaces")
    assert errors(validator, log) == []
    prod, staging = log["runs"]
    assert prod["results"][0]["properties"]["fix"] == (
        "kubectl reach convert svc/web --to ingress --host web.example.com --tls-secret SECRET -n shop --dry-run")
    assert staging["invocations"] == [{"executionSuccessful": False, "toolExecutionNotifications": [
        {"level": "error", "message": {"text": "the server refused the connection"}}]}]


def test_every_check_has_a_fix():
    assert set(FIXES) == {c.id for c in CHECKS}
    for check in CHECKS:
        command = fix_command(check.id)
        assert command.startswith(("kubectl reach ", "kubectl patch ")), command
        assert "{" not in command.replace('{"spec":{"externalIPs":null,"externalTrafficPolicy":null}}', ""), command


def test_the_fix_commands_run_and_change_nothing(demo_api):
    """Each filled-in fix previews its change (dry run only) on the demo; one with a WORKLOAD placeholder is a valid
    command line, refused only because that workload does not exist."""
    log = json.loads(audit(demo_api, "-o", "sarif")[1])
    commands = {r["ruleId"]: r["properties"]["fix"] for r in log["runs"][0]["results"]}
    before = {name: demo_api.get("Service", name) for name in ("influxdb", "influxdb-lb", "influxdb-ext")}
    for check, command in sorted(commands.items()):
        filled = command.replace("CIDR", "203.0.113.0/24").replace("WORKLOAD", "deploy/absent").split()
        if filled[1] == "patch":
            continue  # kubectl itself: below
        done = run_installed(["kubectl-reach", *filled[2:]], demo_api.env())
        if "deploy/absent" in filled:
            assert done.stderr.startswith('error: deployments.apps "absent" not found'), (check, done.stderr)
        else:
            assert done.returncode == 0 and "Dry run: nothing was changed" in done.stderr, (check, done.stderr)
    assert {name: demo_api.get("Service", name) for name in before} == before
    assert all(r.dry_run for r in demo_api.log() if r.mutating)


@requires_kubectl
@pytest.mark.both_backends
def test_the_external_ips_fix_is_a_server_side_dry_run(demo_api):
    import shlex

    log = json.loads(audit(demo_api, "-o", "sarif")[1])
    command = next(r["properties"]["fix"] for r in log["runs"][0]["results"] if r["ruleId"] == "external-ips")
    assert command.startswith("kubectl patch service influxdb-ext -n default --type merge")
    done = subprocess.run(shlex.split(command), env=demo_api.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # the API server accepts the change...
    assert demo_api.get("Service", "influxdb-ext")["spec"]["externalIPs"] == ["203.0.113.50"]  # ...and keeps nothing


def test_the_documented_result_is_the_demos(demo_api):
    log = json.loads(audit(demo_api, "-o", "sarif")[1])
    page = (pathlib.Path(__file__).parent.parent / "docs" / "integrations.md").read_text()
    assert json.dumps(log["runs"][0]["results"][0], indent=2) in page, "docs/integrations.md's SARIF result is stale"
