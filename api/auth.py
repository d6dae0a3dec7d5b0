"""Token authentication: knox stores only a digest of each token and honours its expiry."""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`, as DESIGN.md promises to integrators."""
