"""Benign demo evidence: photos without people, procedural pictures, broken files, archives."""
