"""E-mail reminders of tasks, with frozen time: one e-mail per operator per day, for tasks due
within two days or overdue, naming no person; run through the django-tasks database backend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from integra.careplans import services
from integra.careplans.models import CareTask
from integra.careplans.tasks import send_reminders
from integra.core.permissions import Role

DAY = date(2027, 3, 10)


@pytest.fixture
def nurse(plan, manager_b, make_actor, org_b):
    nurse = make_actor(org_b, Role.NURSE)
    nurse.user.email = "infermiera@asst.example.it"
    nurse.user.save()
    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": nurse.membership.pk, "profession": "infermiere"},
        expected_version=plan.row_version,
    )
    return nurse


def _task(manager, plan, nurse, due):
    task = services.task_create(
        actor=manager,
        plan_id=plan.pk,
        data={"assignee_id": nurse.membership.pk, "title": "Visita a Verdi", "due_on": DAY},
    )
    CareTask.objects.filter(pk=task.pk).update(due_on=due)
    return task


def test_reminders_are_sent_once_a_day_for_due_and_overdue_tasks(plan, manager_b, nurse):
    _task(manager_b, plan, nurse, DAY - timedelta(days=1))  # overdue
    _task(manager_b, plan, nurse, DAY + timedelta(days=2))  # due within two days
    far = _task(manager_b, plan, nurse, DAY + timedelta(days=3))  # not yet
    assert send_reminders(DAY) == 1
    assert send_reminders(DAY) == 0  # already reminded today
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["infermiera@asst.example.it"]
    assert "Hai 2 attività" in message.body and "1 è già scaduta" in message.body
    assert "Verdi" not in message.body + message.subject  # no person, no task title
    far.refresh_from_db()
    assert far.reminded_on is None
    assert send_reminders(DAY + timedelta(days=1)) == 1  # the next day again (and the third one)
    assert "Hai 3 attività" in mail.outbox[1].body


def test_done_tasks_and_closed_plans_are_not_reminded(plan, manager_b, nurse):
    task = _task(manager_b, plan, nurse, DAY)
    services.task_close(actor=nurse, task_id=task.pk, done=True)
    assert send_reminders(DAY) == 0 and mail.outbox == []


def test_the_command_queues_the_task_and_the_worker_sends_it(plan, manager_b, nurse, monkeypatch):
    _task(manager_b, plan, nurse, DAY)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: DAY)  # the day, frozen
    from django_tasks_db.models import DBTaskResult

    call_command("send_task_reminders")
    assert mail.outbox == []  # queued, not sent
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "integra.careplans.tasks.send_task_reminders"
    # what the worker (manage.py db_worker) runs: the task the row points to
    assert queued.task.func(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"]) == 1
    assert len(mail.outbox) == 1
