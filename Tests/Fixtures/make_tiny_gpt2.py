"""Makes the golden GPT-2 fixture for tablm's tests (run from the repository root):

    python3 Tests/Fixtures/make_tiny_gpt2.py

Writes Tests/Fixtures/tiny-gpt2/: model.safetensors (F32, Hugging Face GPT2LMHeadModel names with the
`transformer.` prefix and the `attn.bias` causal-mask buffers it stores), model-f16.safetensors (the
same weights as F16, no prefix), config.json, and logits.json: logits for two token sequences from
the NumPy reference below, computed in float64.

The reference is written from the GPT-2 definition (Radford et al. 2019; Hugging Face's
modeling_gpt2.py): pre-LayerNorm blocks, causal attention, GELU (tanh approximation), tied LM head.
It shares no code with tablm. Needs numpy and safetensors.
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, EPS = 37, 12, 16, 2, 4, 1e-5
OUT = os.path.join("Tests", "Fixtures", "tiny-gpt2")


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(p, ids):
    t = len(ids)
    x = p["wte.weight"][ids] + p["wpe.weight"][:t]
    hs = WIDTH // HEADS
    mask = np.tril(np.ones((t, t), dtype=bool))
    for l in range(LAYERS):
        g = lambda n: p[f"h.{l}.{n}"]
        h = layer_norm(x, g("ln_1.weight"), g("ln_1.bias"))
        qkv = h @ g("attn.c_attn.weight") + g("attn.c_attn.bias")
        q, k, v = np.split(qkv, 3, axis=-1)
        heads = []
        for i in range(HEADS):
            s = slice(i * hs, (i + 1) * hs)
            scores = q[:, s] @ k[:, s].T / np.sqrt(hs)
            scores = np.where(mask, scores, -np.inf)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            heads.append(scores @ v[:, s])
        x = x + np.concatenate(heads, -1) @ g("attn.c_proj.weight") + g("attn.c_proj.bias")
        h = layer_norm(x, g("ln_2.weight"), g("ln_2.bias"))
        x = x + gelu(h @ g("mlp.c_fc.weight") + g("mlp.c_fc.bias")) @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias")
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p["wte.weight"].T


def main():
    rng = np.random.default_rng(2026)
    shapes = {"wte.weight": (VOCAB, WIDTH), "wpe.weight": (CONTEXT, WIDTH)}
    for l in range(LAYERS):
        shapes.update({
            f"h.{l}.ln_1.weight": (WIDTH,), f"h.{l}.ln_1.bias": (WIDTH,),
            f"h.{l}.attn.c_attn.weight": (WIDTH, 3 * WIDTH), f"h.{l}.attn.c_attn.bias": (3 * WIDTH,),
            f"h.{l}.attn.c_proj.weight": (WIDTH, WIDTH), f"h.{l}.attn.c_proj.bias": (WIDTH,),
            f"h.{l}.ln_2.weight": (WIDTH,), f"h.{l}.ln_2.bias": (WIDTH,),
            f"h.{l}.mlp.c_fc.weight": (WIDTH, 4 * WIDTH), f"h.{l}.mlp.c_fc.bias": (4 * WIDTH,),
            f"h.{l}.mlp.c_proj.weight": (4 * WIDTH, WIDTH), f"h.{l}.mlp.c_proj.bias": (WIDTH,),
        })
    shapes.update({"ln_f.weight": (WIDTH,), "ln_f.bias": (WIDTH,)})
    params = {}
    for name, shape in shapes.items():
        base = 1.0 if name.endswith(".weight") and "ln_" in name else 0.0
        params[name] = (base + rng.normal(0, 0.3, shape)).astype(np.float32)

    os.makedirs(OUT, exist_ok=True)
    hf = {"transformer." + n: v for n, v in params.items()}
    for l in range(LAYERS):
        hf[f"transformer.h.{l}.attn.bias"] = np.tril(np.ones((1, 1, CONTEXT, CONTEXT), dtype=np.float32))
    save_file(hf, os.path.join(OUT, "model.safetensors"), metadata={"format": "pt"})
    save_file({n: v.astype(np.float16) for n, v in params.items()}, os.path.join(OUT, "model-f16.safetensors"))

    config = {"model_type": "gpt2", "vocab_size": VOCAB, "n_positions": CONTEXT, "n_ctx": CONTEXT,
              "n_embd": WIDTH, "n_layer": LAYERS, "n_head": HEADS, "layer_norm_epsilon": EPS,
              "activation_function": "gelu_new", "n_inner": None}
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    params64 = {n: v.astype(np.float64) for n, v in params.items()}
    cases = [[5, 1, 36, 0, 17, 17, 2, 30, 11, 4, 9, 23], [3, 14, 15]]
    golden = [{"token_ids": ids, "logits": forward(params64, np.array(ids)).tolist()} for ids in cases]
    with open(os.path.join(OUT, "logits.json"), "w") as f:
        json.dump(golden, f)


if __name__ == "__main__":
    main()
