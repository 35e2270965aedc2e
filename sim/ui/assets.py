"""The browser files the pages need, from this computer: Vega and friends from solara-assets.

``solara-assets`` installs the JavaScript libraries Solara's widgets load into
``$VENV/share/solara/cdn`` (``SOLARA_ASSETS_PROXY_CACHE_DIR`` moves it), and the classroom
page's server serves that folder under ``/_solara/cdn``. The team game's server serves the
same files itself. Nothing is fetched from the internet.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

#: The Vega libraries the charts load, by module name: a glob under the asset folder.
_LIBRARIES = {"vega": ("vega@5*", "build/vega.min.js"),
              "vega-lite": ("vega-lite@5*", "build/vega-lite.min.js"),
              "vega-embed": ("vega-embed@6*", "build/vega-embed.min.js")}


def asset_folder() -> Path:
    """The folder of solara-assets' files (Solara's own default, without importing Solara)."""
    given = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(given) if given else Path(sys.prefix) / "share" / "solara" / "cdn"


def _version(folder: Path) -> list[int]:
    return [int(x) if x.isdigit() else 0 for x in folder.name.split("@")[1].split(".")]


@functools.cache
def vega_libraries() -> dict[str, str]:
    """Paths of vega, vega-lite and vega-embed relative to the asset folder.

    The newest installed version of each (solara-assets 1.58.2 ships vega 5.21.0, vega-lite
    5.2.0 and vega-embed 6.20.2); a missing one falls back to the unversioned name, which
    Solara's server would then try to fetch (and, offline, fail to).
    """
    folder = asset_folder()
    found = {}
    for name, (pattern, file) in _LIBRARIES.items():
        versions = sorted(folder.glob(pattern), key=_version)
        found[name] = f"{versions[-1].name}/{file}" if versions else \
            f"{pattern.rstrip('*')}/{file}"
    return found
