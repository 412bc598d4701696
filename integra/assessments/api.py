"""The assessments API."""

from ninja import Router

router = Router(tags=["assessments"])
