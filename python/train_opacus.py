#!/usr/bin/env python3
"""DP-SGD on a tablm bundle with PyTorch and Opacus, on CPUs, one GPU or many (torchrun).

    tablm export --checkpoint C --data train.csv --epsilon 1 -o bundle/
    python python/train_opacus.py bundle/ -o result/            # one process
    torchrun --nproc_per_node 8 python/train_opacus.py bundle/ -o result/
    tablm import result/ -o checkpoint/

The semantics are tablm's `finetune --dp` (Abadi et al. 2016): Poisson sampling at rate q, each
row's gradient (its mean token cross-entropy) clipped to L2 norm C over all parameters, Gaussian
noise N(0, σ²C²) on the sum, divided by the expected batch size qN; AdamW (β = 0.9, 0.95, weight
decay on matrices only) with linear warmup and a cosine decay to 10 % of the peak. σ, q, the steps
and δ come from the bundle, where tablm calibrated σ with its own accountant for the composed
target ε (prior included); this script does not choose them. It writes the weights back in
Hugging Face GPT-2 layout with a record of (σ, q, steps, δ, C) that `tablm import` recomputes ε
from. Opacus's own ε for the DP-SGD steps is printed and recorded beside it, for comparison.

The sampling and the noise come from torch generators seeded from the OS, with Opacus's
floating-point countermeasure on; not from a CSPRNG as in tablm (Opacus's secure_mode needs
torchcsprng, which does not build against torch 2.x).

`--check-per-sample K` compares Opacus's per-sample gradients of K rows with one-row backward
passes and exits (a test of the route, not a training run).
"""
import argparse
import json
import math
import os
import secrets
import shutil
import sys
import time
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

# Opacus's hooks fire on modules whose inputs (token ids) need no gradient; torch warns each time.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
warnings.filterwarnings("ignore", message="Secure RNG turned off")  # said in the docstring and docs/gpu-training.md


class Block(nn.Module):
    def __init__(self, width, heads, eps):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width, eps=eps)
        self.c_attn = nn.Linear(width, 3 * width)
        self.attn_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width, eps=eps)
        self.c_fc = nn.Linear(width, 4 * width)
        self.mlp_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        b, t, w = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(w, dim=2)
        q, k, v = (z.view(b, t, self.heads, w // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn_proj(y.transpose(1, 2).reshape(b, t, w))
        # GPT-2's gelu_new: the tanh approximation, as tablm computes it.
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2(nn.Module):
    """GPT-2 with tied embeddings, in the module layout Opacus computes per-sample gradients for
    (Linear, LayerNorm, Embedding; the head shares wte's weight and Opacus adds both parts)."""

    def __init__(self, config):
        super().__init__()
        w, eps = config["n_embd"], config["layer_norm_epsilon"]
        self.wte = nn.Embedding(config["vocab_size"], w)
        self.wpe = nn.Embedding(config["n_positions"], w)
        self.h = nn.ModuleList(Block(w, config["n_head"], eps) for _ in range(config["n_layer"]))
        self.ln_f = nn.LayerNorm(w, eps=eps)
        self.lm_head = nn.Linear(w, config["vocab_size"], bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, tokens, positions):
        # Positions are passed per row ([B, T]), not broadcast from [1, T]: wpe's per-sample
        # gradient needs the batch dimension.
        x = self.wte(tokens) + self.wpe(positions)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


# Hugging Face GPT-2 names: Conv1D weights are stored [in, out], nn.Linear's are [out, in].
def hf_names(config):
    names = {"wte.weight": ("wte.weight", False), "wpe.weight": ("wpe.weight", False),
             "ln_f.weight": ("ln_f.weight", False), "ln_f.bias": ("ln_f.bias", False)}
    for i in range(config["n_layer"]):
        for ours, theirs, transposed in [("ln_1", "ln_1", False), ("ln_2", "ln_2", False), ("c_attn", "attn.c_attn", True),
                                         ("attn_proj", "attn.c_proj", True), ("c_fc", "mlp.c_fc", True), ("mlp_proj", "mlp.c_proj", True)]:
            names[f"h.{i}.{ours}.weight"] = (f"h.{i}.{theirs}.weight", transposed)
            names[f"h.{i}.{ours}.bias"] = (f"h.{i}.{theirs}.bias", False)
    return names


def load_model(folder, config):
    model = GPT2(config)
    stored = {k.removeprefix("transformer."): v for k, v in load_file(os.path.join(folder, "model.safetensors")).items()}
    state = {}
    for ours, (theirs, transposed) in hf_names(config).items():
        tensor = stored[theirs].float()
        state[ours] = tensor.t().contiguous() if transposed else tensor
    state["lm_head.weight"] = state["wte.weight"]
    model.load_state_dict(state)
    return model


def save_model(model, config, folder):
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tensors = {}
    for ours, (theirs, transposed) in hf_names(config).items():
        tensors[theirs] = (state[ours].t() if transposed else state[ours]).contiguous()
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt", "producer": "tablm train_opacus.py"})


def read_rows(bundle, meta):
    """Token ids per row (<s> ... </s>), padded to one length; targets are the next token, -100 past the end."""
    length = meta["sequence_length"]
    pad = meta["pad_token_id"]
    inputs, targets = [], []
    with open(os.path.join(bundle, "rows.txt")) as f:
        for line in f:
            ids = [int(x) for x in line.split()]
            if len(ids) < 2 or len(ids) - 1 > length:
                raise SystemExit(f"{bundle}/rows.txt: a row of {len(ids)} tokens does not fit the sequence length {length}")
            x, y = ids[:-1], ids[1:]
            inputs.append(x + [pad] * (length - len(x)))
            targets.append(y + [-100] * (length - len(y)))
    if len(inputs) != meta["rows"]:
        raise SystemExit(f"{bundle}/rows.txt holds {len(inputs)} rows, bundle.json says {meta['rows']}")
    return torch.tensor(inputs), torch.tensor(targets)


def row_loss(model, tokens, targets):
    """Each row's mean token cross-entropy, as tablm's DP-SGD clips it; the batch mean of those."""
    positions = torch.arange(tokens.shape[1], device=tokens.device).unsqueeze(0).expand_as(tokens)
    logits = model(tokens, positions)
    per_token = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=-100, reduction="none")
    valid = (targets != -100).float()
    return ((per_token * valid).sum(1) / valid.sum(1).clamp(min=1)).mean()


def learning_rate(step, peak, warmup, total, minimum_fraction=0.1):
    """tablm's LearningRateSchedule: linear warmup, then cosine to 10 % of the peak at the last step."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    minimum = peak * minimum_fraction
    return minimum + (peak - minimum) * 0.5 * (1 + math.cos(math.pi * progress))


def optimizer_for(model, lr, weight_decay):
    matrices = [p for n, p in model.named_parameters() if p.dim() == 2]
    others = [p for n, p in model.named_parameters() if p.dim() != 2]
    return torch.optim.AdamW([{"params": matrices, "weight_decay": weight_decay}, {"params": others, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95), eps=1e-8)


def check_per_sample(model, inputs, targets, count):
    """Opacus's per-sample gradients against one backward pass per row: the largest difference."""
    from opacus import GradSampleModule
    reference = []
    for i in range(count):
        model.zero_grad()
        row_loss(model, inputs[i:i + 1], targets[i:i + 1]).backward()
        reference.append({n: p.grad.detach().clone() for n, p in model.named_parameters()})
    sampled = GradSampleModule(model)
    sampled.zero_grad()
    # The batch loss is the mean over rows; Opacus (loss_reduction "mean") scales each row's
    # gradient back by the batch size, so grad_sample holds each row's own gradient.
    row_loss(sampled, inputs[:count], targets[:count]).backward()
    worst = 0.0
    for n, p in sampled._module.named_parameters():
        grads = p.grad_sample
        for i in range(count):
            worst = max(worst, (grads[i] - reference[i][n]).abs().max().item())
    return worst


class Progress:
    """Steps, rows/s, tokens/s and an ETA on stderr, as tablm finetune prints them. Rows and tokens
    are the plan's expectations (expected batch, the bundle's padded sequence length): the rows a
    Poisson draw took, and their lengths, are statistics of the private rows and are not printed."""

    def __init__(self, steps, expected_batch, sequence_length, every_seconds=5.0):
        self.steps, self.rows_per_step = steps, expected_batch
        self.tokens_per_step = expected_batch * sequence_length
        self.every, self.started, self.last = every_seconds, time.monotonic(), float("-inf")

    def step(self, step):
        now = time.monotonic()
        if now - self.last < self.every and step not in (1, self.steps):
            return
        self.last = now
        rate = step / max(now - self.started, 1e-9)
        eta = (self.steps - step) / rate
        print(f"step {step}/{self.steps}  {rate:.2f} steps/s  {rate * self.rows_per_step:,.0f} rows/s  "
              f"{rate * self.tokens_per_step:,.0f} tokens/s (expected)  ETA {eta:.0f}s", file=sys.stderr, flush=True)

    def summary(self):
        seconds = time.monotonic() - self.started
        return f"{seconds:.1f} s, {self.steps / max(seconds, 1e-9):.2f} steps/s"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", help="folder written by tablm export")
    parser.add_argument("-o", "--output", help="result folder for tablm import")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, help="stop after this many steps (default: the bundle's; fewer spend less ε)")
    parser.add_argument("--check-per-sample", type=int, metavar="K", help="compare per-sample gradients of K rows and exit")
    args = parser.parse_args()

    with open(os.path.join(args.bundle, "bundle.json")) as f:
        meta = json.load(f)
    if meta.get("format") != "tablm-opacus-bundle" or meta.get("version") != 1:
        raise SystemExit(f"{args.bundle}/bundle.json: not a tablm bundle of version 1")
    with open(os.path.join(args.bundle, "config.json")) as f:
        config = json.load(f)
    dp, training = meta["dp"], meta["training"]
    # The Poisson sampling and the noise must be secret: torch's generators are seeded from the OS
    # (a seed in the bundle would let anyone replay the noise). They are not a CSPRNG like tablm's
    # ChaCha20: Opacus's secure_mode needs torchcsprng, which does not build against torch 2.x.
    torch.manual_seed(secrets.randbits(63))
    model = load_model(args.bundle, config)
    inputs, targets = read_rows(args.bundle, meta)
    if args.check_per_sample:
        worst = check_per_sample(model, inputs, targets, args.check_per_sample)
        print(f"per-sample gradients against one-row backward passes: largest difference {worst:.3e}")
        sys.exit(0 if worst < 1e-4 else 1)
    if not args.output:
        parser.error("-o/--output is required")

    from opacus import PrivacyEngine
    from opacus.distributed import DifferentiallyPrivateDistributedDataParallel as DPDDP

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank = 0
    if distributed:
        torch.distributed.init_process_group(backend="nccl" if args.device.startswith("cuda") else "gloo")
        rank = torch.distributed.get_rank()
        if args.device.startswith("cuda"):
            args.device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
            torch.cuda.set_device(args.device)
    device = torch.device(args.device)
    model = model.to(device)
    if distributed:
        model = DPDDP(model)

    steps = args.steps or dp["steps"]
    if not 0 < steps <= dp["steps"]:
        raise SystemExit(f"--steps must be in 1...{dp['steps']}: σ was calibrated for at most {dp['steps']} steps")
    # Poisson sampling at the bundle's rate, which tablm took over a released or declared row count
    # (the true count is private): Opacus's own loader would take batch / len(dataset). The gradient
    # sum is divided by the bundle's expected batch, never by the rows drawn nor the true count.
    from opacus.data_loader import DPDataLoader
    sample_rate = dp["sample_rate"]
    if not 0 < sample_rate <= 1:
        raise SystemExit(f"the bundle's sample rate {sample_rate} is not in (0, 1]")
    dataset = torch.utils.data.TensorDataset(inputs, targets)
    sampling = torch.Generator().manual_seed(secrets.randbits(63))
    loader = DPDataLoader(dataset, sample_rate=sample_rate, generator=sampling, distributed=distributed)
    optimizer = optimizer_for(model, training["lr"], training["weight_decay"])
    engine = PrivacyEngine(accountant="prv")
    noise = torch.Generator(device=device).manual_seed(secrets.randbits(63))
    model, optimizer, loader = engine.make_private(module=model, optimizer=optimizer, data_loader=loader,
                                                  noise_multiplier=dp["noise_multiplier"], max_grad_norm=dp["clip_norm"],
                                                  poisson_sampling=False, noise_generator=noise)
    optimizer.expected_batch_size = dp["expected_batch_size"] / (torch.distributed.get_world_size() if distributed else 1)
    # Opacus's countermeasure to floating-point attacks on Gaussian noise (each draw the sum of 2n
    # samples; Holohan et al. 2021), which its secure_mode turns on together with torchcsprng.
    optimizer.secure_mode = True

    step = 0
    progress = Progress(steps, dp["expected_batch_size"], meta["sequence_length"])
    model.train()
    while step < steps:
        for x, y in loader:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, training["lr"], training["warmup"], steps)
            optimizer.zero_grad()
            if len(x) > 0:
                row_loss(model, x.to(device), y.to(device)).backward()
            optimizer.step()  # an empty batch is a valid step: the update is noise alone
            step += 1
            if rank == 0:
                progress.step(step)
            if step == steps:
                break

    opacus_epsilon = engine.get_epsilon(dp["delta"])
    if rank == 0:
        os.makedirs(args.output, exist_ok=True)
        trained = model._module.module if distributed else model._module
        save_model(trained, config, args.output)
        for name in ["config.json", "tokenizer.model", "schema.json", "row-template.txt"]:
            shutil.copyfile(os.path.join(args.bundle, name), os.path.join(args.output, name))
        # The bundle's plan as carried out: the sample rate Opacus used and the steps taken.
        record = {"format": "tablm-opacus-result", "version": 1, "dp": {**dp, "sample_rate": sample_rate, "steps": step},
                  "column_orders": meta.get("column_orders"), "opacus_epsilon": opacus_epsilon, "opacus_accountant": "prv",
                  "world_size": torch.distributed.get_world_size() if distributed else 1}
        with open(os.path.join(args.output, "opacus-record.json"), "w") as f:
            json.dump(record, f, indent=2)
        print(f"trained {step} steps in {progress.summary()} with σ = {dp['noise_multiplier']:.4f}, q = {sample_rate:.5f}; Opacus (PRV) ε for these steps "
              f"alone = {opacus_epsilon:.4f} at δ = {dp['delta']:g}; result -> {args.output} (run tablm import)", file=sys.stderr)
    if distributed:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
