"""Which language a page speaks: Vietnamese by default whatever the browser sends; English when the user
chose it with the switch, remembered on the server per user. The API keeps honouring Accept-Language.

The choice lives in UserPreference; at login it is copied into the session, so that reading it costs no
query per request. Anonymous visitors (the login page) keep theirs in the language cookie.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.cache import patch_vary_headers

from organizations.models import UserPreference

SESSION_KEY = "portal_language"
API_PREFIX = "/api/"
CODES = {code for code, _name in settings.LANGUAGES}


def _valid(code) -> str | None:
    return code if code in CODES else None


def page_language(request) -> str:
    """The user's saved choice, else the switch's cookie, else Vietnamese. Never Accept-Language."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is not None and user is not None and user.is_authenticated:
        chosen = _valid(session.get(SESSION_KEY))
        if chosen:
            return chosen
    return _valid(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE


def language_save(*, user, session, language: str) -> None:
    """Remember a user's choice on the server and in their session."""
    if not _valid(language):
        return
    if user is not None and user.is_authenticated:
        UserPreference.objects.update_or_create(user=user, defaults={"language": language})
        session[SESSION_KEY] = language


@receiver(user_logged_in, dispatch_uid="portal-language-at-login")
def _load_language_at_login(sender, request, user, **kwargs):
    # One query per login: later requests read the session only.
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language
        translation.activate(language)


class LanguageMiddleware:
    """Activates the page's language (after AuthenticationMiddleware, which it needs to read the user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith(API_PREFIX)
        language = translation.get_language_from_request(request) if api else page_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if api:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
