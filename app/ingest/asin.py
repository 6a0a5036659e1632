"""Amazon listing references (an ASIN and a marketplace), read from what a merchant pastes.

URLs are only parsed for their ASIN and marketplace: they are never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from app.ingest.text_repair import clean_pasted

ASIN_PATTERN = re.compile(r"[A-Z0-9]{10}")

#: Amazon marketplace code (the Oxylabs ``domain`` value) -> the currency it sells in.
MARKETPLACES: dict[str, str] = {
    "com": "USD",
    "ca": "CAD",
    "com.mx": "MXN",
    "com.br": "BRL",
    "co.uk": "GBP",
    "de": "EUR",
    "fr": "EUR",
    "it": "EUR",
    "es": "EUR",
    "nl": "EUR",
    "com.be": "EUR",
    "se": "SEK",
    "pl": "PLN",
    "com.tr": "TRY",
    "ae": "AED",
    "sa": "SAR",
    "eg": "EGP",
    "in": "INR",
    "co.jp": "JPY",
    "sg": "SGD",
    "com.au": "AUD",
}

# Subdomains that serve the same catalogue as the bare marketplace host.
_HOST_PREFIXES = ("www.", "smile.", "m.")
_SHORT_LINK_HOSTS = frozenset({"amzn.to", "amzn.eu", "amzn.asia", "a.co", "amzn.com"})

# Path shapes of product pages (any case; a slug or "/-/de" language prefix before them and
# anything after the ASIN are ignored): /dp/, /dp/product/, /gp/product/, /gp/product/glance/,
# /gp/aw/d/ (mobile), /gp/offer-listing/, /gp/aw/ol/, /product-reviews/, /exec/obidos/ASIN/,
# /exec/obidos/tg/detail/-/, /o/ASIN/ and /o/.
_ASIN_END = r"([A-Za-z0-9]{10})(?=[/?#&;,.]|$)"
_PATH_PATTERNS = (
    re.compile(rf"/dp/(?:product/)?{_ASIN_END}", re.IGNORECASE),
    re.compile(rf"/gp/product/(?:glance/)?{_ASIN_END}", re.IGNORECASE),
    re.compile(rf"/gp/aw/(?:d|ol)/{_ASIN_END}", re.IGNORECASE),
    re.compile(rf"/gp/offer-listing/{_ASIN_END}", re.IGNORECASE),
    re.compile(rf"/product-reviews/{_ASIN_END}", re.IGNORECASE),
    re.compile(rf"/exec/obidos/(?:ASIN|tg/detail/-)/{_ASIN_END}", re.IGNORECASE),
    re.compile(rf"^/o/(?:ASIN/)?{_ASIN_END}", re.IGNORECASE),
)
# Redirects (sponsored results /sspa/click, /gp/slredirect/...) carry the product page,
# percent-encoded, in a query parameter such as url=%2F...%2Fdp%2FB073Z7FBWC%2F...
_MAX_DECODING = 3


class ListingError(ValueError):
    """A listing reference that cannot be used; the message is meant for the merchant."""


@dataclass(frozen=True)
class Listing:
    asin: str
    marketplace: str

    def __post_init__(self) -> None:
        if not isinstance(self.asin, str) or not ASIN_PATTERN.fullmatch(self.asin):
            raise ListingError(f"{self.asin!r} is not an ASIN (10 upper-case letters or digits)")
        if self.marketplace not in MARKETPLACES:
            raise ListingError(f"{self.marketplace!r} is not a supported Amazon marketplace")

    @property
    def currency(self) -> str:
        return MARKETPLACES[self.marketplace]

    @property
    def url(self) -> str:
        """The canonical product page, for display and links only."""
        return f"https://www.amazon.{self.marketplace}/dp/{self.asin}"


def normalize_asin(text: str) -> str:
    """Trim and upper-case an ASIN, or raise :class:`ListingError`."""
    if not isinstance(text, str):
        raise ListingError(f"{text!r} is not an ASIN")
    candidate = clean_pasted(text).upper()
    if not ASIN_PATTERN.fullmatch(candidate):
        raise ListingError(
            f"{text!r} is not an ASIN: an ASIN is 10 letters or digits, such as B0CYVN8CCQ"
        )
    return candidate


def normalize_marketplace(text: str) -> str:
    """Accept ``co.uk``, ``.co.uk``, ``amazon.co.uk`` or ``www.amazon.co.uk``; return ``co.uk``."""
    if not isinstance(text, str):
        raise ListingError(f"{text!r} is not an Amazon marketplace")
    code = _strip_host_prefix(clean_pasted(text).lower().rstrip("."))
    code = code.removeprefix("amazon.").lstrip(".")
    if code not in MARKETPLACES:
        known = ", ".join(sorted(MARKETPLACES))
        raise ListingError(f"{text!r} is not a supported Amazon marketplace (one of: {known})")
    return code


def marketplace_of_host(host: str | None) -> str | None:
    """The marketplace code of an Amazon host name, or None for any other host."""
    if not host:
        return None
    name = _strip_host_prefix(host.lower().rstrip("."))
    if not name.startswith("amazon."):
        return None
    code = name.removeprefix("amazon.")
    return code if code in MARKETPLACES else None


def marketplace_of_url(url: object) -> str | None:
    """The marketplace of an Amazon URL, or None when it is not one we recognise."""
    if not isinstance(url, str):
        return None
    try:
        return marketplace_of_host(urlsplit(url.strip()).hostname)
    except ValueError:
        return None


def parse_listing(text: str, marketplace: str | None = None) -> Listing:
    """Read an ASIN (with ``marketplace``) or an Amazon product URL into a :class:`Listing`.

    A URL decides its own marketplace; a ``marketplace`` given with a URL must agree with it.
    """
    if not isinstance(text, str) or not clean_pasted(text):
        raise ListingError("Paste an Amazon product URL or an ASIN")
    stripped = clean_pasted(text)
    if ASIN_PATTERN.fullmatch(stripped.upper()):
        if marketplace is None:
            raise ListingError(f"Say which Amazon marketplace ASIN {stripped} belongs to")
        return Listing(normalize_asin(stripped), normalize_marketplace(marketplace))
    listing = _parse_url(stripped)
    if marketplace is not None and normalize_marketplace(marketplace) != listing.marketplace:
        raise ListingError(
            f"The URL is on amazon.{listing.marketplace}, not amazon.{marketplace.strip()}"
        )
    return listing


def _strip_host_prefix(host: str) -> str:
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            return host.removeprefix(prefix)
    return host


def _split(text: str) -> SplitResult:
    candidate = text if "://" in text else f"https://{text}"
    try:
        parts = urlsplit(candidate)
        parts.port  # noqa: B018 - urlsplit only validates the port when asked for it
    except ValueError as error:
        raise ListingError(f"{text!r} is not a valid URL") from error
    if parts.scheme.lower() not in {"http", "https"}:
        raise ListingError(f"{text!r} is not a web address (http or https)")
    return parts


def _parse_url(text: str) -> Listing:
    if " " in text:
        raise ListingError(f"{text!r} is neither an ASIN nor an Amazon product URL")
    parts = _split(text)
    host = (parts.hostname or "").rstrip(".")
    if parts.username is not None or parts.password is not None or parts.port is not None:
        raise ListingError(f"{text!r} is not a plain Amazon product URL")
    if host in _SHORT_LINK_HOSTS:
        raise ListingError(
            f"{text!r} is a short link: open it in a browser and paste the full product URL"
        )
    marketplace = marketplace_of_host(host)
    if marketplace is None:
        raise ListingError(f"{host or text!r} is not an Amazon store we support")
    asin = _asin_in(parts, _MAX_DECODING)
    if asin is None:
        raise ListingError(f"No product (ASIN) found in {text!r}: use the product page URL")
    return Listing(asin, marketplace)


def _asin_in(parts: SplitResult, depth: int) -> str | None:
    """The ASIN of a product URL's path (percent-encoded or not), else of a product page
    carried in a redirect's query parameter (``/sspa/click?...&url=%2F...%2Fdp%2FASIN``)."""
    path = parts.path
    for _ in range(depth):
        for pattern in _PATH_PATTERNS:
            if found := pattern.search(path):
                return found.group(1).upper()
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    if depth <= 0:
        return None
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        carries_path = "/" in value or "%2f" in value.lower()
        if carries_path and (asin := _asin_in(_nested(value), depth - 1)) is not None:
            return asin
    return None


def _nested(value: str) -> SplitResult:
    """A URL or path carried in a query parameter (host ignored: the page's host decides)."""
    try:
        return urlsplit(value.strip())
    except ValueError:
        return urlsplit("")
