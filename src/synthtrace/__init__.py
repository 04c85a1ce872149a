"""synthtrace: forensic triage of seized devices in the age of AI-generated imagery."""

__version__ = "0.1.0"
