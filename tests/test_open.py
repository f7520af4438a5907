"""--open: the best URL in the browser ($BROWSER: a script that records it), and where there is no display, not."""

import types

from kubectl_expose_ext.commands.show import best_url
from kubectl_expose_ext.endpoints import Endpoint, Found
from kubectl_expose_ext.reach import Reach
from support import run_installed


def answer(*endpoints):
    return [Reach("Service", "default", "web", Found(endpoints=list(endpoints)))]


HTTP = Endpoint("NodePort", "http", "203.0.113.7", 30080)
HTTPS = Endpoint("Ingress", "https", "web.example.com", 443, path="/")
DEAD = Endpoint("Ingress", "https", "dead.example.com", 443, path="/", dead="its IngressClass is missing")
TCP = Endpoint("Gateway", "tcp", "203.0.113.9", 5432)


def test_the_best_url():
    assert best_url(answer(HTTP, HTTPS), None) == "https://web.example.com/"  # https first
    assert best_url(answer(DEAD, HTTP), None) == "http://203.0.113.7:30080"  # never one that cannot work
    assert best_url(answer(TCP), None) is None  # http and https only
    wildcard = Endpoint("Ingress", "https", "*.preview.example.com", 443, path="/")
    assert best_url(answer(wildcard, HTTP), None) == "http://203.0.113.7:30080"  # as -o url: never a wildcard host
    answered = {HTTP.key(): types.SimpleNamespace(answered=True), HTTPS.key(): types.SimpleNamespace(answered=False)}
    assert best_url(answer(HTTPS, HTTP), answered) == "http://203.0.113.7:30080"  # with --probe: one that answered
    assert best_url(answer(HTTPS), {HTTPS.key(): types.SimpleNamespace(answered=False)}) is None


def test_open_through_the_browser_variable(demo_api, tmp_path):
    seen = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" >> {seen}\n")
    browser.chmod(0o755)
    env = {**demo_api.env(), "BROWSER": str(browser)}
    done = run_installed(["kubectl-reach", "svc/influxdb", "-n", "default", "--open", "-o", "url"], env)
    assert done.returncode == 0 and done.stdout.splitlines()[0] == "https://influxdb.example.com/"  # as -o url | head -1
    assert "Opening https://influxdb.example.com/ in the browser" in done.stderr
    assert seen.read_text() == "https://influxdb.example.com/\n"


def test_no_display_no_browser(demo_api):
    env = {k: v for k, v in demo_api.env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    done = run_installed(["kubectl-reach", "svc/influxdb", "-n", "default", "--open", "-o", "url"], env)
    assert done.returncode == 0
    assert "Warning: --open: no display to open a browser on; the URL is https://influxdb.example.com/" in done.stderr
    assert demo_api.reach("--open").err == "error: --open needs a target: kubectl reach svc/NAME --open\n"
