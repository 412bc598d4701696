"""Italian writes month names in lower case ("9 dicembre 2026"); Django's Italian catalogue
capitalises them, so integra/locale/it holds the twelve names, and LOCALE_PATHS is read before
Django's own catalogue (Django docs, "How Django discovers translations")."""

from __future__ import annotations

from datetime import date

from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format


def test_month_names_are_lower_case_in_italian() -> None:
    with translation.override("it"):
        assert date_format(date(2026, 12, 9), "j F Y") == "9 dicembre 2026"
        assert date_format(date(2026, 1, 31), "j F Y") == "31 gennaio 2026"
        # "E" is the month name for long dates in some languages (context "alt. month").
        assert date_format(date(2026, 5, 1), "E") == "maggio"
        # The locale's own DATE_FORMAT ("d F Y") too.
        assert date_format(date(2026, 3, 2)) == "02 marzo 2026"


def test_the_date_filter_in_templates_uses_them() -> None:
    template = Template('{{ day|date:"j F Y" }}')
    with translation.override("it"):
        assert template.render(Context({"day": date(2026, 8, 15)})) == "15 agosto 2026"


def test_english_is_untouched() -> None:
    with translation.override("en"):
        assert date_format(date(2026, 12, 9), "j F Y") == "9 December 2026"
