"""`audit -o html`: one self-contained page, rendered in headless Chromium (Debian's `chromium`) inside a network
namespace with only `lo` (tests/headless_run.py): a screenshot taken, the page's text checked, a PDF printed, and no
request leaves the page, even when the cluster's text tries to make one; the Content-Security-Policy is shown to be
what stops a fetch that got into the page anyway, and the harness to catch one that is not stopped."""

import json
import pathlib
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from kubectl_expose_ext.audit import Assessment, Finding
from kubectl_expose_ext.endpoints import Endpoint, Found
from kubectl_expose_ext.reach import Reach
from kubectl_expose_ext.report import CSP, render
from support import needs, run_installed

HERE = pathlib.Path(__file__).parent


def demo_report(demo_api) -> str:
    done = run_installed(["kubectl-reach", "audit", "-o", "html"], demo_api.env())
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def test_self_contained_by_construction(demo_api):
    page = demo_report(demo_api)
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "default-src 'none'" in CSP and "script" not in CSP  # no fetch of any kind, no script at all
    parsed = Tags()
    parsed.feed(page)
    assert not {"script", "link", "img", "iframe", "object", "embed", "form", "base", "a", "image", "use"} & set(parsed.tags)
    assert [a for a in parsed.attributes if "://" in a[2] or a[1] in ("src", "href", "srcset", "xlink:href", "action",
                                                                       "background", "poster", "data")] == []
    assert "url(" not in page and "@import" not in page
    assert "<svg" in page and page.count("<svg") == 1  # the graph is inline


def hostile_report() -> str:
    """What a hostile cluster could put in the report's text: markup, a bait URL, bidi controls."""
    bait = "http://127.0.0.1:{port}/leak"
    evil = Endpoint("Ingress", "https", f'x.example.com"><img src="{bait}"><style>@import url({bait})</style>', 443,
                    path="/", service="web")
    answer = Reach("Ingress", "shop", "web", Found(endpoints=[evil], warnings=[f"<script>fetch('{bait}')</script>"
                                                                              "\u202eevil"]))
    return render([(None, [Assessment(answer, [Finding("medium", "plain-http", f'<img src="{bait}">')])])],
                  "namespace/shop", generated="2026-01-01 00:00 UTC")


def visit(page: str, tmp_path, name: str, bait_port=None) -> dict:
    """The page opened in headless Chromium in a network namespace with only lo (tests/headless_run.py)."""
    needs(shutil.which("chromium") is not None, "no chromium (Debian's package; .ci/run installs it)")
    needs(shutil.which("unshare") is not None and shutil.which("ip") is not None, "needs unshare and ip")
    path = tmp_path / f"{name}.html"
    path.write_text(page)
    request = {"page": str(path), "screenshot": str(tmp_path / f"{name}.png"), "pdf": str(tmp_path / f"{name}.pdf"),
               "profile": str(tmp_path / f"profile-{name}"), "bait_port": bait_port}
    command = ["unshare", "-rn", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{HERE / "headless_run.py"}"']
    done = subprocess.run(command, input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_demo_report_in_chromium(demo_api, tmp_path):
    seen = visit(demo_report(demo_api), tmp_path, "demo", bait_port=free_port())
    assert seen["requests"] == [f"file://{tmp_path}/demo.html"]  # the page itself, and nothing else
    assert seen["bait_hits"] == [] and seen["blocked"] == []
    text = seen["text"]
    for expected in ("Exposure audit", "10\nexposed objects", "2\nhigh", "4\nmedium", "From the internet to the pods",
                     "internet", "LoadBalancer 198.51.100.20:8086", "pods of svc/influxdb-lb", "ingress/influxdb",
                     "publichttp://198.51.100.20:8086 LoadBalancer",
                     "highopen-lb: load balancer open to the internet (no loadBalancerSourceRanges)",
                     "fix: kubectl reach convert svc/influxdb-lb --to loadbalancer --source-range CIDR -n default "
                     "--dry-run"):
        assert expected in text, expected
    assert text.index("svc/influxdb-lb namespace default") < text.index("ingress/influxdb namespace default")
    screenshot = (tmp_path / "demo.png").read_bytes()
    assert screenshot[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(screenshot[16:20], "big"), int.from_bytes(screenshot[20:24], "big")
    assert width == 1400 and height > 1000  # the whole page: the graph and every card
    assert seen["pages"] >= 1 and (tmp_path / "demo.pdf").read_bytes()[:5] == b"%PDF-"  # printable
    keep = pathlib.Path.home() / ".cache" / "kubectl-reach" / "report-screenshot.png"  # to look at after a run
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_bytes(screenshot)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_hostile_text_stays_text_and_fetches_nothing(tmp_path):
    port = free_port()
    page = hostile_report().replace("{port}", str(port))
    assert "<img" not in page and "<script>" not in page and "&lt;img src=&quot;http://127.0.0.1" in page
    assert "\u202e" not in page and "\\u202eevil" in page  # the bidi override shown, not obeyed
    seen = visit(page, tmp_path, "hostile", bait_port=port)
    assert seen["bait_hits"] == [] and seen["requests"] == [f"file://{tmp_path}/hostile.html"]
    assert f'<img src="http://127.0.0.1:{port}/leak">' in seen["text"]  # shown as text


def test_the_policy_is_what_stops_a_fetch_and_the_harness_sees_one(tmp_path):
    """An image that got into the page anyway: the CSP blocks it; without the CSP the bait listener sees it."""
    port = free_port()
    injected = render([(None, [])], "namespace/x", generated="now").replace(
        "<h1>", f'<img src="http://127.0.0.1:{port}/injected" alt=""><h1>')
    blocked = visit(injected, tmp_path, "with-csp", bait_port=port)
    assert blocked["bait_hits"] == []
    assert any(re.search(r"csp|content-security", str(reason), re.I) for reason in blocked["blocked"]), blocked
    without = visit(injected.replace(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">', ""), tmp_path,
                    "without-csp", bait_port=port)
    assert [hit for hit in without["bait_hits"] if "/injected" in hit], without


@pytest.mark.parametrize("contexts", [1, 2])
def test_several_contexts_are_sections(contexts):
    answer = Reach("Service", "default", "web", Found(endpoints=[Endpoint("NodePort", "http", "10.0.0.5", 30080)]))
    runs = [(f"ctx-{i}", [Assessment(answer, [])]) for i in range(contexts)] + [("broken", "the server refused")]
    page = render(runs, "all-namespaces", generated="now")
    assert page.count("<h2>context ") == contexts + 1
    assert 'class="badge internal">internal</span><code>http://10.0.0.5:30080</code>' in page
    assert "error: the server refused" in page
