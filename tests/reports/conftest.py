"""The Reports page's tests sign in like the web tests do: the same app, client and officer."""

from tests.web.conftest import app, client, officer  # noqa: F401  (fixtures, shared with tests/web)
