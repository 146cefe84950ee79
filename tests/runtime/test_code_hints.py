"""A condition or template that does not compile says what to type to mend it first, Jinja's words
after: it said "unexpected end of template, expected 'end of print statement'" for a `{{` not closed."""
import pytest

from switchback.runtime.sandbox import check


@pytest.mark.parametrize("code, role, first", [
    ("Hello {{ contact.first_name", "template", "a {{ is not closed: add }}"),
    ("Hello {{ contact.first_name }", "template", "a {{ is not closed: add }}"),
    ("{% if contact.vip %}Hi", "template", "a {% if %} is not closed: add {% endif %}"),
    ("{% for t in contact.tags %}{{ t }}", "template", "a {% for %} is not closed: add {% endfor %}"),
    ("contact.score >", "condition", "the condition ends with '>': what it compares with is missing"),
    ("contact.country == 'DE' and", "condition", "the condition ends with 'and': what it compares with is missing"),
    ("contact.country in ['DE', 'FR'", "condition", "a [ is not closed: add ]"),
    ("contact.country == 'DE", "condition", "a quote is not closed: add the closing ' or \""),
    ("(contact.score > 5", "condition", "a ( is not closed: add )"),
])
def test_what_to_type_comes_first(code, role, first):
    said = check(code, role)
    assert said.startswith(f"does not compile: {first} (") and said.endswith(")")


def test_a_mistake_without_a_plain_mend_keeps_jinjas_words():
    assert check("contact.a contact.b", "condition") == "does not compile: unexpected 'contact' after the expression"
