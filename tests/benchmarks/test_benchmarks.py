"""Smoke tests: every benchmark runs once in its tiny mode and the report is written.

No timing is asserted anywhere: the numbers are only checked for shape.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from benchmarks import middleware, throughput, verify
from benchmarks.__main__ import ROOT, _parse, main
from benchmarks._apps import DictMiddleware, dict_decorator
from benchmarks._drive import asgi_status, environ, wsgi_call
from benchmarks._material import ALGORITHMS, AUDIENCE, ISSUER, Material, claims_for, tamper
from benchmarks._servers import Dispatcher

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    code = main(
        [
            "--tiny",
            "--json", str(out / "tiny.json"),
            "--report", str(out / "docs" / "benchmarks.md"),
            "--img-dir", str(out / "docs" / "img"),
        ]
    )  # fmt: skip
    return {"code": code, "dir": out, "data": json.loads((out / "tiny.json").read_text())}


def test_every_benchmark_runs_and_the_report_is_written(tiny_run: dict[str, Any]) -> None:
    assert tiny_run["code"] == 0
    results = tiny_run["data"]["results"]
    assert set(results) == {
        "verify", "middleware", "throughput", "scaling", "revocation", "revocation_load",
        "dpop", "observability", "instructions",
    }  # fmt: skip
    assert not [name for name, r in results.items() if "error" in r]
    report = (tiny_run["dir"] / "docs" / "benchmarks.md").read_text()
    for heading in ("## Headline", "## Targets", "## 1. Verification", "## 2. Middleware",
                    "## 3. HTTP throughput", "## 4. Scaling", "## 5. Revocation",
                    "## 6. Revocation under load", "## 7. DPoP requests",
                    "## 8. Metrics on a cache hit",
                    "## 9. Instructions per request"):  # fmt: skip
        assert heading in report
    machine = tiny_run["data"]["machine"]
    assert machine["cores"] and machine["python"] and "PyJWT" in machine["libraries"]


def test_plots_are_png_files_linked_from_the_report(tiny_run: dict[str, Any]) -> None:
    img = tiny_run["dir"] / "docs" / "img"
    report = (tiny_run["dir"] / "docs" / "benchmarks.md").read_text()
    for name in ("verify", "middleware", "middleware-adapters", "throughput", "scaling",
                 "revocation", "revocation_load"):  # fmt: skip
        png = img / f"bench-{name}.png"
        assert png.read_bytes()[:8] == PNG_MAGIC
        assert f"](img/bench-{name}.png)" in report


def test_verify_measures_every_contender_for_every_algorithm(tiny_run: dict[str, Any]) -> None:
    algorithms = tiny_run["data"]["results"]["verify"]["algorithms"]
    assert list(algorithms) == list(ALGORITHMS)
    for alg, rows in algorithms.items():
        expected = set(verify.CONFIGURATION) - ({"python-jose"} if alg == "EdDSA" else set())
        if importlib.util.find_spec("fastmcp") is None:  # FastMCP needs Python 3.11
            expected.discard("FastMCP JWTVerifier")
        assert set(rows) == expected
        assert all(row["median_ns"] > 0 for row in rows.values())


def test_middleware_includes_jwtguard_and_peers(tiny_run: dict[str, Any]) -> None:
    mw = tiny_run["data"]["results"]["middleware"]
    assert "Starlette + jwtguard" in mw["asgi"]
    assert "Starlette + AuthenticationMiddleware (PyJWT)" in mw["asgi"]
    assert "Flask + jwtguard extension" in mw["wsgi"]
    assert "Flask + flask-jwt-extended" in mw["wsgi"]
    assert set(mw["django"]) == set(middleware.CONFIGURATION) & set(mw["django"])
    for name in ("Django bare", "Django + jwtguard middleware", "DRF + simplejwt JWTAuthentication",
                 "DRF + jwtguard JWTAuthentication"):  # fmt: skip
        assert mw["django"][name]["median_ns"] > 0
    targets = {t["target"] for t in mw["targets"]}
    assert any(t.startswith("Django middleware overhead") for t in targets)
    assert any(t.startswith("simplejwt JWTAuthentication overhead") for t in targets)


def test_every_adapter_has_floor_equal_work_default_and_peer_rows(
    tiny_run: dict[str, Any],
) -> None:
    mw = tiny_run["data"]["results"]["middleware"]
    for group, *names in middleware.ADAPTERS.values():
        assert [n for n in names if n is not None and n not in mw[group]] == []
    report = (tiny_run["dir"] / "docs" / "benchmarks.md").read_text()
    table = report.split("### Default configuration beside equal work")[1].split("###")[0]
    assert [a for a in middleware.ADAPTERS if f"| {a} |" not in table] == []
    wanted = ("1.3x the raw dict middleware", "1.3x the plain dict decorator", ">= 20", ">= 25",
              "10% of a bare Flask route", "protected (default) / unprotected req/s")  # fmt: skip
    targets = report.split("## Targets")[1].split("\n## ")[0]
    assert [w for w in wanted if w not in targets] == []


def test_http_runs_served_every_request(tiny_run: dict[str, Any]) -> None:
    throughput_data = tiny_run["data"]["results"]["throughput"]
    servers = throughput_data["servers"]
    # uvicorn-httptools runs where httptools is installed (the bench extra), else is skipped
    assert set(servers) | set(throughput_data.get("skipped", {})) == {
        "uvicorn", "uvicorn-httptools", "gunicorn"
    }  # fmt: skip
    for routes in servers.values():
        assert set(routes) == set(throughput.ROUTES)
        for row in routes.values():
            assert row["requests"] > 0
            assert row["errors"] == 0
        assert routes["protected"]["rps_vs_floor_headers"] > 0


_PER_RESPONSE = {"date", "server", "content-length", "connection", "keep-alive"}


@pytest.mark.parametrize("server", ["uvicorn", "gunicorn"])
def test_the_http_floor_with_headers_sends_what_the_default_adds(server: str) -> None:
    # served as the benchmark serves it: the floor appending the header lines must be the
    # default configuration's response, line for line, or the ratio to it measures nothing
    import http.client

    material = Material.make("HS256")
    token = material.token(claims_for(5))

    def get(port: int, path: str) -> tuple[int, list[tuple[str, str]]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            lines = [(k.lower(), v) for k, v in response.getheaders()]
            return response.status, sorted(kv for kv in lines if kv[0] not in _PER_RESPONSE)
        finally:
            conn.close()

    with throughput.serving(server, material.verify_text) as port:
        protected, floored, floor = (get(port, throughput.ROUTES[r])
                                     for r in ("protected", "floor_headers", "floor"))  # fmt: skip
    assert protected[0] == floored[0] == 200
    assert floored[1] == protected[1]
    assert "strict-transport-security" in dict(protected[1])
    assert "strict-transport-security" not in dict(floor[1])


def test_python_load_generator_works_without_wrk() -> None:
    out = throughput.run(tiny=True, use_wrk=False, servers=("uvicorn",))
    assert out["load_generator"] == "python asyncio client"
    routes = out["servers"]["uvicorn"]
    assert all(r["requests"] > 0 and r["errors"] == 0 for r in routes.values())


def test_http_ratios_divide_adjacent_runs_in_flipping_order() -> None:
    # a machine that slows down steadily: every run is slower than the one before, by the
    # same step, whatever the route; protected is always half as fast as public
    order: list[str] = []

    def measure(route: str) -> dict[str, Any]:
        order.append(route)
        rps = 1000.0 - 10 * len(order)
        return {"rps": rps / 2 if route == "protected" else rps}

    runs, ratios = throughput.paired_rounds(measure, 3)
    pairs = [tuple(order[i : i + 2]) for i in range(0, len(order), 2)]
    assert len(pairs) == 3 * len(throughput.CHECKED)
    assert all("public" in pair and len(set(pair)) == 2 for pair in pairs)
    checked = len(throughput.CHECKED)
    assert [pair[0] == "public" for pair in pairs[:4]] == [True, False, True, False]
    assert pairs[checked] == (throughput.CHECKED[1], "public")  # rotated, order flipped
    assert len(runs["public"]) == len(pairs)
    assert len(runs["protected"]) == 3
    # adjacent runs differ by one step only: each ratio is close to the true 0.5
    assert all(abs(r - 0.5) < 0.01 for r in ratios["protected"])
    assert all(abs(r - 1.0) < 0.02 for r in ratios["equal"])
    assert throughput.quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 4.0)
    assert throughput.quartiles([0.7]) == (0.7, 0.7)


def test_the_http_dispatcher_mounts_every_route_alike() -> None:
    seen: list[tuple[str, str, str]] = []

    def mounted(name: str) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append((name, scope["path"], scope["root_path"]))

        return app

    sent: list[dict[str, Any]] = []
    lifespan = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(lifespan)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    dispatch = Dispatcher({"/a": mounted("a"), "/b": mounted("b")})

    async def serve() -> None:
        await dispatch({"type": "lifespan"}, receive, send)
        for path in ("/b/x", "/a/", "/a", "/c/"):
            await dispatch({"type": "http", "path": path, "root_path": "/api"}, receive, send)

    asyncio.run(serve())
    # as Starlette's Mount: the path kept, the mount point added to root_path
    assert seen == [("b", "/b/x", "/api/b"), ("a", "/a/", "/api/a"), ("a", "/a", "/api/a")]
    assert [m["type"] for m in sent[:2]] == ["lifespan.startup.complete",
                                             "lifespan.shutdown.complete"]  # fmt: skip
    assert sent[2]["status"] == 404 and len(sent) == 4


def test_the_http_floors_verify_a_new_token_once_then_only_look_it_up() -> None:
    from flask import Flask

    from jwtguard import Guard

    material = Material.make("HS256")
    token = material.token(claims_for(3))
    guard = Guard(material.verify_text, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    calls: list[str] = []

    class Counting:
        def verify(self, token: str) -> Any:
            calls.append(token)
            return guard.verify(token)

    async def ok(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    floor = DictMiddleware(ok, Counting(), learn=True)
    loop = asyncio.new_event_loop()
    try:
        statuses = [asgi_status(floor, t, loop) for t in (token, token, tamper(token))]
        unlearned = asgi_status(DictMiddleware(ok, guard), token, loop)
    finally:
        loop.close()
    assert statuses == [200, 200, 401]
    assert calls == [token, tamper(token)]  # the second request was a dict hit
    assert unlearned == 401  # the in-process floor knows only the tokens it remembered

    calls.clear()
    app = Flask("floor")
    app.route("/")(dict_decorator(Counting(), learn=True)(lambda: "ok"))
    statuses = [wsgi_call(app, environ(t)) for t in (token, token, tamper(token))]
    assert statuses == [200, 200, 401]
    assert calls == [token, tamper(token)]


def test_server_is_stopped_when_the_block_ends() -> None:
    with throughput.serving("uvicorn", "s" * 43) as port:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_a_verifier_that_skips_the_signature_is_refused(alg: str) -> None:
    material = Material.make(alg)
    claims = claims_for(1)
    token = material.token(claims)

    def careless(token: str) -> dict[str, Any]:
        return {"sub": "user-1"}

    with pytest.raises(AssertionError, match="accepted a tampered token"):
        verify.check_contender("careless", careless, token, tamper(token), "user-1")
    verify.check_contender("floor", verify.floor_verifier(material), token, tamper(token), "user-1")


@pytest.mark.parametrize("flag", ["--no-report", "--tiny"])
def test_tables_only_runs_never_write_the_committed_results(flag: str) -> None:
    args = _parse([flag])
    committed = _parse([])
    assert args.json.parent != committed.json.parent  # a scratch folder, wherever TMPDIR is
    assert args.report != committed.report
    assert args.img_dir != committed.img_dir


def test_a_quick_run_writes_the_committed_results_by_default() -> None:
    args = _parse([])
    assert args.json == ROOT / "benchmarks" / "results" / "quick.json"
    assert args.report == ROOT / "docs" / "benchmarks.md"


def test_unknown_benchmark_name_is_an_error(tmp_path: Path) -> None:
    paths = ["--json", str(tmp_path / "x.json"), "--report", str(tmp_path / "r.md")]
    assert main(["--tiny", "--only", "nope", *paths, "--img-dir", str(tmp_path)]) == 2


def test_revocation_load_reports_load_propagation_and_faults(tiny_run: dict[str, Any]) -> None:
    data = tiny_run["data"]["results"]["revocation_load"]
    for run in data["load"].values():
        assert run["requests"] > 0 and run["revoked_accepted"] == 0
        assert set(run["statuses"]) <= {"200", "401"}  # Redis is healthy: no 503
        assert run["propagation"]["every_worker_refused"]
        assert run["memory_mib"]
    for run in data["faults"].values():
        assert run["revoked_accepted"] == 0
        assert run["to_fail_closed_s"] is not None  # the killed Redis made it refuse
        assert run["enforced_by_app"] == run["revocations"]
        assert sum(run["timeline"]["503"]) + sum(run["timeline"]["other"]) > 0


def test_keep_reruns_one_benchmark_and_keeps_the_rest(
    tiny_run: dict[str, Any], tmp_path: Path
) -> None:
    data = tmp_path / "tiny.json"
    data.write_text((tiny_run["dir"] / "tiny.json").read_text())
    report = tmp_path / "benchmarks.md"
    args = ["--tiny", "--only", "middleware", "--keep", "--json", str(data)]
    assert main([*args, "--report", str(report), "--img-dir", str(tmp_path / "img")]) == 0
    merged = json.loads(data.read_text())
    assert list(merged["results"]) == list(tiny_run["data"]["results"])  # the suite's order
    assert merged["results"]["verify"] == tiny_run["data"]["results"]["verify"]  # kept as is
    assert merged["machine"]["kept"]["names"] == [
        "verify", "throughput", "scaling", "revocation", "revocation_load", "dpop",
        "observability", "instructions",
    ]  # fmt: skip
    text = report.read_text()
    assert "are kept from the run of" in text and "## 1. Verification" in text
    kept_from = tiny_run["data"]["machine"]
    assert merged["machine"]["kept"]["cpu"] == kept_from["cpu"]  # the kept run's machine
    assert f"kept from the run of {kept_from['date']} (on {kept_from['cpu']}, " in text
    # a kept benchmark's contenders are still described, as in the whole run's report
    described = "| floor: dict + exp | a dict look-up of the token"
    assert described in (tiny_run["dir"] / "docs" / "benchmarks.md").read_text()
    assert described in text


def test_payload_growth_is_also_reported_against_the_floors_growth() -> None:
    # a floor growing 1.68x leaves the absolute 1.3x limit reachable only at 2.27x the
    # floor on the small payload; a floor growing less than the limit asks nothing more
    assert verify.needed_small_ratio(1.68) == pytest.approx(1 + 0.38 / 0.3)
    assert verify.needed_small_ratio(1.2) == 1.0
    grown = {"payload_bytes": [400, 1600], "jwtguard_growth": 1.7, "floor_growth": 1.68,
             "relative_growth": 1.7 / 1.68}  # fmt: skip
    found = {t["target"]: t for t in verify.targets({}, {"HS256": {"vs_cheapest": 1.0}}, grown)}
    relative = [t for name, t in found.items() if "over the floor's own growth" in name]
    assert [(t["measured"], t["met"]) for t in relative] == [(1.7 / 1.68, True)]
    absolute = [t for name, t in found.items() if "payload <= 1.3x" in name]
    assert [t["met"] for t in absolute] == [False]


def test_instruction_counts_are_reported_as_overheads_and_ratios_to_their_floors() -> None:
    from benchmarks import instructions
    from benchmarks.report import _section_instructions

    asgi = dict(zip(instructions.ASGI, (10_000, 18_000, 22_000, 20_000, 26_000), strict=True))
    flask = dict(
        zip(instructions.FLASK, (300_000, 320_000, 325_000, 324_000, 330_000, 315_000), strict=True)
    )
    targets = {t["target"]: t for t in instructions._targets({"asgi": asgi, "flask": flask})}
    assert targets["ASGI middleware default / raw floor, by instructions"]["measured"] == 2.0
    appending = "ASGI middleware default / raw floor appending the same headers, by instructions"
    assert targets[appending]["measured"] == 16_000 / 12_000
    assert not targets[appending]["met"]
    headers_off = targets["ASGI middleware headers off / raw floor, by instructions"]
    assert (headers_off["measured"], headers_off["met"]) == (1.25, True)
    assert targets["Flask extension default / plain decorator, by instructions"]["measured"] == 1.5
    flask_appending = "Flask extension default / plain decorator appending the same headers"
    assert targets[flask_appending + ", by instructions"]["measured"] == 30_000 / 25_000
    text = "\n".join(_section_instructions({"asgi": asgi, "flask": flask}))
    assert "| asgi: JWTGuardMiddleware, default | 26,000 | +16,000 |" in text
    assert "| flask: Flask bare | 300,000 |  |" in text
    assert "(1.50x the raw floor's overhead on its own)" in text
