"""Writes docs/benchmarks.md from the results of one run: tables, plots, configuration, targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["headline", "render"]

METHOD = """\
Every comparison is measured side by side in one run: each round times one batch of
every contender back to back (rotating the order), with the garbage collector paused
during a batch and the thread's CPU time (`time.thread_time_ns`) around it, so the turns
other processes take on the shared cores do not count; batches are calibrated to a fixed
duration (the HTTP runs count requests per wall-clock second). A time is the median over
rounds; a ratio is the median of the per-round ratios, so a slow patch of the shared
machine weighs on both sides alike. Before it is timed, every verifier must accept the
token and reject a copy with a changed payload, and every protected app must answer 200
to the token and 4xx to the tampered copy.
Nothing here is asserted in the test suite; `tests/benchmarks/` only runs each benchmark
once in a tiny mode so the code keeps working."""


def _fmt(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    if unit == "ns":
        return f"{value:.0f} ns"
    return f"{value:.2f}x" if unit == "x" or unit.endswith("jwtguard") else f"{value:.2f}"


def _limit(t: dict[str, Any]) -> str:
    if t["unit"] == "fraction":
        return f"<= {t['limit'] * 100:.0f}%"
    if t["unit"] == "ns":
        return f"<= {t['limit']:.0f} ns"
    if "faster" in t["target"]:
        return "> 1.00x"
    op = ">=" if t["target"].rsplit(" ", 2)[-2:-1] == [">="] else "<="
    return f"{op} {t['limit']:.2f}x"


def headline(results: dict[str, Any]) -> list[str]:
    """The few ratios the README quotes."""
    lines = []
    verify = results.get("verify", {}).get("algorithms", {})
    hs = verify.get("HS256")
    if hs:
        hit, ours = hs["jwtguard (cache hit)"], hs["jwtguard (uncached)"]
        pyjwt = hs.get("PyJWT, key as text")
        if pyjwt:
            lines.append(
                f"A cached verification costs {hit['median_ns'] / 1000:.2f} us: "
                f"{pyjwt['median_ns'] / hit['median_ns']:.0f}x less than PyJWT's `jwt.decode` "
                f"(HS256), {hit['vs_dict_floor']:.2f}x a bare dict look-up plus an exp check."
            )
        peers = {
            n: r["vs_jwtguard_uncached"]
            for n, r in hs.items()
            if not n.startswith(("jwtguard", "floor"))
        }
        if peers:
            best = min(peers, key=lambda n: peers[n])
            lines.append(
                f"Uncached HS256 verification: {ours['vs_floor']:.2f}x a hand-written "
                f"standard-library floor; the fastest peer ({best}) takes {peers[best]:.2f}x "
                f"jwtguard's time, PyJWT `jwt.decode` {peers.get('PyJWT, key as text', 0):.2f}x."
            )
    asym = [
        f"{alg} {verify[alg]['jwtguard (uncached)']['vs_floor']:.2f}x"
        for alg in ("RS256", "ES256", "EdDSA")
        if alg in verify
    ]
    if asym:
        lines.append(f"Uncached public-key verification vs its floor: {', '.join(asym)}.")
    mw = results.get("middleware", {})
    asgi, wsgi = mw.get("asgi", {}), mw.get("wsgi", {})
    ours_asgi = asgi.get("Starlette + jwtguard (default)")
    equal_asgi = asgi.get("Starlette + jwtguard")
    floor_asgi = asgi.get("Starlette + raw dict middleware")
    peer_asgi = asgi.get("Starlette + AuthenticationMiddleware (PyJWT)")
    if ours_asgi and equal_asgi and floor_asgi and peer_asgi:
        lines.append(
            f"ASGI middleware, default configuration (security headers on), cache hit: adds "
            f"{_pct(ours_asgi)} to a bare Starlette request, {_times(ours_asgi, floor_asgi)} "
            f"the overhead of a raw middleware doing only a dict look-up ({_pct(floor_asgi)}); "
            f"headers off (the peers' work) {_pct(equal_asgi)}. Starlette's "
            f"AuthenticationMiddleware with PyJWT adds {_pct(peer_asgi)} "
            f"({_times(peer_asgi, ours_asgi)} the default's)"
            + (
                f"; with jwtguard's cache off it adds "
                f"{_pct(asgi['Starlette + jwtguard (cache off)'])}."
                if "Starlette + jwtguard (cache off)" in asgi
                else "."
            )
        )
    dep, noop = asgi.get("FastAPI + jwtguard JWTBearer"), asgi.get("FastAPI + empty dependency")
    bearer = asgi.get("FastAPI + HTTPBearer (PyJWT)")
    hardened = asgi.get("FastAPI + jwtguard JWTBearer + SecurityHeadersMiddleware")
    if dep and noop and bearer:
        lines.append(
            f"FastAPI: `Depends(JWTBearer(guard))` (its default: a dependency sets no headers) "
            f"adds {_pct(dep)} to a bare route, of which an empty dependency alone adds "
            f"{_pct(noop)}"
            + (
                f"; with SecurityHeadersMiddleware around the app {_pct(hardened)}"
                if hardened
                else ""
            )
            + f"; HTTPBearer with PyJWT adds {_pct(bearer)}."
        )
    ext, fjwt = (
        wsgi.get("Flask + jwtguard extension (default)"),
        wsgi.get("Flask + flask-jwt-extended"),
    )
    floor_wsgi, equal_ext = (
        wsgi.get("Flask + plain dict decorator"),
        wsgi.get("Flask + jwtguard extension"),
    )
    if ext and fjwt and floor_wsgi and equal_ext:
        lines.append(
            f"Flask: `@jwt_required` in the default configuration adds {_pct(ext)} to a bare "
            f"view, {_times(ext, floor_wsgi)} the overhead of a plain decorator doing a dict "
            f"look-up ({_pct(floor_wsgi)}); headers off {_pct(equal_ext)}; flask-jwt-extended "
            f"adds {_pct(fjwt)} ({_times(fjwt, ext)} the default's)."
        )
    middleware = wsgi.get("Flask + jwtguard WSGI middleware (default)")
    if middleware:
        lines.append(
            f"WSGI middleware in the default configuration: {_pct(middleware)} of a bare "
            f"Flask route (headers off {_pct(wsgi['Flask + jwtguard WSGI middleware'])})."
        )
    django = mw.get("django", {})
    ours_django, simplejwt = (
        django.get("Django + jwtguard middleware"),
        django.get("DRF + simplejwt JWTAuthentication"),
    )
    ours_drf = django.get("DRF + jwtguard JWTAuthentication")
    if ours_django and simplejwt and ours_drf:
        floor = 0.01 * django["DRF bare"]["median_ns"] if "DRF bare" in django else 1.0
        drf_ns = ours_drf["overhead_ns"]
        drf_text = (
            f"{drf_ns / 1000:.1f} us"
            if drf_ns >= floor
            else f"less than 1% ({floor / 1000:.1f} us, below what the run resolves)"
        )
        lines.append(
            f"Django: the middleware on a cache hit adds {ours_django['overhead'] * 100:.0f}% "
            f"({ours_django['overhead_ns'] / 1000:.1f} us) to a bare view; DRF's "
            f"JWTAuthentication from jwtguard adds {drf_text} to a bare APIView, simplejwt's "
            f"{simplejwt['overhead_ns'] / 1000:.0f} us "
            f"(at least {simplejwt['overhead_ns'] / max(drf_ns, floor):.0f}x more)."
        )
    http = results.get("throughput", {}).get("servers", {})
    parts = []
    for server, routes in http.items():
        others = [
            f"{label} {routes[route]['rps_vs_public']:.2f}x"
            for route, label in (("equal", "headers off"), ("uncached", "cache off"),
                                 ("peer", "peer"), ("floor", "raw dict floor"),
                                 ("floor_headers", "the floor appending the same headers"))
            if route in routes
        ]  # fmt: skip
        parts.append(f"{server} {routes['protected']['rps_vs_public']:.2f}x ({', '.join(others)})")
    if parts:
        lines.append(
            "Over HTTP, a route behind jwtguard in its default configuration serves this share "
            f"of the same route's requests per second without jwtguard: {'; '.join(parts)}."
        )
    sizes = results.get("scaling", {}).get("cache_size", [])
    if sizes:
        r = sizes[min(1, len(sizes) - 1)]
        lines.append(
            f"As a server sees it (a freshly decoded token string, {r['entries']:,} entries "
            f"cached) a hit costs {r['hit_ns'] / 1000:.2f} us, {r['vs_dict_floor']:.2f}x a "
            "plain dict of the same size."
        )
    mem = results.get("scaling", {}).get("memory")
    if mem:
        lines.append(
            f"Memory: about {mem['bytes_per_entry_with_token']:.0f} bytes per cached token "
            f"({mem['bytes_per_entry_without_token']:.0f} for the entry and claims, plus the "
            f"{mem['token_chars']:.0f}-character token string)."
        )
    lines += _revocation_headline(results)
    return lines


def _revocation_headline(results: dict[str, Any]) -> list[str]:
    lines = []
    sync = results.get("revocation", {}).get("sync")
    if sync:
        lines.append(
            f"Revocation across workers: a new process syncs {sync['entries']:,} live "
            f"revocations from Redis in {sync['first_sync_s']} s, at "
            f"{sync['heap_bytes_per_entry']:.0f} bytes each (target: a million in under 2 s, "
            "about 100 bytes each)."
        )
    load = results.get("revocation_load", {})
    runs = load.get("load", {})
    faults = load.get("faults", {})
    if runs and faults:
        accepted = sum(r["revoked_accepted"] for r in [*runs.values(), *faults.values()])
        requests = sum(r["requests"] for r in [*runs.values(), *faults.values()])
        closed = max(r["to_fail_closed_s"] or 0 for r in faults.values())
        back = max(r["recovered_after_s"] for r in faults.values())
        kept = all(r["kept_in_redis"] == r["revocations"] for r in faults.values())
        lines.append(
            f"Under load ({requests:,} requests to real servers, Redis killed with and "
            f"without persistence and stopped): {accepted} revoked tokens accepted, fail "
            f"closed within {closed:.2f} s, recovered {back:.2f} s after Redis was back, "
            + ("every revocation kept." if kept else "revocations lost: see section 6.")
        )
    return lines


def _kept_note(machine: dict[str, Any]) -> list[str]:
    kept = machine.get("kept")
    if not kept:
        return []
    load, cpu = kept.get("load_average"), kept.get("cpu")
    about = [f"on {cpu}"] if cpu else []
    if load:
        about.append(f"1-minute load average {load[0]:.2f} at its start")
    return [
        "",
        f"Only part of the suite was re-run on {machine['date']}; "
        f"{', '.join(kept['names'])} are kept from the run of {kept['date']}"
        + (f" ({', '.join(about)})" if about else "")
        + ".",
    ]


def _pct(row: dict[str, Any]) -> str:
    return f"{row['overhead'] * 100:.0f}%"


def _times(row: dict[str, Any], other: dict[str, Any]) -> str:
    return f"{row['overhead'] / max(other['overhead'], 0.01):.2f}x"


def _ratio(rows: dict[str, Any], top: str, bottom: str) -> str:
    """Row ``top``'s added time over row ``bottom``'s; a ``bottom`` below 1% of its bare
    app's time counts as that 1% (a lower bound, marked ``>=``)."""
    least = 0.01 * rows[rows[bottom]["base"]]["median_ns"]
    under = rows[bottom]["overhead_ns"]
    ratio = rows[top]["overhead_ns"] / max(under, least)
    return f">= {ratio:.2f}x" if under < least else f"{ratio:.2f}x"


def _config_table(configuration: dict[str, str]) -> list[str]:
    lines = ["| contender | configured to check / do |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in configuration.items()]
    return lines


def _section_verify(data: dict[str, Any], configuration: dict[str, str]) -> list[str]:
    out = ["## 1. Verification cost per token", ""]
    out.append(
        "Times in microseconds per token; `x floor` is the ratio to the hand-written floor "
        "for the same algorithm, `x jwtguard` to jwtguard uncached (above 1: slower than "
        "jwtguard). Claims: iss, sub, aud, iat, nbf, exp, jti, scope; no `kid`."
    )
    for alg, rows in data["algorithms"].items():
        out += [
            "",
            f"### {alg}",
            "",
            "| contender | us/token (quartiles) | x floor | x jwtguard uncached |",
            "|---|---:|---:|---:|",
        ]
        for name, row in sorted(rows.items(), key=lambda kv: kv[1]["median_ns"]):
            low, high = row["quartiles_ns"]
            out.append(
                f"| {name} | {row['median_ns'] / 1000:.2f} ({low / 1000:.2f}-{high / 1000:.2f}) "
                f"| {row['vs_floor']:.3f} | {row['vs_jwtguard_uncached']:.2f} |"
            )
    by_alg = data.get("hit_by_algorithm")
    if by_alg:
        out += [
            "",
            "### Cache hit by algorithm, side by side",
            "",
            "One round-robin over the four cache-hit verifiers (the issue asks for a cost "
            "independent of the algorithm; the limit of 1.25x is ours):",
            "",
            "| algorithm | ns per hit | vs cheapest |",
            "|---|---:|---:|",
        ]
        out += [
            f"| {alg} | {row['median_ns']:.0f} | {row['vs_cheapest']:.2f} |"
            for alg, row in by_alg.items()
        ]
    out += _growth_lines(data.get("growth"))
    out += ["", "What each contender was configured to do (same checks for all):", ""]
    out += _config_table(configuration)
    out += ["", _FLOOR_SCOPE]
    return out


_FLOOR_SCOPE = (
    "The floor is the least work that gives these tokens the same answer, not a complete "
    "verifier: it checks no `nbf` or `iat`, not the types of `sub` and `jti`, no duplicate "
    "member names, no nesting depth, no canonical base64url, no `crit`, `b64`, `kid` or "
    "`typ` header rule. jwtguard does all of them on every uncached verification, and reads "
    "a header once per distinct header segment where the floor parses it on every call. "
    "The floor stays as it is: a ratio to it is jwtguard's cost against the signature check "
    "and parsing that any verifier needs. Timed ratios on this shared two-core machine move "
    "by 5-10% from run to run (RS256's uncached ratio read 1.04x to 1.22x on one afternoon, "
    "load average about 3); instruction counts do not. Counted with valgrind (callgrind, "
    "200 verifications of one token inside `map`, `PYTHONHASHSEED=0`, both verifiers on the "
    "same PEM-loaded key), jwtguard's uncached path at commit 0760c90 executes fewer "
    "instructions than the floor for every algorithm: HS256 111.4k against 112.6k, RS256 "
    "424.3k against 426.2k, ES256 944.5k against 952.8k, EdDSA 1,548k against 1,551k (at "
    "324ad19: 117.2k, 435.0k, 956.4k; a whole-token alphabet pass, a formatted TypeError "
    "from `bytes in bytes` and ECDSA's integer round trip to DER were the difference). What "
    "is left in the timed ratios is not more work but slower instructions: jwtguard's "
    "checks are interpreted Python where the floor's JSON parsing is C. On the growth rows' "
    "nested payloads it executes 1.21x (400 B) and 1.22x (1.6 KB) the floor's instructions: "
    "a Python hook per JSON object, for the duplicate-member check and the frozen claims."
)


def _growth_lines(grown: dict[str, Any] | None) -> list[str]:
    """The payload-growth rows, and why the absolute growth limit cannot be met."""
    if not grown:
        return []
    small, large = grown["payload_bytes"]
    out = [
        "",
        "### Payload growth (HS256, uncached)",
        "",
        "| payload | jwtguard us | floor us | x floor |",
        "|---|---:|---:|---:|",
    ]
    for size in (small, large):
        ours = grown["median_ns"][f"jwtguard (uncached) {size}"]
        floor = grown["median_ns"][f"floor {size}"]
        vs_floor = grown["vs_floor"].get(size, grown["vs_floor"].get(str(size)))
        out.append(f"| {size} B | {ours / 1000:.2f} | {floor / 1000:.2f} | {vs_floor:.2f} |")
    relative = grown.get("relative_growth")
    shown = f", {relative:.2f}x the floor's growth" if relative is not None else ""
    out += [
        "",
        f"From {small} to {large} bytes jwtguard's cost grows {grown['jwtguard_growth']:.2f}x "
        f"and the hand-written floor's {grown['floor_growth']:.2f}x{shown}. The issue's "
        "limit of 1.3x growth cannot be met together with the uncached limit of 1.3x the "
        "floor: every verifier base64-decodes, MACs and parses the whole payload, so the "
        "floor itself grows with it; a verifier at k times the floor on both sizes grows "
        "exactly as much as the floor, and one that grew only 1.3x would need an extra "
        "fixed cost on the small token that makes it "
        f"{grown.get('needed_small_ratio', 0.0):.1f}x the floor there. What "
        "can be held is jwtguard's growth relative to the floor's (the per-object "
        "duplicate-member check and the frozen nested claims stay: they are the checks).",
    ]
    return out


def _section_middleware(data: dict[str, Any], configuration: dict[str, str]) -> list[str]:
    out = ["## 2. Middleware overhead per request (in process)", ""]
    out.append(
        "ASGI apps are called directly with a prebuilt scope in one event loop, WSGI apps "
        "with a prebuilt environ (no test client, no sockets). Overhead is the median "
        "per-round ratio to the matching bare app, minus one. One HS256 token, so jwtguard "
        "rows are cache hits; PyJWT-based peers verify on every request (they have no cache). "
        "Every request gets its own `Authorization` bytes (ASGI) or string (WSGI), as a "
        "server parses each request anew, so no hash computed for one request serves the next."
    )
    out += [
        "",
        "The Django and DRF rows are measured side by side in a process of their own "
        "(Django's settings are global); their targets compare the added microseconds "
        "(jwtguard's middleware over a bare Django view, the DRF authentication classes "
        "over a bare APIView).",
    ]
    out += ["", "| app | us/request | overhead vs bare |", "|---|---:|---:|"]
    for group in ("asgi", "wsgi", "django"):
        for name, row in data.get(group, {}).items():
            out.append(
                f"| {name} | {row['median_ns'] / 1000:.1f} | "
                f"{row['overhead'] * 100:+.1f}% (vs {row['base']}) |"
            )
    out += ["", *_adapters_table(data)]
    out += ["", *_config_table(configuration)]
    return out


def _adapters_table(data: dict[str, Any]) -> list[str]:
    """Each jwtguard adapter: floor, equal work, default configuration, peer (overheads)."""
    out = [
        "### Default configuration beside equal work",
        "",
        "Added microseconds per request over the bare app (the median per-round ratio minus "
        "one, times the bare app's median), for each jwtguard adapter: the reference floor "
        "(a middleware or decorator doing only a dict look-up, or for FastAPI an empty "
        "dependency), the equal-work row (security headers off, what the peers do), the "
        "default configuration (headers on; for the FastAPI dependency, which sets none, "
        "with SecurityHeadersMiddleware around the app; a DRF authentication class sets "
        "none either) and the usual peer. Django's rows are over a bare Django view, DRF's "
        "and simplejwt's over a bare DRF view.",
        "",
        "| adapter | floor | equal work | default | peer | default / floor | peer / default |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for adapter, (group, equal, default, floor, peer) in data.get("adapters", {}).items():
        rows = data.get(group, {})
        if not all(name in rows for name in (equal, default, peer)) or (
            floor is not None and floor not in rows
        ):
            continue
        added = {n: rows[n]["overhead_ns"] / 1000 for n in (equal, default, peer)}
        floor_us = rows[floor]["overhead_ns"] / 1000 if floor is not None else None
        out.append(
            f"| {adapter} | {'' if floor_us is None else f'{floor_us:+.2f}'} | "
            f"{added[equal]:+.2f} | {added[default]:+.2f} | {added[peer]:+.1f} | "
            f"{'' if floor is None else _ratio(rows, default, floor)} | "
            f"{_ratio(rows, peer, default)} |"
        )
    out += [
        "",
        "A ratio marked `>=` divides by 1% of the bare app's time, because the denominator's "
        "overhead was smaller than that (below what the run resolves): a lower bound.",
    ]
    return out


def _section_throughput(data: dict[str, Any], configuration: dict[str, str]) -> list[str]:
    load = data["load"]
    out = ["## 3. HTTP throughput on loopback", ""]
    out.append(
        f"Load generator: {data['load_generator']}, {load['connections']} connections, "
        f"{load['seconds_per_run']:g} s per run, {load['distinct_users']} distinct users' "
        "tokens picked at random per request, after a warm-up run per route. In each of "
        f"{load['rounds']} rounds every checked route runs right next to a run of `public` "
        "(the order flips from pair to pair: public first, then the route first), and its "
        "ratio for the round divides those two adjacent runs; `vs public` is the median of "
        "the rounds' ratios, with their quartiles and range. Server and load generator share "
        "the machine's cores (and with other work), so absolute numbers are low and single "
        "rounds still stray; the in-process numbers of section 2 are the precise measure of "
        "per-request cost. `floor_headers` is the raw floor appending, unchecked, the very "
        "header lines the default adds to that response (a test compares the two responses "
        "line by line): the server checks and serialises every header line itself, so its "
        "ratio to `public` is the most any layer sending the default's headers can keep on "
        "that server, and the default is judged against it as well."
    )
    out += [
        "",
        "| server | route | req/s | p50 ms | p99 ms | vs public (quartiles; range) | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for server, routes in data["servers"].items():
        for route, row in routes.items():
            ratio, spread = row.get("rps_vs_public"), row.get("rps_vs_public_range")
            shown = "" if ratio is None else f"{ratio:.2f}x"
            quarts = row.get("rps_vs_public_quartiles")
            if quarts and spread:
                shown += f" ({quarts[0]:.2f}-{quarts[1]:.2f}; {spread[0]:.2f}-{spread[1]:.2f})"
            elif spread:
                shown += f" ({spread[0]:.2f}-{spread[1]:.2f})"
            out.append(
                f"| {server} | {route} | {row['rps']:.0f} | {row['p50_ms']:.2f} | "
                f"{row['p99_ms']:.2f} | {shown} | {row['errors']} |"
            )
    out += ["", *_config_table(configuration)]
    return out


def _section_scaling(data: dict[str, Any]) -> list[str]:
    out = [
        "## 4. Scaling (HS256)",
        "",
        "Cache hit against the number of entries held "
        "(look-ups use a fresh copy of the token string, as a server does):",
        "",
        "| entries | hit ns | dict + exp ns (same size) | ratio |",
        "|---:|---:|---:|---:|",
    ]
    for r in data["cache_size"]:
        out.append(
            f"| {r['entries']:,} | {r['hit_ns']:.0f} | {r['dict_floor_ns']:.0f} | "
            f"{r['vs_dict_floor']:.2f} |"
        )
    out += [
        "",
        "Against token size:",
        "",
        "| token bytes | hit ns | uncached us | floor us | uncached / floor |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in data["token_size"]:
        out.append(
            f"| {r['token_bytes']} | {r['hit_ns']:.0f} | {r['uncached_ns'] / 1000:.1f} | "
            f"{r['floor_ns'] / 1000:.1f} | {r['uncached_vs_floor']:.2f} |"
        )
    out += [
        "",
        "Against the number of distinct tokens arriving in random order (cache warm):",
        "",
        "| distinct tokens | cache size | hit ratio | mean us/request |",
        "|---:|---:|---:|---:|",
    ]
    for r in data["distinct_tokens"]:
        out.append(
            f"| {r['distinct_tokens']:,} | {r['cache_size']:,} | {r['hit_ratio']:.3f} | "
            f"{r['mean_ns'] / 1000:.2f} |"
        )
    out += [
        "",
        "Uncached verification against the number of keys in the set (token signed by "
        "the last key, found by `kid`):",
        "",
        "| keys | uncached us | vs one key |",
        "|---:|---:|---:|",
    ]
    for r in data.get("kid_lookup", []):
        out.append(f"| {r['keys']:,} | {r['uncached_ns'] / 1000:.2f} | {r['vs_1_key']:.2f} |")
    m, e = data["memory"], data["eviction"]
    out += [
        "",
        f"Memory per cached entry (tracemalloc, {m['entries']:,} real verifications): "
        f"**{m['bytes_per_entry_without_token']:.0f} bytes** for the entry, claims and cache "
        f"bookkeeping, plus the token string the cache keeps alive "
        f"({m['token_chars']:.0f} characters, {m['token_string_bytes']:.0f} bytes): "
        f"**{m['bytes_per_entry_with_token']:.0f} bytes** in all. Claims: "
        f"{', '.join(m['claims'])}. Larger claim sets cost more.",
        "",
        f"Eviction: with the cache full ({e['capacity']:,} entries) and every token new, a "
        f"verification (miss, insert, evict) costs {e['evicting_miss_ns'] / 1000:.1f} us "
        f"against {e['no_cache_miss_ns'] / 1000:.1f} us with the cache off: "
        f"{e['ratio']:.2f}x.",
    ]
    return out


def _section_revocation(data: dict[str, Any]) -> list[str]:
    out = [
        "## 5. Revocation on the hot path (cached verify)",
        "",
        "| store | ns per cached verify | added ns | vs no store |",
        "|---|---:|---:|---:|",
    ]
    for name, row in data["cached_verify"].items():
        out.append(
            f"| {name} | {row['median_ns']:.0f} | {row['added_ns']:.0f} | "
            f"{row['vs_no_store']:.2f}x |"
        )
    if "propagation" in data:
        p = data["propagation"]
        out += [
            "",
            f"Propagation of a revocation to another process through Redis "
            f"({p['samples']} samples): p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
            f"max {p['max_ms']} ms.",
        ]
    elif "redis" in data:
        out += ["", f"Redis: {data['redis']}."]
    if "sync" in data:
        y = data["sync"]
        out += [
            "",
            f"A new process's first sync of **{y['entries']:,} live revocations**: "
            f"**{y['first_sync_s']} s** (a resync after a reconnect: {y['resync_s']} s); "
            f"local memory per entry: **{y['heap_bytes_per_entry']} bytes** of Python heap "
            f"(tracemalloc), {y['rss_bytes_per_entry']} bytes of resident memory growth. "
            f"Target: {y['target']}. (Filling Redis with them through `revoke_many` took "
            f"{y['fill_s']} s.)",
        ]
    return out


def _section_observability(data: dict[str, Any], configuration: dict[str, str]) -> list[str]:
    out = [
        "## 8. Metrics on a cache hit",
        "",
        "In process, through `Pipeline.decide_on_authorization` (the adapters' hot path) on a "
        "cached token, with the Prometheus collector and the OpenTelemetry instruments "
        "registered and without: metrics add "
        f"**{data['added_ns']:.0f} ns** to a cache hit (the target: a few hundred at most). "
        "The exporters read the counters when scraped; a decision costs one lock-free "
        f"counter step either way ({data['counter_ns']:.0f} ns), and the latency histogram "
        "sees full verifications only.",
        "",
        "| case | ns | vs metrics off | what |",
        "|---|---:|---:|---|",
    ]
    for name, row in data["cases"].items():
        ratio = "" if row["vs_off"] is None else f"{row['vs_off']:.2f}x"
        out.append(f"| {name} | {row['median_ns']:.0f} | {ratio} | {configuration.get(name, '')} |")
    return out


def _section_dpop(data: dict[str, Any], configuration: dict[str, str]) -> list[str]:
    out = [
        "## 7. DPoP requests (RFC 9449) on a cached access token",
        "",
        "In process, through `Pipeline.decide` on a request view, a fresh ES256 proof per "
        "request. The target: a DPoP request costs at most 1.2 proof signature checks on top "
        "of a cache hit, `(DPoP - bearer) / signature check`, the median of per-round ratios, "
        "judged on the `proof signature check` row (a loop of checks): "
        f"**{data['dpop_on_top_in_signature_checks']:.2f}**.",
        *_dpop_reference(data),
        "",
        "| case | ns per request | vs bearer | what |",
        "|---|---:|---:|---|",
    ]
    for name, row in data["cases"].items():
        out.append(
            f"| {name} | {row['median_ns']:.0f} | {row['vs_bearer']:.2f}x | "
            f"{configuration.get(name, '')} |"
        )
    return out


def _dpop_reference(data: dict[str, Any]) -> list[str]:
    """The ratio on the check between requests (a reference row; absent in older runs)."""
    if "dpop_on_top_in_checks_between_requests" not in data:
        return []
    return [
        "",
        "A reference, not the target: in a loop of checks OpenSSL's P-256 code and tables "
        "stay in the CPU's caches, in a server other work runs between two checks. The "
        "`bearer, then a proof signature check` row puts one bearer cache-hit decision (the "
        "least work a request does) before each check; minus the bearer row, the check "
        f"between requests costs {data['signature_check_between_requests_ns'] / 1000:.0f} µs, "
        "and a DPoP request costs "
        f"**{data['dpop_on_top_in_checks_between_requests']:.2f}** of those on top of a "
        "cache hit.",
    ]


def _section_revocation_load(data: dict[str, Any]) -> list[str]:
    if "skipped" in data:
        return ["## 6. Revocation under load and faults", "", f"Skipped: {data['skipped']}."]
    plan = data["plan"]
    out = [
        "## 6. Revocation under load and faults",
        "",
        f"Real servers, 2 workers each, over a real redis-server in push mode; "
        f"{plan['connections']} keep-alive connections for {plan['seconds']:g} s per load run, "
        "nine requests in ten with a valid token, one with a revoked one. The last column "
        "times one revocation made halfway through, from the `revoke` call to the first "
        "refusal seen on each worker; it includes that request's own response time (under "
        "`uvicorn --workers`, the 40 ms delayed ACK of docs/deployment.md). Propagation "
        "itself is in section 5.",
        "",
        "| load run | requests | req/s | p50 ms | p99 ms | statuses | revoked accepted "
        "| worker RSS MiB (first → last) | revocation to refusal on every worker (ms) |",
        "|---|---:|---:|---:|---:|---|---:|---|---|",
    ]
    for name, r in data["load"].items():
        memory = r.get("memory_mib") or []
        rss = f"{memory[0][1]:.0f} → {memory[-1][1]:.0f}" if memory else ""
        prop = r.get("propagation") or {}
        delays = ", ".join(f"{v:.1f}" for v in prop.get("to_refusal_ms", {}).values())
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        out.append(
            f"| {name} | {r['requests']} | {r['rps']:.0f} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{statuses} | {r['revoked_accepted']} | {rss} | {delays} |"
        )
    out += [
        "",
        f"Faults, injected a third into a {plan['fault_seconds']:g} s run: SIGKILL then a "
        f"restart 2 s later (with AOF fsync everysec, and without persistence), and SIGSTOP "
        f"for {plan['stop_seconds']:g} s. *Fail closed* is the time from the fault to the "
        "first refused request; *recovered* is from Redis being back to the last refused "
        "one. *Kept* counts the revocations Redis holds afterwards (a fresh store asks it), "
        "and those the app still enforces.",
        "",
        "| fault | fail closed after s | recovered after s | refused requests | kept in Redis "
        "| enforced by the app | revoked accepted |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in data["faults"].items():
        out.append(
            f"| {name} | {r['to_fail_closed_s']} | {r['recovered_after_s']} | "
            f"{r['refused_requests']} | {r['kept_in_redis']}/{r['revocations']} | "
            f"{r['enforced_by_app']}/{r['revocations']} | {r['revoked_accepted']} |"
        )
    return out


def _section_instructions(data: dict[str, Any]) -> list[str]:
    out = ["## 9. Instructions per request (callgrind)", ""]
    out.append(
        "The in-process middleware rows counted in instructions instead of time "
        "(`benchmarks/instructions.py`: each group's apps in one child process under valgrind's "
        "callgrind, counters zeroed after each app's warm-up requests and dumped after its "
        "measured ones, `PYTHONHASHSEED=0`). Counts repeat "
        "to within a fraction of a percent where the timed ratios on this shared machine swing "
        "from run to run; they measure work, not time (C code runs more instructions per cycle "
        "than the interpreter), so the timed targets above stay the ones judged. The ASGI "
        "rows wrap a plain ASGI app sending a start (`content-length`, `content-type`) and a "
        "body, so only the middleware differs; the Flask rows are section 2's apps. HS256, one "
        "token: jwtguard's rows are cache hits."
    )
    if data.get("tiny"):
        return [*out, "", "A tiny run serves each app once without valgrind: nothing counted."]
    out += ["", "| row | instructions per request | over the base app |", "|---|---:|---:|"]
    for group, base in (("asgi", "plain ASGI app"), ("flask", "Flask bare")):
        rows = data.get(group, {})
        for name, count in rows.items():
            added = "" if name == base else f"{count - rows[base]:+,.0f}"
            out.append(f"| {group}: {name} | {count:,.0f} | {added} |")
    asgi = data.get("asgi", {})
    names = ("plain ASGI app", "raw floor (dict look-up)", "raw floor appending the same headers")
    if all(n in asgi for n in names):
        plain, raw, appending = (asgi[n] for n in names)
        out += [
            "",
            "The raw floor appending the same headers does the least the default "
            "configuration adds: a send wrapper appending the API header lines unchecked "
            f"({(appending - plain) / (raw - plain):.2f}x the raw floor's overhead on its own). "
            "Every one of those lines is on OWASP's REST list, so the default cannot drop "
            "them; it also checks the app's own headers for clashes and the Content-Type for "
            "the kind of response, and sets Starlette's `user`, `auth` and `state` where the "
            "floor sets `user` only.",
        ]
    return out


def render(
    results: dict[str, Any],
    machine: dict[str, Any],
    images: dict[str, str],
    configurations: dict[str, dict[str, str]],
    *,
    img_prefix: str,
    json_path: str,
    command: str,
) -> str:
    """The whole report as markdown."""
    libs = ", ".join(f"{k} {v}" for k, v in machine["libraries"].items())
    load = machine.get("load_average")
    load_end = machine.get("load_average_end")
    out = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` ({machine['mode']} mode) on {machine['date']}. "
        # a path, not a link: the documentation site is built from docs/ alone
        f"Raw data: `{json_path.removeprefix('../')}` in the repository.",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores"
        + (
            f" (1-minute load average {load[0]:.2f} at start"
            + (f", {load_end[0]:.2f} at the end" if load_end else "")
            + "; the machine is shared with other work)"
            if load
            else ""
        )
        + f"; {machine['python']} on {machine['platform']}; {libs}"
        + (f"; {machine['wrk']}" if machine.get("wrk") else "; wrk not installed")
        + ".",
        *_kept_note(machine),
        "",
        "## How it is measured",
        "",
        METHOD,
        "",
        "## Headline",
        "",
        *[f"- {line}" for line in headline(results)],
        "",
        "## Targets",
        "",
        "Reported, not asserted. A miss is a finding for the code, not for the benchmark. "
        "`measured` is the median of per-round ratios (what the targets are judged on); "
        "`best-of-rounds` divides the two contenders' fastest batches, the reading least "
        "disturbed by other work on the machine.",
        "",
        "| target | measured (median) | best-of-rounds | limit | |",
        "|---|---:|---:|---:|---|",
    ]
    for group in ("verify", "middleware", "throughput", "dpop", "observability", "instructions"):
        for t in results.get(group, {}).get("targets", []):
            best = _fmt(t["best_of_rounds"], "x") if "best_of_rounds" in t else ""
            measured = _fmt(t["measured"], t["unit"])
            if "quartiles" in t:
                q1, q3 = t["quartiles"]
                measured += f" (quartiles {q1:.2f}-{q3:.2f}"
                measured += f", rounds {t['range'][0]:.2f}-{t['range'][1]:.2f})"
            elif "range" in t:
                measured += f" (rounds {t['range'][0]:.2f}-{t['range'][1]:.2f})"
            out.append(
                f"| {t['target']} | {measured} | {best} | {_limit(t)} | "
                f"{'met' if t['met'] else '**missed**'} |"
            )
    sections: list[tuple[str, Callable[[dict[str, Any]], list[str]]]] = [
        ("verify", lambda d: _section_verify(d, configurations.get("verify", {}))),
        ("middleware", lambda d: _section_middleware(d, configurations.get("middleware", {}))),
        ("throughput", lambda d: _section_throughput(d, configurations.get("throughput", {}))),
        ("scaling", _section_scaling),
        ("revocation", _section_revocation),
        ("revocation_load", _section_revocation_load),
        ("dpop", lambda d: _section_dpop(d, configurations.get("dpop", {}))),
        (
            "observability",
            lambda d: _section_observability(d, configurations.get("observability", {})),
        ),
        ("instructions", _section_instructions),
    ]
    for name, section in sections:
        data = results.get(name)
        if data is None:
            continue
        out.append("")
        if "error" in data:
            out += [f"## {name}", "", f"Not measured in this run: {data['error']}"]
            continue
        out += section(data)
        for image in (name, f"{name}-adapters"):
            if image in images:
                out += ["", f"![{image}]({img_prefix}{images[image]})"]
    out += [
        "",
        "## Reproduce",
        "",
        "`make bench` (quick, a few minutes at most) or "
        "`make bench ARGS=--full`; one part alone: `python -m benchmarks --only verify` "
        "or `python -m benchmarks.verify`. The `bench` extra holds the peers; `wrk` "
        "(Debian package) is used when installed, else a Python load generator.",
        "",
    ]
    return "\n".join(out)
