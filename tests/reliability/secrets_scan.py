"""The secrets scan: no credential in the database dump or in any line the app logged.

Looked for: Shopify access, refresh and user tokens as the simulator issues them
(`shpat_`/`shprt_`/`shpua_` + 32 hex), session tokens (HS256 JWTs), the app's client secret,
SECRET_KEY, the Fernet keys, and the Oxylabs password (plain and inside a Basic header).
Tokens are stored encrypted; none of these may appear in clear anywhere.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TOKEN_PATTERN = re.compile(r"shp(?:at|rt|ua)_[0-9a-f]{32}")
JWT_PATTERN = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}")
# Processes of the app; the simulators stand in for Shopify and Oxylabs and may log freely.
APP_LOGS = ("web.log", "worker.log", "scheduler.log")


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    what: str


def literal_secrets(env: Mapping[str, str]) -> dict[str, str]:
    secrets = {
        "SHOPIFY_API_SECRET": env["SHOPIFY_API_SECRET"],
        "SECRET_KEY": env["SECRET_KEY"],
        "OXYLABS_PASSWORD": env["OXYLABS_PASSWORD"],
        "Oxylabs Basic credentials": base64.b64encode(
            f"{env['OXYLABS_USERNAME']}:{env['OXYLABS_PASSWORD']}".encode()
        ).decode(),
    }
    for number, key in enumerate(env["TOKEN_ENCRYPTION_KEYS"].split(",")):
        secrets[f"TOKEN_ENCRYPTION_KEYS[{number}]"] = key
    return secrets


def scan_text(where: str, text: str, literals: Mapping[str, str]) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for name, value in literals.items():
            if value and value in line:
                findings.append(Finding(where, number, name))
        if TOKEN_PATTERN.search(line):
            findings.append(Finding(where, number, "a Shopify token in clear"))
        if JWT_PATTERN.search(line):
            findings.append(Finding(where, number, "a session token"))
    return findings


def scan(dump: str, folder: Path, env: Mapping[str, str]) -> tuple[int, list[Finding]]:
    """Scan the dump and the app's logs; return (lines scanned, findings)."""
    literals = literal_secrets(env)
    findings = scan_text("database dump", dump, literals)
    lines = dump.count("\n")
    for log in _app_logs(folder):
        text = log.read_text(errors="replace")
        lines += text.count("\n")
        findings += scan_text(log.name, text, literals)
    return lines, findings


def _app_logs(folder: Path) -> Iterable[Path]:
    return (folder / name for name in APP_LOGS if (folder / name).exists())
