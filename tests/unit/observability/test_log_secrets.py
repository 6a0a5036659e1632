"""The scanner behind the suite's last item finds a secret however a log line spelled it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import quote

from app.observability.logging import ContextFilter, EcsFormatter, bound
from tests.log_secrets import SecretLog

TOKEN = "shpat_0123456789abcdef/+=&"


def ecs_line(message: str, *args: object) -> str:
    record = logging.LogRecord("app.shopify.tokens", logging.INFO, __file__, 1, message, args, None)
    ContextFilter().filter(record)
    return EcsFormatter().format(record)


def scan(tmp_path: Path, *lines: str) -> list[str]:
    log = SecretLog()
    try:
        log.remember("an access token", TOKEN)
        log.remember("too short to be anyone's secret", "x")
        extra = tmp_path / "process.log"
        extra.write_text("\n".join(lines) + "\n")
        log.files.append(extra)
        return [f"{leak.kind} @ {leak.logger}" for leak in log.leaks()]
    finally:
        log.close()


def test_a_token_in_a_message_is_found_with_its_logger(tmp_path: Path) -> None:
    assert scan(tmp_path, ecs_line("refreshed with %s", TOKEN)) == [
        "an access token @ process.log: app.shopify.tokens"
    ]


def test_json_escaped_and_url_quoted_copies_are_found(tmp_path: Path) -> None:
    with bound(event=f"called ?access_token={quote(TOKEN, safe='')}"):
        quoted = ecs_line("calling")
    escaped = json.dumps({"message": TOKEN + '"'})
    assert len(scan(tmp_path, quoted, escaped)) == 2


def test_clean_lines_and_short_values_pass(tmp_path: Path) -> None:
    assert scan(tmp_path, ecs_line("pushed price x to variant x")) == []
