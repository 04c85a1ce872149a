"""Artifact readers, one module per browser family; listed in synthtrace.builtins."""
