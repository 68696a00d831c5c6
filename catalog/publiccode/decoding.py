"""Step 1: a file's tree decoded into the types its fields want, up to the first problem."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from core.i18n import Sentence

from .issues import Issue, show
from .reading import Node
from .schema import BOOL, DOCUMENT, LIST, MAP, TEXT, TEXT_OR_LIST, Field


class _DecodeError(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


def _decode(spec: Field, node: Node):
    """The node's value as `spec` wants it, or _DecodeError for the first problem."""
    if node.kind == "null":
        return None
    if spec.kind == TEXT:
        if not node.is_scalar:
            raise _DecodeError(
                node.line,
                Sentence(gettext_noop("Wrong type for this field: text expected.")),
            )
        return node.value if node.kind == "str" else _scalar_text(node)
    if spec.kind == BOOL:
        if node.kind != "bool":
            raise _DecodeError(
                node.line,
                Sentence(
                    gettext_noop("Wrong type for this field: true or false expected.")
                ),
            )
        return node.value
    if spec.kind == TEXT_OR_LIST and node.is_scalar:
        return [_decode(spec.item, node)]
    if spec.kind in (LIST, TEXT_OR_LIST):
        if node.kind != "seq":
            raise _DecodeError(
                node.line,
                Sentence(gettext_noop("Wrong type for this field: a list expected.")),
            )
        values, first = [], None
        for item in node.children:
            try:
                values.append(_decode(spec.item, item))
            except _DecodeError as exc:
                first = first or exc
        if first:
            raise first
        return values
    if spec.kind == MAP:
        if node.kind != "map":
            raise _DecodeError(
                node.line,
                Sentence(
                    gettext_noop("Wrong type for this field: a mapping expected.")
                ),
            )
        values, first = {}, None
        for key, value in node.children:
            try:
                values[_scalar_text(key)] = _decode(spec.item, value)
            except _DecodeError as exc:
                first = first or exc
        if first:
            raise first
        return values
    # STRUCT
    if node.kind != "map":
        raise _DecodeError(
            node.line,
            Sentence(gettext_noop("Wrong type for this field: a mapping expected.")),
        )
    present = {}
    for key, value in node.children:
        present.setdefault(_scalar_text(key), value)
    values, first = {}, None
    for name, field_spec in spec.fields.items():
        if name not in present:
            continue
        try:
            values[name] = _decode(field_spec, present[name])
        except _DecodeError as exc:
            first = first or exc
    if first:
        raise first
    for key, _value in node.children:
        name = _scalar_text(key)
        if name not in spec.fields:
            raise _DecodeError(
                key.line,
                Sentence(
                    gettext_noop(
                        "Unknown key %(key)s; publiccode.yml has no such field here."
                    ),
                    key=show(name),
                ),
            )
    return values


def _scalar_text(node: Node) -> str:
    if node.kind == "bool":
        return "true" if node.value else "false"
    if node.kind == "null":
        return ""
    return str(node.value)


def _key_at_line(node: Node, line: int, prefix: str = "") -> str:
    """The path of the first key on `line`, as the reference parser names it."""
    if node.kind == "map":
        for key, value in node.children:
            full = f"{prefix}.{_scalar_text(key)}" if prefix else _scalar_text(key)
            if key.line == line:
                return full
            found = _key_at_line(value, line, full)
            if found:
                return found
    elif node.kind == "seq":
        for index, item in enumerate(node.children):
            key = f"{prefix}[{index}]"
            if item.line == line:
                return key
            found = _key_at_line(item, line, key)
            if found:
                return found
    return ""


def decode(root: Node) -> tuple[dict, list[Issue]]:
    """Step 1: the decoded document and at most one decoding problem."""
    doc, issues = {}, []
    present = {}
    for key, value in root.children:
        present.setdefault(_scalar_text(key), value)
    for name, spec in DOCUMENT.fields.items():
        if name not in present:
            continue
        try:
            doc[name] = _decode(spec, present[name])
        except _DecodeError as exc:
            if not issues:
                path = _key_at_line(root, exc.line)
                issues.append(Issue(path, exc.message))
    if not issues:
        for key, _value in root.children:
            name = _scalar_text(key)
            if name not in DOCUMENT.fields:
                issues.append(
                    Issue(
                        name,
                        Sentence(
                            gettext_noop(
                                "Unknown key %(key)s; publiccode.yml has no such field here."
                            ),
                            key=show(name),
                        ),
                    )
                )
                break
    return doc, issues
