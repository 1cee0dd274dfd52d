"""QR codes as SVG data URIs (segno), for addresses a phone or a kiosk camera should read."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    """An SVG QR code of `text` as a data: URI for an <img>; dark on white, 4-module border."""
    # Medium error correction: a screen photographed at an angle still scans.
    code = segno.make(text, error="m")
    return str(code.svg_data_uri(scale=5, border=4, dark="#000", light="#fff"))
