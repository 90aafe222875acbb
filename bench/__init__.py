"""Benchmarks on a national-scale data set: `make bench` (see bench/run.py and bench/seed.py)."""
