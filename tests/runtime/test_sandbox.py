import time

import pytest

from switchback.runtime import sandbox
from switchback.runtime.sandbox import Fields, RunError


def names(**fields):
    return {"contact": Fields(fields)}


def test_a_template_reaching_for_internals_is_refused_not_rendered():
    with pytest.raises(RunError) as e:
        sandbox.render("{{ ''.__class__.__mro__ }}", names())
    assert "internals" in str(e.value)
    assert sandbox.check("{{ ''.__class__.__mro__ }}", "template")


def test_the_sandbox_refuses_at_run_time_what_slips_past_the_static_check():
    with pytest.raises(RunError) as e:
        sandbox.render("{{ f.__globals__ }}", {"f": lambda: 1})
    assert "internals" in str(e.value) or "unsafe" in str(e.value)
    with pytest.raises(RunError):
        sandbox.render("{{ (contact|attr('__class__')) }}", names())


@pytest.mark.parametrize("expr", ["contact.employees >= 1000", "contact.employees < 1000",
                                  "1000 <= contact.employees", "contact.employees > 0"])
def test_an_ordering_comparison_with_a_missing_field_is_false(expr):
    assert sandbox.evaluate(expr, names(score=3)) is False


def test_a_missing_field_is_none_and_prints_empty():
    assert sandbox.evaluate("contact.phone is none", names()) is True
    assert sandbox.evaluate("contact.phone == none", names()) is True
    assert sandbox.evaluate("contact.phone is defined", names(phone="1")) is True
    assert sandbox.render("Hi {{ contact.first_name }}!", names()) == "Hi !"
    assert sandbox.evaluate("'vip' in contact.tags", names()) is False


def test_a_field_named_like_a_dict_method_is_the_field():
    assert sandbox.render("{{ contact.items }}/{{ contact.keys }}", names(items=3, keys="k")) == "3/k"


def test_a_type_mismatch_fails_with_the_condition_named():
    with pytest.raises(RunError) as e:
        sandbox.evaluate("contact.zip > 5", names(zip="02139"))
    assert "contact.zip > 5" in str(e.value)


COMPARISONS = ["contact.n >= 500", "contact.n<3", "contact.n == 2.5", "contact.n != -1", "contact.s == 'gold'",
               'contact.s != "gold"', "contact.s > 'm'", "contact.b == true", "contact.b == False", "contact.n == none",
               "contact.n != None", "contact.n <= 0"]
VALUES = [500, 2, 2.5, -1, 0, "gold", "silver", "", True, False, None, [1], {"a": 1}]


def jinja(expr: str, fields: dict):
    """What Jinja itself makes of the condition: the result, or the error's text."""
    try:
        return bool(sandbox.compile_condition(expr)(**names(**fields)))
    except Exception as e:
        return f"condition {expr!r} failed: {e}"


@pytest.mark.parametrize("expr", COMPARISONS)
def test_simple_comparisons_come_out_as_jinja_would_have_it(expr):
    assert sandbox._comparison(expr) is not None, "evaluated without Jinja"
    for fields in [{}, *({"n": v, "s": v, "b": v} for v in VALUES)]:
        try:
            ours = sandbox.evaluate(expr, names(**fields))
        except RunError as e:
            ours = str(e)
        assert ours == jinja(expr, fields), (expr, fields)


# --- limits (runtime/limits.py): each is stopped at once, with the reason --------------------------

EXPLOSIVE = {"{{ 10**(10**7) }}": "number of more than", "{{ '%*d' % (10**9, 1) }}": "1,000,000,000 characters",
             "{{ 'a'*10**8 }}": "100,000,000 characters", "{{ '{:>999999999}'.format(1) }}": "999,999,999 characters",
             "{{ 'a'|center(10**9) }}": "1,000,000,000 characters",
             "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}": "time limit",
             "{% for i in range(10000) %}{% for j in range(10000) %}xxxx{% endfor %}{% endfor %}": "longer than 1,000,000",
             "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}": "characters"}


@pytest.mark.parametrize("template", list(EXPLOSIVE))
def test_a_render_that_would_explode_is_stopped_fast_with_the_reason(template):
    started = time.thread_time()
    with pytest.raises(RunError) as e:
        sandbox.render(template, names(score=1))
    assert time.thread_time() - started < 1.0
    assert EXPLOSIVE[template] in str(e.value) and "stopped" in str(e.value)


def test_a_condition_that_would_explode_validates_quickly_and_is_stopped_at_run_time():
    started = time.thread_time()
    assert sandbox.check("10**(10**7) > contact.score", "condition") is None        # it compiles; not folded
    with pytest.raises(RunError) as e:
        sandbox.evaluate("10**(10**7) > contact.score", names(score=1))
    assert time.thread_time() - started < 1.0 and "number of more than" in str(e.value)


def test_ordinary_numbers_and_text_are_untouched_by_the_limits():
    assert sandbox.render("{{ contact.n|round|int }} {{ contact.n * 3 }} {{ 2**100 }} {{ '%5d' % 3 }}|{{ 'ab' * 2 }}",
                          names(n=10**7)) == f"{10**7} {3 * 10**7} {2**100}     3|abab"


def test_printing_the_whole_contact_shows_none_of_its_fields():
    assert "ada@x.test" not in sandbox.render("{{ contact }}", names(email="ada@x.test", secret_note="x"))
