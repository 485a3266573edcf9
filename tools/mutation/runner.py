"""Runs a module's own tests against one mutant at a time, each in a forked child.

The parent imports the third-party modules the tests need once (found by an unmutated
baseline run), then forks a child per mutant. The child puts a finder first on
``sys.meta_path`` that serves the target module from the mutant's code object (same
file name, so tracebacks and ``--import-mode=importlib`` behave as usual), runs pytest
on the module's tests with ``-x`` and exits with pytest's code. Each child leads its own
process group, so a timeout kills whatever it started as well.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

import pytest
from hypothesis import settings

__all__ = ["BaselineError", "Runner"]

KILLED = "killed"
TIMEOUT = "timeout"
SURVIVED = "survived"


class BaselineError(RuntimeError):
    """The unmutated module does not pass its own tests (or pytest cannot run them)."""


class _MutantLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname: str, path: str, code: CodeType) -> None:
        super().__init__(fullname, path)
        self._code = code

    def get_code(self, fullname: str) -> CodeType:
        return self._code


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, module: str, path: Path, code: CodeType) -> None:
        self._module = module
        self._path = str(path)
        self._code = code

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self._module:
            return None
        loader = _MutantLoader(fullname, self._path, self._code)
        return importlib.util.spec_from_file_location(fullname, self._path, loader=loader)


def module_name(relative: str) -> str:
    """``jwtguard/jose/_read.py`` -> ``jwtguard.jose._read``."""
    return relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


class Runner:
    """Forks one child per run; never more than one child at a time."""

    def __init__(
        self, root: Path, pytest_args: Sequence[str] = (), *, preload: bool = True
    ) -> None:
        self.root = root
        self.pytest_args = tuple(pytest_args)
        self._preloaded = not preload  # preload: import the first module's imports once

    def baseline(self, tests: Sequence[str]) -> float:
        """Run the tests unmutated; return their wall time. Raises :class:`BaselineError`."""
        with tempfile.NamedTemporaryFile("r", suffix=".json") as modules_file:
            started = time.monotonic()
            code = self._run(tests, None, None, timeout=900, modules_file=modules_file.name)
            elapsed = time.monotonic() - started
            if code != 0:
                raise BaselineError(
                    f"the tests {' '.join(tests)} do not pass unmutated (pytest exit {code}); "
                    "run them with `python -m pytest` to see why"
                )
            if not self._preloaded:
                self._preload(json.loads(modules_file.read() or "[]"))
        return elapsed

    def run(
        self, tests: Sequence[str], module: str, path: Path, code: CodeType, timeout: float
    ) -> str:
        """One mutant: ``killed``, ``timeout`` or ``survived``."""
        exit_code = self._run(tests, module, (path, code), timeout=timeout, modules_file=None)
        if exit_code is None:
            return TIMEOUT
        # Anything but success is the mutant's doing: the same run passed unmutated. (A
        # module that no longer imports makes conftest.py fail: pytest's usage error, 4.)
        return SURVIVED if exit_code == 0 else KILLED

    def _preload(self, names: list[str]) -> None:
        """Import in the parent what every child would import anyway, except our own code."""
        for name in names:
            try:
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001,S112 - a module that will not preload stays lazy
                continue
        self._preloaded = True

    def _run(
        self,
        tests: Sequence[str],
        module: str | None,
        mutant: tuple[Path, CodeType] | None,
        *,
        timeout: float,
        modules_file: str | None,
    ) -> int | None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 4
            try:
                status = self._child(tests, module, mutant, modules_file)
            finally:
                os._exit(status)
        with contextlib.suppress(OSError):  # the child already did it, or already exited
            os.setpgid(pid, pid)
        deadline = time.monotonic() + timeout
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return os.waitstatus_to_exitcode(status)
                if time.monotonic() > deadline:
                    self._kill(pid)
                    return None
                time.sleep(0.01)
        except BaseException:
            self._kill(pid)
            raise

    @staticmethod
    def _kill(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    def _child(
        self,
        tests: Sequence[str],
        module: str | None,
        mutant: tuple[Path, CodeType] | None,
        modules_file: str | None,
    ) -> int:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.chdir(self.root)
        if module is not None and mutant is not None:
            sys.meta_path.insert(0, _MutantFinder(module, *mutant))
        # No example database (a mutant's failures must not be replayed later) and the
        # same examples every run, so a result can be reproduced.
        settings.register_profile("mutation", database=None, derandomize=True)
        settings.load_profile("mutation")
        args = [*tests, "-x", "-q", "--tb=no", "-p", "no:cacheprovider", *self.pytest_args]
        # hypothesis (and the preloaded plugins) were imported before pytest could mark them
        # for assertion rewriting; the suite's `filterwarnings = error` would make that fatal
        args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
        code = int(pytest.main(args))
        if modules_file is not None:
            Path(modules_file).write_text(json.dumps(self._third_party_modules()))
        return code

    def _third_party_modules(self) -> list[str]:
        root = str(self.root)
        names = []
        for name, loaded in list(sys.modules.items()):
            if name == "__main__" or name.split(".")[0] in ("jwtguard", "tests", "tools"):
                continue
            file = getattr(loaded, "__file__", None) or ""
            if file.startswith(root) and not file.startswith(os.path.join(root, ".venv")):
                continue
            names.append(name)
        return sorted(names)
