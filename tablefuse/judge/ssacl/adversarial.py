"""Adversarial positives: FGM (one step) or PGD (several) perturbations of the embeddings.

The perturbation of every attribute embedding is bounded in L2 norm by ``epsilon`` (the paper:
0.01), so an adversarial copy of a positive pair is still the same tuple pair, only made harder;
training on it (with its own loss weight, the paper's 0.5) smooths the head around positives.
"""
from __future__ import annotations

from collections.abc import Callable

import torch


def _project(delta: torch.Tensor, epsilon: float) -> torch.Tensor:
    norm = delta.norm(dim=-1, keepdim=True)
    return delta * torch.clamp(epsilon / norm.clamp(min=1e-12), max=1.0)


def perturb(loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], ea: torch.Tensor,
            eb: torch.Tensor, epsilon: float, steps: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Perturbations (delta_a, delta_b), detached, each attribute vector's norm <= epsilon, that
    increase ``loss_fn(ea + delta_a, eb + delta_b)``. ``steps == 1`` is FGM (gradient direction
    scaled to epsilon); ``steps > 1`` is PGD with step epsilon / steps * 2.5 and projection."""
    if epsilon <= 0:
        return torch.zeros_like(ea), torch.zeros_like(eb)
    ea, eb = ea.detach(), eb.detach()
    da = torch.zeros_like(ea, requires_grad=True)
    db = torch.zeros_like(eb, requires_grad=True)
    alpha = epsilon if steps == 1 else 2.5 * epsilon / steps
    for _ in range(max(1, steps)):
        loss = loss_fn(ea + da, eb + db)
        ga, gb = torch.autograd.grad(loss, (da, db))
        with torch.no_grad():
            na = ga.norm(dim=-1, keepdim=True).clamp(min=1e-12)
            nb = gb.norm(dim=-1, keepdim=True).clamp(min=1e-12)
            new_a = _project(da + alpha * ga / na, epsilon)
            new_b = _project(db + alpha * gb / nb, epsilon)
        da = new_a.requires_grad_(True)
        db = new_b.requires_grad_(True)
    return da.detach(), db.detach()


__all__ = ["perturb"]
