"""FGM/PGD: the perturbation is bounded by epsilon and makes the loss worse."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tablefuse.judge.ssacl.adversarial import perturb  # noqa: E402
from tablefuse.judge.ssacl.model import MatcherHead  # noqa: E402


def _setup(seed: int = 0):
    torch.manual_seed(seed)
    head = MatcherHead(3, 16, 9, hidden=16).eval()
    ea = torch.nn.functional.normalize(torch.randn(8, 3, 16), dim=-1)
    eb = torch.nn.functional.normalize(ea + 0.1 * torch.randn(8, 3, 16), dim=-1)
    null = torch.zeros(8, 3, dtype=torch.bool)
    feats = torch.rand(8, 3, 9)
    ones = torch.ones(8)

    def loss(xa, xb):
        return torch.nn.functional.binary_cross_entropy_with_logits(head(xa, xb, null, null, feats), ones)

    return loss, ea, eb


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("eps", [0.01, 0.1])
def test_perturbation_norm_bounded_by_epsilon(steps: int, eps: float) -> None:
    loss, ea, eb = _setup()
    da, db = perturb(loss, ea, eb, eps, steps)
    assert da.shape == ea.shape and db.shape == eb.shape
    assert not da.requires_grad
    for d in (da, db):
        norms = d.norm(dim=-1)
        assert float(norms.max()) <= eps * (1 + 1e-5)
        assert float(norms.max()) > 0.5 * eps  # it does move (up to the bound)


def test_perturbation_increases_the_loss() -> None:
    loss, ea, eb = _setup()
    da, db = perturb(loss, ea, eb, 0.1, steps=3)
    with torch.no_grad():
        assert float(loss(ea + da, eb + db)) > float(loss(ea, eb))


def test_zero_epsilon_is_no_perturbation() -> None:
    loss, ea, eb = _setup()
    da, db = perturb(loss, ea, eb, 0.0)
    assert float(da.abs().sum() + db.abs().sum()) == 0.0


def test_head_is_symmetric() -> None:
    torch.manual_seed(0)
    head = MatcherHead(3, 16, 9, hidden=16).eval()
    ea, eb = torch.randn(4, 3, 16), torch.randn(4, 3, 16)
    na = torch.tensor([[False, True, False]] * 4)
    nb = torch.zeros(4, 3, dtype=torch.bool)
    f = torch.rand(4, 3, 9)
    with torch.no_grad():
        assert torch.allclose(head(ea, eb, na, nb, f), head(eb, ea, nb, na, f), atol=1e-5)
