"""kamlib — key account management (大客户管理) analyses behind the kam-workbook notebooks.

Submodules load on first use, so ``import kamlib`` stays light::

    import kamlib as kam
    ds = kam.data.load()              # the embedded sample
    kam.plots.theme("zh")
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from types import ModuleType

from kamlib.errors import ConfigError, DataError, KamlibError, ReportError

try:
    __version__ = version("kam-workbook")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["ConfigError", "DataError", "KamlibError", "ReportError", "__version__"]


def __getattr__(name: str) -> ModuleType:
    """Import a submodule on first use (``kam.environment``, ``kam.winloss`` …)."""
    if not name.startswith("_") and find_spec(f"kamlib.{name}") is not None:
        return import_module(f"kamlib.{name}")
    raise AttributeError(f"module 'kamlib' has no attribute {name!r}")
