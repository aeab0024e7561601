"""Single sign-on with a token from an existing site (auth.type: site_token)."""

from .authenticator import SiteTokenAuthenticator
from .settings import configure

__all__ = ["SiteTokenAuthenticator", "configure"]
