#!/usr/bin/env python3
"""The benchmark: kubectl reach against kubectl and against the raw-HTTP floor, on the same fake API server.

    python bench/run.py            # full run: demo cluster + 5,000-node cluster + the 1k/2k/5k curve
    python bench/run.py --quick    # a smaller cluster (0.2x) and fewer repetitions, for a smoke test
    python bench/run.py --real     # also the single-target cases against a real kube-apiserver (tests/realcluster)

Needs `pip install .` (the `kubectl-reach` command) and a `kubectl` on PATH. Prints a Markdown table;
the README's Performance section is a copy of its output. Not a test: nothing here passes or fails.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import TARGET_NS, build  # noqa: E402
from kubectl_expose_ext.demo import demo_cluster  # noqa: E402
from kubectl_expose_ext.demo.apiserver import FakeAPIServer  # noqa: E402


GNU_TIME = "/usr/bin/time"


def run_once(argv, env):
    """(wall seconds, peak RSS in MB, exit code) of one process.

    Peak RSS comes from GNU time, which execs the command from a small process: measured from this
    (large) process, a child's maxrss would include the pages it shared before exec.
    """
    with tempfile.NamedTemporaryFile("r") as report:
        wrapped = [GNU_TIME, "-f", "%M", "-o", report.name, *argv] if os.path.exists(GNU_TIME) else argv
        started = time.perf_counter()
        code = subprocess.call(wrapped, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        text = report.read().strip().splitlines()
    rss = int(text[-1]) / 1024 if text and text[-1].isdigit() else 0.0
    return wall, rss, code


def measure(commands, env, repeat):
    """Run a sequence of commands (a person's kubectl session, or one reach) `repeat` times: wall times and peak RSS."""
    walls, peak = [], 0.0
    for _ in range(repeat):
        total = 0.0
        for argv in commands:
            wall, rss, code = run_once(argv, env)
            if code != 0:
                raise SystemExit(f"{' '.join(argv)} exited {code}")
            total += wall
            peak = max(peak, rss)
        walls.append(total)
    return walls, peak


TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def floor_process(base, requests, repeat, headers=None, ca=None):
    """{"median", "bytes", "decoded"} of the requests replayed by bench/floor.py: its own process, warmed by one
    untimed pass (here the floor shared the interpreter and its GIL with the fake API server's threads). `requests`:
    (method, path with query, accept, body, content type)."""
    plan = {"base": base, "headers": headers or {}, "ca": ca, "repeat": repeat,
            "requests": [{"method": m, "path": path, "accept": accept, "body": body, "content_type": content_type}
                         for m, path, accept, body, content_type in requests]}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "floor.py")], input=json.dumps(plan), text=True,
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def floor(server, requests, repeat):
    """The same HTTP requests as full JSON (a Table asked for is asked as objects), in a warm process of its own,
    plus json.loads: what no client reading the objects can beat."""
    def path(request):
        query = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "includeObject")
        return f"{request.path}?{query}"
    replayed = [(r.method, path(r), "application/json", r.body, r.content_type) for r in requests]
    return floor_process(server.url, replayed, repeat, {"Authorization": "Bearer fake-token"})["median"]


def script_floor(server, requests, repeat):
    """The same requests from a bare Python script (its own interpreter, urllib3 and json imported): what a
    command of ours is compared with for start-up."""
    calls = [(r.method, f"{server.url}{r.path}?" + "&".join(f"{k}={v}" for k, v in r.query.items())) for r in requests]
    code = ("import json, sys, urllib3\npool = urllib3.PoolManager()\n"
            f"for method, url in {calls!r}:\n"
            "    json.loads(pool.request(method, url, headers={'Authorization': 'Bearer fake-token', "
            "'Accept-Encoding': 'gzip'}).data)\n")
    walls, _ = measure([[sys.executable, "-c", code]], os.environ, repeat)
    return statistics.median(walls)


HELP_WIDTHS = (40, 60, 80, 100, 120, 160, 200)


def help_rows(env, repeat):
    """`--help` at several terminal widths (COLUMNS), through the pip install and the krew zipapp (built here by
    krew/build.py, run once first: a warm-up; its __main__.py answers --help without unpacking), against
    `python3 -c pass`."""
    rows = []
    zipapp = build_zipapp()
    for label, argv in (("pip", ["kubectl-reach"]), ("zipapp", [sys.executable, zipapp] if zipapp else None)):
        if argv is None:
            continue
        subprocess.run([*argv, "--help"], env=env, capture_output=True)  # warm-up (the page cache)
        for width in HELP_WIDTHS:
            walls, bare = alternately([*argv, "--help"], [sys.executable, "-c", "pass"],
                                      {**env, "COLUMNS": str(width)}, max(5 * repeat, 15))
            median, low, high = summary(walls)
            rows.append({"case": f"--help, {width} columns ({label})", "median": median, "low": low, "high": high,
                         "kubectl": statistics.median(bare), "floor": None, "requests": 0, "bytes": 0, "rss": 0,
                         "largest": 0, "note": ""})
    return rows


def alternately(ours, other, env, repeat):
    """Wall times of two commands run one after the other, `repeat` times: each ratio side by side (a machine that
    slows down mid-run slows both; measured one whole series after the other, --help was 1.8x bare Python or 2.3x
    depending on the moment)."""
    walls: tuple = ([], [])
    for _ in range(repeat):
        for argv, into in ((ours, walls[0]), (other, walls[1])):
            wall, _, code = run_once(argv, env)
            if code != 0:
                raise SystemExit(f"{' '.join(argv)} exited {code}")
            into.append(wall)
    return walls


def build_zipapp():
    """The krew archive's zipapp, built into a temporary directory (None when it cannot be built)."""
    import tarfile

    out = tempfile.mkdtemp()
    generated = [ROOT / p for p in ("plugin.yaml", "krew/plugins/reach.yaml", "kubectl_expose_ext/helptext.py")]
    kept = {p: p.read_bytes() for p in generated if p.exists()}
    try:
        done = subprocess.run([sys.executable, str(ROOT / "krew" / "build.py"), "--out", out], capture_output=True,
                              text=True)
    finally:  # build.py also writes these: they stay as they were
        for path, data in kept.items():
            path.write_bytes(data)
    archives = list(pathlib.Path(out).glob("*.tar.gz"))
    if done.returncode != 0 or not archives:
        return None
    with tarfile.open(archives[0]) as archive:
        archive.extractall(out, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    found = [p for p in pathlib.Path(out).rglob("kubectl-reach") if p.is_file()]
    return str(found[0]) if found else None


def first_row(argv, env):
    """Seconds until the first row (the line after the header) of a table is on stdout, and until the end."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    process.stdout.readline()
    process.stdout.readline()
    first = time.perf_counter() - started
    process.stdout.read()
    process.wait()
    return first, time.perf_counter() - started


def summary(walls):
    return statistics.median(walls), min(walls), max(walls)


class Bench:
    def __init__(self, cluster, repeat, label):
        self.server = FakeAPIServer(cluster).start()
        self.tmp = tempfile.mkdtemp()
        self.kubeconfig = os.path.join(self.tmp, "kubeconfig")
        pathlib.Path(self.kubeconfig).write_text(self.server.kubeconfig(namespace=TARGET_NS))
        self.env = {**os.environ, "KUBECONFIG": self.kubeconfig, "NO_COLOR": "1"}
        self.repeat, self.label, self.rows = repeat, label, []

    skip_kubectl = False

    def case(self, name, reach_args, kubectl_sessions=(), note=""):
        log = self.server.cluster.log
        before = len(log)
        walls, rss = measure([["kubectl-reach", *reach_args]], self.env, self.repeat)
        ours = log[before:]
        per_run = ours[: len(ours) // self.repeat]
        requests = len(per_run)
        wire = sum(r.bytes_out for r in per_run)
        largest = max((r.bytes_json for r in per_run), default=0)
        base = None
        if kubectl_sessions and not self.skip_kubectl:
            base_walls, _ = measure([["kubectl", *a] for a in kubectl_sessions], self.env, self.repeat)
            base = statistics.median(base_walls)
        floor_s = floor(self.server, per_run, self.repeat) if per_run else None
        median, low, high = summary(walls)
        self.rows.append({"case": name, "median": median, "low": low, "high": high, "kubectl": base, "floor": floor_s,
                          "requests": requests, "bytes": wire, "rss": rss, "largest": largest, "note": note,
                          "sent": per_run})
        return self.rows[-1]

    def stop(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Sections(list):
    """The report's sections, each also on stderr as soon as it is measured: a run that fails late keeps them."""

    def append(self, text):
        print(text, file=sys.stderr, flush=True)
        super().append(text)

    def insert(self, index, text):
        print(text, file=sys.stderr, flush=True)
        super().insert(index, text)


def fmt_ratio(ours, other):
    return f"{ours / other:.2f}x" if other else "-"


def table(rows, title):
    lines = [f"\n**{title}**\n", "| case | median | spread | vs kubectl | vs floor | requests | bytes received | peak RSS | RSS / largest response |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        largest = f"{r['rss'] * 2**20 / r['largest']:.1f}x" if r["largest"] else "-"
        lines.append(f"| {r['case']} | {r['median']:.3f} s | {r['low']:.3f}-{r['high']:.3f} | {fmt_ratio(r['median'], r['kubectl'])}"
                     f" | {fmt_ratio(r['median'], r['floor'])} | {r['requests']} | {r['bytes'] / 1e6:.2f} MB | {r['rss']:.0f} MB | {largest} |")
    return "\n".join(lines)


EXEC_PLUGIN = """#!/bin/sh
echo '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "fake-token"}}'
"""


def exec_credential_case(bench):
    """The same target through an exec credential plugin (as EKS, GKE, AKS kubeconfigs): what it adds, against
    what the plugin process itself costs. Over HTTPS (a self-signed certificate made with openssl, the kubeconfig
    skipping its verification): kubectl reach, as kubectl, runs no plugin and sends no token over plain HTTP."""
    import ssl

    plugin = os.path.join(bench.tmp, "token-plugin")
    pathlib.Path(plugin).write_text(EXEC_PLUGIN)
    os.chmod(plugin, 0o755)
    key, cert = os.path.join(bench.tmp, "tls.key"), os.path.join(bench.tmp, "tls.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days",
                    "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                   capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    configs = {}
    with FakeAPIServer(demo_cluster(), tls=context) as server:
        for name, user in (("token", "{token: fake-token}"),
                           ("exec", "{exec: {apiVersion: client.authentication.k8s.io/v1, command: %s, "
                                    "interactiveMode: Never}}" % plugin)):
            configs[name] = os.path.join(bench.tmp, f"kubeconfig-{name}")
            pathlib.Path(configs[name]).write_text(
                "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                f"clusters: [{{name: c, cluster: {{server: '{server.url}', insecure-skip-tls-verify: true}}}}]\n"
                f"users: [{{name: c, user: {user}}}]\ncontexts: [{{name: c, context: {{cluster: c, user: c}}}}]\n")
        exec_walls, token_walls = alternately(["kubectl-reach", "svc/influxdb", "--kubeconfig", configs["exec"]],
                                              ["kubectl-reach", "svc/influxdb", "--kubeconfig", configs["token"]],
                                              bench.env, max(bench.repeat, 5))
    plugin_walls, _ = measure([[plugin]], bench.env, bench.repeat)
    return (statistics.median(exec_walls) - statistics.median(token_walls), statistics.median(plugin_walls))


def single_target_cases(bench):
    bench.case("reach svc/x (NodePort)", ["svc/bench-nodeport"],
               [["get", "svc", "bench-nodeport", "-o", "json"], ["get", "nodes", "-o", "json"], ["get", "ingress", "-n", TARGET_NS, "-o", "json"]])
    bench.case("reach svc/y (externalTrafficPolicy Local)", ["svc/bench-local"],
               [["get", "svc", "bench-local", "-o", "json"], ["get", "nodes", "-o", "json"],
                ["get", "endpointslices", "-l", "kubernetes.io/service-name=bench-local", "-o", "json"]])
    bench.case("reach pod/z", ["pod/bench-web-5d9c7b6f8-0"],
               [["get", "pod", "bench-web-5d9c7b6f8-0", "-o", "json"], ["get", "svc", "-o", "json"], ["get", "nodes", "-o", "json"],
                ["get", "ingress", "-o", "json"]])
    bench.case("reach deploy/w", ["deploy/bench-web"],
               [["get", "deploy", "bench-web", "-o", "json"], ["get", "pods", "-l", "app=bench-web", "-o", "json"],
                ["get", "svc", "-o", "json"], ["get", "nodes", "-o", "json"], ["get", "ingress", "-o", "json"]])
    bench.case("convert svc/x --to clusterip --dry-run", ["convert", "svc/bench-nodeport", "--to", "clusterip", "--dry-run"],
               [["get", "svc", "bench-nodeport", "-o", "json"], ["get", "nodes", "-o", "json"],
                ["patch", "svc", "bench-nodeport", "--type=json", "--dry-run=server", "-o", "json", "-p",
                 '[{"op":"replace","path":"/spec/type","value":"ClusterIP"},{"op":"remove","path":"/spec/ports/0/nodePort"},'
                 '{"op":"remove","path":"/spec/externalTrafficPolicy"}]']])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="0.2x cluster, 3 repetitions")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--real", action="store_true", help="also against a real kube-apiserver (needs its binaries)")
    parser.add_argument("--only-real", action="store_true", help="only the real kube-apiserver cases")
    parser.add_argument("--targets-only", action="store_true", help="the single-target cases only (no -A, no curve)")
    parser.add_argument("--no-kubectl", action="store_true", help="skip the kubectl sessions (ratios to the floor only)")
    parser.add_argument("--demo-only", action="store_true", help="start-up and the demo cluster only")
    parser.add_argument("--no-curve", action="store_true", help="skip the growth curve (1k/2k/5k nodes)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 5)
    Bench.skip_kubectl = args.no_kubectl
    if not shutil.which("kubectl-reach") or not shutil.which("kubectl"):
        raise SystemExit("needs kubectl-reach (pip install .) and kubectl on PATH")
    out = Sections([f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {repeat} runs per case; "
           "times are whole processes (start-up included)."])
    if args.only_real:
        out.append(real_cases(0.2 if args.quick else 1.0, repeat))
        print("\n".join(out))
        return

    # start-up and the small cluster
    demo = Bench(demo_cluster(), repeat, "demo")
    env = demo.env
    demo.rows.extend(help_rows(env, repeat))
    row = demo.case("reach svc/x on the demo cluster", ["svc/influxdb", "-n", "default"],
                    [["get", "svc", "influxdb", "-n", "default", "-o", "json"]])
    bare = script_floor(demo.server, row["sent"], repeat)
    out.append(f"\nThe demo's `reach svc/x` ({row['requests']} requests): {row['median']:.3f} s; a bare Python script making "
               f"the same requests (interpreter, urllib3 and json included): {bare:.3f} s ({row['median'] / bare:.2f}x).")
    demo.stop()
    out.insert(1, table(demo.rows, "Start-up and the demo cluster (vs kubectl: `python3 -c pass` for --help, at each terminal width, through the pip install and the krew zipapp; `kubectl get svc x -o json` for the demo)"))
    if args.demo_only:
        print("\n".join(out))
        return

    factor = 0.2 if args.quick else 1.0
    started = time.perf_counter()
    big = Bench(build(factor), repeat, "large")
    size = sum(1 for k in big.server.cluster.objects if k[0] == "nodes")
    out.append(f"\n(cluster of {size} nodes generated in {time.perf_counter() - started:.0f} s)")
    single_target_cases(big)
    big.case("reach ds/a (host network, a pod on every node)", ["ds/bench-agent"],
             [["get", "ds", "bench-agent", "-o", "json"], ["get", "pods", "-l", "app=bench-agent", "-o", "json"],
              ["get", "svc", "-o", "json"], ["get", "nodes", "-o", "json"]])
    big.case(f"convert svc/p --to clusterip --dry-run ({8 * size} URLs removed)",
             ["convert", "svc/bench-ports", "--to", "clusterip", "--dry-run"],
             [["get", "svc", "bench-ports", "-o", "json"], ["get", "nodes", "-o", "json"]])
    added, plugin_alone = exec_credential_case(big)
    out.append(f"\nExec credential plugin: `reach svc/x` takes {added:+.3f} s against a token kubeconfig; the plugin "
               f"process alone takes {plugin_alone:.3f} s.")
    if args.targets_only:
        big.stop()
        out.append(table(big.rows, f"{size} nodes (targets only)"))
        if args.real:
            out.append(real_cases(factor, repeat))
        print("\n".join(out))
        return
    big.case("reach -A (whole cluster)", ["-A"], [["get", "nodes,svc,ingress", "-A", "-o", "json"]])
    big.case("reach -A, vs kubectl also getting pods", ["-A"], [["get", "nodes,svc,ingress,pods", "-A", "-o", "json"]])
    big.case("audit -A (vs kubectl getting the same kinds)", ["audit", "-A"],
             [["get", "nodes,svc,ingress,pods,endpointslices", "-A", "-o", "json"]])
    for argv in (["-A"], ["audit", "-A"]):
        firsts = [first_row(["kubectl-reach", *argv], big.env) for _ in range(repeat)]
        out.append(f"\n`kubectl reach {' '.join(argv)}` ({size} nodes): first row after "
                   f"{statistics.median(f for f, _ in firsts):.2f} s, the end after "
                   f"{statistics.median(e for _, e in firsts):.2f} s (medians of {repeat}).")
    big.stop()
    out.append(table(big.rows, f"{size} nodes, {int(200 * factor)} namespaces, {int(20000 * factor)} services, "
                                f"~{int(50000 * factor)} pods, {int(5000 * factor)} ingresses"))

    if args.no_curve:
        if args.real:
            out.append(real_cases(factor, repeat))
        print("\n".join(out))
        return
    curve = []
    for f in ((0.04, 0.08, 0.2) if args.quick else (0.2, 0.4, 1.0)):
        bench = Bench(build(f), repeat, f"curve {f}")
        nodes = sum(1 for k in bench.server.cluster.objects if k[0] == "nodes")
        row = bench.case(f"reach svc/x, {nodes} nodes", ["svc/bench-nodeport"], [["get", "nodes", "-o", "json"]])
        row_all = bench.case(f"reach -A, {nodes} nodes", ["-A"], [["get", "nodes,svc,ingress", "-A", "-o", "json"]])
        curve += [row, row_all]
        bench.stop()
    out.append(table(curve, "Growth with cluster size (vs kubectl: `kubectl get nodes -o json`, resp. `get nodes,svc,ingress -A`)"))
    if args.real:
        out.append(real_cases(factor, repeat))
    print("\n".join(out))


REAL_CASES = (("reach svc/x (NodePort)", ["svc/bench-nodeport"]),
              ("reach svc/y (externalTrafficPolicy Local)", ["svc/bench-local"]),
              ("reach pod/z", ["pod/bench-web-5d9c7b6f8-0"]), ("reach deploy/w", ["deploy/bench-web"]),
              ("reach ds/a (a pod on every node)", ["ds/bench-agent"]),
              ("reach -A (the 21 namespaces)", ["-A"]), ("audit -A", ["audit", "-A"]))
BACKGROUND_NAMESPACES = 20


def real_cases(factor, repeat):
    """The cases against a real kube-apiserver (tests/realcluster), loaded with the benchmark's nodes, its targets'
    namespace and 20 background namespaces. Each case's floor replays its requests as full JSON (no Table), with
    the same credentials, in its own warm process (bench/floor.py); its bytes are those of its own requests, replayed
    as it sent them (a Table where it asked for one), gzip as on the wire."""
    sys.path.insert(0, str(ROOT / "tests"))
    from realcluster.controlplane import TOKENS, ControlPlane, binaries
    from realcluster.loader import Loader

    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("no kube-apiserver binaries: python tests/realcluster/controlplane.py --build")
    cluster = build(factor)
    background = {f"team-{i:03}" for i in range(BACKGROUND_NAMESPACES)}
    wanted = sorted((o for o in cluster.objects.values() if o["kind"] == "Node" or o["kind"] != "Event" and
                     o["metadata"].get("namespace") in background | {TARGET_NS}),
                    key=lambda o: o["metadata"].get("namespace") != TARGET_NS)  # the targets' node ports first
    for obj in wanted:  # what the server sets itself
        for key in ("resourceVersion", "uid", "managedFields", "creationTimestamp"):
            obj["metadata"].pop(key, None)
        if obj["kind"] == "Service" and obj["metadata"]["namespace"] != TARGET_NS:
            for port in obj["spec"].get("ports") or []:  # the fake does not check them: the generator reuses them
                port.pop("nodePort", None)
    plane = ControlPlane(pathlib.Path(tempfile.mkdtemp()) / "plane").start(bin_dir)
    try:
        started = time.perf_counter()
        loader = Loader(plane)
        loader.serve(set())
        loader.load(wanted)
        nodes = sum(o["kind"] == "Node" for o in wanted)
        loaded = (f"{nodes} nodes of ~19 KB, {len(wanted) - nodes} objects in {BACKGROUND_NAMESPACES + 1} namespaces, "
                  f"loaded in {time.perf_counter() - started:.0f} s")
        kubeconfig = os.path.join(plane.workdir, "bench-kubeconfig")
        pathlib.Path(kubeconfig).write_text(plane.kubeconfig(namespace=TARGET_NS))
        env = {**os.environ, "KUBECONFIG": kubeconfig, "NO_COLOR": "1"}
        auth = {"Authorization": f"Bearer {TOKENS['admin']}"}
        rows, notes = [], []
        for name, argv in REAL_CASES:
            mark = plane.mark()
            walls, rss = measure([["kubectl-reach", *argv]], env, repeat)
            seen = [e for e in plane.requests_since(mark) if e["verb"] in ("get", "list")]
            per_run = [e["requestURI"] for e in seen[: len(seen) // repeat]]
            full = [("GET", uri.replace("includeObject=None", ""), "application/json", None, None) for uri in per_run]
            as_sent = [("GET", uri, TABLE if "includeObject=None" in uri else "application/json", None, None)
                       for uri in per_run]
            floor_s = floor_process(plane.url, full, repeat, auth, str(plane.ca))
            sent = floor_process(plane.url, as_sent, 0, auth, str(plane.ca))
            median, low, high = summary(walls)
            rows.append({"case": name, "median": median, "low": low, "high": high, "kubectl": None,
                         "floor": floor_s["median"], "requests": len(per_run), "bytes": sent["bytes"], "rss": rss,
                         "largest": 0, "note": ""})
            notes.append(f"{name}: its floor reads {floor_s['bytes'] / 1e6:.2f} MB on the wire "
                         f"({floor_s['decoded'] / 1e6:.1f} MB of JSON decoded), reach {sent['bytes'] / 1e6:.2f} MB "
                         f"({sent['decoded'] / 1e6:.1f} MB).")
            if argv[-1] == "-A":
                firsts = [first_row(["kubectl-reach", *argv], env) for _ in range(repeat)]
                notes.append(f"{name}: first row after {statistics.median(f for f, _ in firsts):.2f} s, the end after "
                             f"{statistics.median(e for _, e in firsts):.2f} s.")
        return table(rows, f"A real kube-apiserver ({loaded}; vs floor: the same requests as full JSON)") + \
            "\n\n" + "\n".join(f"- {n}" for n in notes)
    finally:
        plane.stop()


if __name__ == "__main__":
    main()
