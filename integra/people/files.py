"""Serving a private file (a document scan, a signed consent form) after the access policy."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def private_file_response(file: FieldFile, name: str, content_type: str) -> FileResponse:
    """The file as an attachment, never cached, never sniffed as another type."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=name or "documento",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
