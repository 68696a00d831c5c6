"""The project's settings, plus a hosted app that exists only in tests
(tests/hostedapp_fixture): proof that a hosted app plugs in without a kernel change."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, TENANT_APPS

TEST_HOSTED_APP = "tests.hostedapp_fixture.apps.BukuTamuConfig"
TENANT_APPS = [*TENANT_APPS, TEST_HOSTED_APP]
INSTALLED_APPS = [*INSTALLED_APPS, TEST_HOSTED_APP]

# Under pytest-xdist (make test runs one worker per CPU) each worker has its
# own test database (pytest-django adds the worker's name) and its own uploads
# folder, so that one worker's clean-up of orphaned files never meets another's.
import os  # noqa: E402

MEDIA_ROOT = DATA_DIR / "test-media" / os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
