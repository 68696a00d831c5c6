"""Reading publiccode.yml files safely, as the standard's reference parser reads them.

The files come from strangers, so reading is defensive: a size limit before
anything is parsed, safe YAML only, and limits on aliases, nesting and the
size of the document once aliases are expanded (billion laughs).

Plain scalars are typed as the reference parser (Developers Italia's
publiccode-parser, YAML 1.2 core schema) types them: `true`/`false` are
booleans, `null`/`~`/empty are null, numbers are numbers (kept as the text
written, so `softwareVersion: 1.10` stays "1.10") and everything else -
`yes`, `2017-04-15`, a Norwegian `no:` key - is text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import yaml
from django.conf import settings
from django.utils.translation import gettext_noop

from core.i18n import Sentence

from .issues import Issue, PubliccodeError

# Real publiccode.yml files use no aliases and nest five levels at most; these
# limits leave room for that and refuse documents built to exhaust the server.
MAX_ALIASES = 50
MAX_DEPTH = 32
MAX_NODES = 20_000


class _TooComplex(Exception):
    def __init__(self, message: str, mark=None):
        self.message = message
        self.mark = mark
        super().__init__(message)


class _Loader(yaml.SafeLoader):
    """Safe YAML with limits against alias and nesting abuse, and text scalars.

    Only `true`/`false` and `null` (YAML 1.2 spellings) are recognised; every
    other plain scalar stays text, which is what every publiccode.yml value
    is. So `publiccodeYmlVersion: 0.2`, `softwareVersion: 1.10`,
    `releaseDate: 2017-04-15` and a Norwegian `no:` description key arrive as
    written, not as a float, 1.1, a date and False (YAML 1.1's reading).
    """

    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._nodes = 0
        # Node id -> number of nodes below it with aliases expanded.
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooComplex(
                    Sentence(
                        gettext_noop(
                            "The file uses more than %(max)d YAML aliases (*name)."
                        ),
                        max=MAX_ALIASES,
                    ),
                    event.start_mark,
                )
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise _TooComplex(
                    Sentence(
                        gettext_noop(
                            "A YAML alias refers to the structure that contains it."
                        )
                    ),
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        # Counted as they arrive, so a flood of values stops the parser early.
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooComplex(
                Sentence(
                    gettext_noop("The file has more than %(max)d values."),
                    max=MAX_NODES,
                ),
                self.peek_event().start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooComplex(
                Sentence(
                    gettext_noop("The file is nested more than %(max)d levels deep."),
                    max=MAX_DEPTH,
                ),
                self.peek_event().start_mark,
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        size = 1 + sum(self._sizes[id(child)] for child in children)
        if size > MAX_NODES:
            raise _TooComplex(
                Sentence(
                    gettext_noop(
                        "The file has more than %(max)d values once its aliases are expanded."
                    ),
                    max=MAX_NODES,
                ),
                node.start_mark,
            )
        self._sizes[id(node)] = size
        return node

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"found duplicate key {key_node.value!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _at(mark) -> dict:
    return {"line": mark.line + 1, "column": mark.column + 1}


def load_tree(data: bytes) -> Node:
    """Parse a publiccode.yml safely into a Node tree; PubliccodeError when unreadable."""
    limit = settings.MAX_PUBLICCODE_BYTES
    if len(data) > limit:
        raise PubliccodeError(
            [
                Issue(
                    "",
                    Sentence(
                        gettext_noop("The file is larger than %(kb)d KB."),
                        kb=limit // 1024,
                    ),
                )
            ]
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PubliccodeError(
            [
                Issue(
                    "",
                    Sentence(
                        gettext_noop(
                            "The file is not UTF-8 text (invalid byte at position %(pos)d)."
                        ),
                        pos=exc.start,
                    ),
                )
            ]
        ) from None
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is not None:
            loader.construct_document(root)  # duplicate keys and unknown tags
            root = _tree(root)
    except _TooComplex as exc:
        message = exc.message
        if exc.mark is not None:
            message = Sentence(
                gettext_noop("Line %(line)d, column %(column)d: %(problem)s"),
                **_at(exc.mark),
                problem=exc.message,
            )
        raise PubliccodeError([Issue("", message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part) or str(
            exc
        )
        if mark is not None:
            message = Sentence(
                gettext_noop(
                    "Not valid YAML at line %(line)d, column %(column)d: %(problem)s."
                ),
                **_at(mark),
                problem=problem,
            )
        else:
            message = Sentence(
                gettext_noop("Not valid YAML: %(problem)s."), problem=problem
            )
        raise PubliccodeError([Issue("", message)]) from None
    except yaml.reader.ReaderError as exc:
        raise PubliccodeError(
            [
                Issue(
                    "",
                    Sentence(
                        gettext_noop(
                            "The file contains a character YAML does not allow "
                            "(code %(code)s) at position %(position)d."
                        ),
                        code=f"#x{exc.character:04x}",
                        position=exc.position,
                    ),
                )
            ]
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise PubliccodeError(
            [
                Issue(
                    "",
                    Sentence(
                        gettext_noop("Not valid YAML: %(problem)s."),
                        problem=str(exc)[:200],
                    ),
                )
            ]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise PubliccodeError([Issue("", Sentence(gettext_noop("The file is empty.")))])
    doc = root.python()
    if not isinstance(doc, dict):
        raise PubliccodeError(
            [
                Issue(
                    "",
                    Sentence(
                        gettext_noop(
                            "The file must be a YAML mapping of keys such as name and url."
                        )
                    ),
                )
            ]
        )
    nul = _nul_paths(doc)
    if nul:
        # PostgreSQL text cannot hold NUL; a "\0" escape in YAML would produce one.
        raise PubliccodeError(
            [
                Issue(
                    path,
                    Sentence(gettext_noop("Text must not contain NUL characters.")),
                )
                for path in nul[:20]
            ]
        )
    return root


def load(data: bytes) -> dict:
    """The file as plain Python values (numbers as the text written)."""
    return load_tree(data).python()


def _nul_paths(value, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            key_text = str(key)
            child = f"{path}.{key_text}" if path else key_text
            found += ([child] if "\x00" in key_text else []) + _nul_paths(item, child)
        return found
    if isinstance(value, list):
        return [
            p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}[{i}]")
        ]
    return []


@dataclass
class Node:
    """A YAML node as the reference parser sees it: kind, value and line.

    kind is one of str, int, float, bool, null, map, seq. Scalars keep their
    text (`value` is a str, a bool or None); a map is a list of (key, value)
    Node pairs in file order; a seq a list of Nodes.
    """

    kind: str
    value: object
    line: int
    children: list = field(default_factory=list)

    def python(self):
        if self.kind == "map":
            return {key.python(): value.python() for key, value in self.children}
        if self.kind == "seq":
            return [item.python() for item in self.children]
        return self.value

    @property
    def is_scalar(self) -> bool:
        return self.kind not in ("map", "seq")

    def get(self, key: str):
        for key_node, value in self.children if self.kind == "map" else ():
            if key_node.value == key:
                return value
        return None


_KINDS = {
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
}


def _tree(node, memo=None) -> Node:
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = Node("map", None, line)
        memo[id(node)] = result
        result.children = [(_tree(k, memo), _tree(v, memo)) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        result = Node("seq", None, line)
        memo[id(node)] = result
        result.children = [_tree(item, memo) for item in node.value]
    else:
        kind = _KINDS.get(node.tag, "str") if node.style is None else "str"
        value = node.value
        if kind == "bool":
            value = value.lower() == "true"
        elif kind == "null":
            value = None
        result = Node(kind, value, line)
        memo[id(node)] = result
    return result
