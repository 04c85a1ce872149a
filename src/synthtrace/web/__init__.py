"""The review app (FastAPI + Jinja2): the triage queue, the protected gallery, categorisation,
accounts and the audit page. `web.app.create_app(case)` builds it; `synthtrace serve` runs it.

Nothing is imported here, so the CLI can load the review commands without loading FastAPI.
"""
