"""The README's example transcripts are real: each is produced again here and must appear verbatim."""

import pathlib

import pytest

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text()

CASES = [  # (fixture, namespace, command)
    ("demo", "default", ""),
    ("demo", "default", "pod/influxdb"),
    ("demo", "default", "audit"),
    ("realworld.yaml", "shop", "deploy/api -n shop"),
    ("realworld.yaml", "shop", "pod/lonely -n shop"),
    ("gateway.yaml", "shop", "svc/web -n shop"),
    ("gateway.yaml", "shop", "tlsroute/secure -n shop"),
    ("gateway.yaml", "shop", "httproute/web-legacy -n shop"),
]


@pytest.mark.parametrize("fixture, namespace, command", CASES, ids=[c[2] or "(listing)" for c in CASES])
def test_readme_transcript(api_factory, fixture, namespace, command):
    if fixture == "demo":
        from kubectl_expose_ext.demo import demo_cluster

        api = api_factory(cluster=demo_cluster(), namespace=namespace)
    else:
        api = api_factory(fixture, namespace=namespace)
        if fixture == "realworld.yaml":
            api.cluster.absent_groups.add("route.openshift.io")
    out = api.reach(*command.split())
    transcript = f"$ kubectl reach {command}".rstrip() + "\n" + out.out + out.err
    assert transcript in README, f"README is stale for `kubectl reach {command}`; it prints:\n{transcript}"
