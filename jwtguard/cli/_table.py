"""The table ``jwtguard bench`` prints: times in human units, ratios, what a core can do."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["table"]


def _duration(ns: float) -> str:
    micro = "µs" if (sys.stdout.encoding or "").lower().replace("-", "") == "utf8" else "us"
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1_000:.3g} {micro}"
    return f"{ns / 1_000_000:.3g} ms"


def _rate(ns: float) -> str:
    """Operations a second at ``ns`` each, to three significant digits."""
    per_second = float(f"{1e9 / ns:.3g}")
    return f"{per_second / 1e6:.3g} million" if per_second >= 1e6 else f"{per_second:,.0f}"


def table(report: Mapping[str, Any]) -> str:
    """The report of ``jwtguard bench`` as the small table it prints (``--json`` aside)."""
    machine = report["machine"]
    lines = [
        f"jwtguard bench: {report['algorithm']} with {report['key']}, "
        f"{report['token']['source']} ({report['token']['bytes']} bytes)",
        f"{report['rounds']} rounds side by side in {report['seconds']} s; Python "
        f"{machine['python']}, cryptography {machine['cryptography']}, {machine['cpus']} CPUs",
        "",
        f"{'':<28}{'jwtguard':>10}  {'floor':>10}  {'ratio':>6}  floor is",
    ]
    for result in report["results"]:
        floor = result["floor"]
        lines.append(
            f"{result['label']:<28}{_duration(result['ns']):>10}  "
            + (
                f"{_duration(floor['ns']):>10}  {result['ratio']:>5.2f}x  {floor['label']}"
                if floor is not None
                else f"{'-':>10}  {'-':>6}  no floor for this algorithm"
            )
        )
    lines.append("")
    by_name = {r["name"]: r for r in report["results"]}
    uncached, cached = (_rate(by_name[n]["ns"]) for n in ("verify_uncached", "verify_cached"))
    lines.append(f"one core verifies about {uncached} new and {cached} cached tokens a second.")
    for result in report["results"]:
        if "bare_app_ns" in result:
            added = result["ns"] - result["bare_app_ns"]
            lines.append(
                f"the middleware (default security headers) adds {_duration(max(added, 0))} "
                f"to a bare app's {_duration(result['bare_app_ns'])} per request."
            )
    lines.append(
        "ratio: median of per-round ratios to the floor (1.00x is the floor); revocation "
        "not included."
    )
    lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines)
