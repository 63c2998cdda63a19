"""Self-supervised training data and the training loop (no labels anywhere).

Positives: a tuple vs an augmented copy of itself. Negatives: random other tuples (the paper's
in-batch negatives, drawn ahead of time so their string features are computed once) and hard
negatives: blocking neighbours that differ in the lake's identifying attribute.

False-negative guard: a lake holds true duplicates, so "another tuple" is sometimes the same
entity. A would-be negative is dropped when (a) its plain string similarity (the
``SimilarityJudge`` mean) reaches ``fn_guard``, or (b) the two tuples are each other's most
similar blocking neighbour (mutual best match: the signature of a duplicate in a clean-clean
lake). What is left is mostly real non-matches; the rest is label noise the head tolerates.

Pseudo-positives (self-training, still no labels): the pairs the guard is surest about, blocking
neighbours that are each other's best match AND reach ``fn_guard``, are added as positives. They
are real cross-source pairs, so they show the head how sources differ (prices, missing
manufacturers, venue spellings), which augmentation alone cannot invent. With ``code_evidence``
the mutual best match is ranked by ``evidence`` (plain similarity, IDF-weighted tuple cosine,
shared rare model codes) and a mutual best pair sharing a rare code with some token overlap is a
pseudo-positive too: in product data
the titles of one product differ across sources, its model number does not.

Rarity (``informative_only``, from the lake's ``LakeStats``): a tuple made only of frequent
values ("new york") gives no augmented positive, and pairs that agree only on frequent values
are kept as negatives (random and hard) instead of being guarded away as likely duplicates, so
the head learns that agreeing on a frequent value is weak evidence.

Self-training (``self_train``, on by default): after the first fit, the head's confident
mutual-best candidate pairs are added as pseudo-positives and the head is refit once. On large
lakes the round rescores at most ``self_train_max_pairs`` candidates (``rescore_sample``: a 2-hop
sample, exact for the tuples it covers) and keeps at most ``self_train_max_positives`` pairs;
mining looks only at the pairs two hops around the anchors (``two_hop``), which gives the same
hard negatives and pseudo-positives as mining every candidate.
"""
from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .augment import FAMILIES, augment_tuple
from .features import FEATURE_NAMES, PairFeaturizer

if TYPE_CHECKING:
    from .model import MatcherHead

logger = logging.getLogger("tablefuse")

POS, RANDOM_NEG, HARD_NEG, PSEUDO_POS = 0, 1, 2, 3
LABEL_POS, LABEL_NEG = 4, 5  # pairs a person labelled match / no match (``SSACLJudge.fit(labels=)``)
_EDIT = FEATURE_NAMES.index("edit_sim")
_TSET = FEATURE_NAMES.index("token_set")
_PRESENT = FEATURE_NAMES.index("both_present")
_TCOS = FEATURE_NAMES.index("tuple_idf_cosine")
_EQUAL = FEATURE_NAMES.index("equal")
_EVIDENCE = FEATURE_NAMES.index("equal_evidence")
_INFORMATIVE = FEATURE_NAMES.index("pair_informative")
_CODE_IDF = FEATURE_NAMES.index("code_match_idf")
_CONFLICT = FEATURE_NAMES.index("code_conflict")


#: bounded training applies to training sets of at least this many large batches (one epoch's steps)
BOUNDED_MIN_STEPS = 8


@dataclass(frozen=True)
class TrainParams:
    """SSACL training hyper-parameters (mirrors ``SSACLConfig``, the ``[judge.ssacl]`` options)."""

    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    encoder_learning_rate: float = 2e-5
    weight_decay: float = 1e-4
    patience: int = 4
    hidden: int = 64
    adv_epsilon: float = 0.01
    adv_weight: float = 0.5
    adv_steps: int = 1
    augment: tuple[str, ...] = FAMILIES
    positives_per_tuple: int = 1
    random_negatives: int = 2
    hard_negatives: int = 2
    fn_guard: float = 0.8
    pseudo_positives: bool = True
    code_evidence: bool = True  # mine pseudo-positives / hard negatives with IDF and code evidence too
    informative_only: bool = True  # no positives from tuples of only frequent values; see _informative
    self_train: bool = True  # one self-training round: the head's confident mutual-best pairs as positives
    self_train_max_pairs: int = 2_000_000  # candidates rescored for self-training (a 2-hop sample above)
    self_train_max_positives: int = 10_000  # self-training positives kept (a seeded sample above)
    max_train_tuples: int = 2000
    val_fraction: float = 0.1
    finetune_encoder: bool = False
    seed: int = 0
    # bounded training (judge v2): batches of at least ``bounded_batch`` pairs (learning rate scaled
    # by the square root of the growth, capped at 3e-3), at most ``bounded_epochs`` epochs, patience
    # 2, and the self-training round warm-started from the first head for ``self_train_epochs``
    # epochs; False: the v1 loop (``batch_size``, ``epochs``, ``patience``, refit from scratch)
    bounded: bool = False  # off by default: lower set F1 on every real lake measured (SSACLConfig.bounded)
    bounded_batch: int = 1024
    bounded_epochs: int = 12
    self_train_epochs: int = 4
    bounded_rescore_pairs: int = 0  # bounded: candidates rescored for self-training at most (0: self_train_max_pairs)
    # Fellegi-Sunter evidence (judge v2): "pseudo" fits the EM model on the candidates first; its
    # confident pairs (posterior >= 0.99 / <= 0.01, at most fs_max_pairs each, a seeded sample) join
    # the training pairs as pseudo-positives / hard negatives, a val_fraction share in validation
    fs_evidence: str = "fuse"  # "fuse": FS posteriors fused into the final score (judge.py, _fit_fusion)
    fs_max_pairs: int = 1000


@dataclass
class PairRows:
    """Training pairs as raw rows (lists of attribute values) plus label and kind."""

    rows_a: list[list[str | None]] = field(default_factory=list)
    rows_b: list[list[str | None]] = field(default_factory=list)
    labels: list[float] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)

    def add(self, a: list[str | None], b: list[str | None], label: float, kind: int) -> None:
        self.rows_a.append(a)
        self.rows_b.append(b)
        self.labels.append(label)
        self.kinds.append(kind)

    def __len__(self) -> int:
        return len(self.labels)


def plain_similarity(feats: np.ndarray) -> np.ndarray:
    """The ``SimilarityJudge`` score recomputed from features: mean over shared attributes of
    (token-set + edit similarity) / 2; 0 with nothing shared. ``feats``: (n, K, F)."""
    present = feats[:, :, _PRESENT]
    sim = 0.5 * (feats[:, :, _TSET] + feats[:, :, _EDIT]) * present
    n = present.sum(1)
    return np.where(n > 0, sim.sum(1) / np.maximum(n, 1), 0.0)


def identifying_attribute(rows: Sequence[Sequence[str | None]]) -> int:
    """The attribute that best tells tuples apart: most distinct values times coverage."""
    k = len(rows[0]) if rows else 0
    best, best_score = 0, -1.0
    for j in range(k):
        vals = [r[j] for r in rows if r[j] is not None]
        if not vals:
            continue
        score = len(set(vals)) / len(rows)
        if score > best_score:
            best, best_score = j, score
    return best


def guarded_hard_negatives(rows: Sequence[Sequence[str | None]], candidates: Sequence[tuple[int, int]],
                           featurizer: PairFeaturizer, fn_guard: float) -> dict[int, list[int]]:
    """For every tuple, its blocking neighbours usable as hard negatives, hardest first.

    A neighbour qualifies when its identifying attribute differs (edit similarity < 0.9) and the
    false-negative guard (module docstring) does not drop it.
    """
    return _mine(rows, candidates, featurizer, fn_guard)[0]


def _mine(rows: Sequence[Sequence[str | None]], candidates: Sequence[tuple[int, int]],
          featurizer: PairFeaturizer, fn_guard: float,
          code_evidence: bool = False,
          weak_negatives: bool = False,
          feats: np.ndarray | None = None) -> tuple[dict[int, list[int]], list[tuple[int, int]]]:
    """(hard negatives per tuple, pseudo-positive pairs): see the module docstring.

    ``code_evidence``: best matches are ranked by ``evidence`` (string similarity, IDF-weighted
    tuple cosine and shared rare codes) instead of the plain similarity, and a mutual best pair
    that shares a rare code (code IDF >= 0.5) with some token overlap (tuple IDF cosine >= 0.3)
    is also a pseudo-positive and never a hard negative. ``weak_negatives``: blocking neighbours that
    agree only weakly (``agree_on_frequent_only``) are hard negatives, never guarded. ``feats``:
    the candidates' features when the caller has them already (the judge computes them once for
    mining, the self-training rescore and the final score).
    """
    if not candidates:
        return {}, []
    ident = identifying_attribute(rows)
    if feats is None:
        feats = featurizer.features([rows[a] for a, _ in candidates], [rows[b] for _, b in candidates])
    sim = plain_similarity(feats)
    if code_evidence:
        rank = evidence(feats)
        code_dup = (feats[:, 0, _CODE_IDF] >= 0.5) & (feats[:, 0, _TCOS] >= 0.3)
    else:
        rank = sim
        code_dup = np.zeros(len(sim), dtype=bool)
    best = _best_partner(candidates, rank)
    out: dict[int, list[tuple[float, int]]] = {}
    pseudo: list[tuple[int, int]] = []
    weak = agree_on_frequent_only(feats, weak_negatives)
    for (a, b), s, r, f, cd, wk in zip(candidates, sim, rank, feats, code_dup, weak):
        if not wk:
            mutual = best[a] == b and best[b] == a
            if mutual and (s >= fn_guard or cd):
                pseudo.append((a, b))
            if s >= fn_guard or mutual or cd:
                continue
            if f[ident, _PRESENT] > 0 and f[ident, _EDIT] >= 0.9:
                continue
        out.setdefault(a, []).append((float(r), b))
        out.setdefault(b, []).append((float(r), a))
    return {t: [u for _, u in sorted(v, reverse=True)] for t, v in out.items()}, pseudo


def mutual_best_pairs(candidates: Sequence[tuple[int, int]], scores: np.ndarray, cut: float) -> list[tuple[int, int]]:
    """Candidate pairs scored >= ``cut`` that are each other's best-scored candidate."""
    best = _best_partner(candidates, scores)
    return [(a, b) for (a, b), s in zip(candidates, scores) if s >= cut and best[a] == b and best[b] == a]


def rescore_sample(candidates: np.ndarray, n_rows: int, max_pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Which candidate pairs the self-training round rescores: (their indices, the tuples whose
    every candidate pair is among them).

    All of them up to ``max_pairs``. Above, a 2-hop sample: seed tuples in a seeded random
    order, their neighbours, and every pair touching either. A tuple is *complete* when all its
    pairs are scored, so a mutual-best pair of two complete tuples is exactly what scoring every
    candidate would find (ties included: the order of pairs is kept). At 1M tuples this scores
    ~2M of 13.5M candidates instead of all of them, for a round that keeps at most
    ``self_train_max_positives`` pairs anyway. ``candidates``: (m, 2) row positions."""
    m = len(candidates)
    if m <= max_pairs:
        return np.arange(m), np.ones(n_rows, dtype=bool)
    rank = np.empty(n_rows, dtype=np.int64)
    rank[np.random.default_rng(seed).permutation(n_rows)] = np.arange(n_rows)
    lo, hi = 0, n_rows  # the most seeds whose pairs fit in max_pairs (monotone in the seed count)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if int(two_hop(candidates, rank < mid)[0].sum()) <= max_pairs:
            lo = mid
        else:
            hi = mid - 1
    touch, complete = two_hop(candidates, rank < lo)
    return np.flatnonzero(touch), complete


def two_hop(candidates: np.ndarray, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pairs touching a seed or a seed's neighbour, those complete tuples: seeds + neighbours).
    Best partners computed on those pairs are exact for every complete tuple."""
    a, b = candidates[:, 0], candidates[:, 1]
    complete = seeds.copy()
    complete[a[seeds[b]]] = True
    complete[b[seeds[a]]] = True
    return complete[a] | complete[b], complete


def _best_partner(candidates: Sequence[tuple[int, int]], scores: np.ndarray) -> dict[int, int]:
    """Each tuple's best-scored candidate partner (the first one seen on ties)."""
    best: dict[int, tuple[float, int]] = {}
    for (a, b), s in zip(candidates, scores):
        if s > best.get(a, (-np.inf, -1))[0]:
            best[a] = (float(s), b)
        if s > best.get(b, (-np.inf, -1))[0]:
            best[b] = (float(s), a)
    return {t: partner for t, (_, partner) in best.items()}


def evidence(feats: np.ndarray) -> np.ndarray:
    """A label-free match evidence per pair, used only to mine training pairs: the mean of the
    plain similarity and the IDF-weighted tuple cosine, plus the IDF of the rarest shared code,
    minus 1 for a code conflict. ``feats``: (n, K, F)."""
    return (0.5 * plain_similarity(feats) + 0.5 * feats[:, 0, _TCOS] + feats[:, 0, _CODE_IDF]
            - feats[:, 0, _CONFLICT])


def build_pairs(rows: Sequence[Sequence[str | None]], candidates: Sequence[tuple[int, int]] | np.ndarray,
                params: TrainParams, featurizer: PairFeaturizer,
                candidate_features: np.ndarray | None = None) -> tuple[PairRows, PairRows]:
    """Synthetic (train, validation) pairs from the lake's rows; validation anchors are disjoint.
    ``candidate_features``: the features of every candidate pair (aligned), when already computed."""
    rng = random.Random(params.seed)
    usable = [i for i, r in enumerate(rows) if any(v is not None for v in r)]
    if len(usable) > params.max_train_tuples:
        usable = sorted(rng.sample(usable, params.max_train_tuples))
    order = list(usable)
    rng.shuffle(order)
    n_val = max(1, int(len(order) * params.val_fraction)) if len(order) >= 10 else 0
    val_anchors = set(order[:n_val])
    informative = None
    if params.informative_only:
        informative = {t for t in usable if _informative(rows[t], featurizer)}
        if len(informative) < 0.1 * len(usable):  # a lake of one-value rows: keep every anchor
            informative = None
    weak_on = informative is not None
    mine = params.hard_negatives or params.pseudo_positives
    if mine and len(candidates):
        # only the anchors' hard negatives and pseudo-positives are used, and best partners are
        # exact on the pairs around them (two_hop): at 1M tuples ~2M of 13.5M pairs, same result.
        # ``candidates`` may be an (m, 2) array: only those pairs become Python tuples.
        arr = np.asarray(candidates, dtype=np.int64).reshape(-1, 2)
        seeds = np.zeros(len(rows), dtype=bool)
        seeds[usable] = True
        touch, _ = two_hop(arr, seeds)
        candidates = list(map(tuple, arr[touch].tolist()))
        mine_feats = candidate_features[touch] if candidate_features is not None else None
    else:
        candidates = []
        mine_feats = None
    hard, pseudo = (_mine(rows, candidates, featurizer, params.fn_guard, params.code_evidence, weak_on, mine_feats)
                    if mine else ({}, []))
    if not params.hard_negatives:
        hard = {}
    all_ids = list(range(len(rows)))
    train, val = PairRows(), PairRows()
    for t in usable:
        target = val if t in val_anchors else train
        anchor = list(rows[t])
        if informative is not None and t not in informative:
            copies = []  # only frequent values ("new york"): no evidence of identity, so no positive
        else:
            copies = [augment_tuple(anchor, rng, params.augment) for _ in range(params.positives_per_tuple)]
        for c in copies:
            target.add(anchor, c, 1.0, POS)
        others: list[int] = []
        tries = 0
        while len(others) < params.random_negatives and tries < 10 * params.random_negatives and len(rows) > 1:
            u = rng.choice(all_ids)
            tries += 1
            if u != t and u not in others and any(v is not None for v in rows[u]):
                others.append(u)
        for u in others:
            left = copies[rng.randrange(len(copies))] if copies and rng.random() < 0.5 else anchor
            target.add(left, list(rows[u]), 0.0, RANDOM_NEG)
        for u in hard.get(t, [])[:params.hard_negatives]:
            left = copies[rng.randrange(len(copies))] if copies and rng.random() < 0.5 else anchor
            target.add(left, list(rows[u]), 0.0, HARD_NEG)
    if params.pseudo_positives:
        anchors = set(usable)
        for a, b in pseudo:
            if a in anchors and b in anchors:
                target = val if (a in val_anchors or b in val_anchors) else train
                target.add(list(rows[a]), list(rows[b]), 1.0, PSEUDO_POS)
    # random negatives that are near-duplicates by plain similarity are dropped (the guard)
    return (_guard_random(train, featurizer, params.fn_guard, weak_on),
            _guard_random(val, featurizer, params.fn_guard, weak_on))


def agree_on_frequent_only(feats: np.ndarray, enabled: bool = True) -> np.ndarray:
    """Per pair: weak agreement, evidence that never makes one entity. Either every attribute both
    tuples fill holds the same value and that agreement is weak (``equal_evidence`` < 0.5, see
    ``LakeStats.agreement_log_odds``: two rows holding only "new york"), or neither tuple
    identifies an entity (``pair_informative`` < 0.5: "american" vs "american (new)"). All False
    when not ``enabled``. ``feats``: (n, K, F)."""
    if not enabled or not len(feats):
        return np.zeros(len(feats), dtype=bool)
    present = feats[:, :, _PRESENT] > 0
    all_equal = np.where(present, feats[:, :, _EQUAL] > 0, True).all(1) & present.any(1)
    return (all_equal & (feats[:, 0, _EVIDENCE] < 0.5)) | (feats[:, 0, _INFORMATIVE] < 0.5)


def _informative(row: Sequence[str | None], featurizer: PairFeaturizer) -> bool:
    """Whether an exact copy of this tuple elsewhere would be strong evidence of one entity
    (``LakeStats.agreement_log_odds`` of all its values >= 0). A tuple of one value, or of
    frequent values only (a flattened RDF row holding just "new york" or just a street), does
    not identify an entity: no augmented positive is made from it (the gold of ccer D1 agrees)."""
    return featurizer.informative(row)


def _guard_random(pairs: PairRows, featurizer: PairFeaturizer, fn_guard: float,
                  keep_weak: bool = False) -> PairRows:
    """Drops random negatives that look like duplicates (plain similarity >= ``fn_guard``), except,
    with ``keep_weak``, those whose shared attributes are all equal frequent values: they are
    the negatives that teach the head that agreeing on "new york" alone is weak evidence."""
    idx = [i for i, k in enumerate(pairs.kinds) if k == RANDOM_NEG]
    if not idx:
        return pairs
    feats = featurizer.features([pairs.rows_a[i] for i in idx], [pairs.rows_b[i] for i in idx])
    sim = plain_similarity(feats)
    frequent_only = agree_on_frequent_only(feats, keep_weak)
    drop = {i for i, s, fo in zip(idx, sim, frequent_only) if s >= fn_guard and not fo}
    if not drop:
        return pairs
    out = PairRows()
    for i in range(len(pairs)):
        if i not in drop:
            out.add(pairs.rows_a[i], pairs.rows_b[i], pairs.labels[i], pairs.kinds[i])
    return out


class ValueIndex:
    """Distinct value text -> row of the embedding table (-1 for null)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[str, int] = {}

    def ids(self, rows: Sequence[Sequence[str | None]]) -> np.ndarray:
        k = len(rows[0]) if rows else 0
        out = np.full((len(rows), k), -1, dtype=np.int64)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if v is not None:
                    idx = self._index.get(v)
                    if idx is None:
                        idx = len(self.texts)
                        self._index[v] = idx
                        self.texts.append(v)
                    out[i, j] = idx
        return out


@dataclass
class TrainResult:
    head: MatcherHead
    encoder: object | None  # the fine-tuned transformers model, when fine-tuning
    history: list[dict[str, float]]
    synthetic_threshold: float
    best_epoch: int
    seconds: float = 0.0


def set_seeds(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_embedder(table: np.ndarray | None, texts: list[str], device: str, encoder=None, tokenizer=None,
                  max_length: int = 64) -> Callable:
    """ids (B, K) -> embeddings (B, K, D): a lookup in the frozen table, or the encoder run on
    the batch's distinct values with gradients when fine-tuning."""
    import torch

    from ...runtime.encoders import mean_pool

    if encoder is None:
        t = torch.from_numpy(table).to(device)

        def lookup(ids: torch.Tensor) -> torch.Tensor:
            return t[ids.clamp(min=0)]

        return lookup

    def run(ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1)
        uniq, inverse = torch.unique(flat.clamp(min=0), return_inverse=True)
        batch = [texts[i] for i in uniq.tolist()]
        enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt").to(device)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
            out = encoder(**enc).last_hidden_state
        pooled = torch.nn.functional.normalize(mean_pool(out, enc["attention_mask"]).float(), dim=-1)
        return pooled[inverse].reshape(*ids.shape, -1)

    return run


def train_head(ids_a: np.ndarray, ids_b: np.ndarray, feats: np.ndarray, labels: np.ndarray,
               val: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], embed: Callable, dim: int,
               params: TrainParams, device: str, encoder=None, progress=None, init_state: dict | None = None,
               max_epochs: int | None = None) -> TrainResult:
    """Binary NCE (logistic loss on positives vs negatives) plus the adversarial term, Adam,
    early stopping on the validation loss; the best epoch's weights are kept.

    ``params.bounded``: large batches, few epochs, patience 2 (see ``TrainParams``). ``init_state``:
    start from these head weights (the warm-started self-training round); ``max_epochs``: a cap
    below the configured epochs."""
    import copy
    import time

    import torch

    from .adversarial import perturb
    from .model import MatcherHead
    from .threshold import f1_best_threshold

    t0 = time.perf_counter()
    set_seeds(params.seed)
    k = ids_a.shape[1]
    head = MatcherHead(k, dim, feats.shape[2], hidden=params.hidden).to(device)
    if init_state is not None:
        head.load_state_dict(init_state)
    batch_size, lr, epochs, patience = params.batch_size, params.learning_rate, params.epochs, params.patience
    # bounded only where it bounds real work: a training set under BOUNDED_MIN_STEPS large batches
    # would get a handful of optimizer steps in all (a tiny lake's head then never leaves its
    # initial scores), while training it the plain way costs well under a second
    if params.bounded and encoder is None and len(labels) >= BOUNDED_MIN_STEPS * params.bounded_batch:
        batch_size = max(batch_size, params.bounded_batch)
        lr = max(lr, min(3e-3, lr * math.sqrt(batch_size / params.batch_size)))
        epochs, patience = min(epochs, params.bounded_epochs), min(patience, 2)
    if max_epochs is not None:
        epochs = min(epochs, max_epochs)
    groups = [{"params": head.parameters(), "lr": lr}]
    if encoder is not None:
        encoder.train()
        groups.append({"params": encoder.parameters(), "lr": params.encoder_learning_rate})
    opt = torch.optim.AdamW(groups, weight_decay=params.weight_decay)
    n_pos = float(labels.sum())
    n_neg = float(len(labels) - n_pos)
    pos_weight = torch.tensor(n_neg / max(n_pos, 1.0), device=device)
    gen = torch.Generator().manual_seed(params.seed)

    def to_t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a).to(device)

    A, B, F, Y = to_t(ids_a), to_t(ids_b), to_t(feats), to_t(labels.astype(np.float32))
    VA, VB, VF, VY = (to_t(x) for x in (val[0], val[1], val[2], val[3].astype(np.float32)))
    amp = device == "cuda"

    def logits_of(ea, eb, na, nb, f):
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
            return head(ea, eb, na, nb, f).float()

    def evaluate() -> tuple[float, np.ndarray]:
        head.eval()
        if encoder is not None:
            encoder.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(VY), 4096):
                a, b = VA[i:i + 4096], VB[i:i + 4096]
                out.append(logits_of(embed(a), embed(b), a < 0, b < 0, VF[i:i + 4096]))
        lg = torch.cat(out) if out else torch.zeros(0, device=device)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(lg, VY, pos_weight=pos_weight) if len(VY)
                else lg.sum())
        return float(loss), torch.sigmoid(lg).cpu().numpy()

    # (validation loss, epoch, head weights, encoder weights) of the best epoch so far
    best: tuple[float, int, dict[str, Any] | None, dict[str, Any] | None] = (math.inf, -1, None, None)
    history: list[dict[str, float]] = []
    if progress is not None:
        progress.total(epochs)
    bad = 0
    for epoch in range(epochs):
        head.train()
        if encoder is not None:
            encoder.train()
        perm = torch.randperm(len(Y), generator=gen).to(device)
        total, total_adv, steps = 0.0, 0.0, 0
        for i in range(0, len(perm), batch_size):
            idx = perm[i:i + batch_size]
            a, b, f, y = A[idx], B[idx], F[idx], Y[idx]
            na, nb = a < 0, b < 0
            ea, eb = embed(a), embed(b)
            lg = logits_of(ea, eb, na, nb, f)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(lg, y, pos_weight=pos_weight)
            adv_loss = torch.zeros((), device=device)
            pos = y > 0.5
            if params.adv_weight > 0 and params.adv_epsilon > 0 and bool(pos.any()):
                pa, pb, pf = ea[pos], eb[pos], f[pos]
                pna, pnb = na[pos], nb[pos]
                ones = torch.ones(int(pos.sum()), device=device)

                def pos_loss(xa, xb, pna=pna, pnb=pnb, pf=pf, ones=ones):  # this batch's positives
                    return torch.nn.functional.binary_cross_entropy_with_logits(
                        logits_of(xa, xb, pna, pnb, pf), ones)

                da, db = perturb(pos_loss, pa, pb, params.adv_epsilon, params.adv_steps)
                adv_loss = pos_loss(pa + da, pb + db)
            full = loss + params.adv_weight * adv_loss
            opt.zero_grad(set_to_none=True)
            full.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 5.0)
            opt.step()
            total += loss.item()
            total_adv += adv_loss.item()
            steps += 1
        val_loss, _ = evaluate()
        history.append({"epoch": epoch, "loss": total / max(steps, 1), "adv_loss": total_adv / max(steps, 1),
                        "val_loss": val_loss})
        logger.debug("ssacl epoch %d: loss %.4f adv %.4f val %.4f", epoch, history[-1]["loss"],
                     history[-1]["adv_loss"], val_loss)
        if progress is not None:
            progress.advance(1)
        if val_loss < best[0] - 1e-4:
            best = (val_loss, epoch, copy.deepcopy(head.state_dict()),
                    copy.deepcopy(encoder.state_dict()) if encoder is not None else None)
            bad = 0
        else:
            bad += 1
            if bad >= patience:
                break
    if best[2] is not None:
        head.load_state_dict(best[2])
        if encoder is not None and best[3] is not None:
            encoder.load_state_dict(best[3])
    head.eval()
    if encoder is not None:
        encoder.eval()
    _, val_scores = evaluate()
    synth = f1_best_threshold(val_scores, val[3] > 0.5) if len(val_scores) else 0.5
    return TrainResult(head, encoder, history, synth, best[1], time.perf_counter() - t0)


__all__ = ["HARD_NEG", "LABEL_NEG", "LABEL_POS",
           "POS", "PSEUDO_POS", "RANDOM_NEG", "PairRows", "rescore_sample", "two_hop", "TrainParams",
           "TrainResult", "ValueIndex", "agree_on_frequent_only", "build_pairs", "evidence", "mutual_best_pairs",
           "guarded_hard_negatives", "identifying_attribute", "make_embedder", "plain_similarity", "set_seeds",
           "train_head"]
