"""Simulations that drive the real domain functions (benchmarks, not tests)."""
