"""``semsearch serve`` (or any command that serves HTTP) in a child process: started, waited for
until it answers, and stopped with Ctrl-C, as a user would."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import httpx


class ServeError(RuntimeError):
    """The server exited before it answered, or did not answer in time (the end of its log said)."""


class ServeProcess:
    def __init__(
        self,
        args: Sequence[str],
        url: str,
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = list(args)
        self.url = url
        self.log = log
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, ready: str = "/health", timeout: float = 60, poll: float = 0.1) -> float:
        """Start it, and wait until ``GET url + ready`` answers 2xx; returns the seconds that took."""
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=log)
        with httpx.Client(timeout=10) as client:
            while time.perf_counter() - started < timeout:
                if self.proc.poll() is not None:
                    raise ServeError(f"{self._name} exited ({self.proc.returncode}): {self.log_tail()}")
                try:
                    if client.get(self.url + ready).is_success:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(poll)
        self.stop()
        raise ServeError(f"{self._name} did not answer within {timeout:.0f} s: {self.log_tail()}")

    @property
    def _name(self) -> str:
        return " ".join(Path(a).name for a in self.args[:2])

    def log_tail(self, chars: int = 1000) -> str:
        return self.log.read_text(errors="replace").strip()[-chars:] if self.log.exists() else ""

    def stop(self, timeout: float = 30) -> int | None:
        """Ctrl-C, then a kill if it does not stop in time; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> ServeProcess:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
