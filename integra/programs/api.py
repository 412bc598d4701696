"""The programs API."""

from ninja import Router

router = Router(tags=["programs"])
