import pytest


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    """Each test starts with no checkpoint: its own file, its own key."""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_KEY = "test-checkpoint-key-" + tmp_path.name
    return tmp_path / "checkpoints.jsonl"
