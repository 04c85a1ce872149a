"""Videos: metadata, vPDQ frame hashes, contact sheets, provenance, matching and clustering.

Everything that reads pixels goes through PyAV (the `video` extra). See docs/video.md.
"""
