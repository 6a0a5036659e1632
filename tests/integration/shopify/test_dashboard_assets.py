"""The built dashboard: the manifest's entry linked from /app, its files served immutable from
/app-assets/, nothing outside web/dist/assets reachable, and a plain message when unbuilt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.shopify import dashboard_assets
from app.shopify.dashboard_assets import DashboardBuild, dashboard_build


def write_build(dist: Path) -> None:
    (dist / ".vite").mkdir(parents=True)
    (dist / "assets").mkdir()
    (dist / "assets" / "main-abc123.js").write_text("console.log('pricebridge')")
    (dist / "assets" / "main-abc123.css").write_text("body{}")
    (dist / "secret.txt").write_text("not an asset")
    manifest = {
        "src/main.ts": {
            "file": "assets/main-abc123.js",
            "isEntry": True,
            "css": ["assets/main-abc123.css"],
            "imports": ["_shared.js"],
        },
        "_shared.js": {"file": "assets/shared-def456.js"},
    }
    (dist / ".vite" / "manifest.json").write_text(json.dumps(manifest))


def test_the_manifest_names_the_entry_its_styles_and_preloads(tmp_path: Path) -> None:
    write_build(tmp_path)

    assert dashboard_build(tmp_path) == DashboardBuild(
        script="/app-assets/assets/main-abc123.js",
        styles=("/app-assets/assets/main-abc123.css",),
        preloads=("/app-assets/assets/shared-def456.js",),
    )


def test_no_build_is_none(tmp_path: Path) -> None:
    assert dashboard_build(tmp_path) is None


def test_assets_are_served_immutable_and_nothing_else(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_build(tmp_path)
    monkeypatch.setattr(dashboard_assets, "DIST", tmp_path)

    answer = client.get("/app-assets/assets/main-abc123.js")
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == "console.log('pricebridge')"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.mimetype == "text/javascript"
    answer.close()
    for path in ("secret.txt", ".vite/manifest.json", "assets/../secret.txt", "assets/nope.js"):
        refused = client.get(f"/app-assets/{path}")
        refused.close()
        assert refused.status_code == 404, path
