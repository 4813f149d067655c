"""A real Chroma server (`chroma run` from the chromadb package) on a free loopback port, for tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ChromaServer:
    """`chroma run --path <path>` on 127.0.0.1; `url` is what PLANWRIGHT_CHROMA_URL takes."""

    def __init__(self, path: Path, startup_timeout_s: float = 30.0) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = path.parent / f"chroma-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start(startup_timeout_s)

    def start(self, timeout_s: float = 30.0) -> None:
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}: {self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer in {timeout_s:g} s: {self.log_tail()}")

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log_tail(self) -> str:
        return self._log.read_text(errors="replace")[-2000:] if self._log.exists() else ""
