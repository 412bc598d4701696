"""manage.py seed_demo and demo_logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.models import Membership, User
from integra.core.permissions import Role
from integra.organizations.demo import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DemoSeedError,
    demo_seed,
    totp_key_for,
)
from integra.organizations.models import Organization, OrganizationKind, Service, ServiceArea, Unit
from tests.organizations.factories import build_demo_territory

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def snapshot() -> dict[str, object]:
    """Everything seed_demo writes, without ids, timestamps or password salts."""
    return {
        "organizations": [
            (
                o.code,
                o.name,
                o.kind,
                o.parent.code if o.parent else None,
                o.municipality.name if o.municipality else None,
                o.phone,
                sorted(m.istat_code for m in o.served_municipalities.all()),
            )
            for o in Organization.objects.order_by("code")
        ],
        "units": sorted((u.organization.code, u.name, u.phone) for u in Unit.objects.all()),
        "services": [
            (
                s.code,
                s.name,
                s.area,
                s.provider.code,
                s.unit.name if s.unit else None,
                s.address,
                s.municipality.istat_code if s.municipality else None,
                s.phone,
                s.opening_hours,
                sorted(m.istat_code for m in s.served_municipalities.all()),
            )
            for s in Service.objects.order_by("code")
        ],
        "operators": [
            (
                u.username,
                u.first_name,
                u.last_name,
                u.is_superuser,
                sorted(
                    (m.organization.code, tuple(m.roles), m.unit.name if m.unit else None)
                    for m in u.memberships.all()
                ),
            )
            for u in User.objects.order_by("username")
        ],
        "totp": sorted(TOTPDevice.objects.values_list("user__username", "key", "confirmed")),
    }


def seed_in_savepoint(seed: int) -> dict[str, object]:
    """Seed, take a snapshot, and roll back: the next call starts from the same empty DB."""
    taken: dict[str, object] = {}
    try:
        with transaction.atomic():
            demo_seed(seed=seed)
            taken.update(snapshot())
            raise _Rollback
    except _Rollback:
        pass
    assert not Organization.objects.exists()
    return taken


def test_same_seed_same_data_on_a_fresh_database() -> None:
    build_demo_territory()
    first = seed_in_savepoint(1)
    second = seed_in_savepoint(1)
    other = seed_in_savepoint(2)
    assert first == second
    assert first["operators"] != other["operators"] or first["totp"] != other["totp"]
    assert len(first["services"]) >= 30
    # Running twice in place converges to the same data (no duplicates).
    demo_seed(seed=1)
    demo_seed(seed=1)
    assert snapshot() == first


def test_every_role_every_kind_every_area() -> None:
    build_demo_territory()
    result = demo_seed(seed=7)
    assert result.operators == 12 and result.memberships == 13
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(DEMO_USERNAMES)
    roles = {r for roles in Membership.objects.values_list("roles", flat=True) for r in roles}
    assert roles == {str(r) for r in Role}
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert kinds == {str(k) for k in OrganizationKind} - {OrganizationKind.OTHER}
    areas = set(Service.objects.values_list("area", flat=True))
    assert areas == {str(a) for a in ServiceArea}


def test_demo_operators_as_specified() -> None:
    build_demo_territory()
    demo_seed(seed=1)

    def places(username: str) -> list[tuple[str, list[str]]]:
        return sorted(
            (m.organization.name, m.roles)
            for m in Membership.objects.filter(user__username=username).select_related(
                "organization"
            )
        )

    assert places("operatore.pua") == [
        ("ASST Melegnano e della Martesana", ["pua_operator"]),
        ("Comune di San Giuliano Milanese", ["pua_operator"]),
    ]
    assert places("case.manager") == [("Comune di Melegnano", ["case_manager"])]
    assert places("coordinatore.udp") == [
        ("Ufficio di Piano Ambito Sud Est Milano", ["planning_coordinator"])
    ]
    assert places("terzo.settore") == [("Cooperativa sociale Lambro Solidale", ["social_worker"])]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="admin.ente").is_superuser
    for username in DEMO_USERNAMES:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)

    hospital = Organization.objects.get(name="Presidio ospedaliero di Vizzolo Predabissi")
    assert hospital.parent.name == "ASST Melegnano e della Martesana"
    asst = Organization.objects.get(code="asst-melegnano-martesana")
    assert asst.health_authority.name == "ASST Melegnano e della Martesana"
    assert Unit.objects.filter(organization=asst, name__startswith="PUA Casa di Comunità").exists()


def test_admin_totp_devices_are_confirmed_and_derived_from_the_seed() -> None:
    build_demo_territory()
    demo_seed(seed=3)
    for username in ("admin", "admin.ente"):
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert device.key == totp_key_for(seed=3, username=username)
        assert len(bytes.fromhex(device.key)) == 20
        # The code an authenticator app would show right now is accepted.
        code = str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits))
        assert device.verify_token(code.zfill(device.digits))
    assert not TOTPDevice.objects.filter(user__username="medico").exists()


def test_missing_territory_fails_clearly_and_writes_nothing() -> None:
    with pytest.raises(DemoSeedError) as exc:
        demo_seed(seed=1)
    assert "manca l'ambito «Ambito Sud Est Milano»" in exc.value.problems
    assert "manca il Comune di Melegnano" in exc.value.problems
    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_territory_step_runs_first() -> None:
    calls: list[str] = []

    def ensure() -> None:
        calls.append("territory")
        build_demo_territory()

    demo_seed(seed=1, ensure_territory=ensure)
    assert calls == ["territory"]
    assert Service.objects.count() >= 30


def test_if_empty_is_a_no_op_when_demo_operators_exist() -> None:
    build_demo_territory()
    demo_seed(seed=1)
    before = snapshot()
    called: list[bool] = []
    result = demo_seed(seed=2, if_empty=True, ensure_territory=lambda: called.append(True))
    assert result.skipped
    assert called == []
    assert snapshot() == before


def test_demo_logins_without_demo_users() -> None:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert out.getvalue().strip() == (
        "Nessun operatore dimostrativo presente. Esegui: manage.py seed_demo --seed 1"
    )


def test_demo_logins_lists_users_password_and_totp() -> None:
    build_demo_territory()
    demo_seed(seed=1)
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "SOLO PER LA DEMO" in text
    assert f"Password (uguale per tutti): {DEMO_PASSWORD}" in text
    for username in DEMO_USERNAMES:
        assert username in text
    assert "Coordinatore Ufficio di Piano" in text
    device = TOTPDevice.objects.get(user__username="admin")
    import base64

    secret = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
    assert "admin: codice attuale " in text
    assert secret in text


def test_seed_demo_command_with_the_real_territory() -> None:
    """The whole chain as `make demo` runs it: load_territory (real ISTAT list and demo
    configuration, integra/core/data/), then the demo data, then --if-empty does nothing."""
    out = StringIO()
    call_command("seed_demo", "--seed", "1", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "Dati dimostrativi pronti (seme 1): 13 enti, 22 unità organizzative, 33 servizi" in text
    assert "12 operatori con 13 appartenenze" in text
    udp = Organization.objects.get(code="udp-sud-est-milano")
    # The seven Comuni of the Ambito Sud Est Milano (integra/core/data/demo_territory.json).
    assert sorted(m.name for m in udp.served_municipalities.all()) == [
        "Carpiano",
        "Cerro al Lambro",
        "Melegnano",
        "San Donato Milanese",
        "San Giuliano Milanese",
        "San Zenone al Lambro",
        "Vizzolo Predabissi",
    ]
    # The ASST's five Distretti cover the 53 Comuni of the demo territory.
    assert (
        Organization.objects.get(code="asst-melegnano-martesana").served_municipalities.count()
        == 53
    )
    assert Organization.objects.get(code="comune-melegnano").municipality.istat_code == "015140"
    before = snapshot()

    out = StringIO()
    call_command("seed_demo", "--seed", "1", "--if-empty", stdout=out)
    assert "nessuna operazione (--if-empty)" in out.getvalue()
    assert snapshot() == before


def test_seed_demo_command_reports_missing_territory(monkeypatch) -> None:
    from integra.organizations.management.commands import seed_demo

    monkeypatch.setattr(seed_demo.Command, "_ensure_territory", lambda self: None)
    with pytest.raises(CommandError) as exc:
        call_command("seed_demo", "--seed", "1", stdout=StringIO())
    message = str(exc.value)
    assert "il territorio dimostrativo è incompleto" in message
    assert "manage.py load_territory" in message
