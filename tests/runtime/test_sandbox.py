import pytest

from runtime import sandbox
from runtime.sandbox import Fields, RunError


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
