"""SSACLJudge: self-supervised adversarial contrastive pairwise judge, trained per lake, no labels.

fit: synthetic pairs from the lake (train.py) -> per-value embeddings from a local transformers
encoder (each distinct value encoded once) -> the matcher head trained with binary NCE plus
adversarial positives -> a label-free threshold (threshold.py). score: the head on candidates.

The value encoder (``encoder_kind``, ``judge.ssacl.encoder``) is full MiniLM up to 20k distinct
values on CPU and the static encoder distilled from it above (``encoders.choose_kind``); the
kind is saved with the model so a re-score embeds new values in the space the head learnt.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ...config import JudgeConfig
from ...errors import ConfigError, ModelError, NotFittedError
from ...frames import CandidatePairs, LabelledPairs, ScoredPairs, TupleTable
from .augment import FAMILIES, OPTIONAL_FAMILIES
from .features import FEATURE_NAMES, PairFeaturizer
from .lakestats import LakeStats
from .threshold import METHODS, choose_threshold
from .train import (
    HARD_NEG,
    LABEL_NEG,
    LABEL_POS,
    PSEUDO_POS,
    PairRows,
    TrainParams,
    ValueIndex,
    build_pairs,
    mutual_best_pairs,
    rescore_sample,
)

if TYPE_CHECKING:
    from .model import MatcherHead

logger = logging.getLogger("tablefuse")
FORMAT_VERSION = 2  # 2: lake statistics (lake_stats.json) and IDF/code features
#: the Fellegi-Sunter view joins the score only where the two views' integrable pairs overlap at
#: least this much (Jaccard); measured 0.01-0.30 where EM found another class, 0.66-1.0 elsewhere,
#: and chosen leave-one-lake-out (benchmarks/judge_fusion.py)
FS_AGREEMENT_GATE = 0.5
#: each labelled pair is seen this many times per training epoch: a few dozen labels among ~10k
#: synthetic pairs would otherwise barely move the head
LABEL_REPEATS = 10


def _rows(tuples: TupleTable) -> list[list[str | None]]:
    cols = [tuples.frame[a].to_list() for a in tuples.attributes]
    return [list(r) for r in zip(*cols)] if cols else [[] for _ in range(tuples.height)]


def _encode_with(model, tokenizer, texts: Sequence[str], device: str, batch_size: int = 128,
                 max_length: int = 64) -> np.ndarray:
    """Mean-pooled unit vectors from a (fine-tuned) transformers model, as TextEncoder does."""
    import torch

    from ...runtime.encoders import mean_pool

    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    model.eval()
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt").to(device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                h = model(**enc).last_hidden_state
            pooled = torch.nn.functional.normalize(mean_pool(h, enc["attention_mask"]).float(), dim=-1)
            out[idx] = pooled.cpu().numpy()
    return out


def _positions(tuples: TupleTable, tids: np.ndarray) -> np.ndarray:
    """Row positions of ``tids`` in ``tuples`` (vectorised; a KeyError names an unknown tid)."""
    all_tids = tuples.frame["tid"].to_numpy().astype(np.int64)
    tids = np.asarray(tids, dtype=np.int64)
    order = np.argsort(all_tids, kind="stable")
    at = np.clip(np.searchsorted(all_tids, tids, sorter=order), 0, max(len(all_tids) - 1, 0))
    found = order[at] if len(all_tids) else np.zeros(len(tids), dtype=np.int64)
    bad = ~(all_tids[found] == tids) if len(all_tids) else np.ones(len(tids), dtype=bool)
    if bad.any():
        raise KeyError(f"tid {int(tids[bad][0])} is not in the tuples")
    return found


class CandidateFeatures:
    """String features of the fit's candidate pairs, kept from the self-training rescore for the
    final score (the featurizer is plain Python: at 100k tuples, computing them for 1.35M pairs
    took most of each 126-234 s scoring pass). Rows are found by pair key; each is handed out
    once, and the whole block is dropped when all have been, so the memory is held only between
    the two passes. Values are the same float32 the featurizer returns, so scores do not depend
    on whether a pair was cached."""

    def __init__(self, tid_a: np.ndarray, tid_b: np.ndarray, feats: np.ndarray):
        self.span = int(max(tid_a.max(initial=0), tid_b.max(initial=0))) + 1
        keys = self._keys(tid_a, tid_b)
        order = np.argsort(keys, kind="stable")
        self.keys, self.feats = keys[order], feats[order]
        self.remaining = len(keys)

    def _keys(self, tid_a: np.ndarray, tid_b: np.ndarray) -> np.ndarray:
        """One int64 per pair; -1 for a pair outside the cached tid range (never cached)."""
        inside = (tid_a < self.span) & (tid_b < self.span) & (tid_a >= 0) & (tid_b >= 0)
        return np.where(inside, tid_a.astype(np.int64) * self.span + tid_b.astype(np.int64), -1)

    def take(self, tid_a: np.ndarray, tid_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, features of the found pairs, in input order)."""
        keys = self._keys(tid_a, tid_b)
        inside = keys >= 0
        pos = np.clip(np.searchsorted(self.keys, keys), 0, max(len(self.keys) - 1, 0))
        found = inside & (self.keys[pos] == keys) if len(self.keys) else np.zeros(len(keys), bool)
        self.remaining -= int(found.sum())
        return found, self.feats[pos[found]]


class SSACLJudge:
    """Self-supervised per-lake matcher (see the module docstring and ``train.py``).

    ``encoder``: an optional shared ``TextEncoder`` (its cache is reused; it is never modified by
    fine-tuning, which works on a copy). ``progress``: an optional injected progress object.

    >>> judge = SSACLJudge(TrainParams(epochs=5))  # doctest: +SKIP
    >>> scored = judge.fit(tuples, candidates).score(tuples, candidates)  # doctest: +SKIP
    >>> judge.save("run/judge"); SSACLJudge.load("run/judge").score(tuples, candidates)  # doctest: +SKIP
    """

    table_: np.ndarray  # the value embeddings, one row per ``values_`` text (fit or load)
    fusion_: dict[str, float] | None  # the Fellegi-Sunter view's cut and weight (``_fit_fusion``); None: SSACL alone
    score_cache_: CandidateFeatures | None  # the fit candidates' head scores, until the final score takes them
    tuned_: tuple[Any, Any] | None  # the fine-tuned transformers model and its tokenizer

    def __init__(self, params: TrainParams | None = None, threshold: float | None = None,
                 threshold_method: str = "synthetic", model_dir: str | None = None, device: str = "auto",
                 encoder=None, progress=None, score_batch_size: int = 2048, encoder_kind: str = "auto",
                 feature_cache_mb: float = 1024.0):
        from ...runtime.encoders import KINDS

        if threshold_method not in METHODS:
            raise ConfigError(f"judge.ssacl.threshold_method {threshold_method!r} unknown; choose from {METHODS}")
        if encoder_kind not in KINDS:
            raise ConfigError(f"judge.ssacl.encoder {encoder_kind!r} unknown; choose from {KINDS}")
        if encoder_kind in ("static", "minilm-int8") and (params or TrainParams()).finetune_encoder:
            raise ConfigError("judge.ssacl.finetune_encoder needs the full model; "
                              f"judge.ssacl.encoder is {encoder_kind!r}")
        self.params = params or TrainParams()
        bad = set(self.params.augment) - set(FAMILIES) - set(OPTIONAL_FAMILIES)
        if bad:
            raise ConfigError(f"judge.ssacl.augment: unknown families {sorted(bad)}; choose from "
                              f"{FAMILIES + OPTIONAL_FAMILIES}")
        self.threshold = threshold
        self.threshold_method = threshold_method
        self.model_dir = model_dir
        self.device = device
        self.encoder = encoder
        self.encoder_kind = encoder_kind
        self.own_encoder_ = None  # built on first use when the shared encoder is another kind
        self.feature_cache_mb = feature_cache_mb  # candidate features kept between the two scoring passes
        self.feature_cache_: CandidateFeatures | None = None
        self.progress = progress
        self.score_batch_size = score_batch_size
        self.head_: MatcherHead | None = None
        self.attributes_: tuple[str, ...] | None = None

    @classmethod
    def from_config(cls, config: JudgeConfig, progress=None, encoder=None) -> SSACLJudge:
        o = config.ssacl
        params = TrainParams(
            epochs=o.epochs, batch_size=o.batch_size, learning_rate=o.learning_rate,
            adv_epsilon=o.adv_epsilon, adv_weight=o.adv_weight, adv_steps=o.adv_steps,
            augment=tuple(o.augment), hard_negatives=o.hard_negatives, max_train_tuples=o.max_train_tuples,
            finetune_encoder=o.finetune_encoder, pseudo_positives=o.pseudo_positives,
            code_evidence=o.code_evidence, informative_only=o.informative_only, self_train=o.self_train,
            self_train_max_pairs=o.self_train_max_pairs, self_train_max_positives=o.self_train_max_positives,
            bounded=o.bounded, fs_evidence=o.fs_evidence, seed=config.seed,
        )
        return cls(params, threshold=config.threshold, threshold_method=o.threshold_method,
                   model_dir=config.model_dir, device=config.device, progress=progress,
                   encoder_kind=o.encoder, encoder=encoder)

    # -- encoder ---------------------------------------------------------------------------
    def _resolve_encoder_kind(self, n_texts: int) -> str:
        """``encoder_kind`` with ``auto`` decided by the lake's distinct values and the device,
        by the engine's rule (``encoders.choose_kind``): full MiniLM up to 20k values on CPU,
        the static encoder distilled from it above (MiniLM at ~80 values/s was 471 s of an
        825 s fit on a 100k-tuple lake). Fine-tuning keeps the full model."""
        from ...runtime.encoders import choose_kind

        if self.encoder_kind != "auto":
            return self.encoder_kind
        if self.params.finetune_encoder:
            return "minilm"
        return choose_kind(n_texts, self.device_)

    def _text_encoder(self):
        """The encoder of ``encoder_kind_``: the shared one when it is that kind of the same
        model (its cache is reused), else one built here."""
        from ...runtime.encoders import make_encoder

        kind = self.encoder_kind_
        shared = self.encoder
        if shared is not None and getattr(shared, "kind", "minilm") == kind and (
                self.model_dir is None or str(getattr(shared, "model_dir", "")) == str(Path(self.model_dir))):
            return shared
        if self.own_encoder_ is None:
            self.own_encoder_ = make_encoder(kind, device=self.device_, model_dir=self.model_dir)
        return self.own_encoder_

    def _embed_values(self, start: int) -> None:
        """Embeds ``values_.texts[start:]`` and appends them to ``table_``."""
        texts = self.values_.texts[start:]
        if not texts:
            return
        if self.tuned_ is not None:
            model, tokenizer = self.tuned_
            new = _encode_with(model, tokenizer, texts, self.device_)
        else:
            new = self._text_encoder().encode(texts, self.progress)
        new = new.astype(np.float32)
        self.table_ = np.concatenate([self.table_, new]) if self.table_.size else new

    # -- estimator -------------------------------------------------------------------------
    def fit(self, tuples: TupleTable, candidates: CandidatePairs,
            labels: LabelledPairs | None = None) -> SSACLJudge:
        """Trains the head on synthetic pairs drawn from ``tuples`` (no labels needed), with torch's
        threads set by the thread policy (``runtime.threads``: never more than the free cores).
        ``labels``: pairs a person labelled; matches join the training pairs as extra positives and
        non-matches as extra hard negatives, each ``LABEL_REPEATS`` times (training only: the
        synthetic validation pairs, hence the label-free cut, stay label-free)."""
        from ...runtime.threads import thread_budget

        with thread_budget() as plan:
            self._fit(tuples, candidates, labelled=labels)
        if getattr(self, "stats_", None) is not None:
            self.stats_["threads"] = plan.threads
        return self

    def _fit(self, tuples: TupleTable, candidates: CandidatePairs,
             labelled: LabelledPairs | None = None) -> SSACLJudge:
        import copy

        from ...runtime.device import select_device
        from .train import make_embedder, set_seeds, train_head

        t0 = time.perf_counter()
        p = self.params
        set_seeds(p.seed)
        self.feature_cache_ = None
        self.device_ = select_device(self.device)
        rows = _rows(tuples)
        self.attributes_ = tuple(tuples.attributes)
        if not rows or not self.attributes_:
            return self._untrained("the lake holds no tuple with an attribute to train on", t0)
        # candidate pairs as an (m, 2) array of row positions: 13.5M Python tuples would be 1.5 GB
        cand = np.stack([_positions(tuples, candidates.frame["tid_a"].to_numpy()),
                         _positions(tuples, candidates.frame["tid_b"].to_numpy())], 1).reshape(-1, 2)
        self.stats_lake_ = LakeStats.from_rows(rows)  # frequencies for the IDF and code features
        self.featurizer_ = PairFeaturizer(self.stats_lake_)
        # the candidates' string features, once, for mining, the self-training rescore and the final
        # score (each recomputed them: 3 passes of the Python featurizer) when they fit the budget
        per_pair = len(self.attributes_) * len(FEATURE_NAMES) * 4
        cand_feats = None
        if len(cand) and len(cand) * per_pair <= self.feature_cache_mb * 2**20:
            cand_feats = self.featurizer_.features([rows[i] for i in cand[:, 0]], [rows[i] for i in cand[:, 1]])
            tids_all = tuples.frame["tid"].to_numpy().astype(np.int64)
            self.feature_cache_ = CandidateFeatures(tids_all[cand[:, 0]], tids_all[cand[:, 1]], cand_feats)
        train, val = build_pairs(rows, cand, p, self.featurizer_, cand_feats)
        del cand_feats
        n_fs = self._fs_pairs(tuples, candidates, rows, cand, train, val)
        n_labelled = self._label_pairs(tuples, labelled, rows, train)
        if not train.labels or min(train.labels) == max(train.labels):
            filled = sum(any(v is not None for v in r) for r in rows)
            return self._untrained(f"too small to train: {filled} of {len(rows)} tuples hold a value, and "
                                   "SSACL needs at least two to build positive and negative pairs", t0)
        t_pairs = time.perf_counter()
        self.values_ = ValueIndex()
        self.values_.ids(rows)  # the lake's own values first: they are what scoring needs
        self.n_lake_values_ = len(self.values_.texts)
        ids = [self.values_.ids(x) for x in (train.rows_a, train.rows_b, val.rows_a, val.rows_b)]
        self.tuned_ = None
        self.encoder_kind_ = self._resolve_encoder_kind(self.n_lake_values_)
        enc = self._text_encoder()
        self.table_ = enc.encode(self.values_.texts, self.progress).astype(np.float32)
        t_enc = time.perf_counter()
        feats = self.featurizer_.features(train.rows_a, train.rows_b)
        vfeats = (self.featurizer_.features(val.rows_a, val.rows_b) if len(val)
                  else np.zeros((0,) + feats.shape[1:], np.float32))
        labels = np.asarray(train.labels, dtype=np.float32)
        vlabels = np.asarray(val.labels, dtype=np.float32)
        model = tokenizer = None
        if p.finetune_encoder:
            model = copy.deepcopy(enc.model).to(self.device_)
            tokenizer = enc.tokenizer
        embed = make_embedder(self.table_, self.values_.texts, self.device_, model, tokenizer)
        result = train_head(ids[0], ids[1], feats, labels, (ids[2], ids[3], vfeats, vlabels), embed,
                            self.table_.shape[1], p, self.device_, encoder=model, progress=self.progress)
        self.head_ = result.head
        if model is not None:
            self.tuned_ = (model, tokenizer)
            self.table_ = _encode_with(model, tokenizer, self.values_.texts, self.device_)
        self.synthetic_threshold_ = float(result.synthetic_threshold)
        n_self = n_found = n_rescored = 0
        if p.self_train and len(cand):
            # one round of self-training: the first head's confident mutual-best candidate pairs
            # become extra pseudo-positives, and the head is refit from scratch on the larger set
            # (after fine-tuning, on the tuned encoder's frozen vectors: the encoder moved once)
            tids = tuples.frame["tid"].to_numpy()
            cap = p.self_train_max_pairs
            if p.bounded and p.bounded_rescore_pairs > 0:
                cap = min(cap, p.bounded_rescore_pairs)
            picked, complete = rescore_sample(cand, len(rows), cap, p.seed)
            sub_rows = cand[picked]
            n_rescored = len(sub_rows)
            keep = n_rescored * per_pair <= self.feature_cache_mb * 2**20
            scores = self.score_pairs(tuples, tids[sub_rows[:, 0]], tids[sub_rows[:, 1]], keep_features=keep)
            sub = list(map(tuple, sub_rows.tolist()))
            # confident: at or above both the decision cut and the synthetic cut (the auto cut can
            # sit low, and a wrong pseudo-positive is learnt as a rule: Fodors-Zagats 1.000 -> 0.936)
            cut = max(float(self.threshold) if self.threshold is not None
                      else choose_threshold(self.threshold_method, self.synthetic_threshold_, scores),
                      self.synthetic_threshold_)
            have = {(tuple(a), tuple(b)) for a, b, k in zip(train.rows_a, train.rows_b, train.kinds) if k == PSEUDO_POS}
            new = [(a, b) for a, b in mutual_best_pairs(sub, scores, cut)
                   if complete[a] and complete[b]
                   and (tuple(rows[a]), tuple(rows[b])) not in have and (tuple(rows[b]), tuple(rows[a])) not in have]
            n_found = len(new)
            if n_found > p.self_train_max_positives:  # more adds training time, not new kinds of pair
                new = [new[i] for i in sorted(random.Random(p.seed).sample(range(n_found), p.self_train_max_positives))]
            if new:
                n_self = len(new)
                extra = PairRows()
                for a, b in new:
                    extra.add(list(rows[a]), list(rows[b]), 1.0, PSEUDO_POS)
                    train.add(list(rows[a]), list(rows[b]), 1.0, PSEUDO_POS)
                feats = np.concatenate([feats, self.featurizer_.features(extra.rows_a, extra.rows_b)])
                ids[0] = np.concatenate([ids[0], self.values_.ids(extra.rows_a)])
                ids[1] = np.concatenate([ids[1], self.values_.ids(extra.rows_b)])
                labels = np.asarray(train.labels, dtype=np.float32)
                if model is not None:
                    embed = make_embedder(self.table_, self.values_.texts, self.device_)
                first = result
                warm = p.bounded and model is None  # bounded: continue from the first head, few epochs
                result = train_head(ids[0], ids[1], feats, labels, (ids[2], ids[3], vfeats, vlabels), embed,
                                    self.table_.shape[1], p, self.device_, progress=self.progress,
                                    init_state=first.head.state_dict() if warm else None,
                                    max_epochs=p.self_train_epochs if warm else None)
                result.seconds += first.seconds
                self.head_ = result.head
                self.synthetic_threshold_ = float(result.synthetic_threshold)
        self.history_ = result.history
        self.stats_ = {
            "train_pairs": len(train), "val_pairs": len(val),
            "train_positives": int(labels.sum()), "hard_negatives": int(sum(k == 2 for k in train.kinds)),
            "pseudo_positives": int(sum(k == 3 for k in train.kinds)), "self_training_positives": n_self,
            "self_training_found": n_found, "self_training_rescored": n_rescored,
            "values_encoded": len(self.values_.texts), "best_epoch": result.best_epoch,
            "epochs_run": len(result.history), "synthetic_threshold": round(self.synthetic_threshold_, 4),
            "seconds_pairs": round(t_pairs - t0, 2), "seconds_encode": round(t_enc - t_pairs, 2),
            "seconds_train": round(result.seconds, 2), "seconds_fit": round(time.perf_counter() - t0, 2),
            "device": self.device_, "encoder": self.encoder_kind_,
            "fs_pseudo_positives": n_fs[0], "fs_hard_negatives": n_fs[1],
            "fs_lambda": getattr(self, "fs_lambda_", None),
        }
        if labelled is not None:
            self.stats_["labelled_pairs"] = n_labelled
        self.fusion_ = None
        self.score_cache_ = None
        if p.fs_evidence == "fuse" and len(cand):
            self._fit_fusion(tuples, candidates, cand)
        logger.info("ssacl fit: %s", self.stats_)
        return self

    # -- the Fellegi-Sunter view -----------------------------------------------------------
    def _fit_fusion(self, tuples: TupleTable, candidates: CandidatePairs, cand: np.ndarray) -> None:
        """With ``fs_evidence = fuse`` (the default): Fellegi-Sunter (EM, no labels) is fitted on the
        candidates, and its say in the final score is the agreement of the two views: the Jaccard
        overlap of the pairs each calls integrable on these candidates (SSACL at its own label-free
        cut, FS at posterior 0.5). Where EM found the match class (FEBRL, cora, DBLP-ACM: 0.66-1.0)
        the two vote together; where it found another one (ccer D1: 11k integrable pairs for 89 true,
        overlap 0.01; Abt-Buy 0.14; D2/D3 0.30/0.23) the overlap is below ``FS_AGREEMENT_GATE`` and
        SSACL decides alone (benchmarks/results/judge_fusion.md). The candidates' SSACL scores are
        kept, so the final score of the same pairs costs no second pass."""
        from ..fellegi_sunter import FellegiSunterJudge

        t0 = time.perf_counter()
        tids = tuples.frame["tid"].to_numpy().astype(np.int64)
        ta, tb = tids[cand[:, 0]], tids[cand[:, 1]]
        raw = self.score_pairs(tuples, ta, tb)
        self.score_cache_ = CandidateFeatures(ta, tb, raw[:, None])
        cut = float(choose_threshold(self.threshold_method, self.synthetic_threshold_, raw))
        self.fs_ = FellegiSunterJudge(seed=self.params.seed).fit(tuples, candidates)
        post = self.fs_.score_positions(cand[:, 0], cand[:, 1])
        a, b = raw >= cut, post >= 0.5
        either = int((a | b).sum())
        weight = float((a & b).sum()) / either if either else 0.0
        lam = self.fs_.model_.lam if self.fs_.model_ is not None else None
        # below the gate the views disagree on most pairs: SSACL decides alone, with its own scores and cut
        self.fusion_ = {"ssacl_cut": cut, "fs_weight": weight} if weight >= FS_AGREEMENT_GATE else None
        self.stats_.update({"fs_agreement": round(weight, 4), "fs_fused": self.fusion_ is not None,
                            "ssacl_cut": round(cut, 4), "ssacl_integrable": int(a.sum()),
                            "fs_integrable": int(b.sum()), "fs_lambda": lam,
                            "seconds_fusion": round(time.perf_counter() - t0, 2)})

    def _fs_posterior(self, tuples: TupleTable, candidates: CandidatePairs) -> np.ndarray:
        """FS posteriors of ``candidates``: from the model fitted with the head when these are its
        tuples, else (a loaded judge, another lake) from one fitted here on these candidates."""
        from ..fellegi_sunter import FellegiSunterJudge

        fs = getattr(self, "fs_", None)
        tids = tuples.frame["tid"].to_numpy().astype(np.int64)
        if fs is None or fs.attributes_ != tuple(tuples.attributes) or not np.array_equal(fs.tids_, tids):
            fs = self.fs_ = FellegiSunterJudge(seed=self.params.seed).fit(tuples, candidates)
        return fs.score_positions(*fs._positions(candidates))

    def _fused(self, raw: np.ndarray, post: np.ndarray) -> np.ndarray:
        """sigmoid of the two views' logit margins over their own cuts, FS weighted by agreement:
        0.5 is the decision boundary of the combined evidence."""
        assert self.fusion_ is not None

        def logit(x: np.ndarray | float) -> np.ndarray:
            x = np.clip(np.asarray(x, dtype=np.float64), 1e-6, 1 - 1e-6)
            return np.log(x / (1 - x))

        w = float(self.fusion_["fs_weight"])
        z = ((logit(raw) - logit(self.fusion_["ssacl_cut"])) + w * logit(post)) / (1 + w)
        return 1 / (1 + np.exp(-np.clip(z, -30, 30)))

    def _fs_pairs(self, tuples: TupleTable, candidates: CandidatePairs, rows: list, cand: np.ndarray,
                  train: PairRows, val: PairRows) -> tuple[int, int]:
        """With ``fs_evidence = pseudo``: Fellegi-Sunter (EM, no labels) fitted on the candidates; its
        confident matches become pseudo-positives and its confident non-matches hard negatives
        (real candidate pairs both, which augmentation cannot invent), a ``val_fraction`` share of
        them in validation so the synthetic cut sees real pairs too. (positives, negatives) added."""
        p = self.params
        self.fs_lambda_ = None
        if p.fs_evidence != "pseudo" or not len(cand):
            return 0, 0
        from ..fellegi_sunter import FellegiSunterJudge

        fs = FellegiSunterJudge(seed=p.seed).fit(tuples, candidates)
        post = fs.score_positions(cand[:, 0], cand[:, 1])
        self.fs_lambda_ = float(fs.model_.lam) if fs.model_ is not None else None
        rng = np.random.default_rng(p.seed)
        added = []
        for idx, label, kind in ((np.flatnonzero(post >= 0.99), 1.0, PSEUDO_POS),
                                 (np.flatnonzero(post <= 0.01), 0.0, HARD_NEG)):
            if len(idx) > p.fs_max_pairs:
                idx = np.sort(rng.choice(idx, p.fs_max_pairs, replace=False))
            to_val = rng.random(len(idx)) < p.val_fraction
            for i, v in zip(idx, to_val):
                a, b = cand[i]
                (val if v else train).add(list(rows[a]), list(rows[b]), label, kind)
            added.append(len(idx))
        return added[0], added[1]

    @staticmethod
    def _label_pairs(tuples: TupleTable, labels: LabelledPairs | None, rows: list, train: PairRows) -> int:
        """Labelled pairs into the training pairs (``LABEL_REPEATS`` times each); how many labels."""
        if labels is None or labels.frame.height == 0:
            return 0
        ia = _positions(tuples, labels.frame["tid_a"].to_numpy())
        ib = _positions(tuples, labels.frame["tid_b"].to_numpy())
        for a, b, match in zip(ia.tolist(), ib.tolist(), labels.frame["match"].to_list()):
            for _ in range(LABEL_REPEATS):
                train.add(list(rows[a]), list(rows[b]), 1.0 if match else 0.0, LABEL_POS if match else LABEL_NEG)
        return labels.frame.height

    def _untrained(self, reason: str, t0: float) -> SSACLJudge:
        """A lake too small to train on (0-2 usable tuples): nothing is learnt, no pair is
        integrable, and the reason is in ``stats_`` (each tuple is its own golden record)."""
        self.head_ = None
        self.untrained_ = reason
        self.history_ = []
        self.stats_ = {"trained": False, "untrained_reason": reason,
                       "seconds_fit": round(time.perf_counter() - t0, 2)}
        logger.warning("ssacl: nothing trained, %s; no pair is judged integrable", reason)
        return self

    def _check_fitted(self, tuples: TupleTable) -> tuple[MatcherHead, tuple[str, ...]]:
        """The trained head and its attributes, once ``tuples`` are known to have those attributes."""
        if self.head_ is None:
            raise NotFittedError("SSACLJudge.score called before fit(tuples, candidates) or load(path)")
        if self.attributes_ is None or tuple(tuples.attributes) != self.attributes_:
            raise ConfigError(f"SSACL was trained on attributes {self.attributes_}, not {tuple(tuples.attributes)}: "
                              "refit the judge on this lake")
        return self.head_, self.attributes_

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["feature_cache_"] = None  # engine workers recompute rather than receive it
        state["score_cache_"] = None
        return state

    def _pair_features(self, rows, xa: np.ndarray, xb: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        """Features of one batch of pairs (row positions xa/xb, tids ta/tb), from the cache where
        it has them."""
        cache = self.feature_cache_
        if cache is None:
            return self.featurizer_.features([rows[i] for i in xa], [rows[i] for i in xb])
        found, cached = cache.take(ta, tb)
        if cache.remaining <= 0:
            self.feature_cache_ = None
        if found.all():
            return cached
        if not found.any():
            return self.featurizer_.features([rows[i] for i in xa], [rows[i] for i in xb])
        fresh = self.featurizer_.features([rows[i] for i in xa[~found]], [rows[i] for i in xb[~found]])
        out = np.empty((len(xa),) + fresh.shape[1:], dtype=fresh.dtype)
        out[found], out[~found] = cached, fresh
        return out

    def score_pairs(self, tuples: TupleTable, tid_a: Sequence[int] | np.ndarray, tid_b: Sequence[int] | np.ndarray,
                    keep_features: bool = False) -> np.ndarray:
        """P(integrable) for aligned sequences of tids, under the thread policy (see ``_score_pairs``)."""
        from ...runtime.threads import thread_budget

        with thread_budget():
            return self._score_pairs(tuples, tid_a, tid_b, keep_features)

    def _score_pairs(self, tuples: TupleTable, tid_a: Sequence[int] | np.ndarray, tid_b: Sequence[int] | np.ndarray,
                     keep_features: bool = False) -> np.ndarray:
        """P(integrable) for aligned sequences of tids (the raw numbers behind ``score``).

        ``keep_features``: keep these pairs' string features for the next call (fit's
        self-training rescore, then the final score of the same candidates)."""
        import torch

        from .train import make_embedder

        head, attributes = self._check_fitted(tuples)
        rows = _rows(tuples)
        start = len(self.values_.texts)
        tuple_ids = self.values_.ids(rows)
        self._embed_values(start)
        ta, tb = np.asarray(tid_a, dtype=np.int64), np.asarray(tid_b, dtype=np.int64)
        ia, ib = _positions(tuples, ta), _positions(tuples, tb)
        kept = np.zeros((len(ia), len(attributes), len(FEATURE_NAMES)), np.float32) if keep_features else None
        embed = make_embedder(self.table_, self.values_.texts, self.device_)
        out = np.zeros(len(ia), dtype=np.float64)
        head.eval()
        bs = self.score_batch_size
        if self.progress is not None:
            self.progress.total(len(ia))
        with torch.inference_mode():
            for s in range(0, len(ia), bs):
                xa, xb = ia[s:s + bs], ib[s:s + bs]
                f = self._pair_features(rows, xa, xb, ta[s:s + bs], tb[s:s + bs])
                if kept is not None:
                    kept[s:s + bs] = f
                a = torch.from_numpy(tuple_ids[xa]).to(self.device_)
                b = torch.from_numpy(tuple_ids[xb]).to(self.device_)
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=self.device_ == "cuda"):
                    lg = head(embed(a), embed(b), a < 0, b < 0, torch.from_numpy(f).to(self.device_))
                out[s:s + bs] = torch.sigmoid(lg.float()).cpu().numpy()
                if self.progress is not None:
                    self.progress.advance(len(xa))
        if kept is not None:
            self.feature_cache_ = CandidateFeatures(ta, tb, kept) if len(ia) else None
        return out

    def _raw_scores(self, tuples: TupleTable, tid_a: np.ndarray, tid_b: np.ndarray) -> np.ndarray:
        """The head's scores, from those kept at fit (``_fit_fusion``) where it has them."""
        cache = getattr(self, "score_cache_", None)
        if cache is None:
            return self.score_pairs(tuples, tid_a, tid_b)
        ta, tb = np.asarray(tid_a, dtype=np.int64), np.asarray(tid_b, dtype=np.int64)
        found, kept = cache.take(ta, tb)
        if cache.remaining <= 0:
            self.score_cache_ = None
        out = np.empty(len(ta), dtype=np.float64)
        out[found] = kept[:, 0]
        if not found.all():
            out[~found] = self.score_pairs(tuples, ta[~found], tb[~found])
        return out

    def choose_threshold(self, scores: np.ndarray) -> float:
        """The configured cut, else the label-free rule (``threshold_method``) over ``scores``: the
        scores of every candidate pair of the lake (a partitioned run passes them all at once)."""
        if self.threshold is not None:
            return float(self.threshold)
        if getattr(self, "fusion_", None):
            return 0.5  # the combined evidence's boundary (``_fused``)
        return float(choose_threshold(self.threshold_method, self.synthetic_threshold_, scores))

    def score(self, tuples: TupleTable, candidates: CandidatePairs) -> ScoredPairs:
        tid_a = candidates.frame["tid_a"].to_numpy()
        tid_b = candidates.frame["tid_b"].to_numpy()
        if getattr(self, "untrained_", None):
            frame = pl.DataFrame({"tid_a": pl.Series(tid_a, dtype=pl.Int64), "tid_b": pl.Series(tid_b, dtype=pl.Int64),
                                  "score": pl.Series(np.zeros(len(tid_a)), dtype=pl.Float64),
                                  "integrable": pl.Series([False] * len(tid_a), dtype=pl.Boolean)})
            return ScoredPairs(frame, 1.0, {"method": "ssacl", "integrable": 0, **self.stats_})
        self._check_fitted(tuples)
        t0 = time.perf_counter()
        scores = self._raw_scores(tuples, tid_a, tid_b)
        self.featurizer_.clear()  # the later stages get the memory; a re-score rebuilds the memos
        fusion = getattr(self, "fusion_", None)
        if fusion:
            scores = self._fused(scores, self._fs_posterior(tuples, candidates))
        seconds = time.perf_counter() - t0
        if self.threshold is not None:
            threshold, source = float(self.threshold), "config"
        elif fusion:
            threshold, source = 0.5, "fused with fellegi-sunter"
        else:
            threshold = choose_threshold(self.threshold_method, self.synthetic_threshold_, scores)
            source = self.threshold_method
        frame = pl.DataFrame({"tid_a": pl.Series(tid_a, dtype=pl.Int64), "tid_b": pl.Series(tid_b, dtype=pl.Int64),
                              "score": pl.Series(np.clip(scores, 0.0, 1.0), dtype=pl.Float64)})
        frame = frame.with_columns((pl.col("score") >= threshold).alias("integrable"))
        n_int = int(frame["integrable"].sum()) if frame.height else 0
        stats: dict[str, Any] = {"method": "ssacl", "threshold_source": source, "integrable": n_int,
                                 "seconds_score": round(seconds, 3),
                                 "pairs_per_second": round(len(tid_a) / seconds, 1) if seconds > 0 else None,
                                 **getattr(self, "stats_", {})}
        return ScoredPairs(frame, float(threshold), stats)

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Writes the trained judge to the folder ``path`` (created): head weights, the value
        embeddings (so re-scoring needs no encoder pass for known values), settings, and the
        fine-tuned encoder when there is one."""
        import torch

        untrained = getattr(self, "untrained_", None)
        if self.head_ is None and not untrained:
            raise NotFittedError("SSACLJudge.save called before fit")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if untrained:  # nothing learnt: the folder says why, and load gives the same untrained judge
            meta = {"format": FORMAT_VERSION, "feature_names": list(FEATURE_NAMES), "untrained": untrained,
                    "params": dataclasses.asdict(self.params), "threshold": self.threshold,
                    "threshold_method": self.threshold_method, "stats": self.stats_,
                    "model_dir": str(self.model_dir) if self.model_dir else None}
            (path / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            return path
        assert self.head_ is not None and self.attributes_ is not None  # trained (checked above): fit set both
        torch.save(self.head_.state_dict(), path / "head.pt")
        n = getattr(self, "n_lake_values_", len(self.values_.texts))  # augmented values are not needed
        np.save(path / "values.npy", self.table_[:n])
        (path / "values.json").write_text(json.dumps(self.values_.texts[:n]), encoding="utf-8")
        meta = {
            "format": FORMAT_VERSION, "attributes": list(self.attributes_), "params": dataclasses.asdict(self.params),
            "threshold": self.threshold, "threshold_method": self.threshold_method,
            "synthetic_threshold": self.synthetic_threshold_,
            "model_dir": str(self.model_dir) if self.model_dir else None,
            "n_features": len(FEATURE_NAMES), "feature_names": list(FEATURE_NAMES), "dim": int(self.table_.shape[1]),
            "finetuned": self.tuned_ is not None, "encoder_kind": self.encoder_kind_,
            "stats": getattr(self, "stats_", {}), "history": self.history_,
            "fusion": getattr(self, "fusion_", None),  # a loaded judge refits the FS view on what it scores
        }
        (path / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        (path / "lake_stats.json").write_text(json.dumps(self.stats_lake_.to_dict()), encoding="utf-8")
        if self.tuned_ is not None:
            self.tuned_[0].save_pretrained(path / "encoder")
            self.tuned_[1].save_pretrained(path / "encoder")
        return path

    @classmethod
    def load(cls, path: str | Path, device: str = "auto", encoder=None, progress=None) -> SSACLJudge:
        """A judge saved by ``save``, ready to ``score`` (no retraining)."""
        import torch

        from ...runtime.device import select_device
        from .model import MatcherHead

        path = Path(path)
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"no saved SSACL judge in {path}: {exc}") from exc
        if meta.get("format") != FORMAT_VERSION or meta.get("feature_names") != list(FEATURE_NAMES):
            raise ModelError(f"the SSACL judge in {path} was saved by another version: refit it")
        params = meta["params"]
        params["augment"] = tuple(params["augment"])
        judge = cls(TrainParams(**params), threshold=meta["threshold"], threshold_method=meta["threshold_method"],
                    model_dir=meta["model_dir"], device=device, encoder=encoder, progress=progress,
                    encoder_kind=meta.get("encoder_kind", "minilm"))
        judge.device_ = select_device(device)
        if meta.get("untrained"):
            judge.untrained_, judge.stats_, judge.history_ = meta["untrained"], meta["stats"], []
            return judge
        judge.encoder_kind_ = judge.encoder_kind  # new values are encoded in the space the head learnt
        judge.attributes_ = tuple(meta["attributes"])
        judge.synthetic_threshold_ = float(meta["synthetic_threshold"])
        judge.fusion_ = meta.get("fusion")
        judge.history_ = meta["history"]
        judge.stats_ = meta["stats"]
        judge.values_ = ValueIndex()
        texts = json.loads((path / "values.json").read_text(encoding="utf-8"))
        judge.values_.ids([[t] for t in texts])
        judge.table_ = np.load(path / "values.npy")
        judge.n_lake_values_ = len(texts)
        try:
            judge.stats_lake_ = LakeStats.from_dict(json.loads((path / "lake_stats.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"the SSACL judge in {path} has no readable lake statistics: {exc}") from exc
        judge.featurizer_ = PairFeaturizer(judge.stats_lake_)
        judge.tuned_ = None
        if meta["finetuned"]:
            from transformers import AutoModel, AutoTokenizer

            enc_dir = str(path / "encoder")
            judge.tuned_ = (AutoModel.from_pretrained(enc_dir, local_files_only=True).to(judge.device_),
                            AutoTokenizer.from_pretrained(enc_dir, local_files_only=True))
        head = MatcherHead(len(judge.attributes_), meta["dim"], meta["n_features"], hidden=judge.params.hidden)
        head.load_state_dict(torch.load(path / "head.pt", map_location="cpu", weights_only=True))
        judge.head_ = head.to(judge.device_).eval()
        return judge


__all__ = ["SSACLJudge"]
