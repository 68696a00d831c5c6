"""config/warmup.py: a web process compiles its templates and reads its
catalogues before gunicorn forks, so a replaced worker starts warm (#12)."""

from __future__ import annotations

from django.template import engines

from config.warmup import warm_up


def test_the_project_templates_are_compiled_once_before_the_fork(settings):
    settings.DEBUG = False
    done = warm_up()
    assert done["languages"] == len(settings.LANGUAGES)
    assert done["urlconfs"] == 2
    assert done["templates"] > 100
    # The cached loader answers from memory now: the same compiled object.
    engine = engines["django"]
    first = engine.get_template("grants/public/portal.html")
    assert engine.get_template("grants/public/portal.html").template is first.template


def test_nothing_is_done_under_debug(settings):
    settings.DEBUG = True
    assert warm_up() == {"templates": 0, "languages": 0, "urlconfs": 0}
