"""A module loaded on first use: ``creds = lazy_module("syftbox_accounting.credentials")``
costs nothing until ``creds.something`` is read, so that importing the client does not
pay for what its first call does not need (reading config files, showing tables).
Annotations that name it (``-> creds.Saved``) still resolve."""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)  # later reads skip this function
        return getattr(module, name)


def lazy_module(name: str) -> Any:
    """A stand-in for the module `name` that imports it when an attribute is read."""
    return _LazyModule(name)
