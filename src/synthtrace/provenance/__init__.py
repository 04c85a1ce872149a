"""AI provenance: which images were generated, with what tool and settings, from which model file.

The per-file work is in content analyzers (`provenance.analyzer` for images, `analyze.models` for
model files); the case-wide work (links, summary, export, re-analysis) is in this package.
"""
