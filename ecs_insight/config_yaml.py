"""Reading the YAML config file: duplicate keys refused, and the line of every setting kept so that a
validation error can name it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from common.errors import ConfigError

Lines = dict[tuple[str, ...], int]  # setting path -> 1-based line where it is written


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the last silently)."""

    file = ""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(f"key {key!r} is written twice in one mapping (lines {seen[key]} and {line}); "
                                  "the second would silently replace the first", file=self.file)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def parse(text: str, file: Path) -> tuple[Any, Lines]:
    """The document's data and the line of each setting path; ConfigError for invalid YAML or a duplicate key."""
    loader = _StrictLoader(text)
    loader.file = str(file)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"not valid YAML{where}: {problem}", file=str(file)) from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _index(node, (), lines)
    return data, lines


def _index(node: yaml.Node, path: tuple[str, ...], lines: Lines) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*path, str(key_node.value))
            _index(value_node, key, lines)
            lines[key] = key_node.start_mark.line + 1  # the key's own line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, str(i)), lines)


def line_of(lines: Lines, path: tuple[str, ...]) -> int | None:
    """The line of ``path``, else of its nearest written parent (a missing key: where its section is)."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
