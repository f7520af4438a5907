"""Independent reads at once (kube.Kube.together): the front doors, a Service's EndpointSlices and the nodes are in
flight together, and what the command prints does not depend on which answer came first. Driven by requests the
fake server holds, never by sleeps."""

import threading

import pytest

from kubectl_expose_ext import kube

INGRESSES = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"


@pytest.fixture(autouse=True)
def no_real_sleeping(monkeypatch):
    monkeypatch.setattr(kube.Kube, "sleep", staticmethod(lambda seconds: None))


def in_background(api, *args):
    done = {}
    thread = threading.Thread(target=lambda: done.setdefault("outcome", api.reach(*args)), daemon=True)
    thread.start()
    return thread, done


def others_arrive_while_held(api, target, held_path, arriving):
    """`reach target` with the request to `held_path` held: each request to the `arriving` paths reaches the server
    meanwhile (one after another, nothing would follow the held one until it is answered), and the outcome is the
    one of a run where nothing was held."""
    alone = api.reach(target)
    release = threading.Event()
    held = api.cluster.inject(path=held_path, hold=release)
    others = [api.cluster.inject(path=path) for path in arriving]
    thread, done = in_background(api, target)
    try:
        assert held.arrived.wait(30)
        assert all(fault.arrived.wait(10) for fault in others), [f.path for f in others if not f.arrived.is_set()]
        assert "outcome" not in done
    finally:
        release.set()
    thread.join(30)
    assert (done["outcome"].code, done["outcome"].out, done["outcome"].err) == (alone.code, alone.out, alone.err)


def test_the_other_reads_arrive_while_the_first_door_is_held(demo_api):
    """The Gateway API's, the OpenShift Routes', the EndpointSlices' and the nodes' requests reach the server while
    it holds the Ingress LIST."""
    others_arrive_while_held(demo_api, "svc/influxdb-lb", INGRESSES, ("/gateways", "/routes", "/endpointslices", "/nodes"))


def test_what_is_warned_follows_the_doors_order_not_the_answers(demo_api):
    """OpenShift's Routes are refused last, Contour's HTTPProxies first: the warnings still come in the doors'
    order (OpenShift's door before Contour's), as one after another."""
    demo_api.forbid("list", "routes")
    demo_api.forbid("list", "httpproxies")
    alone = demo_api.reach("svc/influxdb-lb")
    release = threading.Event()
    held = demo_api.cluster.inject(path="/namespaces/default/routes", hold=release)
    proxies = demo_api.cluster.inject(path="/httpproxies")
    thread, done = in_background(demo_api, "svc/influxdb-lb")
    assert held.arrived.wait(30) and proxies.arrived.wait(30)
    release.set()
    thread.join(30)
    outcome = done["outcome"]
    refused = [line for line in outcome.err.splitlines() if "cannot list" in line]
    assert len(refused) == 2 and "routes.route" in refused[0] and "httpproxies" in refused[1], outcome.err
    assert (outcome.code, outcome.out, outcome.err) == (alone.code, alone.out, alone.err)


def test_the_first_failure_in_the_doors_order_is_the_error(demo_api):
    """The Gateways' LIST fails before the Ingresses' does: the one error line is still the Ingresses'."""
    release = threading.Event()
    held = demo_api.cluster.inject(path=INGRESSES, body=b"[]", hold=release)
    gateways = demo_api.cluster.inject(path="/gateways", body=b"[]", times=2)
    thread, done = in_background(demo_api, "svc/influxdb-lb")
    assert held.arrived.wait(30) and gateways.arrived.wait(30)
    release.set()
    thread.join(30)
    outcome = done["outcome"]
    assert outcome.code == 1 and outcome.out == "", outcome.err
    assert outcome.err.count("\n") == 1 and outcome.err.startswith("error: ") and "ingresses" in outcome.err, outcome.err


def test_a_list_two_branches_ask_for_at_once_is_sent_once(demo_api):
    """The same LIST wanted by two calls at once (two doors may read the same Services) is sent once: the second
    waits for the first's answer, as one after another it would have found it remembered."""
    client = kube.Kube(kube.Connection.load(demo_api.kubeconfig))
    release = threading.Event()
    held = demo_api.cluster.inject(path="/api/v1/namespaces/default/services", hold=release, times=2)
    asked = [threading.Event(), threading.Event()]  # each call is about to ask: the first's LIST is then held

    def ask(index):
        asked[index].set()
        return client.list("services", "default")

    threading.Thread(target=lambda: held.arrived.wait(30) and asked[1].wait(30) and release.set(), daemon=True).start()
    first, second = client.together([lambda: ask(0), lambda: ask(1)])
    assert first == second and first
    assert held.hits == client.requests == 1


def test_a_services_doors_and_slices_are_read_while_its_get_is_held(demo_api):
    """What a Service always needs is read beside its GET: its front doors and EndpointSlices."""
    others_arrive_while_held(demo_api, "svc/influxdb-lb", "/api/v1/namespaces/default/services/influxdb-lb",
                             (INGRESSES, "/gateways", "/routes", "/endpointslices"))


def test_a_pods_services_are_listed_while_its_get_is_held(demo_api):
    others_arrive_while_held(demo_api, "pod/influxdb", "/api/v1/namespaces/default/pods/influxdb",
                             ("/api/v1/namespaces/default/services",))


def test_once_a_call_failed_the_others_send_nothing_more(demo_api):
    """The target's GET fails (404): the call beside it, about to LIST, sends nothing (its answer would never be
    read), and the error raised is the GET's, not the abandoned call's."""
    client = kube.Kube(kube.Connection.load(demo_api.kubeconfig))

    def beside():
        client.told().stops[-1].wait(30)  # (this together's: set once a call of it has failed)
        return client.list("ingresses", "default")

    with pytest.raises(kube.NotFound):
        client.together([lambda: client.get("services", "missing", "default"), beside])
    assert client.requests == 1 and not [r for r in demo_api.log() if r.path.endswith("/ingresses")]


def test_a_missing_service_is_the_one_error_whatever_the_doors_answer(demo_api):
    """Its front doors are under way when the GET answers 404: the error is the GET's, one line, as kubectl's."""
    release = threading.Event()
    held = demo_api.cluster.inject(path=INGRESSES, body=b"[]", hold=release)
    target = demo_api.cluster.inject(path="/services/missing", hold=held.arrived)  # answered once the doors ask
    thread, done = in_background(demo_api, "svc/missing")
    try:
        assert held.arrived.wait(30) and target.arrived.wait(30)
    finally:
        release.set()
    thread.join(30)
    assert (done["outcome"].code, done["outcome"].out) == (1, "")
    assert done["outcome"].err.endswith('error: services "missing" not found\n'), done["outcome"].err
    assert done["outcome"].err.count("error:") == 1
