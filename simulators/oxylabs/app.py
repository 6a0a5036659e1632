"""Flask app of the Oxylabs simulator: realtime, push-pull, batch, plus `/_sim` controls.

One process serves both hosts: point OXYLABS_REALTIME_URL at `<root>/realtime/v1/queries` and
OXYLABS_DATA_URL at `<root>`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request

from simulators.oxylabs.catalogue import USD_RATE, currency_for
from simulators.oxylabs.config import (
    ANSWER_FAULTS,
    Clock,
    ManualClock,
    SimulatorConfig,
    SystemClock,
)
from simulators.oxylabs.images import IMAGE_NAME, ONE_YEAR_SECONDS, image_size, product_jpeg
from simulators.oxylabs.jobs import QuerySpec, job_json, result_item, results_envelope
from simulators.oxylabs.state import SimulatorState

MAX_BATCH = 5000
_FAULT_MESSAGES = {
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    524: "Timeout",
    612: "Undefined internal error",
    613: "Faulted after too many retries",
}
_STATE_KEY = "oxylabs_simulator"
#: Where Amazon's image CDN keeps product images (m.media-amazon.com/images/I/...).
IMAGES_PATH = "/images/I/"


class BadQuery(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def create_app(config: SimulatorConfig | None = None, clock: Clock | None = None) -> Flask:
    app = Flask(__name__)
    state = SimulatorState(config or SimulatorConfig(), clock or SystemClock())
    app.extensions[_STATE_KEY] = state
    app.before_request(_gate)
    app.after_request(_count)
    app.add_url_rule("/realtime/v1/queries", view_func=_realtime, methods=["POST"])
    app.add_url_rule("/v1/queries", view_func=_submit_one, methods=["POST"])
    app.add_url_rule("/v1/queries/batch", view_func=_submit_batch, methods=["POST"])
    app.add_url_rule("/v1/queries/<identifier>", view_func=_job_info, methods=["GET"])
    app.add_url_rule("/v1/queries/<identifier>/results", view_func=_results, methods=["GET"])
    app.add_url_rule(IMAGES_PATH + "<name>", view_func=_image, methods=["GET", "HEAD"])
    app.add_url_rule("/_sim/stats", view_func=_stats, methods=["GET"])
    app.add_url_rule("/_sim/config", view_func=_config, methods=["POST"])
    app.add_url_rule("/_sim/clock", view_func=_clock, methods=["POST"])
    app.register_error_handler(BadQuery, _bad_query)
    return app


def simulator_state(app: Flask) -> SimulatorState:
    state = app.extensions[_STATE_KEY]
    assert isinstance(state, SimulatorState)
    return state


def _state() -> SimulatorState:
    state = current_app.extensions[_STATE_KEY]
    assert isinstance(state, SimulatorState)
    return state


def _is_api() -> bool:
    """Oxylabs' API (authenticated, counted, faulted), not the controls or Amazon's images."""
    return not request.path.startswith(("/_sim/", IMAGES_PATH))


def _gate() -> Response | None:
    if not _is_api():
        return None
    state = _state()
    state.record_request()
    problem = _auth_problem(state.config)
    if problem:
        return _message(401, problem)
    fault = state.next_request_fault()
    if fault in ANSWER_FAULTS:
        g.answer_fault = fault  # the request is served (and billed); its answer is lost
        return None
    if fault:
        status = int(fault)
        response = _message(status, _FAULT_MESSAGES[status])
        if status == 429:
            _rate_headers(response, state, remaining=0)
            if state.config.retry_after_seconds is not None:
                response.headers["Retry-After"] = f"{state.config.retry_after_seconds:g}"
        return response
    return None


def _count(response: Response) -> Response:
    if not _is_api():
        return response
    state = _state()
    state.record_status(response.status_code)
    fault = g.pop("answer_fault", None)
    if fault == "malformed":
        # Cut short on the way, as a dropped proxy connection leaves it: not JSON any more.
        body = response.get_data()
        response.set_data(body[: max(1, len(body) // 2)])
    elif fault == "timeout":
        time.sleep(state.config.stall_seconds)
    return response


def _auth_problem(config: SimulatorConfig) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return "Authorization header not provided"
    scheme, _, encoded = header.partition(" ")
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "Invalid authorization header"
    if scheme.lower() != "basic" or not sep:
        return "Invalid authorization header"
    good_user = hmac.compare_digest(user.encode(), config.username.encode())
    good_password = hmac.compare_digest(password.encode(), config.password.encode())
    return None if good_user and good_password else "Client not found"


def _message(status: int, message: str) -> Response:
    response = jsonify(message=message)
    response.status_code = status
    return response


def _bad_query(error: BadQuery) -> Response:
    return _message(error.status, str(error))


def _rate_headers(response: Response, state: SimulatorState, remaining: int) -> None:
    response.headers["x-ratelimit-jobs-limit"] = str(state.config.rate_limit_per_second)
    response.headers["x-ratelimit-jobs-remaining"] = str(remaining)


def _parse_query(batch: bool) -> tuple[list[str], QuerySpec]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadQuery(422, "Unprocessable entity: the payload must be a JSON object")
    query = body.get("query")
    asins = query if batch else [query]
    if not isinstance(asins, list) or not asins or not all(isinstance(q, str) for q in asins):
        raise BadQuery(400, "query must be " + ("a list of strings" if batch else "a string"))
    if len(asins) > MAX_BATCH:
        raise BadQuery(400, f"A batch takes at most {MAX_BATCH} queries, got {len(asins)}")
    return asins, _spec(body)


def _spec(body: dict[str, Any]) -> QuerySpec:
    if body.get("source") != "amazon_product":
        raise BadQuery(400, f"Unsupported source: {body.get('source')!r}")
    if body.get("parse") is not True:
        raise BadQuery(400, "The simulator serves parsed results only: send parse=true")
    domain = body.get("domain", "com")
    context = body.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, dict) for c in context):
        raise BadQuery(400, "context must be a list of {key, value} objects")
    options = {item.get("key"): item.get("value") for item in context}
    currency = options.get("currency")
    try:
        currency_for(str(domain))
    except ValueError as error:
        raise BadQuery(400, str(error)) from None
    if currency is not None and currency not in USD_RATE:
        raise BadQuery(400, f"Unsupported currency: {currency!r}")
    geo = body.get("geo_location")
    return QuerySpec(
        source="amazon_product",
        domain=str(domain),
        geo_location=str(geo) if geo is not None else None,
        parse=True,
        autoselect_variant=options.get("autoselect_variant") is True,
        currency=currency,
    )


def _realtime() -> Response:
    state = _state()
    asins, spec = _parse_query(batch=False)
    if state.config.realtime_latency_seconds:
        time.sleep(state.config.realtime_latency_seconds)
    (job,) = state.create_jobs(asins, spec, store=False)
    if job.faulted:
        return _message(613, _FAULT_MESSAGES[613])
    body = {
        "results": [result_item(job, state.catalogue)],
        "job": job_json(job, job.status(job.done_at), request.host_url),
    }
    return jsonify(body)


def _submit_one() -> Response:
    return _submit(batch=False)


def _submit_batch() -> Response:
    return _submit(batch=True)


def _submit(batch: bool) -> Response:
    state = _state()
    asins, spec = _parse_query(batch)
    jobs = state.create_jobs(asins, spec, store=True)
    _push_pull_latency(state)
    now = state.clock.now()
    objects = [job_json(job, "pending", request.host_url) for job in jobs]
    response = jsonify({"queries": objects} if batch else objects[0])
    _rate_headers(response, state, state.rate_limit_remaining(now, len(jobs)))
    return response


def _push_pull_latency(state: SimulatorState) -> None:
    if state.config.push_pull_latency_seconds:
        time.sleep(state.config.push_pull_latency_seconds)


def _job_info(identifier: str) -> Response:
    state = _state()
    _push_pull_latency(state)
    job = state.job(identifier)
    if job is None:
        return _message(404, "The job ID you are looking for is no longer available.")
    return jsonify(job_json(job, job.status(state.clock.now()), request.host_url))


def _results(identifier: str) -> Response:
    state = _state()
    _push_pull_latency(state)
    job = state.job(identifier)
    if job is None:
        return _message(404, "The job ID you are looking for is no longer available.")
    now = state.clock.now()
    if job.status(now) == "pending":
        return Response(status=204)
    return jsonify(results_envelope(job, state.catalogue, request.host_url, now))


def _image(name: str) -> Response:
    """A catalogue image as Amazon's CDN serves it: a JPEG cached for a year; 404 for a name
    that is not an image's."""
    found = IMAGE_NAME.match(name)
    if found is None:
        return Response("Not Found", status=404, mimetype="text/plain")
    body = product_jpeg(found["id"], image_size(found["modifiers"]))
    response = Response(body, mimetype="image/jpeg")
    response.headers["Cache-Control"] = f"max-age={ONE_YEAR_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _stats() -> Response:
    return jsonify(_state().stats())


def _config() -> Response:
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        return _message(400, "POST a JSON object of settings to change")
    try:
        config = _state().update(changes)
    except (TypeError, ValueError) as error:
        return _message(400, str(error))
    body = {name: getattr(config, name) for name in config.__dataclass_fields__}
    body["dead_asins"] = sorted(config.dead_asins)
    body["fault_rates"] = dict(config.fault_rates)
    return jsonify(body)


def _clock() -> Response:
    clock = _state().clock
    if not isinstance(clock, ManualClock):
        return _message(409, "The simulator runs on the system clock; start it with a ManualClock")
    body = request.get_json(silent=True) or {}
    try:
        if "now" in body:
            clock.set(datetime.fromisoformat(body["now"]))
        clock.advance(float(body.get("advance_seconds", 0)))
    except (TypeError, ValueError) as error:
        return _message(400, str(error))
    return jsonify(now=clock.now().isoformat())
