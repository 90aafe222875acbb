"""A favicon drawn for the project (SVG, with a 32 px PNG for browsers without SVG icons), linked
from every page (issue 20 item 12)."""
from __future__ import annotations

import io
import re

from PIL import Image


def test_every_page_links_the_icons_and_they_are_served(client):
    page = client.get("/login").get_data(as_text=True)
    links = dict(re.findall(r'<link rel="icon" href="([^"]+)" type="([^"]+)"', page))
    assert set(links.values()) == {"image/svg+xml", "image/png"}, links
    for href, mimetype in links.items():
        response = client.get(href)
        assert response.status_code == 200 and response.mimetype == mimetype, href
        if mimetype == "image/png":
            assert Image.open(io.BytesIO(response.data)).size == (32, 32)
        else:
            assert response.get_data(as_text=True).lstrip().startswith("<svg")
