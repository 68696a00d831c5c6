"""URL converters."""


class RowIdConverter:
    """A database id: digits that fit PostgreSQL's bigint, so no URL can overflow a query."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
