from django.apps import AppConfig


class PolicyAppConfig(AppConfig):
    name = "tests.policy_app"
    label = "policy_app"

    def ready(self) -> None:
        from tests.policy_app import access  # noqa: F401
