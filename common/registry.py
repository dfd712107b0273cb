"""A registry of named implementations (cost models now, rightsizing strategies later): register
once at import of the implementing module, look up by the name a setting gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from common.errors import ConfigError


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Implementations by name; a name is registered once, an unknown name is a configuration error."""

    def __init__(self, what: str, field: str | None = None) -> None:
        self._what = what
        self._field = field
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        if item.name in self._items and type(self._items[item.name]) is not type(item):
            raise ValueError(f"{self._what} {item.name!r} is registered twice")
        self._items[item.name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise ConfigError(f"unknown {self._what} {name!r}; known: {', '.join(self.names())}",
                              field=self._field) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __contains__(self, name: object) -> bool:
        return name in self._items
