"""Maximal cliques: the paper's strict definition (every pair in a set judged integrable).

Bron-Kerbosch (igraph ``maximal_cliques``) lists the maximal cliques of a component; cliques
overlap, so each tuple goes to one: greedily the largest clique first (ties: heavier total score,
then smaller tids), its tuples removed from the other cliques, whose remainders (still cliques)
compete again; tuples left over are singletons.

Guard: the number of maximal cliques can grow exponentially with component size (a
near-complete graph missing a matching of k edges has 2^k), so a component larger than
``max_clique_component`` is not enumerated: it falls back to Leiden CPM, and every set it yields
carries a note saying so. The run continues instead of hanging or failing.
"""
from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from ._base import GraphDiscoverer
from ._graph import leiden_cpm

if TYPE_CHECKING:
    import igraph


class MaximalCliques(GraphDiscoverer):
    """Sets are cliques of integrable pairs, assigned greedily largest/heaviest first."""

    uses_rng = True  # only the Leiden fallback draws random numbers

    def _partition(self, graph: igraph.Graph, notes: list[str]) -> list[int]:
        if graph.vcount() > self.max_clique_component:
            gamma = self.cpm_resolution
            notes.append(f"cliques: component of {graph.vcount()} tuples exceeds max_clique_component "
                         f"{self.max_clique_component}; split by leiden (CPM, resolution {gamma:g}) instead")
            return leiden_cpm(graph, gamma, self.iterations)
        return greedy_clique_cover(graph)


def greedy_clique_cover(graph: igraph.Graph) -> list[int]:
    """Label per vertex: one clique each, largest/heaviest first, singletons for the rest."""
    weight = {}
    for e, w in zip(graph.get_edgelist(), graph.es["weight"]):
        weight[e] = w
        weight[(e[1], e[0])] = w

    def key(nodes: tuple[int, ...]) -> tuple[int, float, tuple[int, ...]]:
        total = sum(weight[(u, v)] for i, u in enumerate(nodes) for v in nodes[i + 1:])
        return (-len(nodes), -total, nodes)

    heap = [key(tuple(sorted(c))) for c in graph.maximal_cliques(min=2)]
    heapq.heapify(heap)
    label = [-1] * graph.vcount()
    n_sets = 0
    while heap:
        _, _, nodes = heapq.heappop(heap)
        free = tuple(v for v in nodes if label[v] < 0)
        if len(free) < len(nodes):  # lost members to a bigger clique: compete again as what is left
            if len(free) >= 2:
                heapq.heappush(heap, key(free))
            continue
        for v in nodes:
            label[v] = n_sets
        n_sets += 1
    for v in range(graph.vcount()):
        if label[v] < 0:
            label[v] = n_sets
            n_sets += 1
    return label
