"""Generation model files on evidence: recognised by content, read statically, fingerprinted."""
