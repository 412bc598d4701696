"""The domain routers mounted under /api/v1/ (prefix, router)."""

from __future__ import annotations

from ninja import Router

ROUTERS: list[tuple[str, Router]] = []
