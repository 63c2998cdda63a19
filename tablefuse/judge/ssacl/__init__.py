"""SSACL: self-supervised adversarial contrastive pairwise integrability judge (zero labels).

Trained per lake, on the lake itself, without any labels:

* Representation: one embedding per attribute value (the paper's per-attribute encoding; nulls
  get a learned [NULL] vector), from a local transformers encoder (default: the bundled MiniLM).
  Chosen over the serialised tuple (``COL a VAL v ...``) for cost: a distinct value is encoded once
  however many rows repeat it, and an augmented copy only re-encodes the attributes it changed,
  whereas a serialised tuple needs one encoder pass per row and per augmented copy.
* Head (``model``): per attribute a token from |a-b|, a*b, cosine and string features
  (``features``: equality, token Jaccard, edit similarity, token-set ratio, numeric closeness,
  null flags, length ratio), attention across attributes, an MLP -> P(integrable).
* Training (``train``): positives = tuple vs augmented copy (``augment``); negatives = random
  tuples and hard negatives from blocking, behind a false-negative guard; binary NCE (logistic
  loss) plus adversarial positives (``adversarial``, FGM/PGD, epsilon 0.01, weight 0.5); early
  stopping on held-out synthetic pairs.
* Threshold (``threshold``): label-free, from held-out synthetic pairs and the score distribution.

Only ``model``/``adversarial`` import torch at module level, and only ``SSACLJudge.fit``/
``score``/``load`` import them, so ``import tablefuse.judge`` stays light.
"""
from __future__ import annotations

from .augment import FAMILIES
from .judge import SSACLJudge
from .train import TrainParams

__all__ = ["FAMILIES", "SSACLJudge", "TrainParams"]
