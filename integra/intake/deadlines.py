"""The PUA's deadlines, from its own settings (``PuaPoint``) and the working-day calendar."""

from __future__ import annotations

from datetime import date

from integra.intake.calendar import add_calendar_days, add_working_days
from integra.intake.models import DayKind, PuaPoint, Urgency


def pre_assessment_days(pua: PuaPoint, urgency: str) -> int:
    """Working days allowed for the pre-assessment: shorter for priority and urgent requests."""
    if urgency == Urgency.URGENT:
        return pua.pre_assessment_days_urgent
    if urgency == Urgency.PRIORITY:
        return pua.pre_assessment_days_priority
    return pua.pre_assessment_days


def pre_assessment_due(pua: PuaPoint, *, received_on: date, urgency: str) -> date:
    return add_working_days(
        received_on,
        pre_assessment_days(pua, urgency),
        province=pua.holiday_province,
        closures=pua.closure_days,
    )


def uvm_due(pua: PuaPoint, *, sent_on: date) -> date:
    """The UVM must assess within ``uvm_days`` (calendar or working days, per PUA)."""
    if pua.uvm_day_kind == DayKind.WORKING:
        return add_working_days(
            sent_on, pua.uvm_days, province=pua.holiday_province, closures=pua.closure_days
        )
    return add_calendar_days(
        sent_on, pua.uvm_days, province=pua.holiday_province, closures=pua.closure_days
    )


def due_soon_limit(pua: PuaPoint, *, today: date) -> date:
    """Requests due on or before this day (and not before today) are "due soon"."""
    return add_working_days(
        today, pua.due_soon_days, province=pua.holiday_province, closures=pua.closure_days
    )
