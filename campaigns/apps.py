from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"

    def ready(self):
        # indicators may not import campaigns (apps depend one way); it offers a hook instead.
        from campaigns.selectors import LogProvider
        from indicators import log_hints

        log_hints.register(LogProvider())
