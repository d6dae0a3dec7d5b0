from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"

    def ready(self):
        from indicators.models import DataValue, Indicator, IndicatorGroup, Submission
        from organizations.data_version import watch

        watch(DataValue, Submission, Indicator, IndicatorGroup)
