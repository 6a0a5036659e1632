"""The admin frame (like admin.shopify.com/store/NAME/apps/KEY), App Bridge and Polaris stand-ins,
and the `/_sim` control endpoints for clock, installs, tokens and shops."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, abort, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from simulators.shopify.auth import host_param, shop_domain, shop_name, signed_query

if TYPE_CHECKING:
    from simulators.shopify.app import Simulator

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_SCRIPTS = {"app-bridge.js", "polaris.js"}
TEST_TOPICS = (
    "products/update",
    "products/delete",
    "app/scopes_update",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
)


def _domain_or_404(name: str) -> str:
    try:
        return shop_domain(name)
    except ValueError:
        abort(404)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "body must be a JSON object")
    return body


class AdminPages:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def embedded_url(self, shop: str, subpath: str = "") -> str:
        """The iframe URL, signed like Shopify signs the query it gives an embedded app."""
        config, record = self.sim.config, self.sim.registry.shop(shop)
        assert record is not None
        params = {
            "embedded": "1",
            "host": host_param(shop),
            "id_token": self.sim.session_tokens.issue(record),
            "locale": "en",
            "session": hashlib.sha256(record.session_id.encode()).hexdigest(),
            "shop": shop,
            "timestamp": str(int(self.sim.clock.now().timestamp())),
        }
        path = config.app_home_path.rstrip("/") + ("/" + subpath if subpath else "")
        return f"{config.app_url}{path or '/'}?{signed_query(params, config.api_secret)}"

    def app_frame(self, name: str, api_key: str, subpath: str = "") -> str:
        shop = _domain_or_404(name)
        if api_key != self.sim.config.api_key:
            abort(404, "No app with that API key is available for this store")
        # Opening the app from the admin is a Shopify-managed install.
        self.sim.install(shop)
        app_url = urlsplit(self.sim.config.app_url)
        return render_template(
            "admin.html",
            shop=shop,
            shop_name=shop_name(shop),
            api_key=api_key,
            iframe_src=self.embedded_url(shop, subpath),
            app_origin=f"{app_url.scheme}://{app_url.netloc}",
            topics=TEST_TOPICS,
            active_app=True,
        )

    def home(self, name: str) -> str:
        shop = _domain_or_404(name)
        return render_template(
            "home.html",
            shop=shop,
            shop_name=shop_name(shop),
            api_key=self.sim.config.api_key,
            installed=self.sim.registry.is_installed(shop),
        )

    def session_token(self, name: str) -> tuple[Response, int]:
        return self._mint(_domain_or_404(name), None)

    def _mint(self, shop: str, user_id: int | None) -> tuple[Response, int]:
        record = self.sim.registry.shop(shop)
        if record is None or not record.installed:
            return jsonify({"error": "app_not_installed"}), 403
        return jsonify({"id_token": self.sim.session_tokens.issue(record, user_id)}), 200

    def uninstall(self, name: str) -> Response:
        self.sim.uninstall(_domain_or_404(name))
        return redirect(f"/store/{name}", 303)

    def script(self, filename: str) -> Response:
        if filename not in STATIC_SCRIPTS:
            abort(404)
        response = Response((STATIC_DIR / filename).read_bytes(), mimetype="text/javascript")
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "no-cache"
        return response


class Control:
    """`/_sim/...`: knobs for tests, the demo and benchmarks."""

    def __init__(self, sim: Simulator, pages: AdminPages) -> None:
        self.sim = sim
        self.pages = pages

    def _shop(self, body: dict[str, Any]) -> str:
        try:
            return shop_domain(str(body.get("shop", "")))
        except ValueError as error:
            abort(400, str(error))

    def clock(self) -> Response:
        if request.method == "POST":
            advance = _json_body().get("advance")
            if not isinstance(advance, int | float) or advance < 0:
                abort(400, "advance must be a non-negative number of seconds")
            self.sim.clock.advance(float(advance))
        return jsonify({"now": self.sim.clock.now().isoformat()})

    def expire_tokens(self) -> Response:
        shop = self._shop(_json_body())
        return jsonify({"shop": shop, "expired": self.sim.registry.expire_tokens(shop)})

    def install(self) -> Response:
        body = _json_body()
        shop = self._shop(body)
        scopes = body.get("scopes")
        self.sim.install(shop, tuple(scopes) if isinstance(scopes, list) else None)
        record = self.sim.registry.shop(shop)
        assert record is not None
        return jsonify(record.as_json())

    def uninstall(self) -> Response:
        shop = self._shop(_json_body())
        return jsonify({"shop": shop, "uninstalled": self.sim.uninstall(shop)})

    def session_token(self) -> tuple[Response, int]:
        body = _json_body()
        user_id = body.get("user_id")
        return self.pages._mint(self._shop(body), int(user_id) if user_id else None)

    def shops(self) -> Response:
        return jsonify({"shops": [r.as_json() for r in self.sim.registry.shops()]})


def _json_errors(error: HTTPException) -> Response | HTTPException:
    """Machine-facing paths answer errors in JSON; admin pages keep Werkzeug's HTML."""
    if not request.path.startswith(("/_sim/", "/shops/")):
        return error
    response = jsonify({"error": error.description})
    response.status_code = error.code or 500
    return response


def register_admin(app: Flask, sim: Simulator) -> None:
    app.register_error_handler(HTTPException, _json_errors)
    pages = AdminPages(sim)
    control = Control(sim, pages)
    rules: list[tuple[str, Any, list[str]]] = [
        ("/store/<name>", pages.home, ["GET"]),
        ("/store/<name>/apps/<api_key>", pages.app_frame, ["GET"]),
        ("/store/<name>/apps/<api_key>/<path:subpath>", pages.app_frame, ["GET"]),
        ("/store/<name>/session-token", pages.session_token, ["POST"]),
        ("/store/<name>/uninstall", pages.uninstall, ["POST"]),
        ("/cdn/<filename>", pages.script, ["GET"]),
        ("/_sim/clock", control.clock, ["GET", "POST"]),
        ("/_sim/tokens/expire", control.expire_tokens, ["POST"]),
        ("/_sim/install", control.install, ["POST"]),
        ("/_sim/uninstall", control.uninstall, ["POST"]),
        ("/_sim/session-token", control.session_token, ["POST"]),
        ("/_sim/shops", control.shops, ["GET"]),
    ]
    for index, (rule, view, methods) in enumerate(rules):
        app.add_url_rule(rule, f"shopify_sim_admin_{index}", view, methods=methods)
