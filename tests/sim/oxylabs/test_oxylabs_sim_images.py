"""The catalogue's product images: named on the simulator's own origin when told, and served
there as Amazon's CDN serves them (a JPEG of the asked size, cached a year, no credentials)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from simulators.oxylabs import ManualClock, SimulatorConfig, create_app
from simulators.oxylabs.images import image_size
from tests.sim.oxylabs.support import AUTH, START, payload

ORIGIN = "http://127.0.0.1:8701"


def _images(client: FlaskClient) -> Any:
    answer = client.post("/realtime/v1/queries", json=payload("B0CYVN8CCQ"), headers=AUTH)
    assert answer.status_code == 200
    return answer.get_json()["results"][0]["content"]["images"]


def test_images_are_amazons_unless_the_origin_is_given() -> None:
    amazon = create_app(SimulatorConfig(seed=1), ManualClock(START)).test_client()
    assert all(u.startswith("https://m.media-amazon.com/images/I/") for u in _images(amazon))
    own = create_app(SimulatorConfig(seed=1, image_origin=ORIGIN), ManualClock(START))
    images = _images(own.test_client())
    assert images
    assert all(u.startswith(f"{ORIGIN}/images/I/") for u in images)
    assert all(u.endswith("._AC_SL1500_.jpg") for u in images)


def test_each_image_named_is_served_as_a_jpeg_of_the_asked_size() -> None:
    client = create_app(
        SimulatorConfig(seed=1, image_origin=ORIGIN), ManualClock(START)
    ).test_client()
    images = _images(client)
    for url in images:
        answer = client.get(url.removeprefix(ORIGIN))  # no credentials, as the CDN needs none
        assert answer.status_code == 200
        assert answer.mimetype == "image/jpeg"
        assert answer.headers["Cache-Control"] == "max-age=31536000"
        picture = Image.open(io.BytesIO(answer.data))
        assert (picture.format, picture.size) == ("JPEG", (1500, 1500))
    thumb = client.get(images[0].removeprefix(ORIGIN).replace("_SL1500_", "_SS57_"))
    assert Image.open(io.BytesIO(thumb.data)).size == (57, 57)
    # The images are not Oxylabs requests: neither counted nor refused.
    assert client.get("/_sim/stats").get_json()["requests"] == 1


def test_the_same_url_gives_the_same_bytes_and_another_id_another_picture(
    sim_client: FlaskClient,
) -> None:
    first = sim_client.get("/images/I/71ABCDEFGHK._AC_SL500_.jpg").data
    assert sim_client.get("/images/I/71ABCDEFGHK._AC_SL500_.jpg").data == first
    assert sim_client.get("/images/I/81ZYXWVUTSR._AC_SL500_.jpg").data != first


@pytest.mark.parametrize("name", ["..%2Fapp.py", "x.jpg", "71ABCDEFGHK.png", "71ABCDEFGHK"])
def test_a_name_that_is_no_image_is_404(sim_client: FlaskClient, name: str) -> None:
    assert sim_client.get(f"/images/I/{name}").status_code == 404


@pytest.mark.parametrize(
    ("modifiers", "size"),
    [(None, 500), ("AC_SL1500", 1500), ("AC_SS57", 57), ("AC_SX300", 300), ("AC_UL320", 320),
     ("AC_SL9999", 2000), ("AC", 500)],
)  # fmt: skip
def test_modifiers_give_the_size(modifiers: str | None, size: int) -> None:
    assert image_size(modifiers) == size


def test_an_image_origin_that_is_not_an_origin_is_refused() -> None:
    for bad in ("m.media-amazon.com", "ftp://x", "http://host/images"):
        with pytest.raises(ValueError, match="image_origin"):
            SimulatorConfig(image_origin=bad)
