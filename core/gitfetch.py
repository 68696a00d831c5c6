"""Reading files of a git repository's default branch over git's smart HTTP.

For code hosts without a known raw-file address. It runs the `git` command
under the same rules as core/fetch.py:

- the address must pass `check_url` (https only; `file://` only with
  `FETCH_ALLOW_FILE_URLS`, which the tests use for local repositories);
- the host is resolved here and refused unless every address is public; git
  is then pinned to the checked address (`http.curloptResolve`), so libcurl
  makes no DNS query of its own, and redirects are refused
  (`http.followRedirects=false`);
- no user or system git configuration, no credential helper, no prompt, no
  proxy, no hooks; only the one protocol allowed (`GIT_ALLOW_PROTOCOL`);
- a shallow clone of the default branch without file contents
  (`--depth=1 --filter=blob:none`), then only the blobs asked for; one
  deadline of `FETCH_GIT_TIMEOUT` seconds covers the whole checkout (DNS, the
  clone, every file read), and past it, or when the download passes
  `FETCH_GIT_MAX_BYTES`, git is killed with every process it started (its
  own process group: `git-remote-https` and `index-pack` would otherwise go
  on downloading after git itself is gone); each file is capped at
  `FETCH_MAX_BYTES`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_noop

from .fetch import FetchError, check_url, resolve
from .i18n import Sentence


def _size(directory: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _running(process: subprocess.Popen) -> bool:
    """Whether `process` runs; one that ended is left unreaped (a zombie)."""
    try:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        return os.waitid(os.P_PID, process.pid, flags) is None
    except ChildProcessError:
        return False  # reaped already (a process that ignores SIGCHLD)


class GitCheckout:
    """A shallow, content-less clone of a repository's default branch; read files from it.

    Use as a context manager: the temporary clone is removed on exit.
    """

    def __init__(self, url: str):
        self.url = url
        self._deadline = time.monotonic() + settings.FETCH_GIT_TIMEOUT
        self.scheme, host, port = check_url(url)
        self._config = [
            "http.followRedirects=false",
            "credential.helper=",
            "core.askPass=",
            "core.hooksPath=/dev/null",
            "http.proxy=",
            "http.lowSpeedLimit=1000",
            "http.lowSpeedTime=20",
            "protocol.allow=never",
            f"protocol.{self.scheme}.allow=always",
            "uploadpack.allowFilter=true",
        ]
        if self.scheme in ("http", "https"):
            try:
                address = resolve(host, port, deadline=self._deadline)
            except TimeoutError:
                raise self._timed_out() from None
            pinned = f"[{address}]" if ":" in address else address
            self._config.append(f"http.curloptResolve={host}:{port}:{pinned}")
        self._directory: Path | None = None

    def __enter__(self) -> GitCheckout:
        self._directory = Path(tempfile.mkdtemp(prefix="bagipakai-git-"))
        try:
            self._git(
                "clone",
                "--quiet",
                "--depth=1",
                "--single-branch",
                "--no-checkout",
                "--filter=blob:none",
                "--",
                self.url,
                str(self._directory / "repo"),
                cwd=self._directory,
            )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def _env(self) -> dict:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self._directory),
            "LANG": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
            "GIT_ALLOW_PROTOCOL": self.scheme,
            "GIT_NO_REPLACE_OBJECTS": "1",
        }

    @staticmethod
    def _timed_out() -> FetchError:
        return FetchError(
            "timeout",
            Sentence(
                gettext_noop("The repository did not answer within %(s)d seconds."),
                s=settings.FETCH_GIT_TIMEOUT,
            ),
        )

    def _git(self, *args: str, cwd: Path, max_output: int = 0) -> bytes:
        command = ["git"]
        for item in self._config:
            command += ["-c", item]
        command += list(args)
        with tempfile.TemporaryFile(dir=self._directory) as out:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.DEVNULL,
                # Its own process group, so that its helpers can be killed with it.
                start_new_session=True,
            )
            try:
                while _running(process):
                    if time.monotonic() > self._deadline:
                        raise self._timed_out()
                    if _size(self._directory) > settings.FETCH_GIT_MAX_BYTES:
                        raise FetchError(
                            "too_large",
                            Sentence(
                                gettext_noop(
                                    "The repository is larger than %(mb)d MB."
                                ),
                                mb=settings.FETCH_GIT_MAX_BYTES // (1024 * 1024),
                            ),
                        )
                    time.sleep(0.02)
            finally:
                # git is not reaped yet, so its group id cannot have been reused.
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
            if process.returncode != 0:
                raise FetchError(
                    "unreachable",
                    Sentence(
                        gettext_noop("The git repository %(url)s could not be read."),
                        url=self.url,
                    ),
                )
            out.seek(0)
            return out.read(max_output + 1) if max_output else out.read()

    def read(self, path: str) -> bytes:
        """The file at `path` of the default branch; FetchError if absent or too large."""
        repo = self._directory / "repo"
        spec = f"HEAD:{path}"
        try:
            kind = self._git("cat-file", "-t", spec, cwd=repo).strip()
        except FetchError as exc:
            if exc.reason == "unreachable":
                raise FetchError(
                    "not_found",
                    Sentence(
                        gettext_noop("The repository has no file %(path)s."), path=path
                    ),
                ) from None
            raise
        if kind != b"blob":
            raise FetchError(
                "not_found",
                Sentence(
                    gettext_noop("The repository has no file %(path)s."), path=path
                ),
            )
        limit = settings.FETCH_MAX_BYTES
        size = int(self._git("cat-file", "-s", spec, cwd=repo).strip() or 0)
        if size > limit:
            raise FetchError(
                "too_large",
                Sentence(
                    gettext_noop("The file is larger than %(kb)d KB."), kb=limit // 1024
                ),
            )
        content = self._git("cat-file", "blob", spec, cwd=repo, max_output=limit)
        if len(content) > limit:
            raise FetchError(
                "too_large",
                Sentence(
                    gettext_noop("The file is larger than %(kb)d KB."), kb=limit // 1024
                ),
            )
        return content
