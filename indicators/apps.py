from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"

    def ready(self):
        from django.db.backends.signals import connection_created

        from indicators.fold_sql import register_sqlite_functions
        from indicators.models import DataValue, Indicator, IndicatorGroup, Submission
        from organizations.data_version import watch

        watch(DataValue, Submission, Indicator, IndicatorGroup)
        connection_created.connect(register_sqlite_functions, dispatch_uid="reform_row_hash")
