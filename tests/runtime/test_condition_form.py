"""The condition builder's rows and SPEC conditions, both ways: what the rows write is what a person
would type, a condition the rows can say opens as rows and means the same, and one they cannot
say is left to the code view."""
from datetime import datetime, timezone

import pytest

from switchback.runtime import sandbox
from switchback.runtime.condition_form import Group, Rule, parse, render

NOW = datetime(2026, 12, 4, tzinfo=timezone.utc)
PEOPLE = [
    {"email": "a@x.test", "country": "DE", "score": 60, "tags": ["vip", "webinar"], "lifecycle_stage": "lead"},
    {"email": "b@x.test", "country": "FR", "score": 20, "tags": [], "company": "Acme"},
    {"email": "c@x.test", "country": "US", "tags": ["newsletter"], "lifecycle_stage": "customer"},
    {"email": "d@x.test"},
]
CLICKS = {"a@x.test": 2, "b@x.test": 1}


def holds(condition: str, person: dict) -> bool:
    names = {"contact": sandbox.Fields(person), **sandbox.functions(
        NOW, lambda type, since: CLICKS.get(person["email"], 0) if type == "email_clicked" else 0, lambda key: False)}
    return sandbox.evaluate(condition, names)


@pytest.mark.parametrize("rows, text", [
    (Group("all", [Rule("country", "is any of", ["DE", "FR"])]), "contact.country in ['DE', 'FR']"),
    (Group("all", [Rule("email_clicked", "did", 1, "7d")]), "events('email_clicked', within='7d') >= 1"),
    (Group("any", [Rule("score", "at least", 50), Rule("tags", "has tag", "vip")]), "contact.score >= 50 or 'vip' in contact.tags"),
    (Group("all", [Rule("lifecycle_stage", "is not", "customer"),
                   Group("any", [Rule("country", "is", "DE"), Rule("company", "is set")])]),
     "contact.lifecycle_stage != 'customer' and (contact.country == 'DE' or contact.company is not none)"),
    (Group("all", [Rule("event.properties.form", "is", "ebook")]), "event.properties.form == 'ebook'"),
    (Group("all", [Rule("country", "is empty")]), "contact.country is none"),
    (Group("all", [Rule("country", "is none of", ["US"]), Rule("tags", "does not have tag", "newsletter")]),
     "contact.country not in ['US'] and 'newsletter' not in contact.tags"),
    (Group("all", [Rule("company", "contains", "Acme"), Rule("job_title", "does not contain", "intern")]),
     "'Acme' in contact.company and 'intern' not in contact.job_title"),
])
def test_rows_write_the_condition_a_person_would_and_read_it_back(rows, text):
    assert render(rows) == text
    assert parse(text) == rows


@pytest.mark.parametrize("text", [
    "contact.country in ['DE', 'FR'] and events('email_clicked') >= 1",
    "contact.score > 30 and contact.score <= 60",
    "'vip' in contact.tags or contact.lifecycle_stage == 'customer' or contact.country is none",
    "(contact.country == 'DE' or contact.country == 'FR') and contact.company is not none",
    "events('email_clicked', within='30d') >= 2",
])
def test_a_condition_opened_as_rows_means_the_same(text):
    rows = parse(text)
    assert rows is not None
    again = render(rows)
    assert [holds(again, p) for p in PEOPLE] == [holds(text, p) for p in PEOPLE]


@pytest.mark.parametrize("text", [
    "contact.score + 10 > 50",                      # arithmetic
    "days_since(contact.signed_up) > 30",           # another function
    "contact.score > contact.threshold",            # two fields
    "not (contact.country == 'DE' or contact.score > 5)",
    "contact.country == 'DE' and",                  # does not compile
])
def test_what_rows_cannot_say_stays_code(text):
    assert parse(text) is None


def test_an_empty_condition_is_an_empty_group():
    assert parse("") == Group() and render(Group()) == ""
