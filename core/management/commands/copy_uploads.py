"""Copy uploads from a folder on disk into the configured storage, names unchanged."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Copy every file under a folder (the old MEDIA_ROOT) into the storage this "
        "server is configured with (e.g. S3_BUCKET), keeping each file's name, so "
        "the rows that name them keep working. Files already there with the same "
        "size are skipped; run it again after a failure. Nothing is deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-dir",
            required=True,
            help="the folder the files were stored in (the old MEDIA_ROOT)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list them, copy nothing"
        )

    def handle(self, *args, from_dir, dry_run, **options):
        root = Path(from_dir)
        if not root.is_dir():
            raise CommandError(f"{from_dir} is not a folder.")
        storage = default_storage
        copied = skipped = 0
        conflicts: list[str] = []
        for path in sorted(root.rglob("*")):
            # Symbolic links could point anywhere on the host: never followed.
            if path.is_symlink() or not path.is_file():
                continue
            name = path.relative_to(root).as_posix()
            size = path.stat().st_size
            if storage.exists(name):
                if storage.size(name) == size:
                    skipped += 1
                else:
                    conflicts.append(name)
                continue
            if dry_run:
                self.stdout.write(f"would copy {name}")
                copied += 1
                continue
            with path.open("rb") as handle:
                stored = storage.save(name, File(handle, name=name))
            if stored != name:
                storage.delete(stored)
                conflicts.append(name)
                continue
            copied += 1
            self.stdout.write(f"copied {name}")
        self.stdout.write(
            f"{copied} file(s) {'to copy' if dry_run else 'copied'}, "
            f"{skipped} already there."
        )
        if conflicts:
            for name in conflicts:
                self.stderr.write(f"not copied, a different file has this name: {name}")
            raise CommandError(
                f"{len(conflicts)} file(s) differ from the file of the same name "
                "already in the storage; nothing was overwritten."
            )
