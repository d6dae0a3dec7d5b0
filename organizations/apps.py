from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"

    def ready(self):
        from organizations import language  # noqa: F401 (connects the login hook that loads the saved language)
        from organizations.data_version import watch
        from organizations.models import OrgUnit

        watch(OrgUnit)
