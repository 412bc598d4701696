"""The merge API (/api/v1/merges)."""

from ninja import Router

router = Router(tags=["anagrafe"])
