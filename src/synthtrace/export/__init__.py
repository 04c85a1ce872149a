"""Exports: one record per file (jsonl, csv) and, later, hash-list formats. Pictures never leave."""
