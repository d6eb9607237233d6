"""kamlib — key account management (大客户管理) analyses behind the kam-workbook notebooks.

>>> import kamlib as kam
>>> ds = kam.data.load()
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kam-workbook")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from kamlib import data, i18n  # noqa: E402
from kamlib.errors import ConfigError, DataError, KamlibError, ReportError  # noqa: E402

__all__ = ["ConfigError", "DataError", "KamlibError", "ReportError", "__version__", "data", "i18n"]
