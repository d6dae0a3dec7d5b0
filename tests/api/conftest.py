"""API clients for each persona: a real knox token sent as `Authorization: Token <key>`."""

from datetime import timedelta

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

PERSONAS = ["clerk_can_loc", "clerk_stttt", "reviewer", "leader", "admin_user", "outsider", "district_reviewer"]


def token_client(user, *, language="vi") -> APIClient:
    _instance, token = AuthToken.objects.create(user=user, expiry=timedelta(days=1))
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.user = user
    return client


@pytest.fixture
def as_user(db):
    """as_user(user) → an APIClient authenticated by a fresh token of that user."""
    return token_client


@pytest.fixture
def anon(db):
    return APIClient(HTTP_ACCEPT_LANGUAGE="vi")


@pytest.fixture
def persona(request):
    """Indirect parametrisation by fixture name: `@pytest.mark.parametrize("persona", [...], indirect=True)`."""
    return request.getfixturevalue(request.param)
