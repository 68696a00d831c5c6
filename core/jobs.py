"""Background jobs: the project's task queue (django-q2 on PostgreSQL).

Jobs are rows of the public schema (django_q's ORM broker), written on the
caller's connection: a job enqueued inside a transaction exists only if the
transaction commits. The worker is `manage.py jobs_worker` (`make run` starts it
beside the web server; compose.yaml runs it as the `worker` service).

Periodic jobs register here, in their app's AppConfig.ready(); the worker
writes them as the queue's schedules when it starts:

    from core.jobs import periodic_register
    periodic_register("adoption_end_lapsed",
                      func="catalog.services.adoption_end_lapsed", cron="15 1 * * *")

`func` is a dotted path to a function called without arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    cron: str


_PERIODIC: dict[str, Periodic] = {}


def periodic_register(name: str, *, func: str, cron: str) -> None:
    """Declare a job that runs on a cron schedule (UTC)."""
    _PERIODIC[name] = Periodic(name=name, func=func, cron=cron)


def periodic_jobs() -> list[Periodic]:
    return sorted(_PERIODIC.values(), key=lambda job: job.name)


def periodic_sync() -> int:
    """Write every registered periodic job as a schedule (idempotent)."""
    from django_q.models import Schedule

    for job in periodic_jobs():
        Schedule.objects.update_or_create(
            name=job.name,
            defaults={
                "func": job.func,
                "schedule_type": Schedule.CRON,
                "cron": job.cron,
                "repeats": -1,
            },
        )
    return len(_PERIODIC)


def job_enqueue(func: str, **kwargs) -> str:
    """Queue `func(**kwargs)` for the worker (in the caller's transaction)."""
    from django_q.tasks import async_task

    return async_task(func, **kwargs)


def job_enqueue_later(func: str, *, seconds: int, **kwargs) -> None:
    """Queue `func(**kwargs)` to run once, `seconds` from now."""
    from django_q.models import Schedule

    Schedule.objects.create(
        func=func,
        kwargs=repr(kwargs),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=timezone.now() + timedelta(seconds=seconds),
    )


def jobs_run_pending() -> int:
    """Run every queued job once, in this process, as a worker would (tests, cron).

    Returns how many jobs ran. Each outcome is recorded like the worker's
    (a django_q Task, successful or failed with its error); a failing job
    does not stop the others. The caller's database connection stays open.
    """
    import pydoc
    import traceback

    from django_q.brokers import get_broker
    from django_q.monitor import save_task
    from django_q.signing import SignedPackage

    broker = get_broker()
    ran = 0
    while True:
        batch = broker.dequeue()
        if not batch:
            return ran
        for ack_id, payload in batch:
            task = SignedPackage.loads(payload)
            # save_task leaves the connection open for tasks marked sync.
            task["sync"] = True
            func = task["func"]
            if isinstance(func, str):
                func = pydoc.locate(func)
            try:
                if func is None:
                    raise ValueError(f"job function {task['func']} is not defined")
                task["result"] = func(*task["args"], **task["kwargs"])
                task["success"] = True
            except Exception as exc:
                task["result"] = f"{exc} : {traceback.format_exc()}"
                task["success"] = False
            task["stopped"] = timezone.now()
            save_task(task, broker)
            broker.acknowledge(ack_id)
            ran += 1
