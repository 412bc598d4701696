"""The test helper itself, against the published test vector."""

from tests.accounts.helpers import totp


def test_totp_helper_matches_rfc_6238_appendix_b() -> None:
    # RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", T = 59 s → 94287082 (8 digits).
    seed = b"12345678901234567890"
    assert totp(seed, at=59, digits=8) == "94287082"
    # T = 1111111109 → 07081804 (same table).
    assert totp(seed, at=1111111109, digits=8) == "07081804"
    # Six digits are the last six of the same truncated value (RFC 4226 §5.3).
    assert totp(seed, at=59) == "287082"
