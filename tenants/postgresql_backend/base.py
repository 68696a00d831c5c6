"""django-tenants' database wrapper, sending `SET search_path` only when needed.

With TENANT_LIMIT_SET_CALLS django-tenants sends the SET once after each
`set_tenant()`, and the routing middleware calls `set_tenant()` on every
request, so every request pays a round trip even when the connection (kept
open by CONN_MAX_AGE) already has that tenant's path from the last request.

This wrapper remembers the path the *server* has: what the last successful SET
sent, forgotten whenever the server may have undone or lost it (a rollback, a
rollback to a savepoint, the commit of an aborted transaction, a closed or new
connection; see django-tenants' own wrapper for why). It then skips the SET
when the wanted path is the one the server has. The remembered path is only
ever taken from a SET this wrapper saw succeed, so when in doubt it sends the
SET again. Not behind a pooler in transaction mode (docs/scaling.md).
"""

from __future__ import annotations

from django.utils.asyncio import async_unsafe
from django_tenants.postgresql_backend.base import (
    DatabaseWrapper as TenantDatabaseWrapper,
)
from django_tenants.utils import get_limit_set_calls
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from core import pagecache

from .schema import DatabaseSchemaEditor


class DatabaseWrapper(TenantDatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def __init__(self, *args, **kwargs):
        # The search_path the server has for this connection, as a list, or None
        # when unknown.
        self.server_search_path = None
        self._is_citus = None
        super().__init__(*args, **kwargs)
        # Committed writes invalidate the cached public pages of their schema.
        self.execute_wrappers.append(pagecache.track_writes)

    def _handle_search_path(self, cursor=None):
        if self._setting_search_path or not get_limit_set_calls():
            # Without TENANT_LIMIT_SET_CALLS: a SET before every statement,
            # nothing remembered.
            self.server_search_path = None
            super()._handle_search_path(cursor)
            return
        if (
            self.server_search_path is not None
            and self.schema_name
            and self._get_cursor_search_paths() == self.server_search_path
        ):
            self.search_path_set_schemas = self.server_search_path
            return
        # Not known to be set: send it. And unknown until the SET is known to
        # have succeeded (an exception that is not a database error could
        # leave between sending and recording).
        self.server_search_path = None
        self.search_path_set_schemas = None
        super()._handle_search_path(cursor)
        self.server_search_path = self.search_path_set_schemas

    def is_citus(self) -> bool:
        """Whether this database is a Citus cluster (asked once per connection)."""
        if self._is_citus is None:
            with self.cursor() as cursor:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
                )
                self._is_citus = bool(cursor.fetchone()[0])
        return self._is_citus

    @async_unsafe
    def get_new_connection(self, conn_params):
        self._is_citus = None
        self.server_search_path = None
        self.search_path_set_schemas = None
        return super().get_new_connection(conn_params)

    def _commit(self):
        # COMMIT of a transaction an error aborted is a ROLLBACK on the server,
        # without an error here (code that caught an IntegrityError without a
        # savepoint): a SET inside it is undone. A failing COMMIT undoes it too.
        if (
            self.connection is not None
            and self.connection.info.transaction_status == TRANSACTION_STATUS_INERROR
        ):
            self.server_search_path = None
        try:
            return super()._commit()
        except BaseException:
            self.server_search_path = None
            raise

    def close(self):
        self.server_search_path = None
        super().close()

    @async_unsafe
    def rollback(self):
        self.server_search_path = None
        pagecache.after_rollback(self)
        super().rollback()

    @async_unsafe
    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self.server_search_path = None
        pagecache.after_savepoint_rollback(self)
