"""Benchmarks (c) cohort and prefecture dashboards and (d) national statistics."""
from __future__ import annotations


def bench_dashboards(run, server, section) -> None:
    raise RuntimeError("the cohort and prefecture dashboards do not exist yet")


def bench_statistics(run, server, section) -> None:
    raise RuntimeError("the national statistics page does not exist yet")
