from django.db import models


class Entry(models.Model):
    """A line in the guest book (in each tenant's own schema)."""

    text = models.CharField(max_length=200)

    def __str__(self):
        return self.text


class Keeper(models.Model):
    """A role in the guest book, held by a member (user by id, no key out)."""

    user_id = models.BigIntegerField()
    role = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "role"], name="bukutamu_role_once"
            )
        ]

    def __str__(self):
        return f"{self.user_id}: {self.role}"
