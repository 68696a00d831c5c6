"""S3-compatible object storage for uploads (django-storages), chosen with S3_BUCKET.

Only imported when the settings select it, so the default (the local disk)
never loads boto3. On top of django-storages' S3Storage, the few things
core/storage.py asks of a backend, done in as few requests as the API allows:
reading a file as a stream, listing a prefix with the change times, deleting
many files at once, and a signed download URL naming the type and file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from botocore.exceptions import ClientError
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

DELETE_BATCH = 1000  # the most one DeleteObjects request takes


def _missing(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or code in {"NoSuchKey", "404", "NotFound"}


class ObjectStorage(S3Storage):
    """Private by default: no ACL is set, every URL is signed and short-lived."""

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def _name(self, key: str) -> str:
        location = self.location.strip("/")
        if location and key.startswith(location + "/"):
            return key[len(location) + 1 :]
        return key

    def open_stream(self, name: str):
        """The object's body, read in blocks as the response is sent, and its size."""
        try:
            answer = self.connection.meta.client.get_object(
                Bucket=self.bucket_name, Key=self._key(name)
            )
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(name) from None
            raise
        return answer["Body"], answer.get("ContentLength")

    def files_under(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        key_prefix = self._key(prefix) if prefix else self.location.strip("/")
        if key_prefix and not key_prefix.endswith("/"):
            key_prefix += "/"
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=key_prefix
        )
        for page in pages:
            for entry in page.get("Contents", ()):
                if not entry["Key"].endswith("/"):
                    yield self._name(entry["Key"]), entry["LastModified"]

    def delete_many(self, names: Iterable[str]) -> None:
        keys = [self._key(name) for name in names]
        client = self.connection.meta.client
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            answer = client.delete_objects(
                Bucket=self.bucket_name,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            failed = [
                e for e in answer.get("Errors", ()) if e.get("Code") != "NoSuchKey"
            ]
            if failed:
                raise OSError(
                    f"object storage refused to delete {len(failed)} file(s): "
                    f"{failed[0].get('Key')}: {failed[0].get('Message')}"
                )

    def signed_download_url(
        self, name: str, *, content_type: str, filename: str, seconds: int
    ) -> str:
        return self.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": content_disposition_header(
                    True, filename
                ),
                "ResponseCacheControl": "private, no-store",
            },
            expire=seconds,
        )
