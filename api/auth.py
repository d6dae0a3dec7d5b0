"""Token authentication: knox stores only a digest of each token and honours its expiry."""

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`, as DESIGN.md promises to integrators.

    Knox also scans every other token of the user on every request, to delete the
    expired ones: one more query per API call, for housekeeping only (an expired
    token is refused, and deleted, whenever it is presented). Here only the
    presented token is checked.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False
