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
