"""kamlib — key account management (大客户管理) analyses behind the kam-workbook notebooks.

The package has three floors; imports run one way, from the top down:

- top: :mod:`kamlib.report` (the batch runner) and :mod:`kamlib.cli` (the ``kam`` command);
- one wing per analysis: :mod:`~kamlib.overview`, :mod:`~kamlib.environment`,
  :mod:`~kamlib.classify`, :mod:`~kamlib.churn`, :mod:`~kamlib.winloss`, each with its
  computations (public names in the wing's ``__init__``), ``readings``, ``plots`` and
  ``sections``;
- the ground floor: :mod:`~kamlib.data`, :mod:`~kamlib.i18n`, :mod:`~kamlib.plots`,
  :mod:`~kamlib.tables`, :mod:`~kamlib.sections`, :mod:`~kamlib.errors` and helpers.

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
