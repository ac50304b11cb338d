"""Benchmark scripts for kb (`make bench`); see docs/BENCHMARKS.md."""
