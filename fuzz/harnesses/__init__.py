"""One-input functions: each takes the fuzzer's bytes, calls a parser through its public entry
point as the scan does, accepts only the errors that parser documents and lets anything else
escape (libFuzzer then records the input as a crash)."""
