"""Benchmark peer for `tablm bench`: the same GPT-2 configuration trained with DP-SGD in JAX on the CPU.

Per-example gradients by vmap(grad) (the standard JAX DP-SGD recipe, as in Opacus's and
jax-privacy's examples), each clipped to L2 norm C over all parameters, summed, plus Gaussian noise,
then Adam. Also times the non-private step on the same batch. Prints JSON with tokens/s.

    pip install jax          # CPU wheels
    python3 Benchmarks/jax_dp_sgd.py --layers 4 --width 128 --heads 4 --vocab 190 --batch-size 32 --length 72

Exits 0 with {"skipped": ...} when JAX is not installed.
"""
import argparse
import json
import sys
import time

try:
    import jax
    import jax.numpy as jnp
except ImportError:
    print(json.dumps({"skipped": "jax is not installed (pip install jax)"}))
    sys.exit(0)


def init(key, vocab, length, width, layers):
    keys = iter(jax.random.split(key, 4 + 4 * layers))
    normal = lambda shape, std=0.02: std * jax.random.normal(next(keys), shape, jnp.float32)
    proj_std = 0.02 / (2 * layers) ** 0.5
    params = {"wte": normal((vocab, width)), "wpe": normal((length, width)),
              "lnf_w": jnp.ones(width), "lnf_b": jnp.zeros(width), "blocks": []}
    for _ in range(layers):
        params["blocks"].append({
            "ln1_w": jnp.ones(width), "ln1_b": jnp.zeros(width),
            "qkv_w": normal((width, 3 * width)), "qkv_b": jnp.zeros(3 * width),
            "proj_w": normal((width, width), proj_std), "proj_b": jnp.zeros(width),
            "ln2_w": jnp.ones(width), "ln2_b": jnp.zeros(width),
            "fc_w": normal((width, 4 * width)), "fc_b": jnp.zeros(4 * width),
            "fcproj_w": normal((4 * width, width), proj_std), "fcproj_b": jnp.zeros(width),
        })
    return params


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + 1e-5) * w + b


def forward(params, tokens, heads):
    """Logits of one sequence [T] (GPT-2: pre-LayerNorm blocks, tanh GELU, tied LM head)."""
    t = tokens.shape[0]
    x = params["wte"][tokens] + params["wpe"][:t]
    width = x.shape[-1]
    head = width // heads
    mask = jnp.tril(jnp.ones((t, t), bool))
    for block in params["blocks"]:
        h = layer_norm(x, block["ln1_w"], block["ln1_b"]) @ block["qkv_w"] + block["qkv_b"]
        q, k, v = [a.reshape(t, heads, head).transpose(1, 0, 2) for a in jnp.split(h, 3, axis=-1)]
        att = jnp.where(mask, q @ k.transpose(0, 2, 1) / head ** 0.5, -jnp.inf)
        y = (jax.nn.softmax(att, axis=-1) @ v).transpose(1, 0, 2).reshape(t, width)
        x = x + y @ block["proj_w"] + block["proj_b"]
        h = jax.nn.gelu(layer_norm(x, block["ln2_w"], block["ln2_b"]) @ block["fc_w"] + block["fc_b"], approximate=True)
        x = x + h @ block["fcproj_w"] + block["fcproj_b"]
    return layer_norm(x, params["lnf_w"], params["lnf_b"]) @ params["wte"].T


def row_loss(params, tokens, targets, heads):
    logits = forward(params, tokens, heads)
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), targets[:, None], axis=-1).mean()


def adam(params, grads, state, rate=1e-4, b1=0.9, b2=0.95, eps=1e-8):
    m, v, step = state
    step = step + 1
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    params = jax.tree_util.tree_map(
        lambda p, m, v: p - rate * (m / (1 - b1 ** step)) / (jnp.sqrt(v / (1 - b2 ** step)) + eps), params, m, v)
    return params, (m, v, step)


def main():
    parser = argparse.ArgumentParser()
    for name, default in [("layers", 4), ("width", 128), ("heads", 4), ("vocab", 190), ("batch-size", 32), ("length", 72), ("steps", 10)]:
        parser.add_argument("--" + name, type=int, default=default)
    args = parser.parse_args()
    heads = args.heads
    key = jax.random.PRNGKey(0)
    params = init(key, args.vocab, args.length, args.width, args.layers)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (zeros, zeros, 0)
    tokens = jax.random.randint(jax.random.PRNGKey(1), (args.batch_size, args.length), 0, args.vocab)
    targets = jax.random.randint(jax.random.PRNGKey(2), (args.batch_size, args.length), 0, args.vocab)

    @jax.jit
    def plain_step(params, state, tokens, targets):
        loss = lambda p: jax.vmap(row_loss, (None, 0, 0, None))(p, tokens, targets, heads).mean()
        grads = jax.grad(loss)(params)
        return adam(params, grads, state)

    @jax.jit
    def dp_step(params, state, tokens, targets, key, clip=1.0, sigma=1.0):
        grads = jax.vmap(jax.grad(row_loss), (None, 0, 0, None))(params, tokens, targets, heads)
        leaves = jax.tree_util.tree_leaves(grads)
        norms = jnp.sqrt(sum(jnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in leaves))
        factors = jnp.minimum(1.0, clip / jnp.maximum(norms, 1e-12))
        summed = jax.tree_util.tree_map(lambda g: jnp.tensordot(factors, g, axes=1), grads)
        keys = iter(jax.random.split(key, len(leaves)))
        noisy = jax.tree_util.tree_map(lambda g: (g + sigma * clip * jax.random.normal(next(keys), g.shape)) / tokens.shape[0], summed)
        return adam(params, noisy, state)

    def timed(step, *extra):
        nonlocal params, state
        started = time.perf_counter()
        out = step(params, state, tokens, targets, *extra)   # compile
        jax.block_until_ready(out)
        compile_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(args.steps):
            out = step(out[0], out[1], tokens, targets, *extra)
        jax.block_until_ready(out)
        return (time.perf_counter() - started) / args.steps, compile_seconds

    plain, plain_compile = timed(plain_step)
    dp, dp_compile = timed(dp_step, jax.random.PRNGKey(3))
    rows = args.batch_size * args.length
    print(json.dumps({"jax": jax.__version__, "devices": str(jax.devices()), "batch": args.batch_size, "length": args.length,
                      "step_ms": plain * 1e3, "dp_step_ms": dp * 1e3,
                      "tokens_per_second": rows / plain, "dp_tokens_per_second": rows / dp,
                      "compile_seconds": plain_compile + dp_compile}))


if __name__ == "__main__":
    main()
