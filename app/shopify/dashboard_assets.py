"""The built dashboard (web/dist, made by `npm run build` in web/): its entry files and assets.

Vite writes `web/dist/.vite/manifest.json`, mapping the entry `src/main.ts` to its hashed
JavaScript and CSS files. The /app page links those; `/app-assets/<file>` serves them from the
app's own origin (the embedded page's CSP only restricts framing, and scripts from our own
origin need nothing more), immutable since each name carries its content hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from flask import Blueprint, abort, send_from_directory
from werkzeug.wrappers import Response

DIST: Final = Path(__file__).resolve().parent.parent.parent / "web" / "dist"
ENTRY: Final = "src/main.ts"
ASSET_PREFIX: Final = "/app-assets/"
ONE_YEAR_SECONDS: Final = 365 * 24 * 3600

bp = Blueprint("dashboard_assets", __name__)


@dataclass(frozen=True)
class DashboardBuild:
    """The entry's URLs: `script` (an ES module), `styles` and `preloads` (imported chunks)."""

    script: str
    styles: tuple[str, ...]
    preloads: tuple[str, ...]


@lru_cache(maxsize=4)
def _read_manifest(path: Path, mtime_ns: int) -> DashboardBuild | None:
    manifest = json.loads(path.read_text())
    entry = manifest.get(ENTRY)
    if not isinstance(entry, dict) or "file" not in entry:
        return None
    preloads = [manifest[name]["file"] for name in entry.get("imports", []) if name in manifest]
    return DashboardBuild(
        script=ASSET_PREFIX + entry["file"],
        styles=tuple(ASSET_PREFIX + css for css in entry.get("css", [])),
        preloads=tuple(ASSET_PREFIX + file for file in preloads),
    )


def dashboard_build(dist: Path = DIST) -> DashboardBuild | None:
    """The current build, or None when web/ has not been built (`make web`)."""
    manifest = dist / ".vite" / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _read_manifest(manifest, mtime)


@bp.get(ASSET_PREFIX + "<path:filename>")
def asset(filename: str) -> Response:
    if not filename.startswith("assets/"):
        abort(404)
    # Joined inside assets/ itself, so "assets/../x" cannot reach the rest of web/dist.
    name = filename.removeprefix("assets/")
    response = send_from_directory(DIST / "assets", name, max_age=ONE_YEAR_SECONDS)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR_SECONDS}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
