"""QR codes rendered on the server as inline SVG (no JavaScript, no external service)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, label: str) -> SafeString:
    """An accessible inline ``<svg>`` QR code of ``data``, described by ``label``."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg") :]  # drop any XML declaration: the SVG is inlined in HTML
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{escape(label)}" class="integra-qr" ',
        1,
    )
    # Built from our own data by the qrcode library; the label above is escaped.
    return mark_safe(svg)  # noqa: S308
