"""Helpers for the accounts tests: an independent RFC 6238 TOTP, and TOTP devices."""

from __future__ import annotations

import hashlib
import hmac
import struct
import time

from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.models import User


def totp(key: bytes, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP with HMAC-SHA1 (RFC 4226 §5.3 dynamic truncation), written from the RFC
    rather than taken from django-otp, so the tests check django-otp against the standard."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


def device_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the operator's app shows now (or ``steps_ahead`` periods later)."""
    return totp(device.bin_key, at=time.time() + steps_ahead * device.step)


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefono", confirmed=True)
