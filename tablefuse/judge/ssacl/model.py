"""The matcher head (torch): per-attribute pair tokens, attention across attributes, an MLP.

Imported only when SSACL trains or scores, so ``import tablefuse.judge`` stays free of torch.
Every input is symmetric in the two tuples (|a-b|, a*b, cosine, symmetric string features), so
score(a, b) == score(b, a) by construction.
"""
from __future__ import annotations

import torch
from torch import nn


class MatcherHead(nn.Module):
    """P(integrable) logit from both tuples' attribute embeddings and string features.

    Inputs: ``ea``/``eb`` (B, K, D) attribute embeddings, ``null_a``/``null_b`` (B, K) bool
    (True where the value is null; its embedding is replaced by a learned [NULL] vector),
    ``feats`` (B, K, F). Output: logits (B,).
    """

    def __init__(self, n_attributes: int, dim: int, n_features: int, hidden: int = 64,
                 heads: int = 4, dropout: float = 0.1):
        super().__init__()
        self.n_attributes = n_attributes
        self.dim = dim
        self.null = nn.Parameter(torch.zeros(dim))
        self.attr = nn.Parameter(torch.zeros(n_attributes, hidden))
        self.cls = nn.Parameter(torch.zeros(1, 1, hidden))
        self.inp = nn.Sequential(nn.Linear(2 * dim + 1 + n_features, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden))
        self.attn = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=2 * hidden, dropout=dropout,
                                               batch_first=True, norm_first=True)
        self.out = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, 1))
        nn.init.normal_(self.null, std=0.05)
        nn.init.normal_(self.attr, std=0.02)
        nn.init.normal_(self.cls, std=0.02)

    def forward(self, ea: torch.Tensor, eb: torch.Tensor, null_a: torch.Tensor, null_b: torch.Tensor,
                feats: torch.Tensor) -> torch.Tensor:
        # the input layer is applied block by block (|a-b|, a*b, cosine, features) instead of to
        # their concatenation: the same function and weights, without materialising the (B, K,
        # 2D+1+F) input, whose copies and element-wise passes were most of the head's CPU time
        any_null = bool(null_a.any()) or bool(null_b.any())
        if any_null:
            ea = torch.where(null_a.unsqueeze(-1), self.null.to(ea.dtype), ea)
            eb = torch.where(null_b.unsqueeze(-1), self.null.to(eb.dtype), eb)
        prod = ea * eb
        norms = (ea.norm(dim=-1) * eb.norm(dim=-1)).clamp(min=1e-6)
        cos = prod.sum(-1) / norms
        if any_null:
            cos = cos.masked_fill(null_a | null_b, 0.0)
        first: nn.Linear = self.inp[0]  # type: ignore[assignment]
        w = first.weight.to(ea.dtype)
        d = self.dim
        h0 = nn.functional.linear((ea - eb).abs(), w[:, :d]) + nn.functional.linear(prod, w[:, d:2 * d])
        h0 = h0 + cos.unsqueeze(-1) * w[:, 2 * d] + nn.functional.linear(feats.to(ea.dtype), w[:, 2 * d + 1:],
                                                                         first.bias.to(ea.dtype))
        tokens = self.inp[1:](h0) + self.attr.to(h0.dtype)
        tokens = torch.cat([self.cls.expand(tokens.shape[0], -1, -1).to(h0.dtype), tokens], dim=1)
        both_null = null_a & null_b
        pad = torch.cat([torch.zeros_like(both_null[:, :1]), both_null], dim=1)  # never mask the CLS
        h = self.attn(tokens, src_key_padding_mask=pad)
        return self.out(h[:, 0]).squeeze(-1)


__all__ = ["MatcherHead"]
