"""Find and register a font that draws Simplified Chinese in matplotlib.

The font comes from the ``mplfonts`` package (a kamlib dependency that ships Noto
Sans CJK SC under the SIL Open Font License), so Chinese renders on a fresh
pip-only machine without root and without touching any matplotlibrc. System CJK
fonts (Noto CJK, Source Han, WenQuanYi, the macOS / Windows defaults) are the
fallback when the package file is missing.

The font is registered with :meth:`matplotlib.font_manager.FontManager.addfont`,
which works whatever the font cache (``fontlist-*.json``) holds, so a cache built
before the font was installed does not matter. Nothing here changes ``rcParams``;
:func:`kamlib.plots.theme` puts the family first in ``font.sans-serif``.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from kamlib.errors import ConfigError

# The packaged font: (distribution, file inside it).
_PACKAGE_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")

# Well-known system locations, most preferred first (Debian/Ubuntu, Fedora, Arch,
# macOS, Windows).
_SYSTEM_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

# Family names to look for among the fonts matplotlib already knows.
_KNOWN_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
    "Heiti SC",
)

# A font is accepted only if it has a glyph for each of these (common words, digits
# in Chinese units, and rare characters that occur in personal names).
_PROBE = "销售额区域月份万亿喆堃垚淼"


def _package_font() -> Path | None:
    """Path of the font shipped by ``mplfonts``, or None when it is not installed."""
    package, name = _PACKAGE_FONT
    try:
        path = Path(str(resources.files(package).joinpath(name)))
    except (ImportError, TypeError, ValueError):
        return None
    return path if path.is_file() else None


def _covers(path: str | Path, text: str = _PROBE) -> bool:
    """Whether the font file at *path* has a glyph for every character of *text*."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(char) in charmap for char in text)


def _known_font() -> Path | None:
    """A CJK font matplotlib already lists (font cache / system folders), if any."""
    from matplotlib import font_manager

    by_name: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for family in _KNOWN_FAMILIES:
        fname = by_name.get(family)
        if fname and Path(fname).is_file() and _covers(fname):
            return Path(fname)
    return None


def cjk_font_path() -> Path:
    """Return the font file used to draw Chinese text.

    Looks, in order, for the Noto Sans CJK SC file shipped by ``mplfonts``, for
    well-known system font files, then for a known CJK family among the fonts
    matplotlib lists.

    Returns
    -------
    Path
        An existing OpenType / TrueType (collection) file with Chinese glyphs.

    Raises
    ------
    ConfigError
        When no Chinese font can be found anywhere.

    Examples
    --------
    >>> cjk_font_path().suffix in {".otf", ".ttf", ".ttc"}
    True
    """
    packaged = _package_font()
    if packaged is not None:
        return packaged
    for candidate in _SYSTEM_FONT_PATHS:
        if Path(candidate).is_file() and _covers(candidate):
            return Path(candidate)
    known = _known_font()
    if known is not None:
        return known
    package, name = _PACKAGE_FONT
    raise ConfigError(
        f"No font with Chinese glyphs was found: {package}/{name} is not installed, "
        f"and none of the system fonts ({', '.join(_KNOWN_FAMILIES[:3])}, …) is present. "
        "Run 'pip install mplfonts' in this environment (no root needed), "
        "or install a system CJK font such as fonts-noto-cjk."
    )


@functools.cache
def register_cjk_font() -> str:
    """Make the Chinese font known to matplotlib and return its family name.

    The file from :func:`cjk_font_path` is added with
    ``matplotlib.font_manager.fontManager.addfont``, so it is used even when the
    font cache was built before the font was installed. ``rcParams`` are left alone
    (see :func:`kamlib.plots.theme`). The work is done once per process.

    Returns
    -------
    str
        Font family name to put in ``font.sans-serif``, e.g. ``"Noto Sans CJK SC"``.

    Raises
    ------
    ConfigError
        When no Chinese font can be found (see :func:`cjk_font_path`).

    Examples
    --------
    >>> register_cjk_font()
    'Noto Sans CJK SC'
    """
    from matplotlib import font_manager

    path = cjk_font_path()
    manager = font_manager.fontManager
    if not any(Path(entry.fname) == path for entry in manager.ttflist):
        manager.addfont(str(path))
    names = [entry.name for entry in manager.ttflist if Path(entry.fname) == path]
    # A collection (.ttc) holds several faces: prefer the Simplified Chinese one.
    for name in names:
        if name.endswith((" SC", " CN")) or name in _KNOWN_FAMILIES:
            return name
    if not names:  # pragma: no cover - addfont always lists the file it added
        raise ConfigError(f"matplotlib could not read the font file {path}; reinstall mplfonts.")
    return names[0]
