"""The project's settings, plus a hosted app that exists only in tests
(tests/hostedapp_fixture): proof that a hosted app plugs in without a kernel change."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, TENANT_APPS

TEST_HOSTED_APP = "tests.hostedapp_fixture.apps.BukuTamuConfig"
TENANT_APPS = [*TENANT_APPS, TEST_HOSTED_APP]
INSTALLED_APPS = [*INSTALLED_APPS, TEST_HOSTED_APP]
