"""PNG plots for the report (matplotlib, Agg backend). Each function returns the file name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["plot_all"]

OURS = "#1f77b4"
FLOOR = "#7f7f7f"
PEER = "#ff7f0e"


def _colour(name: str) -> str:
    if name.startswith("jwtguard") or "jwtguard" in name:
        return OURS
    if name.startswith("floor") or any(w in name for w in ("bare", "raw dict", "empty dep")):
        return FLOOR
    return PEER


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_verify(data: dict[str, Any], path: Path) -> None:
    plt = _plt()
    algorithms = data["algorithms"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    for ax, (alg, rows) in zip(axes.flat, algorithms.items(), strict=False):
        ordered = sorted(rows.items(), key=lambda kv: kv[1]["median_ns"])
        names = [n for n, _ in ordered]
        micros = [r["median_ns"] / 1000 for _, r in ordered]
        ax.barh(names, micros, color=[_colour(n) for n in names])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_title(f"{alg}: microseconds per token (log scale)")
        for y, (value, (_, row)) in enumerate(zip(micros, ordered, strict=True)):
            ax.text(
                value, y, f" {value:.2f} ({row['vs_floor']:.2f}x floor)", va="center", fontsize=7
            )
        ax.set_xlim(right=max(micros) * 30)
    fig.suptitle("Verification cost per token (blue: jwtguard, grey: floors, orange: peers)")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_middleware(data: dict[str, Any], path: Path) -> None:
    plt = _plt()
    groups = [g for g in ("asgi", "wsgi", "django") if g in data]
    fig, axes = plt.subplots(
        len(groups), 1, figsize=(11, 3 + 2.2 * len(groups)), constrained_layout=True
    )
    axes = [axes] if len(groups) == 1 else list(axes)
    for ax, group in zip(axes, groups, strict=True):
        rows = data[group]
        names = list(rows)
        micros = [rows[n]["median_ns"] / 1000 for n in names]
        ax.barh(names, micros, color=[_colour(n) for n in names])
        ax.invert_yaxis()
        ax.set_title(f"{group.upper()}: microseconds per request, in process")
        for y, name in enumerate(names):
            ax.text(
                micros[y],
                y,
                f" {rows[name]['overhead'] * 100:+.0f}% vs {rows[name]['base']}",
                va="center",
                fontsize=8,
            )
        ax.set_xlim(right=max(micros) * 1.45)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_middleware_adapters(data: dict[str, Any], path: Path) -> None:
    """Overhead per jwtguard adapter: floor, equal work, default configuration, peer."""
    plt = _plt()
    kinds = [("floor", FLOOR), ("equal work", "#9ecae1"), ("default", OURS), ("peer", PEER)]
    shown = []
    for adapter, (group, equal, default, floor, peer) in data.get("adapters", {}).items():
        rows = data.get(group, {})
        names = (floor, equal, default, peer)  # the order of ``kinds``
        if all(n is None or n in rows for n in names):
            micros = [None if n is None else rows[n]["overhead_ns"] / 1000 for n in names]
            shown.append((adapter, micros))
    if not shown:
        return
    least = 0.01  # log scale: an overhead the run did not resolve is drawn there, labelled ~0
    fig, ax = plt.subplots(figsize=(11, 1.6 + 1.1 * len(shown)), constrained_layout=True)
    height = 0.2
    for i, (label, colour) in enumerate(kinds):
        bars = [
            (row + (i - 1.5) * height, value)
            for row, (_, micros) in enumerate(shown)
            if (value := micros[i]) is not None  # no floor row for this adapter
        ]
        ax.barh([y for y, _ in bars], [max(v, least) for _, v in bars], height=height,
                color=colour, label=label)  # fmt: skip
        for y, value in bars:
            text = f" {value:.2f}" if value >= least else " ~0"
            ax.text(max(value, least), y, text, va="center", fontsize=7)
    ax.set_yticks(range(len(shown)), [adapter for adapter, _ in shown])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("added microseconds per request over the bare app (log scale)")
    ax.set_title("Overhead per adapter, cache hit: floor, equal work, default configuration, peer")
    fig.legend(loc="outside lower center", ncol=len(kinds), fontsize=8)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_throughput(data: dict[str, Any], path: Path) -> None:
    plt = _plt()
    servers = data["servers"]
    fig, axes = plt.subplots(
        1, len(servers), figsize=(6.5 * len(servers), 4.4), constrained_layout=True
    )
    axes = [axes] if len(servers) == 1 else list(axes)
    labels = {
        "public": "public\n(no check)",
        "protected": "jwtguard\n(default)",
        "equal": "jwtguard\nheaders off",
        "uncached": "jwtguard\ncache off",
        "peer": "peer",
        "floor": "raw dict\nfloor",
        "floor_headers": "floor +\nsame headers",
    }
    colours = {
        "public": FLOOR, "protected": OURS, "equal": "#9ecae1", "uncached": "#c6dbef",
        "peer": PEER, "floor": "#bdbdbd", "floor_headers": "#969696",
    }  # fmt: skip
    for ax, (server, routes) in zip(axes, servers.items(), strict=False):
        names = list(routes)
        rps = [routes[r]["rps"] for r in names]
        ax.bar([labels[r] for r in names], rps, color=[colours[r] for r in names])
        for x, r in enumerate(names):
            ax.text(
                x,
                rps[x],
                f"{rps[x]:.0f}\np99 {routes[r]['p99_ms']:.1f} ms",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_ylim(top=max(rps) * 1.25)
        ax.set_title(f"{server}: requests per second")
    fig.suptitle(f"HTTP on loopback, load generator: {data['load_generator']}")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_scaling(data: dict[str, Any], path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    size = data["cache_size"]
    ax = axes[0]
    ax.plot(
        [r["entries"] for r in size],
        [r["hit_ns"] for r in size],
        "o-",
        color=OURS,
        label="jwtguard cache hit",
    )
    ax.plot(
        [r["entries"] for r in size],
        [r["dict_floor_ns"] for r in size],
        "s--",
        color=FLOOR,
        label="dict + exp, same size",
    )
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("entries in the cache")
    ax.set_ylabel("ns per look-up")
    ax.set_title("Cache hit vs cache size")
    ax.legend()
    tok = data["token_size"]
    ax = axes[1]
    xs = [r["token_bytes"] for r in tok]
    ax.plot(xs, [r["uncached_ns"] / 1000 for r in tok], "o-", color=OURS, label="uncached")
    ax.plot(xs, [r["floor_ns"] / 1000 for r in tok], "s--", color=FLOOR, label="floor")
    ax.plot(xs, [r["hit_ns"] / 1000 for r in tok], "^-", color="#2ca02c", label="cache hit")
    ax.set_xlabel("token bytes")
    ax.set_ylabel("microseconds per token")
    ax.set_title("Cost vs token size (HS256)")
    ax.legend()
    dist = data["distinct_tokens"]
    ax = axes[2]
    xs = [r["distinct_tokens"] for r in dist]
    ax.plot(xs, [r["mean_ns"] / 1000 for r in dist], "o-", color=OURS, label="mean cost")
    ax.set_xscale("log")
    ax.set_xlabel(f"distinct tokens (cache size {dist[0]['cache_size']})")
    ax.set_ylabel("mean microseconds per request")
    twin = ax.twinx()
    twin.plot(xs, [r["hit_ratio"] for r in dist], "s--", color=FLOOR, label="hit ratio")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("hit ratio")
    ax.set_title("Distinct tokens, random order")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_revocation(data: dict[str, Any], path: Path) -> None:
    plt = _plt()
    rows = data["cached_verify"]
    names = list(rows)
    values = [rows[n]["median_ns"] for n in names]
    fig, ax = plt.subplots(figsize=(9, 3.2), constrained_layout=True)
    ax.barh(names, values, color=[FLOOR if n == "no store" else OURS for n in names])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_title("Cached guard.verify with a revocation store: ns per call (log scale)")
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:.0f} ns", va="center", fontsize=8)
    ax.set_xlim(right=max(values) * 8)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_revocation_load(data: dict[str, Any], path: Path) -> None:
    plt = _plt()
    faults = data.get("faults", {})
    loads = data.get("load", {})
    rows = len(faults) + (1 if loads else 0)
    if rows == 0:
        return
    fig, axes = plt.subplots(rows, 1, figsize=(11, 2.6 * rows), constrained_layout=True)
    axes = [axes] if rows == 1 else list(axes)
    colours = {"200": "#2ca02c", "401": "#1f77b4", "503": "#d62728", "other": "#7f7f7f"}
    bin_seconds = data.get("bin_seconds", 0.25)
    for ax, (name, run) in zip(axes, faults.items(), strict=False):
        for status, counts in run["timeline"].items():
            if any(counts):
                xs = [i * bin_seconds for i in range(len(counts))]
                ax.plot(xs, [c / bin_seconds for c in counts], label=status, color=colours[status])
        for mark, style in (("fault", "--"), ("back", ":")):
            if mark in run["marks"]:
                ax.axvline(run["marks"][mark], color="black", linestyle=style, linewidth=1)
        ax.set_title(f"{name}: requests/s by status (dashed: fault, dotted: Redis back)")
        ax.set_xlabel("seconds")
        ax.legend(loc="upper right", fontsize=7)
    if loads:
        ax = axes[-1]
        for name, run in loads.items():
            samples = run.get("memory_mib", [])
            if samples:
                ax.plot([t for t, _ in samples], [m for _, m in samples], label=name)
        ax.set_title("Largest worker's resident memory during the load runs (MiB)")
        ax.set_xlabel("seconds")
        ax.legend(loc="lower right", fontsize=7)
    fig.savefig(path, dpi=90)
    plt.close(fig)


PLOTTERS = {
    "verify": plot_verify,
    "middleware": plot_middleware,
    "throughput": plot_throughput,
    "scaling": plot_scaling,
    "revocation": plot_revocation,
    "revocation_load": plot_revocation_load,
}


EXTRA = {"middleware-adapters": ("middleware", plot_middleware_adapters)}
"""Further plots of one benchmark's results: image name -> (benchmark, plotter)."""


def plot_all(results: dict[str, Any], img_dir: Path) -> dict[str, str]:
    """Write one PNG per benchmark that has results (and the extra ones); return image
    name -> file name."""
    img_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    plots = {name: (name, plotter) for name, plotter in PLOTTERS.items()} | EXTRA
    for image, (name, plotter) in plots.items():
        data = results.get(name)
        if not isinstance(data, dict) or "error" in data:
            continue
        file = img_dir / f"bench-{image}.png"
        plotter(data, file)
        if file.exists():
            written[image] = file.name
    return written
