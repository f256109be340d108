#!/usr/bin/env python3
"""Reference benchmark: the same Llama-style decoder (RMSNorm, RoPE, GQA, SwiGLU) in plain PyTorch eager,
on the same CPU, with the same flags as the project's `bench` command, printing one JSON line, so the two can
be compared side by side in one run.

  /usr/bin/python3 torch_reference.py sample --dim 256 --layers 4 --heads 4 --kv-heads 2 --vocab 512 --batch 32 --prompt-len 32 --new-tokens 128
  /usr/bin/python3 torch_reference.py train  --dim 256 --layers 4 --heads 4 --kv-heads 2 --vocab 512 --batch 8 --seq 256 [--no-ref-cache]

train: --batch is the number of preference PAIRS (2 x batch sequences of --seq tokens), one DPO step with AdamW
and gradient clipping; tokens_per_s counts every token of both sequences of every pair. --ff sets the MLP width
(default: 8*dim/3 rounded up to a multiple of 64, as the project's bench does).
Needs Debian's python3-torch (apt-get install python3-torch; it is PyTorch 1.13 with OpenBLAS); run it with
/usr/bin/python3. Pin the same --threads on both sides. bench/real-sizes.sh runs it beside the project's bench.
"""
import argparse, json, math, resource, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RmsNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.eps = eps
    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rope(x, pos, theta=10000.0):  # x: (B, H, T, hd), pos: (T,)
    hd = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    f = torch.outer(pos.float(), inv)  # (T, hd/2)
    cos, sin = torch.cat([f.cos(), f.cos()], -1), torch.cat([f.sin(), f.sin()], -1)
    x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Block(nn.Module):
    def __init__(self, d, h, kvh, ff):
        super().__init__()
        self.h, self.kvh, self.hd = h, kvh, d // h
        self.n1, self.n2 = RmsNorm(d), RmsNorm(d)
        self.q = nn.Linear(d, h * self.hd, bias=False)
        self.k = nn.Linear(d, kvh * self.hd, bias=False)
        self.v = nn.Linear(d, kvh * self.hd, bias=False)
        self.o = nn.Linear(h * self.hd, d, bias=False)
        self.gate, self.up, self.down = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)

    def forward(self, x, pos, cache=None):
        B, T, _ = x.shape
        y = self.n1(x)
        q = self.q(y).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.k(y).view(B, T, self.kvh, self.hd).transpose(1, 2)
        v = self.v(y).view(B, T, self.kvh, self.hd).transpose(1, 2)
        q, k = rope(q, pos), rope(k, pos)
        if cache is not None:
            if cache.get("k") is not None:
                k = torch.cat([cache["k"], k], 2); v = torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        rep = self.h // self.kvh
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        S = k.shape[2]
        if hasattr(F, "scaled_dot_product_attention"):
            a = F.scaled_dot_product_attention(q, k, v, is_causal=(T == S and T > 1))
        else:
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
            if T > 1:
                mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
                att = att.masked_fill(~mask, float("-inf"))
            a = att.softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, -1))
        y = self.n2(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y))


class Lm(nn.Module):
    def __init__(self, vocab, d, layers, h, kvh, ff):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, h, kvh, ff) for _ in range(layers))
        self.norm = RmsNorm(d); self.head = nn.Linear(d, vocab, bias=False)
    def forward(self, ids, start=0, caches=None):
        pos = torch.arange(start, start + ids.shape[1])
        x = self.emb(ids)
        for i, b in enumerate(self.blocks):
            x = b(x, pos, None if caches is None else caches[i])
        return self.head(self.norm(x))


def logps(model, ids, mask):
    logits = model(ids)[:, :-1]
    lp = torch.gather(logits.log_softmax(-1), 2, ids[:, 1:, None]).squeeze(2)
    return (lp * mask[:, 1:]).sum(-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("op", choices=["sample", "train"])
    for k, v in dict(dim=256, layers=4, heads=4, kv_heads=2, vocab=512, batch=32, prompt_len=32, new_tokens=128, seq=256, threads=2, reps=3, ff=0).items():
        p.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--no-ref-cache", action="store_true", help="compute reference log-probs inside the timed step")
    a = p.parse_args()
    torch.manual_seed(0); torch.set_num_threads(a.threads)
    ff = a.ff or (a.dim * 8 // 3 + 63) // 64 * 64
    m = Lm(a.vocab, a.dim, a.layers, a.heads, a.kv_heads, ff)
    if a.op == "sample":
        m.eval(); times = []
        for _ in range(a.reps + 1):
            ids = torch.randint(0, a.vocab, (a.batch, a.prompt_len))
            t = time.perf_counter()
            with torch.no_grad():
                if a.no_cache:
                    for _ in range(a.new_tokens):
                        nxt = torch.multinomial(m(ids)[:, -1].softmax(-1), 1); ids = torch.cat([ids, nxt], 1)
                else:
                    caches = [dict() for _ in range(a.layers)]
                    logits = m(ids, 0, caches); pos = ids.shape[1]
                    for _ in range(a.new_tokens):
                        nxt = torch.multinomial(logits[:, -1].softmax(-1), 1)
                        logits = m(nxt, pos, caches); pos += 1
            times.append(time.perf_counter() - t)
        med = sorted(times[1:])[len(times[1:]) // 2]
        out = {"op": "sample", "peer": "pytorch-eager " + torch.__version__, "new_tokens_per_s": a.batch * a.new_tokens / med, "ms_per_step": 1000 * med / a.new_tokens}
    else:
        ref = Lm(a.vocab, a.dim, a.layers, a.heads, a.kv_heads, ff); ref.load_state_dict(m.state_dict()); ref.eval()
        opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
        times = []
        for _ in range(a.reps + 2):
            ids = torch.randint(0, a.vocab, (2 * a.batch, a.seq)); mask = torch.ones(2 * a.batch, a.seq); mask[:, : a.seq // 4] = 0
            if a.no_ref_cache:
                t = time.perf_counter()
            with torch.no_grad():
                r = logps(ref, ids, mask)
            if not a.no_ref_cache:
                t = time.perf_counter()
            pl = logps(m, ids, mask)
            c, rj = pl.chunk(2); rc, rr = r.chunk(2)
            loss = -F.logsigmoid(0.1 * ((c - rc) - (rj - rr))).mean()
            opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
            times.append(time.perf_counter() - t)
        med = sorted(times[2:])[len(times[2:]) // 2]
        out = {"op": "train", "loss": "dpo", "peer": "pytorch-eager " + torch.__version__, "tokens_per_s": 2 * a.batch * a.seq / med, "ms_per_step": 1000 * med}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
