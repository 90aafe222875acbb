"""Benchmarks (c) cohort and prefecture dashboards and (d) national statistics."""
from __future__ import annotations

from bench.run import NotAvailable


def bench_dashboards(run, server, section) -> None:
    raise NotAvailable("the cohort and prefecture dashboards do not exist yet")


def bench_statistics(run, server, section) -> None:
    raise NotAvailable("the national statistics page does not exist yet")
