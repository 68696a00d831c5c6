"""Repositories: which host, where its raw files are, reading publiccode.yml."""

from __future__ import annotations

import posixpath
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext_noop

from core.fetch import FetchError, check_url, fetch
from core.gitfetch import GitCheckout
from core.i18n import Sentence

from ..models_harvest import (
    HarvestRun,
    RepositoryLink,
)

Host = RepositoryLink.Host
Outcome = HarvestRun.Outcome
Problem = HarvestRun.Problem

FILE_NAMES = ("publiccode.yml", "publiccode.yaml")
KNOWN_HOSTS = {
    "github.com": Host.GITHUB,
    "www.github.com": Host.GITHUB,
    "gitlab.com": Host.GITLAB,
    "codeberg.org": Host.GITEA,
    "gitea.com": Host.GITEA,
    "bitbucket.org": Host.BITBUCKET,
}
MAX_SCREENSHOTS = 10
# Checks kept per link (older ones are removed; versions stay).
RUNS_KEPT = 50


# --- repositories --------------------------------------------------------------


def host_of(link: RepositoryLink) -> str:
    """The code host kind used to read the repository."""
    parts = urlsplit(link.repository_url)
    if parts.scheme == "file":
        return Host.GIT
    if link.host != Host.AUTO:
        return link.host
    return KNOWN_HOSTS.get((parts.hostname or "").lower(), Host.GIT)


def _project(url: str) -> tuple[str, str]:
    """(scheme://host[:port], owner/…/name) of a repository address."""
    parts = urlsplit(url.strip())
    path = parts.path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    # Addresses of pages inside a repository: keep the repository part.
    for marker in ("/-/", "/tree/", "/blob/", "/src/"):
        path = path.split(marker, 1)[0]
    return f"{parts.scheme}://{parts.netloc}", path


def raw_url(kind: str, repository_url: str, path: str) -> str:
    """The address of `path` on the default branch, by the code host's raw-file API."""
    base, project = _project(repository_url)
    quoted = quote(path)
    segments = project.split("/")
    if kind == Host.GITHUB:
        return (
            f"https://raw.githubusercontent.com/{'/'.join(segments[:2])}/HEAD/{quoted}"
        )
    if kind == Host.GITLAB:
        return f"{base}/{project}/-/raw/HEAD/{quoted}"
    if kind == Host.GITEA:
        # The API's raw endpoint reads the default branch when no ref is given.
        return f"{base}/api/v1/repos/{'/'.join(segments[:2])}/raw/{quoted}"
    if kind == Host.BITBUCKET:
        return f"{base}/{'/'.join(segments[:2])}/raw/HEAD/{quoted}"
    raise ValueError(kind)


def repository_path(path: str) -> str | None:
    """A path inside the repository (no leading slash, no `..`), else None."""
    path = path.strip()
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    normal = posixpath.normpath(path)
    if normal.startswith("..") or normal == ".":
        return None
    return normal


class _RawReader:
    def __init__(self, kind: str, url: str):
        self.kind, self.url = kind, url

    def read(self, path: str) -> bytes:
        return fetch(raw_url(self.kind, self.url, path)).content


@contextmanager
def repository_open(link: RepositoryLink):
    """A reader of the default branch: `.read(path)` gives a file's bytes."""
    kind = host_of(link)
    if kind == Host.GIT:
        with GitCheckout(link.repository_url) as checkout:
            yield checkout
    else:
        check_url(link.repository_url)
        yield _RawReader(kind, link.repository_url)


def _read_publiccode(reader) -> bytes:
    for name in FILE_NAMES:
        try:
            return reader.read(name)
        except FetchError as exc:
            if exc.reason != "not_found":
                raise
    raise FetchError(
        "not_found",
        Sentence(
            gettext_noop("The repository has no publiccode.yml on its default branch.")
        ),
    )
