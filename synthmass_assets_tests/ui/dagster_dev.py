"""Run ``dagster dev`` on loopback for a browser test, and stop it cleanly afterwards."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

# A shell that starts a command in the background makes it ignore SIGINT, and Python keeps an
# ignored SIGINT ignored, so `dagster dev` could then not be interrupted. This tiny exec wrapper
# restores the default handlers and becomes `dagster dev` (same process id).
RESTORE_SIGNALS_AND_EXEC = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)
LOCATIONS_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
INSTANCE_SETTINGS = "nux:\n  enabled: false\ntelemetry:\n  enabled: false\n"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_instance_settings(dagster_home: Path) -> None:
    """A dagster.yaml without the community sign-up dialog (it would cover the page) and
    without telemetry."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(INSTANCE_SETTINGS)


class DagsterDev:
    """``dagster dev`` serving ``workspace.yaml`` of ``repo_root`` on 127.0.0.1.

    Use as a context manager: entering starts it and waits until every code location loaded;
    leaving sends SIGINT (Dagster's own clean shutdown) and kills the process group if it has
    not exited after ``stop_timeout`` seconds.
    """

    def __init__(
        self, repo_root: Path, env: dict[str, str], log_path: Path, stop_timeout: float = 20.0
    ) -> None:
        self.repo_root = repo_root
        self.env = env
        self.log_path = log_path
        self.stop_timeout = stop_timeout
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, path: str = "") -> str:
        """The webserver URL of ``path`` (starting with ``/``)."""
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DagsterDev:
        command = [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1"]
        command += ["-p", str(self.port), "-w", str(self.repo_root / "workspace.yaml")]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", RESTORE_SIGNALS_AND_EXEC, *command],
                cwd=self.repo_root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so the stop reaches children
            )
        try:
            self.wait_until_loaded()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_until_loaded(self, timeout: float = 120.0) -> None:
        """Poll the GraphQL API until every code location has loaded.

        Raises:
            RuntimeError: when dagster dev exits, a location fails to load, or ``timeout``
                seconds pass; the message ends with the tail of the dagster dev log.
        """
        assert self.process is not None, "start dagster dev first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited ({self.process.returncode})" + self._tail())
            entries = self._location_entries()
            if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
                errors = [entry["locationOrLoadError"] for entry in entries]
                if any(error["__typename"] == "PythonError" for error in errors):
                    raise RuntimeError(f"code location failed to load: {errors}" + self._tail())
                return
            time.sleep(0.5)
        raise RuntimeError(f"dagster dev not ready after {timeout:.0f} s" + self._tail())

    def _location_entries(self) -> list[dict]:
        request = urllib.request.Request(
            self.url("/graphql"),
            data=json.dumps({"query": LOCATIONS_QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                workspace = json.load(response)["data"]["workspaceOrError"]
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, ValueError):
            return []
        return list(workspace.get("locationEntries") or [])

    def stop(self) -> None:
        """SIGINT, then SIGKILL to the whole process group after ``stop_timeout`` seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
        try:  # children that outlived dagster dev (its group is ours alone)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def _tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- dagster dev log (tail) ---\n" + "\n".join(text)
