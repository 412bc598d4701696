"""Background work of the care plans (django-tasks, database backend): the e-mail reminders of
tasks that fall due.

Once a day (cron: ``manage.py send_task_reminders``, which enqueues this task; a worker runs
``manage.py db_worker``) every operator with open tasks due within two days or overdue gets one
e-mail through Django's mail backend. The e-mail names no person and no task: it says how many
there are and links to "Le mie attività" — what a mailbox outside the system may hold. Each task
is reminded at most once a day (``reminded_on``), so a second run on the same day sends nothing.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from integra.careplans.models import CareTask
from integra.careplans.services import tasks_to_remind


def send_reminders(today: date) -> int:
    """Send the day's reminders; returns how many e-mails were sent."""
    sent = 0
    with transaction.atomic():
        due = list(tasks_to_remind(today).select_for_update(of=("self",), skip_locked=True))
        for _assignee, group in groupby(due, key=lambda t: t.assignee_id):
            tasks = list(group)
            user = tasks[0].assignee.user
            if user.is_active and user.email:
                overdue = sum(1 for t in tasks if t.due_on < today)
                send_mail(
                    _("Integra: attività in scadenza"),
                    _reminder_text(len(tasks), overdue),
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
                )
                sent += 1
            CareTask.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_on=today)
    return sent


def _reminder_text(count: int, overdue: int) -> str:
    lines = [
        ngettext(
            "Hai %(n)d attività dei progetti individuali in scadenza o scaduta.",
            "Hai %(n)d attività dei progetti individuali in scadenza o scadute.",
            count,
        )
        % {"n": count}
    ]
    if overdue:
        lines.append(
            ngettext("%(n)d è già scaduta.", "%(n)d sono già scadute.", overdue) % {"n": overdue}
        )
    lines.append(
        _("Le trovi in Integra: %(url)s") % {"url": f"{settings.INTEGRA_BASE_URL}/progetti/attivita/"}
    )
    return "\n\n".join(lines)


@task()
def send_task_reminders(day: str = "") -> int:
    """The queued form of ``send_reminders`` (``day`` as ISO date; today by default)."""
    return send_reminders(date.fromisoformat(day) if day else timezone.localdate())
