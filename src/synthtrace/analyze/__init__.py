"""Analyzers: pure functions from a file's bytes to facts. No database, no network, any process."""
