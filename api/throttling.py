from rest_framework.throttling import SimpleRateThrottle


class TokenClientThrottle(SimpleRateThrottle):
    """Limits programs using a token; people in a browser session are not throttled."""

    scope = "token"

    def get_cache_key(self, request, view):
        if request.auth is None or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
