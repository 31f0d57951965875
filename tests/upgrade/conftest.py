"""The new user's machine of tests/newuser (the release's plugin served as a GitHub release
would serve it, the emulator run from the built wheel), for the plugin upgrade tests."""

from tests.newuser.conftest import plugin_mirror, wheel_emulator  # noqa: F401
