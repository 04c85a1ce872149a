"""Coverage-guided fuzzing (atheris) of every parser that reads evidence bytes: `make fuzz`.

fuzz/registry.py lists the targets, fuzz/harnesses/ holds their one-input functions, fuzz/seeds.py
builds each target's seed corpus from benign generated inputs, and fuzz/run.py runs a target in a
subprocess under libFuzzer (see docs/fuzzing.md).
"""
