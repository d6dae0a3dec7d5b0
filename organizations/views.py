"""The language switch: Django's set_language (cookie, safe `next`), plus the user's saved choice."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from organizations.language import language_save


@require_POST
def language_switch(request):
    response = set_language(request)
    language_save(user=request.user, session=request.session, language=request.POST.get("language", ""))
    return response
