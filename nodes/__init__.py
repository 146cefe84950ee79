"""The node catalogue: every kind of journey node, declared once.

Importing this package imports every module in it, which registers every kind: a new kind is one
new file here (plus its icon). `registry.kinds()` is the one list that the palette, the validator,
the engine and the file loader read.
"""
import importlib
import pkgutil

from switchback.nodes.registry import get, kinds

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["get", "kinds"]
