"""The persons an auditor's filter and rows name, as the people app allows the auditor to see
them.

The audit app sits below the people app, which registers here (``person_directory_register``)
how a text typed by the auditor becomes person ids and how a person is labelled for an actor —
both through the people gate. Without it (the audit app alone) a person is only its number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from integra.core.access import Actor

# At most this many persons are named by one filter: a text that matches more is too vague.
PERSON_FILTER_CAP = 50


@dataclass(frozen=True)
class PersonDirectory:
    """``matching(actor, text)``: the ids of the persons ``text`` names (a number, a code, a
    name), among those the actor may identify; ``labels(actor, ids)``: how each is shown."""

    matching: Callable[[Actor, str], list[int]]
    labels: Callable[[Actor, Iterable[int]], dict[int, str]]


def _number(text: str) -> int | None:
    digits = text.strip().removeprefix("n.").strip()
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


def _numbers_only(actor: Actor, text: str) -> list[int]:
    number = _number(text)
    return [number] if number is not None else []


def _number_labels(actor: Actor, ids: Iterable[int]) -> dict[int, str]:
    return {pk: _("Persona n. %(id)s") % {"id": pk} for pk in ids}


_directory = PersonDirectory(matching=_numbers_only, labels=_number_labels)


def person_directory_register(directory: PersonDirectory) -> None:
    global _directory
    _directory = directory


def person_ids_matching(actor: Actor, text: str) -> list[int]:
    """The persons a filter text names (a number is taken as it is: the log is scoped)."""
    number = _number(text)
    if number is not None:
        return [number]
    return _directory.matching(actor, text)[:PERSON_FILTER_CAP]


def person_labels(actor: Actor, ids: Iterable[int]) -> dict[int, str]:
    wanted = {pk for pk in ids if pk is not None}
    return _directory.labels(actor, wanted) if wanted else {}
