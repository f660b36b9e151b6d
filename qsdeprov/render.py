"""Render ``definitions/*.asl.json.tftpl`` exactly like Terraform's ``templatefile()``.

The template uses plain ``${name}`` interpolation only (no directives, no functions), so this
small renderer and Terraform produce the same JSON; ``tests/test_render.py`` proves it with a
real ``terraform`` binary when one is available.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "definitions" / "deprovision.asl.json.tftpl"

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DIRECTIVE = re.compile(r"%\{|\$\{[^}]*[^A-Za-z0-9_}][^}]*\}")


class TemplateError(ValueError):
    """The template or the values given to it do not fit together."""


def template_text(path: Path = TEMPLATE) -> str:
    return path.read_text(encoding="utf-8")


def template_variables(text: str | None = None) -> set[str]:
    """Names of every ``${name}`` placeholder in the template."""
    return set(_PLACEHOLDER.findall(template_text() if text is None else text))


def format_value(value: Any) -> str:
    """Format a value the way Terraform interpolates it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TemplateError(f"cannot interpolate {type(value).__name__} {value!r}: pass a string or number")


def render_text(text: str, values: Mapping[str, Any]) -> str:
    if _DIRECTIVE.search(text):
        raise TemplateError("the template may only use plain ${name} interpolation")
    wanted = template_variables(text)
    missing = sorted(wanted - set(values))
    extra = sorted(set(values) - wanted)
    if missing or extra:
        raise TemplateError(f"template variables do not match: missing {missing}, unused {extra}")
    return _PLACEHOLDER.sub(lambda m: format_value(values[m.group(1)]), text)


def iter_states(definition: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``(name, state)`` of a definition, the Map's item processor included."""
    for name, state in definition["States"].items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from iter_states(processor)


def render(values: Mapping[str, Any], path: Path = TEMPLATE) -> dict[str, Any]:
    """Render the template with ``values`` and parse the result as JSON."""
    rendered = render_text(template_text(path), values)
    try:
        return json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"rendered template is not valid JSON: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """``python -m qsdeprov.render [--out FILE]``: print or write the rendered ASL
    with the module's defaults (local sample values), for validators and reviews."""
    import argparse

    from . import config

    parser = argparse.ArgumentParser(prog="python -m qsdeprov.render", description=main.__doc__)
    parser.add_argument("--out", help="write the JSON here instead of standard output")
    args = parser.parse_args(argv)
    text = json.dumps(render(config.template_values()), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
