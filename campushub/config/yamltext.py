"""YAML text -> document, refusing what only an attack or an accident needs.

ruamel.yaml would expand aliases (a 450-byte "billion laughs" runs for
minutes and ends in MemoryError), recurse once per nesting level while
composing (RecursionError on deep nesting) and raise a ReaderError without
a line for control characters. A site configuration needs none of these, so
the event stream (which the parser produces iteratively, without expanding
aliases) is checked first, and only then is the document composed.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)

from .errors import ConfigError

MAX_DEPTH = 32
MAX_NODES = 100_000
# What YAML 1.2 calls non-printable (the reader would refuse them with no line).
_NUMBER = re.compile(r"[-+]?[0-9_.]+(e[-+]?[0-9]+)?", re.IGNORECASE)
_NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


class _Frame:
    """One open mapping or sequence, to name the key an event belongs to."""

    def __init__(self, is_map: bool):
        self.is_map, self.index, self.key = is_map, 0, None

    def name(self) -> str | None:
        if self.is_map:
            return None if self.index % 2 == 0 else self.key
        return str(self.index)

    def advance(self, event) -> None:
        if self.is_map and self.index % 2 == 0:
            self.key = event.value if isinstance(event, ScalarEvent) else "?"
        self.index += 1


def _key(stack: list[_Frame], event=None) -> str:
    names = [f.name() for f in stack]
    if stack and stack[-1].is_map and stack[-1].index % 2 == 0 and isinstance(event, ScalarEvent):
        names[-1] = event.value  # the event is a key itself
    return ".".join(n for n in names if n is not None)


def _check_events(text: str, fail) -> None:
    stack: list[_Frame] = []
    nodes = 0
    for event in YAML(typ="rt").parse(text):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, CollectionEndEvent):
            stack.pop()
            if stack:
                stack[-1].advance(event)
            continue
        if not isinstance(event, NodeEvent):
            continue
        nodes += 1
        if isinstance(event, AliasEvent) or event.anchor:
            fail("YAML anchors and aliases (&name, *name, <<:) are not supported; write the values out",
                 _key(stack, event), line)
        # The round-trip loader keeps any explicit tag (even !!str) as an
        # opaque object; on a whole section (!!python/object) it passed as OK.
        if event.tag is not None:
            fail(f"YAML tag {event.tag.replace('tag:yaml.org,2002:', '!!')} is not supported; remove it",
                 _key(stack, event), line)
        if (isinstance(event, ScalarEvent) and event.style is None and event.value == "<<"
                and stack and stack[-1].is_map and stack[-1].index % 2 == 0):
            fail("YAML merge keys (<<:) are not supported; write the values out", _key(stack), line)
        if nodes > MAX_NODES:
            fail(f"more than {MAX_NODES} values; a site configuration is far smaller", _key(stack, event), line)
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                fail(f"nested more than {MAX_DEPTH} levels deep; no setting needs that", _key(stack), line)
            stack.append(_Frame(isinstance(event, MappingStartEvent)))
        else:
            if event.style is None and len(event.value) > 100 and _NUMBER.fullmatch(event.value):
                fail("a number with more than 100 digits; no setting needs that", _key(stack, event), line)
            if stack:
                stack[-1].advance(event)


def parse(text: str, fail) -> Any:
    """The round-trip document (keeps lines); `fail(message, key, line)` raises."""
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        fail(f"control character U+{ord(bad.group()):04X} at column {column}; YAML allows none, remove it",
             "", line)
    try:
        _check_events(text, fail)
        return YAML(typ="rt").load(text)
    except ConfigError:
        raise
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        fail(f"not valid YAML: {e.problem or e.context}", "", mark.line + 1 if mark else None)
    except YAMLError as e:
        fail(f"not valid YAML: {str(e).splitlines()[0]}", "", None)
    except ValueError as e:
        fail(f"not valid YAML: {e}", "", None)
