"""The last-administrator rule holds under truly concurrent transactions."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tenants import services
from tenants.models import Membership
from tests.factories import make_tenant, make_user


def run_together(*calls):
    """Run each call in its own thread and database connection, released at one moment."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except ValidationError:
            outcomes[index] = "refused"
        except PermissionDenied:
            outcomes[index] = "denied"
        except Exception as exc:  # reported to the test, which fails on it
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    first = make_user("pertama@ciamis.test")
    tenant = make_tenant("ciamis", kind="kabupaten", region_code="32.07", admin=first)
    second = make_user("kedua@ciamis.test", tenant=tenant, role="admin")
    m_first = Membership.objects.get(user=first, tenant=tenant)
    m_second = Membership.objects.get(user=second, tenant=tenant)

    for _attempt in range(3):
        outcomes = run_together(
            lambda: services.membership_change_role(
                actor=first, membership=m_second, role="staff"
            ),
            lambda: services.membership_change_role(
                actor=second, membership=m_first, role="staff"
            ),
        )
        # The loser either finds it would remove the last admin, or that it was
        # itself demoted a moment ago and is no longer allowed to act.
        assert sorted(outcomes) in (["denied", "ok"], ["ok", "refused"]), outcomes
        assert Membership.objects.filter(tenant=tenant, role="admin").count() == 1
        # Restore both admins for the next round.
        Membership.objects.filter(tenant=tenant).update(role="admin")


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_at_once_leave_one_admin():
    first = make_user("satu@kuningan.test")
    tenant = make_tenant("kuningan", kind="kabupaten", region_code="32.08", admin=first)
    second = make_user("dua@kuningan.test", tenant=tenant, role="admin")
    outcomes = run_together(
        lambda: services.membership_remove(
            actor=first, membership=Membership.objects.get(user=second, tenant=tenant)
        ),
        lambda: services.membership_remove(
            actor=second, membership=Membership.objects.get(user=first, tenant=tenant)
        ),
    )
    assert sorted(outcomes) in (["denied", "ok"], ["ok", "refused"]), outcomes
    assert Membership.objects.filter(tenant=tenant, role="admin").count() == 1
