"""all-MiniLM-L6-v2 in ONNX Runtime, from a graph built once out of the safetensors weights.

No torch, at run time or at export: `build_graph` writes the numpy encoder of `retrieval.embedders`
op for op with the `onnx` helper API (embeddings + LayerNorm, six layers of fused-QKV attention
with the padding mask, exact-erf GELU feed-forward, mean pooling, L2 normalisation; dynamic batch
and sequence axes). `export` writes it once into a cache folder under a name keyed by the weights'
hash and `EXPORTER_VERSION`, so a second load, or another process, reuses the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.embedders import _BertWeights

if TYPE_CHECKING:
    import onnx
    import onnxruntime

logger = logging.getLogger(__name__)

# Bump when the graph changes, so caches built by an older exporter are not reused.
EXPORTER_VERSION = "1"
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask")
_OUTPUT = "sentence_embedding"


def available() -> bool:
    """Whether onnxruntime can be imported, i.e. whether the ONNX path can run here."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def default_cache_dir() -> Path:
    """The per-user cache the exported graph is written to: $XDG_CACHE_HOME/planwright/models."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "planwright" / "models"


def cache_key(model_dir: Path) -> str:
    """A hash of the weights, the config and the exporter version: the exported file's identity."""
    digest = hashlib.sha256(f"planwright-minilm-onnx {EXPORTER_VERSION} opset {_OPSET}\n".encode())
    for name in ("config.json", "model.safetensors"):
        with (model_dir / name).open("rb") as file:
            digest.update(hashlib.file_digest(file, "sha256").digest())
    return digest.hexdigest()[:24]


def export(model_dir: Path, config: dict[str, Any], cache_dir: Path | None = None) -> Path:
    """The exported graph for `model_dir`'s weights, written to `cache_dir` unless it already is."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / f"all-MiniLM-L6-v2-{cache_key(model_dir)}.onnx"
    if path.is_file():
        return path
    data = build_graph(_BertWeights.from_safetensors(model_dir / "model.safetensors", config)).SerializeToString()
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a process starting at the same moment never reads
    # half a file; two exporting at once write the same bytes.
    descriptor, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".export-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info("exported MiniLM to ONNX (%d MiB)", len(data) >> 20)
    return path


def build_graph(weights: _BertWeights) -> onnx.ModelProto:
    """The numpy encoder as an ONNX graph: token ids and mask in, unit sentence vectors out."""
    from onnx import TensorProto, helper, numpy_helper

    hidden = weights.dimension
    head_dim = hidden // weights.heads
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []

    def const(name: str, value: np.ndarray | float | list[int]) -> str:
        array = np.asarray(value, dtype=np.int64 if isinstance(value, list) else np.float32)
        initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(kind: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], name=output, **attrs))
        return output

    def linear(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        product = op("MatMul", [x, const(f"{name}.weight", weight)], f"{name}.matmul")
        return op("Add", [product, const(f"{name}.bias", bias)], name)

    def layer_norm(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        gamma, beta = const(f"{name}.gamma", weight), const(f"{name}.beta", bias)
        return op("LayerNormalization", [x, gamma, beta], name, axis=-1, epsilon=weights.eps)

    one, axis1, axis2 = const("one", 1.0), const("axis1", [1]), const("axis2", [2])
    mask = op("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)

    # Embeddings: word + position + token type 0 (single sentences only), then LayerNorm.
    seq_len = op("Slice", [op("Shape", ["input_ids"], "shape"), const("zero_i", [1]), const("two_i", [2])], "seq_len")
    positions = op("Slice", [const("position_table", weights.position), const("start", [0]), seq_len], "positions")
    words = op("Gather", [const("word_table", weights.word), "input_ids"], "words")
    x = op("Add", [op("Add", [words, positions], "emb.sum"), const("token_type0", weights.token_type[0])], "emb")
    x = layer_norm(x, weights.emb_ln_w, weights.emb_ln_b, "emb.ln")

    # Padded keys get the most negative float, as in the numpy encoder, so they weigh nothing.
    float_min = const("float_min", float(np.finfo(np.float32).min))
    padding = op("Mul", [op("Sub", [one, mask], "mask.inverse"), float_min], "pad")
    key_bias = op("Unsqueeze", [padding, const("axes12", [1, 2])], "key_bias")
    heads_shape = const("heads_shape", [0, 0, weights.heads, head_dim])
    hidden_shape = const("hidden_shape", [0, 0, hidden])
    split = const("qkv_split", [hidden, hidden, hidden])
    scale = const("scale", float(1.0 / np.sqrt(head_dim)))

    for i, layer in enumerate(weights.layers):
        p = f"layer{i}"
        qkv = linear(x, layer.qkv_w, layer.qkv_b, f"{p}.qkv")
        nodes.append(helper.make_node("Split", [qkv, split], [f"{p}.q", f"{p}.k", f"{p}.v"], name=f"{p}.split", axis=2))
        q, k, v = (op("Reshape", [f"{p}.{n}", heads_shape], f"{p}.{n}.heads") for n in "qkv")
        q = op("Transpose", [q], f"{p}.q.t", perm=[0, 2, 1, 3])
        k = op("Transpose", [k], f"{p}.k.t", perm=[0, 2, 3, 1])
        v = op("Transpose", [v], f"{p}.v.t", perm=[0, 2, 1, 3])
        scores = op("Mul", [op("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scaled")
        probs = op("Softmax", [op("Add", [scores, key_bias], f"{p}.masked")], f"{p}.probs", axis=-1)
        context = op("Transpose", [op("MatMul", [probs, v], f"{p}.ctx")], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        context = op("Reshape", [context, hidden_shape], f"{p}.ctx.merged")
        attn = op("Add", [linear(context, layer.attn_out_w, layer.attn_out_b, f"{p}.attn_out"), x], f"{p}.attn_res")
        x = layer_norm(attn, layer.attn_ln_w, layer.attn_ln_b, f"{p}.attn_ln")
        inner = linear(x, layer.ffn_in_w, layer.ffn_in_b, f"{p}.ffn_in")
        inner = _exact_gelu(op, const, inner, f"{p}.gelu")
        ffn = op("Add", [linear(inner, layer.ffn_out_w, layer.ffn_out_b, f"{p}.ffn_out"), x], f"{p}.ffn_res")
        x = layer_norm(ffn, layer.ffn_ln_w, layer.ffn_ln_b, f"{p}.ffn_ln")

    # Mean over the unmasked tokens, then unit length, with the numpy encoder's guards.
    masked = op("Mul", [x, op("Unsqueeze", [mask, axis2], "mask3")], "masked_states")
    summed = op("ReduceSum", [masked, axis1], "summed", keepdims=0)
    counts = op("ReduceSum", [mask, axis1], "counts", keepdims=1)
    pooled = op("Div", [summed, op("Max", [counts, const("tiny_count", 1e-9)], "counts.safe")], "pooled")
    norms = op("ReduceL2", [pooled], "norms", axes=[1], keepdims=1)
    op("Div", [pooled, op("Max", [norms, const("tiny_norm", 1e-12)], "norms.safe")], _OUTPUT)

    dynamic = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info(name, TensorProto.INT64, dynamic) for name in _INPUTS],
        [helper.make_tensor_value_info(_OUTPUT, TensorProto.FLOAT, ["batch", hidden])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", _OPSET)],
        producer_name="planwright",
        producer_version=EXPORTER_VERSION,
    )
    # Pin the IR version to what the opset needs, so an onnx upgrade writes the same bytes.
    model.ir_version = 8
    return model


def _exact_gelu(op: Any, const: Any, x: str, name: str) -> str:
    # x * (1 + erf(x / sqrt 2)) / 2, the form ONNX Runtime fuses into one Gelu kernel.
    erf = op("Erf", [op("Div", [x, const(f"{name}.sqrt2", float(np.sqrt(2.0)))], f"{name}.div")], f"{name}.erf")
    shifted = op("Add", [erf, const(f"{name}.one", 1.0)], f"{name}.add")
    return op("Mul", [op("Mul", [x, shifted], f"{name}.mul"), const(f"{name}.half", 0.5)], name)  # type: ignore[no-any-return]


def session_options(threads: int | None = None) -> onnxruntime.SessionOptions:
    """Every graph optimisation, and one intra-op thread per core this process may run on, not spinning."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or _usable_cores()
    options.inter_op_num_threads = 1
    # Idle workers sleep instead of spinning: on a small machine the spin steals the cores that
    # the server's other threads (and other processes) need, and measured no faster here.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxEncoder:
    """The exported graph in an ONNX Runtime session, safe to call from several threads at once."""

    # Smaller batches than numpy's 32 pad less and stay in cache: 10-55 % faster on 2 cores, on
    # sentences and on chunk-length text alike.
    batch_size = 8

    def __init__(self, session: onnxruntime.InferenceSession, dimension: int) -> None:
        import onnxruntime as ort

        self._session = session
        self._dimension = dimension
        self.engine = f"onnxruntime {ort.__version__}"

    @classmethod
    def load(
        cls, model_dir: Path, config: dict[str, Any], *, cache_dir: Path | None = None, threads: int | None = None
    ) -> OnnxEncoder:
        import onnxruntime as ort

        graph: str | bytes
        try:
            graph = str(export(model_dir, config, cache_dir))
        except OSError as exc:
            # A read-only cache costs the export on every start, not the faster engine.
            logger.warning("cannot write the ONNX export to the model cache, building it in memory: %s", exc)
            weights = _BertWeights.from_safetensors(model_dir / "model.safetensors", config)
            graph = build_graph(weights).SerializeToString()
        session = ort.InferenceSession(graph, session_options(threads), providers=["CPUExecutionProvider"])
        return cls(session, int(config["hidden_size"]))

    @property
    def dimension(self) -> int:
        return self._dimension

    def sentence_vectors(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids.astype(np.int64, copy=False), "attention_mask": mask.astype(np.int64)}
        [vectors] = self._session.run([_OUTPUT], feeds)
        return np.asarray(vectors, dtype=np.float32)
