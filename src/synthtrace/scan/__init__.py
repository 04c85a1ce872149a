"""The scan: walk evidence, analyse every file on every core, commit facts in batches."""
