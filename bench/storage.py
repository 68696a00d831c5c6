"""Benchmark: the storage operations behind uploads, on the disk and on an S3 API.

What it measures
----------------
For each backend -- the local disk (a temporary folder) and S3-compatible
object storage (a moto S3 server started in its own process on a free local port, so the figures
count requests and the project's own overhead, not a real network) -- with
``--files`` small files (default 2,000) under tenant prefixes:

1. **list** -- what ``cleanup_uploads`` needs, every name with its change time:
   ``core.storage.stored_files`` (one listing request per thousand objects on
   S3) against a directory walk with one ``get_modified_time`` per file (the
   way core/files.py listed before, one HEAD request per object on S3);
2. **delete** -- removing them: ``core.storage.delete_files`` (batches of a
   thousand on S3) against one ``delete`` per file;
3. **download** -- one ``--mb`` MB private file (default 20) answered by
   ``core.storage.private_download`` and read to the end, with the peak of
   Python memory allocated meanwhile (tracemalloc): streamed in blocks, it
   must stay far below the file's size (against ``FileResponse(storage.open())``,
   which django-storages' S3File fills whole first).

    .venv/bin/python bench/storage.py
    .venv/bin/python bench/storage.py --files 5000 --mb 50

No database is used. This is a benchmark, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
import uuid
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO_DIR)] + [
    p
    for p in sys.path
    if Path(p or ".").resolve() not in (REPO_DIR, REPO_DIR / "bench")
]

KEY_ID, SECRET, REGION = "bench", "bench-secret", "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(endpoint: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def configure(media: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        USE_TZ=True,
        MEDIA_ROOT=media,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        },
        STORAGE_SIGNED_URLS=False,
        STORAGE_SIGNED_URL_SECONDS=300,
        DEFAULT_CHARSET="utf-8",
    )
    django.setup()


def s3_storage(endpoint: str):
    import boto3
    from botocore.config import Config

    from core.objectstorage import ObjectStorage

    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=bucket)
    return ObjectStorage(
        bucket_name=bucket,
        endpoint_url=endpoint,
        region_name=REGION,
        access_key=KEY_ID,
        secret_key=SECRET,
        addressing_style="path",
        signature_version="s3v4",
        file_overwrite=True,  # the bench's names are fresh; skip the exists() check
        max_memory_size=2 * 1024 * 1024,
    )


def seed(storage, count: int) -> list[str]:
    from django.core.files.base import ContentFile

    from core.storage import tenant_file_name

    body = b"%PDF-1.4 " + b"x" * 10_000
    return [
        storage.save(
            tenant_file_name(f"t_kota_{n % 50}", "grants", "pdf"), ContentFile(body)
        )
        for n in range(count)
    ]


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def walk_with_times(storage) -> list:
    from core.storage import _walk

    return [(name, storage.get_modified_time(name)) for name in _walk(storage, "")]


def run(label: str, storage, files: int, megabytes: int) -> list[tuple]:
    from django.core.files.base import ContentFile

    from core.storage import delete_files, private_download, stored_files

    rows = []
    names = seed(storage, files)
    seconds, listed = timed(lambda: list(stored_files(storage)))
    assert len(listed) == files
    rows.append((label, f"list {files:,} with change times", "stored_files", seconds))
    seconds, walked = timed(lambda: walk_with_times(storage))
    assert len(walked) == files
    rows.append(
        (
            label,
            f"list {files:,} with change times",
            "walk + one get_modified_time each",
            seconds,
        )
    )

    half = files // 2
    seconds, _ = timed(lambda: delete_files(names[:half], storage))
    rows.append((label, f"delete {half:,}", "delete_files", seconds))

    def one_by_one():
        for name in names[half:]:
            storage.delete(name)

    seconds, _ = timed(one_by_one)
    rows.append((label, f"delete {files - half:,}", "one delete() each", seconds))
    assert not list(stored_files(storage))

    size = megabytes * 1024 * 1024
    big = storage.save("tenants/t_kota_1/grants/big.pdf", ContentFile(b"%" * size))

    def download():
        response = private_download(
            big, storage=storage, content_type="application/pdf", filename="big.pdf"
        )
        total = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        return total

    def through_open():
        from django.http import FileResponse

        response = FileResponse(storage.open(big, "rb"))
        total = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        return total

    tracemalloc.start()
    seconds, total = timed(through_open)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == size
    rows.append(
        (
            label,
            f"download {megabytes} MB",
            f"FileResponse(storage.open()), peak {peak / 1e6:.1f} MB allocated",
            seconds,
        )
    )

    tracemalloc.start()
    seconds, total = timed(download)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == size
    rows.append(
        (
            label,
            f"download {megabytes} MB",
            f"private_download, peak {peak / 1e6:.1f} MB allocated",
            seconds,
        )
    )
    storage.delete(big)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--mb", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as media:
        configure(media)
        from django.core.files.storage import FileSystemStorage

        rows = run("disk", FileSystemStorage(location=media), args.files, args.mb)
        # In its own process, so that the server's memory is not counted as ours.
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from moto.server import main; main()",
                "-H",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            endpoint = f"http://127.0.0.1:{port}"
            wait_for(endpoint)
            rows += run("S3 (moto)", s3_storage(endpoint), args.files, args.mb)
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"\nload: {os.getloadavg()[0]:.2f} (1 min)")
    print("| backend | operation | how | seconds |")
    print("| --- | --- | --- | --- |")
    for backend, operation, how, seconds in rows:
        print(f"| {backend} | {operation} | {how} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
