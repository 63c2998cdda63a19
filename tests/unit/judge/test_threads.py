"""The thread policy (tablefuse/runtime/threads.py): never more threads than cores, one when busy."""
from __future__ import annotations

import pytest

from tablefuse.runtime.threads import apply_threads, available_cores, choose_threads, thread_budget


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("TABLEFUSE_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)


def test_idle_machine_uses_every_core():
    assert choose_threads(cores=2, load=0.0).threads == 2
    assert choose_threads(cores=16, load=0.3).threads == 16


def test_busy_machine_gets_one_thread():
    assert choose_threads(cores=2, load=3.5).threads == 1
    assert choose_threads(cores=2, load=1.2).threads == 1  # 0.8 of 2 cores free: busy
    assert choose_threads(cores=16, load=12.0).threads == 1


def test_partly_loaded_machine_gets_the_free_cores():
    assert choose_threads(cores=16, load=6.0).threads == 10
    assert choose_threads(cores=8, load=2.0).threads == 6


def test_own_load_is_not_counted_against_itself():
    assert choose_threads(cores=2, load=1.0, own_load=1.0).threads == 2
    assert choose_threads(cores=2, load=2.0, own_load=1.0).threads == 1


def test_never_more_threads_than_cores():
    for cores in (1, 2, 4, 64):
        for load in (0.0, 0.5, 3.0, 100.0):
            plan = choose_threads(cores=cores, load=load)
            assert 1 <= plan.threads <= cores
    assert choose_threads(requested=64, cores=2, load=0.0).threads == 2


def test_requested_and_env(monkeypatch):
    assert choose_threads(requested=1, cores=8, load=0.0).threads == 1
    monkeypatch.setenv("TABLEFUSE_THREADS", "3")
    assert choose_threads(cores=8, load=0.0).threads == 3
    monkeypatch.setenv("TABLEFUSE_THREADS", "junk")
    assert choose_threads(cores=8, load=0.0).threads == 8


def test_real_machine_plan_is_within_affinity():
    plan = choose_threads()
    assert 1 <= plan.threads <= available_cores()


def test_apply_restores_torch_threads():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    with apply_threads(1) as plan:
        assert torch.get_num_threads() == 1
        assert plan.threads == 1
    assert torch.get_num_threads() == before
    with thread_budget(requested=1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_omp_num_threads_caps_the_policy(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert choose_threads(cores=8, load=0.0).threads == 1
    assert choose_threads(requested=4, cores=8, load=0.0).threads == 4  # an explicit request wins
