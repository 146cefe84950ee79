"""Names a journey uses that the workspace does not have: a connector no message could go out
through, a journey that is not there, a field misspelled in a template — each a problem with
"did you mean", so a typo never passes silently."""
from switchback.runtime import document
from switchback.runtime.references import check

NAMES = {"connector:email": ["mail", "sendgrid-eu"], "connector:sms": ["twilio"], "event": [],
         "field": ["email", "first_name", "country", "renewal_date"], "journey": ["welcome", "onboarding"]}


def journey(*nodes) -> document.Journey:
    return document.from_dict({"format": "switchback.journey/1", "key": "k", "name": "K",
                               "nodes": [{"id": "start", "kind": "trigger.manual", "config": {}}, *nodes],
                               "edges": [{"from": "start", "to": nodes[0]["id"]}] if nodes else []})


def test_a_connector_the_workspace_lacks_is_a_problem_with_the_nearest_name():
    j = journey({"id": "hello", "kind": "action.email", "config": {"connector": "mial", "subject": "Hi", "body": "x"}})
    assert [(p.where, p.message) for p in check(j, NAMES)] == [
        ("hello", "Send with: no connector named 'mial' sends email in this workspace (did you mean mail?)")]
    sms = journey({"id": "text", "kind": "action.sms", "config": {"connector": "mail", "body": "x"}})
    assert "no connector named 'mail' sends sms" in check(sms, NAMES)[0].message
    assert check(j, {**NAMES, "connector:email": [], "connector:sms": []}) == []      # no connectors: recorded


def test_a_misspelled_field_in_a_template_or_condition_says_which_was_meant():
    j = journey({"id": "hello", "kind": "action.email",
                 "config": {"connector": "mail", "subject": "Welcome {{ contact.frist_name }}", "body": "{{ contact.plan }}"}},
                {"id": "if", "kind": "branch.if", "config": {"when": "contact.contry == 'DE'"}})
    assert sorted((p.where, p.message) for p in check(j, NAMES)) == [
        ("hello", "Subject: no contact has the field frist_name (did you mean first_name?)"),
        ("if", "Condition: no contact has the field contry (did you mean country?)")]


def test_a_journey_to_enroll_in_must_exist():
    j = journey({"id": "next", "kind": "action.enroll", "config": {"journey": "onbaording"}})
    assert check(j, NAMES)[0].message == "Journey: no journey 'onbaording' in this workspace (did you mean onboarding?)"
