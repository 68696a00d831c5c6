"""The catalog keeps itself up to date from the apps' repositories (#14).

Repositories are local git repositories made here with the `git` command and
linked by file:// address (FETCH_ALLOW_FILE_URLS is on for the tests only).
"""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from catalog import harvest
from catalog.models import (
    CatalogApp,
    CatalogAppVersion,
    HarvestedImage,
    HarvestRun,
    Release,
    RepositoryLink,
)
from catalog.publiccode import import_publiccode
from core.jobs import jobs_run_pending
from tests.catalog.conftest import verify
from tests.conftest import BANDUNG_HOST, host_client
from tests.factories import make_user

REPOSITORY = "https://code.example.test/bandung/laporan-warga"

PUBLICCODE = """\
publiccodeYmlVersion: "0.4"
name: {name}
url: "{url}"
softwareVersion: "{version}"
releaseDate: "{released}"
logo: img/logo.png
platforms:
  - web
categories:
  - communications
developmentStatus: stable
softwareType: "standalone/web"
description:
  id:
    shortDescription: Laporan warga yang ditindaklanjuti terbuka.
    longDescription: >
      Aplikasi untuk menerima laporan warga, meneruskannya ke perangkat daerah
      yang berwenang, dan menampilkan tindak lanjutnya secara terbuka kepada
      publik sampai laporan selesai ditangani.
    features:
      - Laporan dari ponsel
  en:
    shortDescription: Citizens' reports followed up in the open.
    longDescription: >
      {english}
    features:
{features}
    screenshots:
      - img/screen.png
      - https://127.0.0.1:9/remote-shot.png
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: internal
  contacts:
    - name: Dinas Komunikasi dan Informatika
localisation:
  localisationReady: true
  availableLanguages:
    - id
    - en
"""

ENGLISH_1 = (
    "An application that receives citizens' reports, passes them to the "
    "responsible office and shows their follow-up to the public until each "
    "report is resolved."
)
ENGLISH_2 = (
    "An application that receives citizens' reports by phone or web, passes "
    "them to the responsible office and shows every follow-up to the public "
    "until each report is resolved."
)


def publiccode(
    *,
    name="Laporan Warga",
    version="1.0.0",
    released="2026-01-10",
    english=ENGLISH_1,
    features=("Reports from a phone",),
    url=REPOSITORY,
) -> str:
    return PUBLICCODE.format(
        name=name,
        version=version,
        released=released,
        english=english,
        url=url,
        features="\n".join(f"      - {item}" for item in features) or "      []",
    )


def png(color="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


class Repository:
    """A local git repository with a default branch `main`."""

    def __init__(self, path):
        self.path = path
        self.git("init", "-q", "-b", "main")

    def git(self, *args):
        subprocess.run(
            ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.test", *args],
            cwd=self.path,
            check=True,
            capture_output=True,
        )

    def commit(self, files: dict, message="change"):
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(
                content.encode() if isinstance(content, str) else content
            )
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    @property
    def url(self) -> str:
        return f"file://{self.path}"


@pytest.fixture
def repo_path(tmp_path):
    path = tmp_path / "laporan"
    path.mkdir()
    return path


@pytest.fixture
def repository(repo_path):
    repository = Repository(repo_path)
    repository.commit(
        {
            "publiccode.yml": publiccode(),
            "img/logo.png": png("red"),
            "img/screen.png": png("blue"),
        },
        "first",
    )
    return repository


@pytest.fixture
def entry(bandung, repository):
    verify(bandung)
    return import_publiccode(
        actor=None, publisher=bandung, data=publiccode().encode()
    ).app


@pytest.fixture
def admin(bandung):
    return make_user("admin-harvest@bandung.test", tenant=bandung, role="admin")


def linked(entry, admin, repository) -> RepositoryLink:
    harvest.repository_link_set(actor=admin, app=entry, repository_url=repository.url)
    link = harvest.repository_link_approve(actor=admin, app=entry)
    assert jobs_run_pending() == 1
    link.refresh_from_db()
    return link


def test_nothing_is_fetched_until_an_admin_of_the_publisher_approves(
    entry, admin, repository, tangerang
):
    link = harvest.repository_link_set(
        actor=admin, app=entry, repository_url=repository.url
    )
    assert not link.is_approved
    assert harvest.harvest_due() == 0
    assert jobs_run_pending() == 0
    assert not HarvestRun.objects.exists()
    outsider = make_user("admin@tangerang.test", tenant=tangerang, role="admin")
    with pytest.raises(PermissionDenied):
        harvest.repository_link_approve(actor=outsider, app=entry)
    staff = make_user("staf-harvest@bandung.test", tenant=entry.publisher, role="staff")
    with pytest.raises(PermissionDenied):
        harvest.repository_link_approve(actor=staff, app=entry)
    with pytest.raises(PermissionDenied):
        harvest.repository_check_request(actor=staff, app=entry)
    with pytest.raises(ValidationError):
        harvest.repository_check_request(actor=admin, app=entry)

    harvest.repository_link_approve(actor=admin, app=entry)
    assert jobs_run_pending() == 1
    link.refresh_from_db()
    assert link.approved_by == admin
    assert link.last_run.outcome == HarvestRun.Outcome.UNCHANGED

    # A changed address needs approval again.
    harvest.repository_link_set(
        actor=admin, app=entry, repository_url=repository.url + "/../laporan"
    )
    link.refresh_from_db()
    assert not link.is_approved
    assert harvest.harvest_due() == 0


def test_only_https_addresses_may_be_linked(entry, admin, settings):
    settings.FETCH_ALLOW_FILE_URLS = False
    settings.FETCH_ALLOW_HTTP = False
    for address in (
        "http://github.com/bandung/laporan",
        "file:///etc",
        "ftp://example.test/x",
        "javascript:alert(1)",
        "https://github.com",
        "",
    ):
        with pytest.raises(ValidationError) as refused:
            harvest.repository_link_set(actor=admin, app=entry, repository_url=address)
        assert "repository_url" in refused.value.message_dict
    assert not RepositoryLink.objects.exists()


def test_first_check_fetches_logo_and_screenshots_and_lists_the_unreachable(
    entry, admin, repository, client
):
    link = linked(entry, admin, repository)
    run = link.last_run
    assert run.outcome == HarvestRun.Outcome.UNCHANGED
    assert not CatalogAppVersion.objects.filter(app=entry).exists()
    images = {(row.kind, row.source) for row in entry.harvested_images.all()}
    assert images == {("logo", "img/logo.png"), ("screenshot", "img/screen.png")}
    logo = HarvestedImage.objects.get(app=entry, kind="logo")
    with logo.image.open("rb") as handle:
        assert Image.open(handle).getpixel((0, 0)) == (255, 0, 0)
    # The remote screenshot points to a loopback address: refused, kept as a link.
    assert [p["source"] for p in run.media_problems] == [
        "https://127.0.0.1:9/remote-shot.png"
    ]

    page = client.get(f"/catalog/{entry.slug}/", HTTP_HOST="localhost")
    html = page.content.decode()
    assert f"/catalog/{entry.slug}/images/{logo.pk}/" in html
    assert 'href="https://127.0.0.1:9/remote-shot.png"' in html
    served = client.get(
        f"/catalog/{entry.slug}/images/{logo.pk}/", HTTP_HOST="localhost"
    )
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"


def test_a_changed_file_becomes_a_new_version_with_its_diff_and_release(
    entry, admin, repository
):
    link = linked(entry, admin, repository)
    repository.commit(
        {
            "publiccode.yml": publiccode(
                name="Laporan Warga Plus",
                version="1.1.0",
                released="2026-03-02",
                english=ENGLISH_2,
                features=("Reports from a phone", "Reports from the web"),
            )
        }
    )
    harvest.repository_check_request(actor=admin, app=entry)
    # A second click before the job ran queues nothing more.
    harvest.repository_check_request(actor=admin, app=entry)
    assert jobs_run_pending() == 1

    link.refresh_from_db()
    entry.refresh_from_db()
    assert link.last_run.outcome == HarvestRun.Outcome.UPDATED
    assert entry.name == "Laporan Warga Plus"
    assert entry.features_en == ["Reports from a phone", "Reports from the web"]
    assert list(entry.releases.values_list("version", flat=True)) == [
        "1.1.0",
        "1.0.0",
    ]
    version = CatalogAppVersion.objects.get(app=entry)
    assert version.number == 1
    assert version.release.version == "1.1.0"
    assert link.last_run.version == version
    changed = {change["field"]: change for change in version.changes}
    assert set(changed) == {
        "name",
        "softwareVersion",
        "releaseDate",
        "description.en.longDescription",
        "description.en.features",
    }
    assert changed["name"]["old"] == "Laporan Warga"
    assert changed["name"]["new"] == "Laporan Warga Plus"

    client = host_client(BANDUNG_HOST, user=admin)
    page = client.get(f"/apps/published/{entry.slug}/")
    html = page.content.decode()
    assert "Description › English › Long description" in html
    assert "Laporan Warga Plus" in html
    assert "1.1.0" in html
    client = host_client(BANDUNG_HOST, user=admin, language="id")
    page = client.get(f"/apps/published/{entry.slug}/")
    assert "Deskripsi › Bahasa Inggris › Deskripsi panjang" in page.content.decode()

    # The history is public on the platform, in the visitor's language.
    public = host_client("localhost", language="id").get(
        f"/catalog/{entry.slug}/history/"
    )
    assert public.status_code == 200
    html = public.content.decode()
    assert "Deskripsi › Bahasa Inggris › Deskripsi panjang" in html
    assert "rilis baru 1.1.0" in html
    detail = host_client("localhost").get(f"/catalog/{entry.slug}/")
    assert f"/catalog/{entry.slug}/history/" in detail.content.decode()

    # The same file again: nothing new.
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    link.refresh_from_db()
    assert link.last_run.outcome == HarvestRun.Outcome.UNCHANGED
    assert CatalogAppVersion.objects.filter(app=entry).count() == 1


def test_a_broken_file_is_reported_to_the_publisher_and_changes_nothing(
    entry, admin, repository
):
    link = linked(entry, admin, repository)
    before = CatalogApp.objects.values().get(pk=entry.pk)
    repository.commit(
        {
            "publiccode.yml": publiccode(
                name="Nama Baru", version="2.0.0", features=()
            ).replace("license: AGPL-3.0-or-later", "license: Not-A-Licence")
        }
    )
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    link.refresh_from_db()
    run = link.last_run
    assert run.outcome == HarvestRun.Outcome.FAILED
    assert run.problem == HarvestRun.Problem.INVALID
    assert {issue["path"] for issue in run.issues} == {
        "description.en.features",
        "legal.license",
    }
    assert CatalogApp.objects.values().get(pk=entry.pk) == before
    assert not Release.objects.filter(app=entry, version="2.0.0").exists()
    assert not CatalogAppVersion.objects.filter(app=entry).exists()
    assert list(harvest.harvest_failures(entry.publisher)) == [link]

    client = host_client(BANDUNG_HOST, user=admin)
    for page in ("/apps/", f"/apps/published/{entry.slug}/"):
        html = client.get(page).content.decode()
        assert "legal.license" in html, page
        assert "description.en.features" in html, page

    # Fixed in the repository: the failure goes away at the next check.
    repository.commit({"publiccode.yml": publiccode(version="1.0.1")})
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    assert not harvest.harvest_failures(entry.publisher).exists()
    assert Release.objects.filter(app=entry, version="1.0.1").exists()


def test_unreachable_repository_and_foreign_file_are_failures(
    entry, admin, repository, tmp_path
):
    link = linked(entry, admin, repository)
    before = CatalogApp.objects.values().get(pk=entry.pk)
    repository.commit(
        {"publiccode.yml": publiccode(url="https://code.example.test/other/app")}
    )
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    link.refresh_from_db()
    assert link.last_run.problem == HarvestRun.Problem.OTHER_REPOSITORY
    assert CatalogApp.objects.values().get(pk=entry.pk) == before
    assert not CatalogApp.objects.filter(url="https://code.example.test/other/app")

    RepositoryLink.objects.filter(pk=link.pk).update(
        repository_url=f"file://{tmp_path}/does-not-exist"
    )
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    link.refresh_from_db()
    assert link.last_run.outcome == HarvestRun.Outcome.FAILED
    assert link.last_run.problem == HarvestRun.Problem.UNREACHABLE
    address = f"file://{tmp_path}/does-not-exist"
    assert link.last_run.message == {
        "msgid": "The git repository %(url)s could not be read.",
        "params": {"url": address},
    }
    assert CatalogApp.objects.values().get(pk=entry.pk) == before
    page = f"/apps/published/{entry.slug}/"
    html = host_client(BANDUNG_HOST, user=admin).get(page).content.decode()
    assert f"The git repository {address} could not be read." in html
    html = host_client(BANDUNG_HOST, user=admin, language="id").get(page)
    assert f"Repositori git {address} tidak dapat dibaca." in html.content.decode()


def test_scheduled_checks_run_once_per_interval(entry, admin, repository, settings):
    link = linked(entry, admin, repository)
    assert harvest.harvest_due() == 0  # checked just now
    RepositoryLink.objects.filter(pk=link.pk).update(last_checked_at=None)
    assert harvest.harvest_due() == 1
    assert jobs_run_pending() == 1
    link.refresh_from_db()
    assert link.last_run.trigger == HarvestRun.Trigger.SCHEDULE


def test_the_publisher_links_approves_and_checks_from_the_manage_page(
    entry, admin, repository
):
    client = host_client(BANDUNG_HOST, user=admin)
    base = f"/apps/published/{entry.slug}/repository/"
    response = client.post(
        base, {"action": "link", "repository_url": "not an address", "host": "auto"}
    )
    assert response.status_code == 200
    assert "not an address" in response.content.decode()
    assert not RepositoryLink.objects.exists()

    response = client.post(
        base, {"action": "link", "repository_url": repository.url, "host": "auto"}
    )
    assert response.status_code == 302
    link = RepositoryLink.objects.get(app=entry)
    assert not link.is_approved
    # Approval is its own explicit step.
    response = client.post(base, {"action": "approve"})
    assert response.status_code == 200
    assert not RepositoryLink.objects.get(app=entry).is_approved
    response = client.post(base, {"action": "approve", "confirm": "on"})
    assert response.status_code == 302
    assert RepositoryLink.objects.get(app=entry).is_approved
    assert jobs_run_pending() == 1
    response = client.post(base, {"action": "check"})
    assert response.status_code == 302
    assert jobs_run_pending() == 1
    response = client.post(base, {"action": "unlink"})
    assert response.status_code == 302
    assert not RepositoryLink.objects.exists()


def test_staff_and_other_tenants_cannot_touch_the_link(entry, repository, tangerang):
    staff = make_user("staf2@bandung.test", tenant=entry.publisher, role="staff")
    client = host_client(BANDUNG_HOST, user=staff)
    response = client.post(
        f"/apps/published/{entry.slug}/repository/",
        {"action": "link", "repository_url": repository.url, "host": "auto"},
    )
    assert response.status_code == 403
    other = make_user("admin2@tangerang.test", tenant=tangerang, role="admin")
    client = host_client("tangerang.localhost", user=other)
    response = client.post(
        f"/apps/published/{entry.slug}/repository/",
        {"action": "link", "repository_url": repository.url, "host": "auto"},
    )
    assert response.status_code == 404
    assert not RepositoryLink.objects.exists()


@pytest.mark.parametrize(
    "host, url, expected",
    [
        (
            "auto",
            "https://github.com/bandung/laporan",
            "https://raw.githubusercontent.com/bandung/laporan/HEAD/img/logo%20baru.png",
        ),
        (
            "auto",
            "https://github.com/bandung/laporan.git",
            "https://raw.githubusercontent.com/bandung/laporan/HEAD/img/logo%20baru.png",
        ),
        (
            "auto",
            "https://gitlab.com/pemkot/dinas/laporan/-/tree/main",
            "https://gitlab.com/pemkot/dinas/laporan/-/raw/HEAD/img/logo%20baru.png",
        ),
        (
            "gitlab",
            "https://git.bandung.go.id/diskominfo/laporan",
            "https://git.bandung.go.id/diskominfo/laporan/-/raw/HEAD/img/logo%20baru.png",
        ),
        (
            "auto",
            "https://codeberg.org/bandung/laporan",
            "https://codeberg.org/api/v1/repos/bandung/laporan/raw/img/logo%20baru.png",
        ),
        (
            "gitea",
            "https://forgejo.example.id/bandung/laporan",
            "https://forgejo.example.id/api/v1/repos/bandung/laporan/raw/img/logo%20baru.png",
        ),
        (
            "auto",
            "https://bitbucket.org/bandung/laporan/src/main/",
            "https://bitbucket.org/bandung/laporan/raw/HEAD/img/logo%20baru.png",
        ),
    ],
)
def test_raw_file_addresses_of_the_common_code_hosts(host, url, expected):
    link = RepositoryLink(repository_url=url, host=host)
    kind = harvest.host_of(link)
    assert harvest.raw_url(kind, url, "img/logo baru.png") == expected


def test_unknown_hosts_are_read_with_git_and_paths_stay_inside_the_repository():
    link = RepositoryLink(repository_url="https://git.example.id/a/b", host="auto")
    assert harvest.host_of(link) == RepositoryLink.Host.GIT
    assert harvest.repository_path("img/./logo.png") == "img/logo.png"
    for path in ("../secret", "/etc/passwd", "img/../../x", "", ".", "a\\b"):
        assert harvest.repository_path(path) is None


def test_a_link_to_a_private_address_is_refused_by_the_job(entry, admin):
    for host, address in (
        ("gitlab", "https://127.0.0.1/diskominfo/laporan"),
        ("git", "https://10.0.0.8/diskominfo/laporan.git"),
        ("gitea", "https://169.254.169.254/latest/meta-data"),
    ):
        harvest.repository_link_set(
            actor=admin, app=entry, repository_url=address, host=host
        )
        harvest.repository_link_approve(actor=admin, app=entry)
        jobs_run_pending()
        link = RepositoryLink.objects.get(app=entry)
        assert link.last_run.outcome == HarvestRun.Outcome.FAILED, address
        assert link.last_run.problem == HarvestRun.Problem.REFUSED, address


def test_an_entry_made_in_the_catalog_gets_its_typed_fields_diffed(
    bandung, admin, repository
):
    from tests.catalog.conftest import make_app

    entry = make_app(
        bandung,
        name="Laporan Lama",
        url=REPOSITORY,
        short_description_id="Deskripsi lama.",
    )
    link = linked(entry, admin, repository)
    assert link.last_run.outcome == HarvestRun.Outcome.UPDATED
    version = CatalogAppVersion.objects.get(app=entry)
    changed = {change["field"]: change for change in version.changes}
    assert changed["@name"] == {
        "field": "@name",
        "old": "Laporan Lama",
        "new": "Laporan Warga",
    }
    assert harvest.change_label("@short_description_id") == (
        "Short description (Indonesian)"
    )
    assert version.release.version == "1.0.0"


def test_remote_screenshots_are_fetched_through_the_safe_fetcher(
    entry, admin, repository, settings
):
    """A screenshot on a (here: opened) web server is fetched and checked by content."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = png("green")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            payload = body if self.path == "/shot.png" else b"<html>not an image"
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        port = server.server_address[1]
        text = publiccode().replace(
            "https://127.0.0.1:9/remote-shot.png",
            f"http://127.0.0.1:{port}/shot.png\n      - http://127.0.0.1:{port}/page",
        )
        repository.commit({"publiccode.yml": text})
        link = linked(entry, admin, repository)
    finally:
        server.shutdown()
        server.server_close()
    sources = set(
        entry.harvested_images.filter(kind="screenshot").values_list(
            "source", flat=True
        )
    )
    assert sources == {"img/screen.png", f"http://127.0.0.1:{port}/shot.png"}
    problems = link.last_run.media_problems
    assert [p["source"] for p in problems] == [f"http://127.0.0.1:{port}/page"]
    # Kept as a sentence, shown in the publisher's language.
    assert problems[0]["message"] == {
        "msgid": "The file is not a PNG, JPEG or WebP image.",
        "params": {},
    }
    page = f"/apps/published/{entry.slug}/"
    html = host_client(BANDUNG_HOST, user=admin).get(page).content.decode()
    assert "The file is not a PNG, JPEG or WebP image." in html
    html = host_client(BANDUNG_HOST, user=admin, language="id").get(page)
    assert "Berkas bukan gambar PNG, JPEG, atau WebP." in html.content.decode()


def todo_line(client, kind: str) -> str | None:
    """The html of the dashboard's to-do line of `kind`, if it is listed."""
    html = client.get("/dashboard/").content.decode()
    lines = dict(re.findall(r'<li data-todo="([^"]+)">(.*?)</li>', html, re.S))
    return lines.get(kind)


# What a failed check says, in each language: the to-do line, the check's own
# message (a sentence of the job) and the importer's problem with the licence.
IN_ENGLISH = (
    "The publiccode.yml of an app you publish could not be read",
    "The publiccode.yml of the repository is not valid.",
    "Not-A-Licence is not an SPDX licence expression",
)
IN_INDONESIAN = (
    "publiccode.yml aplikasi yang Anda terbitkan tidak dapat dibaca",
    "publiccode.yml di repositori tidak sah.",
    "Not-A-Licence bukan ekspresi lisensi SPDX",
)


def test_a_failed_check_is_on_the_publishers_to_do_list_in_their_language(
    entry, admin, repository
):
    """The worker writes with no reader: what it found is shown to each
    publisher in the language they read, English as Indonesian."""
    linked(entry, admin, repository)
    english = host_client(BANDUNG_HOST, user=admin)
    assert todo_line(english, "catalog.harvest") is None
    repository.commit(
        {
            "publiccode.yml": publiccode().replace(
                "license: AGPL-3.0-or-later", "license: Not-A-Licence"
            )
        }
    )
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    run = RepositoryLink.objects.get(app=entry).last_run
    assert run.message == {
        "msgid": "The publiccode.yml of the repository is not valid.",
        "params": {},
    }
    assert [issue["path"] for issue in run.issues] == ["legal.license"]

    for language, expected, other in (
        ("en", IN_ENGLISH, IN_INDONESIAN),
        ("id", IN_INDONESIAN, IN_ENGLISH),
    ):
        client = host_client(BANDUNG_HOST, user=admin, language=language)
        line = todo_line(client, "catalog.harvest")
        assert line is not None, language
        assert expected[0] in line, language
        assert re.search(r'<a href="([^"]+)"', line).group(1) == "/apps/#published"
        for page in ("/apps/", f"/apps/published/{entry.slug}/"):
            html = client.get(page).content.decode()
            for text in expected[1:]:
                assert text in html, (language, page, text)
            for text in other[1:]:
                assert text not in html, (language, page, text)


def test_checks_recorded_before_sentences_were_kept_still_show(
    entry, admin, repository
):
    """Rows written as text (before migration 0011) are shown as they were written."""
    link = linked(entry, admin, repository)
    HarvestRun.objects.filter(pk=link.last_run_id).update(
        outcome=HarvestRun.Outcome.FAILED,
        problem=HarvestRun.Problem.INVALID,
        message="publiccode.yml di repositori tidak sah.",
        issues=[{"path": "legal.license", "message": "Lisensi lama tidak dikenal."}],
        media_problems=[{"source": "img/x.png", "message": "Berkas lama rusak."}],
    )
    html = host_client(BANDUNG_HOST, user=admin).get(f"/apps/published/{entry.slug}/")
    html = html.content.decode()
    for text in (
        "publiccode.yml di repositori tidak sah.",
        "Lisensi lama tidak dikenal.",
        "Berkas lama rusak.",
    ):
        assert text in html
    assert "publiccode.yml di repositori tidak sah." in (
        host_client(BANDUNG_HOST, user=admin).get("/apps/").content.decode()
    )


def test_an_entry_the_file_cannot_be_applied_to_is_told_in_each_language_unchanged(
    bandung, admin, repository
):
    """The importer's refusal is kept as its msgid and parameters, not as text
    in the worker's language: each publisher reads it in their own; nothing
    changes."""
    verify(bandung)
    owned = publiccode().replace(
        "  license: AGPL-3.0-or-later",
        "  license: AGPL-3.0-or-later\n  repoOwner: Kota Bandung",
    )
    repository.commit({"publiccode.yml": owned})
    entry = import_publiccode(actor=None, publisher=bandung, data=owned.encode()).app
    link = linked(entry, admin, repository)
    before = CatalogApp.objects.values().get(pk=entry.pk)
    repository.commit(
        {
            "publiccode.yml": owned.replace("Kota Bandung", "Kota Lain").replace(
                "1.0.0", "1.2.0"
            )
        }
    )
    harvest.repository_check_request(actor=admin, app=entry)
    jobs_run_pending()
    link.refresh_from_db()
    run = link.last_run
    assert run.problem == HarvestRun.Problem.INVALID
    assert run.message["msgid"] == (
        "The publiccode.yml could not be applied to the entry."
    )
    (issue,) = run.issues
    assert issue == {
        "path": "organisation",
        "message": {
            "msgid": "This file changes the publishing organisation from "
            "%(old)s to %(new)s. Confirm the change to import it.",
            "params": {"old": "Kota Bandung", "new": "Kota Lain"},
        },
    }
    assert CatalogApp.objects.values().get(pk=entry.pk) == before
    assert not Release.objects.filter(app=entry, version="1.2.0").exists()
    assert not CatalogAppVersion.objects.filter(app=entry).exists()

    page = f"/apps/published/{entry.slug}/"
    html = host_client(BANDUNG_HOST, user=admin).get(page).content.decode()
    assert "The publiccode.yml could not be applied to the entry." in html
    assert "changes the publishing organisation from Kota Bandung to Kota Lain" in html
    html = host_client(BANDUNG_HOST, user=admin, language="id").get(page)
    html = html.content.decode()
    assert "publiccode.yml tidak dapat diterapkan pada entri." in html
    assert "mengganti instansi penerbit dari Kota Bandung menjadi Kota Lain" in html
