"""Invitations: accept (new and existing accounts), expired, reused, wrong user, withdrawn."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from tenants.models import Invitation, Membership, User
from tests.conftest import host_client, links_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def invite(client, email="pegawai@bandung.test", role="staff"):
    # E-mail leaves only when the transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/dashboard/members/invite/", {"email": email, "role": role}
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    message = mail.outbox[-1]
    assert message.to == [email.lower()]
    link = next(link for link in links_in(message) if "/invitations/" in link)
    assert link.startswith("http://bandung.localhost/invitations/")
    return urlsplit(link).path


@pytest.fixture
def admin_client(bandung, bandung_admin):
    return host_client("bandung.localhost", bandung_admin)


def test_new_person_accepts_and_creates_account(admin_client, bandung):
    path = invite(admin_client, "Pegawai@Bandung.test", role="auditor")
    visitor = host_client("bandung.localhost")
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Create your account for pegawai@bandung.test" in page.content.decode()

    response = visitor.post(
        path, {"full_name": "Asep", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user = User.objects.get(email="pegawai@bandung.test")
    assert Membership.objects.get(user=user, tenant=bandung).role == "auditor"
    assert user.emailaddress_set.get().verified
    assert visitor.get("/dashboard/").status_code == 200
    assert Invitation.objects.get(email="pegawai@bandung.test").status == "accepted"


def test_signup_form_errors_keep_input(admin_client):
    path = invite(admin_client)
    response = host_client("bandung.localhost").post(
        path, {"full_name": "Asep Sunandar", "password1": "pendek", "password2": "lain"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Asep Sunandar"' in html
    assert "The two passwords differ." in html
    assert not User.objects.filter(email="pegawai@bandung.test").exists()


def test_existing_account_signs_in_and_accepts(admin_client, bandung, tangerang):
    existing = make_user("sudah.ada@example.test", tenant=tangerang, role="staff")
    path = invite(admin_client, "sudah.ada@example.test")
    anonymous = host_client("bandung.localhost").get(path).content.decode()
    assert "Sign in to accept" in anonymous

    client = host_client("bandung.localhost", existing)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=existing, tenant=bandung).role == "staff"
    # Their other membership is untouched.
    assert Membership.objects.get(user=existing, tenant=tangerang).role == "staff"


def test_reused_link_is_refused(admin_client, bandung):
    path = invite(admin_client)
    visitor = host_client("bandung.localhost")
    visitor.post(
        path, {"full_name": "Asep", "password1": PASSWORD, "password2": PASSWORD}
    )
    again = host_client("bandung.localhost").get(path)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    again_post = host_client("bandung.localhost").post(
        path, {"full_name": "Penyusup", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert again_post.status_code == 410
    assert (
        Membership.objects.filter(
            tenant=bandung, user__email="pegawai@bandung.test"
        ).count()
        == 1
    )


def test_expired_link_is_refused(admin_client, bandung):
    path = invite(admin_client)
    Invitation.objects.filter(email="pegawai@bandung.test").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = host_client("bandung.localhost").post(
        path, {"full_name": "Asep", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="pegawai@bandung.test").exists()


def test_resend_renews_an_expired_invitation(admin_client):
    invite(admin_client)
    invitation = Invitation.objects.get(email="pegawai@bandung.test")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(f"/dashboard/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 2


def test_wrong_user_cannot_accept(admin_client, bandung):
    path = invite(admin_client, "yang.diundang@example.test")
    other = make_user("orang.lain@example.test")
    response = host_client("bandung.localhost", other).post(path)
    assert response.status_code == 403
    assert "yang.diundang@example.test" in response.content.decode()
    assert not Membership.objects.filter(user=other, tenant=bandung).exists()
    assert (
        Invitation.objects.get(email="yang.diundang@example.test").status == "pending"
    )


def test_withdrawn_invitation_is_refused(admin_client):
    path = invite(admin_client)
    invitation = Invitation.objects.get(email="pegawai@bandung.test")
    assert (
        admin_client.post(f"/dashboard/invitations/{invitation.pk}/revoke/").status_code
        == 302
    )
    response = host_client("bandung.localhost").get(path)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_link_for_one_tenant_is_useless_on_another(admin_client, tangerang):
    path = invite(admin_client)
    response = host_client("tangerang.localhost").get(path)
    assert response.status_code == 404
    assert not Membership.objects.filter(
        tenant=tangerang, user__email="pegawai@bandung.test"
    ).exists()


@pytest.mark.parametrize(
    "token", ["x", "a" * 5000, "eyJ0b2tlbiI6IjEifQ:abc:def", "%00%ff"]
)
def test_forged_tokens_get_a_clear_404(bandung, token):
    response = host_client("bandung.localhost").get(f"/invitations/{token}/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_path_tricks_get_the_not_found_page(bandung):
    response = host_client("bandung.localhost").get(
        "/invitations/..%2F..%2Fetc%2Fpasswd/"
    )
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_cannot_invite_a_member_or_twice(admin_client, bandung_admin):
    response = admin_client.post(
        "/dashboard/members/invite/", {"email": bandung_admin.email, "role": "staff"}
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    invite(admin_client)
    response = admin_client.post(
        "/dashboard/members/invite/", {"email": "PEGAWAI@bandung.test", "role": "staff"}
    )
    assert response.status_code == 200
    assert "already has a pending invitation" in response.content.decode()
    assert 'value="PEGAWAI@bandung.test"' in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"email": "bukan-email", "role": "staff"},
        {"email": "a@b.test", "role": "raja"},
        {"email": "x" * 400 + "@b.test", "role": "staff"},
    ],
)
def test_invalid_invitation_input_is_a_form_error(admin_client, data):
    response = admin_client.post("/dashboard/members/invite/", data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Invitation.objects.count() == 0


# --- the language of the invitation ---------------------------------------------------


@pytest.mark.parametrize(
    "language, sentence",
    [("en", "invited you to join"), ("id", "mengundang Anda bergabung")],
)
def test_an_address_without_an_account_is_invited_in_the_inviters_language(
    bandung, bandung_admin, language, sentence
):
    """We know nothing of the invited person's language yet: the e-mail reads
    in the language the administrator was using when they invited."""
    invite(host_client("bandung.localhost", bandung_admin, language=language))
    assert Invitation.objects.get(email="pegawai@bandung.test").language == language
    message = mail.outbox[-1]
    assert sentence in message.body
    assert message.extra_headers["Content-Language"] == language


def test_someone_with_an_account_is_invited_in_their_own_language(
    bandung, bandung_admin, tangerang
):
    make_user("sudah.ada@example.test", tenant=tangerang, language="id")
    invite(host_client("bandung.localhost", bandung_admin, language="en"))
    invite(
        host_client("bandung.localhost", bandung_admin, language="en"),
        "sudah.ada@example.test",
    )
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "invited you to join" in by_to["pegawai@bandung.test"].body
    assert "mengundang Anda" in by_to["sudah.ada@example.test"].body


def test_sending_again_keeps_the_language_of_the_invitation(bandung, bandung_admin):
    """Another administrator, or the same in another language, sends it again:
    nothing new is known of the invited person, so the language stays."""
    invite(host_client("bandung.localhost", bandung_admin, language="en"))
    invitation = Invitation.objects.get(email="pegawai@bandung.test")
    in_indonesian = host_client("bandung.localhost", bandung_admin, language="id")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = in_indonesian.post(f"/dashboard/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert "invited you to join" in mail.outbox[-1].body
    invitation.refresh_from_db()
    assert invitation.language == "en"
