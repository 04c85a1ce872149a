"""Known material and near-duplicates: hash lists (import, match, export) and clusters.

Hash-list formats (`formats/`: VICS, ICSE, CSV, text) are kept apart from hash kinds (`kinds.py`:
MD5, SHA-1, SHA-256, PDQ), as python-threatexchange keeps its exchanges apart from its signal
types: a new list format never touches how a hash is validated or compared.
"""
