"""SSACL: self-supervised adversarial contrastive pairwise integrability judge (zero labels).

Trained per lake, on the lake itself, without any labels:

* Representation: one embedding per attribute value (the paper's per-attribute encoding; nulls
  get a learned [NULL] vector), from a local transformers encoder (default: the bundled MiniLM).
  Chosen over the serialised tuple (``COL a VAL v ...``) for cost: a distinct value is encoded once
  however many rows repeat it, and an augmented copy only re-encodes the attributes it changed,
  whereas a serialised tuple needs one encoder pass per row and per augmented copy.
* Head (``model``): per attribute a token from |a-b|, a*b, cosine and string features
  (``features.FEATURE_NAMES``: equality, token Jaccard, edit similarity, token-set ratio,
  numeric closeness, null flags, length ratio; the IDF of an equal value and IDF-weighted token
  cosine; and per tuple, broadcast to every attribute: IDF-weighted cosine of the whole tuples,
  shared / conflicting model codes such as "KDL-40V4100", term-frequency agreement evidence and
  whether either tuple identifies an entity at all), attention across attributes, an MLP ->
  P(integrable). The frequencies come from the lake (``lakestats.LakeStats``, counted at fit
  time and saved with the model).
* Training (``train``): positives = tuple vs augmented copy (``augment``), plus pseudo-positives
  (mutual-best blocking pairs by string, IDF and code evidence) and one self-training round;
  negatives = random tuples and hard negatives from blocking, behind a false-negative guard that
  keeps pairs agreeing only on frequent values as negatives; binary NCE (logistic loss) plus
  adversarial positives (``adversarial``, FGM/PGD, epsilon 0.01, weight 0.5); early stopping on
  held-out synthetic pairs.
* Threshold (``threshold``): label-free, from held-out synthetic pairs and the score distribution.

Only ``model``/``adversarial`` import torch at module level, and only ``SSACLJudge.fit``/
``score``/``load`` import them, so ``import tablefuse.judge`` stays light.
"""
from __future__ import annotations

from .augment import FAMILIES
from .judge import SSACLJudge
from .train import TrainParams

__all__ = ["FAMILIES", "SSACLJudge", "TrainParams"]
