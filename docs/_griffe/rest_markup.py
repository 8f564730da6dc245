"""Griffe extension used by the API reference build (see ``mkdocs.yml``).

omnicontext's docstrings are written for both ``help()`` and doctest, in the
reStructuredText habits of the standard library: ``:class:`Foo``` roles,
``>>>`` examples without fences and ``.. code-block::`` directives. Markdown
would show the roles verbatim and turn ``>>>`` lines into nested quotes, so
before rendering this extension rewrites, in the docstring text only:

* ``:class:`X```, ``:meth:`X```, ``:func:`X```, ``:attr:`X```, ``:data:`X```,
  ``:mod:`X```, ``:exc:`X``` into a cross-reference to ``X`` (resolved the way
  Python would, from the object's scope) that falls back to plain code when the
  target is not in the reference;
* a run of ``>>>`` lines with their output into a ``pycon`` code block;
* ``.. code-block:: LANG`` followed by an indented block into a fenced block.

It also shows functions decorated with hypothesis's ``@composite`` as they are
called: without their ``draw`` parameter, returning a ``SearchStrategy``.

The source files are not touched.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|attr|data|mod|exc|obj):`(~?)([\w.]+)`")
_DIRECTIVE = re.compile(r"^(\s*)\.\. code-block::\s*(\w*)\s*$")


def _resolve(obj: griffe.Object, name: str) -> str | None:
    """The full path of ``name`` seen from ``obj``, or None when unknown."""
    if name.startswith("omnicontext"):
        return name
    head, _, rest = name.partition(".")
    try:
        path = obj.resolve(head)  # looks in the object's scope, then its parents'
    except (griffe.NameResolutionError, griffe.AliasResolutionError, KeyError):
        return None
    return f"{path}.{rest}" if rest else path


def _roles(obj: griffe.Object, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        short, name = match.group(1), match.group(2)
        shown = name.rsplit(".", 1)[-1] if short else name
        target = _resolve(obj, name)
        if target is None or not target.startswith("omnicontext"):
            return f"`{shown}`"
        return f'<autoref identifier="{target}" optional><code>{shown}</code></autoref>'

    return _ROLE.sub(replace, text)


def _blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        directive = _DIRECTIVE.match(line)
        if stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        if directive:
            indent, lang = directive.group(1), directive.group(2) or "text"
            i += 1
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(indent + " ")):
                body.append(lines[i])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            out.append(f"{indent}```{lang}")
            code = textwrap.dedent("\n".join(body)).strip("\n")
            out.extend(textwrap.indent(code, indent).split("\n"))
            out.append(f"{indent}```")
            out.append("")
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _composite_signature(func: griffe.Function) -> None:
    composite = any(str(d.value).rsplit(".", 1)[-1] == "composite" for d in func.decorators)
    params = list(func.parameters)
    if composite and params and params[0].name == "draw":
        del func.parameters["draw"]
        if func.returns is not None:
            func.returns = griffe.ExprSubscript("SearchStrategy", func.returns)


class RestMarkup(griffe.Extension):
    """Rewrite reST habits in docstrings into Markdown mkdocstrings renders well."""

    def __init__(self) -> None:
        super().__init__()
        self._done: set[int] = set()

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.is_alias:
            return
        if isinstance(obj, griffe.Function):
            _composite_signature(obj)
        if obj.docstring is None or id(obj.docstring) in self._done:
            return
        self._done.add(id(obj.docstring))
        obj.docstring.value = _blocks(_roles(obj, obj.docstring.value))
