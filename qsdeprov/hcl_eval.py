"""Evaluate the small part of Terraform's language the module uses, with sample values.

Terraform cannot run ``plan`` here (no providers), yet the checks need the IAM policy documents
and the ``templatefile()`` arguments as Terraform would compute them. This module parses the
``.tf`` files with python-hcl2 and evaluates expressions (references, templates, operators,
conditionals, a few functions) lazily, with pinned values for data sources and provider-computed
attributes. Anything outside that subset raises :class:`Unsupported`, so a check fails loudly
instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import hcl2

from . import render


class Unsupported(ValueError):
    """An expression or construct the evaluator does not implement."""


# --------------------------------------------------------------------------------------------
# Tokenizer and parser
# --------------------------------------------------------------------------------------------

_PUNCT = ["==", "!=", "<=", ">=", "&&", "||", "=>", "...", *"()[]{},.:?=<>!+-*/%"]
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass
class Tok:
    kind: str  # num, ident, str, punct, end
    value: Any


def _scan_string(text: str, i: int) -> tuple[list[Any], int]:
    """Scan a quoted template starting after the opening quote; return (parts, index after quote)."""
    parts: list[Any] = []
    buf: list[str] = []
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1]
            if nxt == "u":
                buf.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            buf.append(escapes.get(nxt, nxt))
            i += 2
        elif text.startswith("$${", i):
            buf.append("${")
            i += 3
        elif text.startswith("%{", i):
            raise Unsupported("template directives %{...} are not supported")
        elif text.startswith("${", i):
            if buf:
                parts.append("".join(buf))
                buf = []
            end = _matching_brace(text, i + 2)
            parts.append(parse_expression(text[i + 2 : end]))
            i = end + 1
        elif c == '"':
            if buf:
                parts.append("".join(buf))
            return parts, i + 1
        else:
            buf.append(c)
            i += 1
    raise Unsupported(f"unterminated string in {text!r}")


def _matching_brace(text: str, i: int) -> int:
    depth = 1
    while i < len(text):
        c = text[i]
        if c == '"':
            _, i = _scan_string(text, i + 1)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise Unsupported(f"unbalanced braces in {text!r}")


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            parts, i = _scan_string(text, i + 1)
            toks.append(Tok("str", parts))
        elif m := _NUMBER.match(text, i):
            toks.append(
                Tok("num", float(m.group()) if "." in m.group() or "e" in m.group().lower() else int(m.group()))
            )
            i = m.end()
        elif m := _IDENT.match(text, i):
            toks.append(Tok("ident", m.group()))
            i = m.end()
        else:
            for p in _PUNCT:
                if text.startswith(p, i):
                    toks.append(Tok("punct", p))
                    i += len(p)
                    break
            else:
                raise Unsupported(f"unexpected character {c!r} in {text!r}")
    toks.append(Tok("end", None))
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.pos = 0

    def peek(self, value: str | None = None) -> bool:
        t = self.toks[self.pos]
        return t.kind == "punct" and (value is None or t.value == value)

    def take(self, value: str) -> None:
        t = self.toks[self.pos]
        if not (t.kind == "punct" and t.value == value):
            raise Unsupported(f"expected {value!r} at {t.value!r} in {self.text!r}")
        self.pos += 1

    def next(self) -> Tok:
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def parse(self) -> tuple:
        node = self.expr()
        if self.toks[self.pos].kind != "end":
            raise Unsupported(f"unexpected {self.toks[self.pos].value!r} in {self.text!r}")
        return node

    def expr(self) -> tuple:
        cond = self.binary(0)
        if self.peek("?"):
            self.take("?")
            a = self.expr()
            self.take(":")
            b = self.expr()
            return ("cond", cond, a, b)
        return cond

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> tuple:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.peek() and self.toks[self.pos].value in self._LEVELS[level]:
            op = self.next().value
            node = ("bin", op, node, self.binary(level + 1))
        return node

    def unary(self) -> tuple:
        if self.peek("!") or self.peek("-"):
            op = self.next().value
            return ("unary", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: tuple) -> tuple:
        while True:
            if self.peek("."):
                self.take(".")
                t = self.next()
                if t.kind not in ("ident", "num"):
                    raise Unsupported(f"splat and other traversals are not supported in {self.text!r}")
                node = ("attr", node, t.value)
            elif self.peek("["):
                self.take("[")
                idx = self.expr()
                self.take("]")
                node = ("index", node, idx)
            else:
                return node

    def primary(self) -> tuple:
        t = self.next()
        if t.kind == "num":
            return ("lit", t.value)
        if t.kind == "str":
            return ("tmpl", t.value)
        if t.kind == "ident":
            if t.value in ("true", "false"):
                return ("lit", t.value == "true")
            if t.value == "null":
                return ("lit", None)
            if self.peek("("):
                self.take("(")
                args = []
                while not self.peek(")"):
                    args.append(self.expr())
                    if self.peek(","):
                        self.take(",")
                self.take(")")
                return ("call", t.value, args)
            return ("ref", t.value)
        if t.kind == "punct" and t.value == "(":
            node = self.expr()
            self.take(")")
            return node
        if t.kind == "punct" and t.value == "[":
            if self.toks[self.pos].kind == "ident" and self.toks[self.pos].value == "for":
                raise Unsupported(f"for expressions are not supported in {self.text!r}")
            items = []
            while not self.peek("]"):
                items.append(self.expr())
                if self.peek(","):
                    self.take(",")
            self.take("]")
            return ("list", items)
        if t.kind == "punct" and t.value == "{":
            pairs = []
            while not self.peek("}"):
                k = self.next()
                if k.kind == "ident":
                    key: tuple = ("lit", k.value)
                elif k.kind == "str":
                    key = ("tmpl", k.value)
                else:
                    raise Unsupported(f"object key {k.value!r} in {self.text!r}")
                if self.peek("="):
                    self.take("=")
                else:
                    self.take(":")
                pairs.append((key, self.expr()))
                if self.peek(","):
                    self.take(",")
            self.take("}")
            return ("object", pairs)
        raise Unsupported(f"unexpected {t.value!r} in {self.text!r}")


def parse_expression(text: str) -> tuple:
    return _Parser(text).parse()


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _to_str(value: Any) -> str:
    try:
        return render.format_value(value)  # the one definition of Terraform's interpolation
    except render.TemplateError as exc:
        raise Unsupported(str(exc)) from exc


def _coalesce(*args: Any) -> Any:
    for a in args:
        if a is not None and a != "":
            return a
    raise Unsupported("coalesce: no non-null, non-empty argument")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False),
    "coalesce": _coalesce,
    "lookup": lambda m, k, d=None: m.get(k, d),
    "merge": lambda *ms: {k: v for m in ms for k, v in m.items()},
    "concat": lambda *ls: [x for lst in ls for x in lst],
    "contains": lambda lst, v: v in lst,
    "length": len,
    "upper": str.upper,
    "lower": str.lower,
    "tostring": _to_str,
    "tolist": list,
    "urlencode": lambda s: quote(s, safe="-_.~"),
}


class Scope:
    """Resolves the first name of a reference (var, local, data, module, path, a resource type...)."""

    def __init__(self, resolve: Callable[[str], Any]) -> None:
        self.resolve = resolve


def evaluate(node: tuple, scope: Scope) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "tmpl":
        parts = node[1]
        if len(parts) == 1 and isinstance(parts[0], tuple):
            value = evaluate(parts[0], scope)
            return value if isinstance(value, str) else _to_str(value)
        return "".join(p if isinstance(p, str) else _to_str(evaluate(p, scope)) for p in parts)
    if kind == "ref":
        return scope.resolve(node[1])
    if kind == "attr":
        base = evaluate(node[1], scope)
        return _get(base, node[2])
    if kind == "index":
        base = evaluate(node[1], scope)
        return _get(base, evaluate(node[2], scope))
    if kind == "cond":
        return evaluate(node[2] if evaluate(node[1], scope) else node[3], scope)
    if kind == "unary":
        v = evaluate(node[2], scope)
        return (not v) if node[1] == "!" else -v
    if kind == "bin":
        return _binary(node[1], node[2], node[3], scope)
    if kind == "call":
        if node[1] not in FUNCTIONS:
            raise Unsupported(f"function {node[1]}() is not supported")
        return FUNCTIONS[node[1]](*(evaluate(a, scope) for a in node[2]))
    if kind == "list":
        return [evaluate(i, scope) for i in node[1]]
    if kind == "object":
        return {evaluate(k, scope): evaluate(v, scope) for k, v in node[1]}
    raise Unsupported(f"node {kind}")


def _get(base: Any, key: Any) -> Any:
    if isinstance(base, Lazy):
        return base[key]
    if isinstance(base, Mapping):
        if key not in base:
            raise Unsupported(f"no attribute {key!r} (have {sorted(base)})")
        return base[key]
    if isinstance(base, list):
        return base[int(key)]
    raise Unsupported(f"cannot read {key!r} of {base!r}")


def _binary(op: str, left: tuple, right: tuple, scope: Scope) -> Any:
    a = evaluate(left, scope)
    if op == "&&":
        return bool(a) and bool(evaluate(right, scope))
    if op == "||":
        return bool(a) or bool(evaluate(right, scope))
    b = evaluate(right, scope)
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "==": lambda x, y: x == y,
        "!=": lambda x, y: x != y,
        "<": lambda x, y: x < y,
        ">": lambda x, y: x > y,
        "<=": lambda x, y: x <= y,
        ">=": lambda x, y: x >= y,
        "+": lambda x, y: x + y,
        "-": lambda x, y: x - y,
        "*": lambda x, y: x * y,
        "/": lambda x, y: x / y,
        "%": lambda x, y: x % y,
    }
    return ops[op](a, b)


class Lazy:
    """A mapping whose items are computed on first access (locals, module outputs, resources)."""

    def __init__(self, compute: Callable[[Any], Any], what: str) -> None:
        self._compute = compute
        self._cache: dict[Any, Any] = {}
        self._busy: set[Any] = set()
        self.what = what

    def __getitem__(self, key: Any) -> Any:
        if key in self._cache:
            return self._cache[key]
        if key in self._busy:
            raise Unsupported(f"cycle while evaluating {self.what}.{key}")
        self._busy.add(key)
        try:
            self._cache[key] = self._compute(key)
        finally:
            self._busy.discard(key)
        return self._cache[key]


# --------------------------------------------------------------------------------------------
# hcl2 values -> expressions
# --------------------------------------------------------------------------------------------


def leaf_expression(value: Any) -> tuple:
    """Turn a python-hcl2 attribute value into an expression node."""
    if isinstance(value, str):
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            parts, end = _scan_string(value, 1)
            if end != len(value):
                raise Unsupported(f"cannot read string {value!r}")
            return ("tmpl", parts)
        if value.startswith("${") and value.endswith("}"):
            return parse_expression(value[2:-1])
        return parse_expression(value)
    if isinstance(value, list):
        return ("list", [leaf_expression(v) for v in value])
    if isinstance(value, dict):
        return ("object", [(("lit", _unquote(k)), leaf_expression(v)) for k, v in value.items() if k != "__is_block__"])
    return ("lit", value)


def _unquote(key: str) -> str:
    return key[1:-1] if key.startswith('"') and key.endswith('"') else key


def eval_value(value: Any, scope: Scope) -> Any:
    return evaluate(leaf_expression(value), scope)


# --------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------


@dataclass
class Module:
    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


_PARSED: dict[tuple[Path, float], dict[str, Any]] = {}


def _parse(tf: Path) -> dict[str, Any]:
    """python-hcl2 is slow: parse each file once per modification time."""
    key = (tf.resolve(), tf.stat().st_mtime)
    if key not in _PARSED:
        with tf.open(encoding="utf-8") as fh:
            _PARSED[key] = hcl2.load(fh)
    return _PARSED[key]


def load_module(path: Path) -> Module:
    mod = Module(path)
    for tf in sorted(path.glob("*.tf")):
        doc = _parse(tf)
        for block in doc.get("variable", []):
            for name, body in block.items():
                mod.variables[_unquote(name)] = body
        for block in doc.get("locals", []):
            mod.locals.update({k: v for k, v in block.items() if k != "__is_block__"})
        for block in doc.get("output", []):
            for name, body in block.items():
                mod.outputs[_unquote(name)] = body
        for block in doc.get("module", []):
            for name, body in block.items():
                mod.modules[_unquote(name)] = body
        for kind, target in (("resource", mod.resources), ("data", mod.data)):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    for rname, body in named.items():
                        target[(_unquote(rtype), _unquote(rname))] = body
    return mod


#: ARNs of the resources the module creates, as AWS assigns them (``{p}`` partition, ``{r}`` region, ``{a}`` account).
ARN_FORMATS: dict[str, tuple[str, str]] = {
    "aws_s3_bucket": ("arn:{p}:s3:::{v}", "bucket"),
    "aws_cloudwatch_log_group": ("arn:{p}:logs:{r}:{a}:log-group:{v}", "name"),
    "aws_lambda_function": ("arn:{p}:lambda:{r}:{a}:function:{v}", "function_name"),
    "aws_iam_role": ("arn:{p}:iam::{a}:role/{v}", "name"),
    "aws_sfn_state_machine": ("arn:{p}:states:{r}:{a}:stateMachine:{v}", "name"),
    "aws_cloudwatch_event_rule": ("arn:{p}:events:{r}:{a}:rule/{v}", "name"),
}
ID_ATTRIBUTE = {"aws_s3_bucket": "bucket", "aws_iam_role": "name", "aws_cloudwatch_log_group": "name"}


@dataclass
class Account:
    partition: str = "aws"
    region: str = "us-east-1"
    account_id: str = "123456789012"


class ModuleEval:
    """One module instance evaluated with given input variables."""

    def __init__(self, module: Module, inputs: Mapping[str, Any], account: Account) -> None:
        self.module = module
        self.account = account
        self.root_scope = Scope(self._resolve)
        unknown = set(inputs) - set(module.variables)
        if unknown:
            raise Unsupported(f"{module.path}: unknown input variables {sorted(unknown)}")
        self.var: dict[str, Any] = {}
        for name, body in module.variables.items():
            if name in inputs:
                self.var[name] = inputs[name]
            elif "default" in body:
                self.var[name] = eval_value(body["default"], self.root_scope)
            else:
                raise Unsupported(f"{module.path}: variable {name} has no value")
        self.local = Lazy(lambda k: eval_value(self.module.locals[k], self.root_scope), "local")
        self.module_calls = Lazy(self._module_call, "module")
        self.children: dict[str, list[ModuleEval]] = {}
        self.data_ns = Lazy(lambda t: Lazy(lambda n: self._instances("data", t, n), f"data.{t}"), "data")

    # references ---------------------------------------------------------------------------
    def _resolve(self, name: str) -> Any:
        if name == "var":
            return self.var
        if name == "local":
            return self.local
        if name == "module":
            return self.module_calls
        if name == "data":
            return self.data_ns
        if name == "path":
            return {"module": str(self.module.path), "root": str(self.module.path)}
        if any(rtype == name for rtype, _ in self.module.resources):
            return Lazy(lambda n: self._instances("resource", name, n), name)
        raise Unsupported(f"{self.module.path}: unknown reference {name}")

    def _instances(self, kind: str, rtype: str, rname: str) -> Any:
        blocks = self.module.resources if kind == "resource" else self.module.data
        body = blocks.get((rtype, rname))
        if body is None:
            raise Unsupported(f"{self.module.path}: no {kind} {rtype}.{rname}")
        if "count" in body:
            return [self._instance(kind, rtype, body) for _ in range(int(eval_value(body["count"], self.root_scope)))]
        return self._instance(kind, rtype, body)

    def _instance(self, kind: str, rtype: str, body: dict[str, Any]) -> Lazy:
        def attr(name: str) -> Any:
            if kind == "data" and rtype == "aws_iam_policy_document" and name == "json":
                return json.dumps(policy_document(body, self.root_scope))
            if kind == "data" and rtype == "aws_caller_identity" and name == "account_id":
                return self.account.account_id
            if kind == "data" and rtype == "aws_partition" and name == "partition":
                return self.account.partition
            if kind == "data" and rtype == "aws_region" and name == "region":
                return self.account.region
            if name == "id" and kind == "data" and rtype == "aws_s3_bucket":
                return eval_value(body["bucket"], self.root_scope)
            if name == "id" and rtype in ID_ATTRIBUTE:
                return eval_value(body[ID_ATTRIBUTE[rtype]], self.root_scope)
            if name == "arn" and rtype in ARN_FORMATS:
                fmt, source = ARN_FORMATS[rtype]
                a = self.account
                return fmt.format(
                    p=a.partition, r=a.region, a=a.account_id, v=eval_value(body[source], self.root_scope)
                )
            if name in body and name not in ("count", "lifecycle", "depends_on"):
                return eval_value(body[name], self.root_scope)
            raise Unsupported(f"{self.module.path}: cannot compute {kind} {rtype}.{name}")

        return Lazy(attr, rtype)

    def _module_call(self, name: str) -> Any:
        body = self.module.modules[name]
        source = _unquote(body["source"])
        child = load_module((self.module.path / source).resolve())
        inputs = {
            k: eval_value(v, self.root_scope)
            for k, v in body.items()
            if k not in ("source", "count", "providers", "depends_on", "version", "__is_block__")
        }
        if "count" in body:
            count = int(eval_value(body["count"], self.root_scope))
            instances = [ModuleEval(child, inputs, self.account) for _ in range(count)] if count else []
            self.children[name] = instances
            return [i.outputs_lazy() for i in instances]
        instance = ModuleEval(child, inputs, self.account)
        self.children[name] = [instance]
        return instance.outputs_lazy()

    # results ------------------------------------------------------------------------------
    def outputs_lazy(self) -> Lazy:
        return Lazy(lambda k: eval_value(self.module.outputs[k]["value"], self.root_scope), "output")

    def output(self, name: str) -> Any:
        return self.outputs_lazy()[name]

    def child(self, name: str) -> ModuleEval | None:
        self.module_calls[name]
        instances = self.children.get(name, [])
        return instances[0] if instances else None

    def policy_documents(self) -> dict[str, dict[str, Any]]:
        """Every aws_iam_policy_document of this module, rendered."""
        return {
            rname: policy_document(body, self.root_scope)
            for (rtype, rname), body in self.module.data.items()
            if rtype == "aws_iam_policy_document"
        }


# --------------------------------------------------------------------------------------------
# aws_iam_policy_document
# --------------------------------------------------------------------------------------------


def _collapse(values: list[Any]) -> Any:
    """The provider writes a one-element list as a plain string."""
    return values[0] if len(values) == 1 else values


def _statement(body: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    known = {"sid", "effect", "actions", "resources", "principals", "condition", "__is_block__"}
    extra = set(body) - known
    if extra:
        raise Unsupported(f"statement arguments {sorted(extra)} are not supported")
    out: dict[str, Any] = {}
    if "sid" in body:
        out["Sid"] = eval_value(body["sid"], scope)
    out["Effect"] = eval_value(body["effect"], scope) if "effect" in body else "Allow"
    out["Action"] = _collapse(eval_value(body["actions"], scope))
    if "resources" in body:
        out["Resource"] = _collapse(eval_value(body["resources"], scope))
    for p in body.get("principals", []):
        ptype, ids = eval_value(p["type"], scope), eval_value(p["identifiers"], scope)
        out["Principal"] = "*" if ptype == "*" else {ptype: _collapse(ids)}
    for c in body.get("condition", []):
        test, variable = eval_value(c["test"], scope), eval_value(c["variable"], scope)
        out.setdefault("Condition", {}).setdefault(test, {})[variable] = _collapse(eval_value(c["values"], scope))
    return out


def policy_document(body: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    """Render an ``aws_iam_policy_document`` block like the provider (statement and dynamic statement)."""
    statements = [_statement(s, scope) for s in body.get("statement", [])]
    for dyn in body.get("dynamic", []):
        for label, spec in dyn.items():
            if _unquote(label) != "statement":
                raise Unsupported(f"dynamic {label} is not supported")
            for_each = eval_value(spec["for_each"], scope)
            items = for_each.items() if isinstance(for_each, dict) else enumerate(for_each)
            for key, value in items:
                iterator = {"key": key, "value": value}
                inner = Scope(lambda n, it=iterator: it if n == "statement" else scope.resolve(n))
                statements.append(_statement(spec["content"][0], inner))
    return {"Version": "2012-10-17", "Statement": statements}
