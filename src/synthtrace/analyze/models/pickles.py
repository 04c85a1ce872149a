"""What a pickle would build, worked out without building it: never unpickle evidence.

A pickle is a program; loading one runs whatever callables it names (os.system, eval, ...). This
reader walks the opcodes with `pickletools.genops` and keeps a symbolic stack: a GLOBAL becomes a
`Global` name, a REDUCE a `Call` record, nothing is imported or called. From the result it reads
what a model checkpoint is made of: the tensors (`torch._utils._rebuild_tensor_v2` calls with their
shapes) under their state-dict keys, and every global the pickle names, the dangerous ones apart.

Hand-written because no maintained library does this for PyTorch checkpoints without PyTorch
(picklescan and modelscan list globals only; fickling depends on its own AST and is not packaged
for this use).
"""

from __future__ import annotations

import io
import math
import pickletools
import warnings
from dataclasses import dataclass, field
from typing import Any

MAX_OPS = 20_000_000
MAX_NAMES = 200_000
MAX_GLOBALS = 500

# Modules and builtins whose presence in a model pickle means it would run code when loaded.
DANGEROUS_MODULES = {
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "socket",
    "shutil",
    "runpy",
    "importlib",
    "pickle",
    "_pickle",
    "marshal",
    "webbrowser",
    "pty",
    "code",
    "ctypes",
    "multiprocessing",
    "asyncio",
    "requests",
    "urllib",
    "http",
    "ftplib",
    "telnetlib",
    "smtplib",
    "pip",
    "setuptools",
    "commands",
    "platform",
    "types",
    "operator",
    "functools",
    "timeit",
    "pdb",
    "bdb",
}
DANGEROUS_BUILTINS = {
    "eval",
    "exec",
    "compile",
    "open",
    "__import__",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "input",
    "breakpoint",
    "apply",
    "execfile",
}
TENSOR_REBUILDERS = {
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor_v3"),
}
WRAPPERS = {("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_v2")}


class PickleError(ValueError):
    """The pickle cannot be read to its end (truncated, malformed or beyond the limits)."""


@dataclass(frozen=True)
class Global:
    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class Call:
    func: Any
    args: Any


@dataclass(frozen=True)
class PersId:
    value: Any


class _Mark:
    pass


MARK = _Mark()


@dataclass
class PickleSummary:
    globals: list[str] = field(default_factory=list)
    suspicious: list[str] = field(default_factory=list)
    tensors: int = 0
    parameters: int = 0
    names: list[str] = field(default_factory=list)  # state-dict keys of tensors (bounded)
    protocol: int | None = None


def is_dangerous(g: Global) -> bool:
    root = g.module.split(".", 1)[0]
    if root in DANGEROUS_MODULES:
        return True
    return root in ("builtins", "__builtin__") and g.name in DANGEROUS_BUILTINS


def _pop_mark(stack: list[Any]) -> list[Any]:
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is MARK:
            items = stack[i + 1 :]
            del stack[i:]
            return items
    raise PickleError("MARK expected but not found")


def _run(stream: io.BytesIO, summary: PickleSummary) -> Any:
    """Interpret one pickle symbolically; returns what it would have returned."""
    stack: list[Any] = []
    memo: dict[Any, Any] = {}
    seen_globals: set[str] = set()
    ops = 0
    try:
        for opcode, arg, _pos in _opcodes(stream):
            ops += 1
            if ops > MAX_OPS:
                raise PickleError(f"more than {MAX_OPS} opcodes")
            name = opcode.name
            if name == "PROTO":
                summary.protocol = arg
            elif name in ("FRAME",):
                pass
            elif name == "STOP":
                return stack.pop() if stack else None
            elif name == "MARK":
                stack.append(MARK)
            elif name in ("GLOBAL", "INST"):
                module, _, attr = str(arg).partition(" ")
                g = Global(module, attr)
                _note(g, summary, seen_globals)
                if name == "INST":
                    stack.append(Call(g, tuple(_pop_mark(stack))))
                else:
                    stack.append(g)
            elif name == "STACK_GLOBAL":
                attr, module = stack.pop(), stack.pop()
                g = Global(str(module), str(attr))
                _note(g, summary, seen_globals)
                stack.append(g)
            elif name in ("EXT1", "EXT2", "EXT4"):
                stack.append(Global("copyreg-extension", str(arg)))
            elif name == "REDUCE" or name in ("NEWOBJ",):
                args = stack.pop()
                stack.append(Call(stack.pop(), args))
            elif name == "NEWOBJ_EX":
                _kwargs, args = stack.pop(), stack.pop()
                stack.append(Call(stack.pop(), args))
            elif name == "OBJ":
                items = _pop_mark(stack)
                stack.append(Call(items[0], tuple(items[1:])) if items else None)
            elif name == "BUILD":
                stack.pop()  # the state: not applied, nothing runs
            elif name == "PERSID":
                stack.append(PersId(arg))
            elif name == "BINPERSID":
                stack.append(PersId(stack.pop()))
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                stack.append(memo.get(arg))
            elif name == "POP":
                if (stack and stack[-1] is MARK) or stack:
                    stack.pop()
            elif name == "POP_MARK":
                _pop_mark(stack)
            elif name == "DUP":
                stack.append(stack[-1])
            elif name == "EMPTY_TUPLE":
                stack.append(())
            elif name == "TUPLE":
                stack.append(tuple(_pop_mark(stack)))
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(name[-1])
                items = stack[-n:]
                del stack[-n:]
                stack.append(tuple(items))
            elif name == "EMPTY_LIST":
                stack.append([])
            elif name == "LIST":
                stack.append(list(_pop_mark(stack)))
            elif name == "APPEND":
                item = stack.pop()
                if isinstance(stack[-1], list):
                    stack[-1].append(item)
            elif name == "APPENDS":
                items = _pop_mark(stack)
                if isinstance(stack[-1], list):
                    stack[-1].extend(items)
            elif name == "EMPTY_DICT":
                stack.append({})
            elif name == "DICT":
                items = _pop_mark(stack)
                stack.append(_pairs_dict(items))
            elif name == "SETITEM":
                value, key = stack.pop(), stack.pop()
                _setitem(stack[-1], key, value)
            elif name == "SETITEMS":
                items = _pop_mark(stack)
                for i in range(0, len(items) - 1, 2):
                    _setitem(stack[-1], items[i], items[i + 1])
            elif name in ("EMPTY_SET",):
                stack.append([])
            elif name in ("ADDITEMS",):
                items = _pop_mark(stack)
                if isinstance(stack[-1], list):
                    stack[-1].extend(items)
            elif name == "FROZENSET":
                stack.append(list(_pop_mark(stack)))
            elif name in ("NEXT_BUFFER", "READONLY_BUFFER"):
                if name == "NEXT_BUFFER":
                    stack.append(None)
            elif name in ("BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"):
                stack.append(b"")  # content is not needed; keep memory flat
            else:  # the constants: ints, floats, strings, None, True, False
                stack.append(arg)
    except PickleError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, EOFError, MemoryError) as exc:
        raise PickleError(f"pickle is malformed or truncated: {exc}") from exc
    raise PickleError("pickle ends without a STOP opcode")


def _opcodes(stream: io.BytesIO) -> Any:
    """pickletools.genops, without the DeprecationWarnings its STRING decoding emits on hostile
    escape sequences (one per bad string: noise, not news)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield from pickletools.genops(stream)


def _note(g: Global, summary: PickleSummary, seen: set[str]) -> None:
    text = str(g)
    if text in seen:
        return
    seen.add(text)
    if len(summary.globals) < MAX_GLOBALS:
        summary.globals.append(text)
    if is_dangerous(g):
        summary.suspicious.append(text)


def _hashable(key: Any) -> Any:
    try:
        hash(key)
        return key
    except TypeError:
        return repr(type(key))


def _setitem(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, dict):
        target[_hashable(key)] = value
    elif isinstance(target, Call):  # e.g. an OrderedDict() call receiving its items
        if not isinstance(target.args, dict):
            target.args = {}
        target.args[_hashable(key)] = value


def _pairs_dict(items: list[Any]) -> dict[Any, Any]:
    return {_hashable(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def _shape(call: Call) -> tuple[int, ...] | None:
    args = call.args if isinstance(call.args, tuple) else ()
    if len(args) >= 3 and isinstance(args[2], tuple) and all(isinstance(d, int) for d in args[2]):
        return args[2]
    return None


def _collect(root: Any, summary: PickleSummary) -> None:
    """Count tensors (with their keys) in what the pickle built; cycles are visited once."""
    seen: set[int] = set()
    todo: list[tuple[str, Any]] = [("", root)]
    while todo:
        key, obj = todo.pop()
        if isinstance(obj, dict | list | tuple | Call):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
        if isinstance(obj, Call):
            func = obj.func
            pair = (func.module, func.name) if isinstance(func, Global) else None
            if pair in TENSOR_REBUILDERS:
                summary.tensors += 1
                shape = _shape(obj)
                if shape is not None:
                    summary.parameters += math.prod(shape)
                if key and len(summary.names) < MAX_NAMES:
                    summary.names.append(key)
                continue
            if pair in WRAPPERS and isinstance(obj.args, tuple) and obj.args:
                todo.append((key, obj.args[0]))
                continue
            todo.append((key, obj.args))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                child = (
                    f"{key}.{k}"
                    if key and isinstance(k, str)
                    else (k if isinstance(k, str) else key)
                )
                todo.append((child, v))
        elif isinstance(obj, list | tuple):
            todo.extend((key, v) for v in obj)


def summarize_pickle(data: bytes, pickles: int = 1) -> tuple[PickleSummary, list[Any]]:
    """Summary of the first `pickles` pickles in `data` (PyTorch's legacy format has several)."""
    summary = PickleSummary()
    stream = io.BytesIO(data)
    results = []
    for _ in range(pickles):
        if stream.tell() >= len(data):
            break
        results.append(_run(stream, summary))
    for result in results:
        _collect(result, summary)
    return summary, results
