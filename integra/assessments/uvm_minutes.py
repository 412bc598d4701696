"""The minutes (verbale) of a UVM session as an accessible, text-based PDF in Italian."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from integra.assessments.uvm import SessionView


def minutes_context(view: SessionView) -> dict[str, object]:
    return {
        "view": view,
        "session": view.session,
        "person": view.person,
        "needs": view.needs,
        "generated_at": timezone.localtime(),
    }


def minutes_html(view: SessionView) -> str:
    with translation.override("it"):
        return render_to_string("assessments/uvm_minutes.html", minutes_context(view))


def minutes_pdf(view: SessionView) -> bytes:
    from weasyprint import HTML  # imported here: loading it costs ~0.3 s

    html = minutes_html(view)
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1") or b"")
