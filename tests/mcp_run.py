"""One MCP session, end to end, through the official SDK's own client over stdio (see test_mcp.py):

    python3 tests/mcp_run.py < request.json        (or inside `unshare -rn`, for the probe tool)

The request: {"command": the installed kubectl-reach, "server_args": flags after `mcp`, "calls": [[tool, arguments],
...], "get": [[kind, name], ...]}. It starts the demo's fake API server on 127.0.0.1, writes a kubeconfig for it,
launches `kubectl-reach mcp ... --kubeconfig FILE` with mcp.StdioServerParameters, lists the tools, makes the calls,
and prints {"server": serverInfo, "tools": [{name, inputSchema, annotations}], "results": [{isError, structured,
text}], "cli": [the stdout of `kubectl-reach ARGS` for each of the request's "cli" argument lists, against the same
server], "objects": {kind/name: object after the calls}, "writes": [[method, path, dryRun]]}.
"""

import json
import os
import subprocess
import sys
import tempfile


async def session(request: dict, kubeconfig: str) -> dict:
    from mcp import Client, StdioServerParameters

    server = StdioServerParameters(command=request["command"],
                                   args=["mcp", *request.get("server_args", []), "--kubeconfig", kubeconfig],
                                   env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")})
    async with Client(server, read_timeout_seconds=120) as client:
        info = client.session.server_info if hasattr(client.session, "server_info") else None
        listed = await client.list_tools()
        results = []
        for name, arguments in request.get("calls", []):
            result = await client.call_tool(name, arguments)
            results.append({"isError": result.is_error, "structured": result.structured_content,
                            "text": "".join(getattr(c, "text", "") for c in result.content)})
    return {"server": info.model_dump(mode="json") if info is not None else None,
            "tools": [{"name": t.name, "inputSchema": t.input_schema,
                       "annotations": t.annotations.model_dump(mode="json", by_alias=True, exclude_none=True)
                       if t.annotations else {}}
                      for t in listed.tools],
            "results": results}


def main() -> None:
    import anyio

    from kubectl_expose_ext.demo import demo_cluster
    from kubectl_expose_ext.demo.apiserver import FakeAPIServer

    request = json.load(sys.stdin)
    with FakeAPIServer(demo_cluster()) as api, tempfile.NamedTemporaryFile("w", suffix=".yaml") as kubeconfig:
        kubeconfig.write(api.kubeconfig())
        kubeconfig.flush()
        answer = anyio.run(session, request, kubeconfig.name)
        env = {**os.environ, "KUBECONFIG": kubeconfig.name}
        answer["cli"] = [subprocess.run([request["command"], *args], env=env, capture_output=True, text=True,
                                        timeout=120).stdout for args in request.get("cli", [])]
        answer["objects"] = {f"{kind}/{name}": api.cluster.get(kind, name, "default") for kind, name in
                             request.get("get", [])}
        answer["writes"] = [[r.method, r.path, r.dry_run] for r in api.cluster.log if r.mutating]
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
