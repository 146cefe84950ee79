"""Actions: messages out, changes to the contact, and moves between journeys."""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from switchback.nodes.fields import Condition, JsonTemplate, Template, described
from switchback.nodes.outcomes import Did, Go, Park
from switchback.nodes.registry import Config, NodeKind, register
from switchback.nodes.urls import url_problem


def _sent(ctx, channel: str, connector: str | None, message: dict[str, Any]) -> Go:
    why_not = ctx.send(channel, connector, message)
    return Go("next") if why_not is None else Go("next", note=why_not, did=Did.SKIPPED)


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class EmailConfig(Config):
    connector: str = described("Send with", "The email connector (smtp, sendgrid, ...).", picks="connector:email",
                               min_length=1)
    subject: Template = described("Subject", "A template: {{ contact.first_name }} and friends.", min_length=1)
    body: Template = described("Text body", "The plain-text body, a template.", shows="lines")
    html: Template | None = described("HTML body", "An optional HTML body, a template.", shows="html", default=None)
    from_: str | None = Field(default=None, alias="from", title="From", description="Overrides the connector's sender.")


def _email(ctx, cfg: EmailConfig):
    message = {"subject": ctx.render(cfg.subject), "body": ctx.render(cfg.body)}
    if cfg.html:
        message["html"] = ctx.render(cfg.html)
    if cfg.from_:
        message["from"] = cfg.from_
    return _sent(ctx, "email", cfg.connector, message)


EMAIL = register(NodeKind(
    name="action.email", title="Send email", category="Actions", keywords="mail newsletter message",
    starter={"connector": "smtp", "subject": "Hello {{ contact.first_name }}", "body": "Hi {{ contact.first_name }},\n\n"},
    help="Sends an email, if the contact is subscribed to email.",
    config=EmailConfig, run=_email, channel="email",
    summary=lambda c: f"Email: {_short(c.subject)}",
))


class SmsConfig(Config):
    connector: str = described("Send with", "The SMS connector (twilio, ...).", picks="connector:sms", min_length=1)
    body: Template = described("Text", "The message, a template.", shows="lines", min_length=1)


SMS = register(NodeKind(
    name="action.sms", title="Send SMS", category="Actions", keywords="text message phone mobile",
    starter={"connector": "twilio", "body": "Hi {{ contact.first_name }}"},
    help="Sends a text message, if the contact is subscribed to SMS.",
    config=SmsConfig, channel="sms",
    run=lambda ctx, cfg: _sent(ctx, "sms", cfg.connector, {"body": ctx.render(cfg.body)}),
    summary=lambda c: f"SMS: {_short(c.body)}",
))


class WebhookConfig(Config):
    connector: str | None = described("Send with", "A webhook connector; or give a URL.", picks="connector:webhook",
                                      default=None)
    url: str | None = described("URL", "Where to send, if no connector is named: a public address, "
                                "with no secret in it (a connector can hold one).", default=None)
    method: Literal["POST", "PUT", "PATCH", "GET", "DELETE"] = described("Method", default="POST")
    body: JsonTemplate | None = described("Body", "JSON, a template.", shows="lines", default=None)

    @model_validator(mode="after")
    def _target(self):
        if bool(self.connector) == bool(self.url):
            raise ValueError("give either connector or url")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"{self.url!r} is not an http(s) URL")
        return self


def _webhook(ctx, cfg: WebhookConfig):
    message: dict[str, Any] = {"method": cfg.method}
    if cfg.url:
        message["url"] = cfg.url
    if cfg.body:
        text = ctx.render(cfg.body)
        try:
            message["body"] = json.loads(text)
        except ValueError as e:
            return Park(f"the body is not JSON once rendered: {e}")
    return _sent(ctx, "webhook", cfg.connector, message)


WEBHOOK = register(NodeKind(
    name="action.webhook", title="Call a webhook", category="Actions", keywords="http api request integration zapier",
    starter={"url": "https://example.com/hook"},
    help="Sends an HTTP request with a JSON body built from the contact.",
    config=WebhookConfig, run=_webhook, channel="webhook",
    summary=lambda c: f"{c.method} {c.url or c.connector}",
    checks=lambda c: [why] if c.url and (why := url_problem(c.url)) else [],
))


class UpdateConfig(Config):
    set: dict[str, Template] | None = described("Set fields", "Field name to a value (a template).", default=None)
    add_tags: list[str] | None = described("Add tags", default=None)
    remove_tags: list[str] | None = described("Remove tags", default=None)

    @model_validator(mode="after")
    def _something(self):
        if not (self.set or self.add_tags or self.remove_tags):
            raise ValueError("set a field, add a tag or remove a tag")
        return self


def _update(ctx, cfg: UpdateConfig) -> Go:
    values = {name: ctx.render(t) for name, t in (cfg.set or {}).items()}
    ctx.update(values, cfg.add_tags or [], cfg.remove_tags or [])
    return Go("next")


def _update_summary(c: UpdateConfig) -> str:
    parts = [f"{k} = {_short(v, 20)}" for k, v in (c.set or {}).items()]
    parts += [f"+{t}" for t in c.add_tags or []] + [f"-{t}" for t in c.remove_tags or []]
    return "Update " + ", ".join(parts)


UPDATE = register(NodeKind(
    name="action.update", title="Update contact", category="Actions", keywords="set field tag property lifecycle",
    starter={"add_tags": ["engaged"]}, sets_fields=lambda c: list(c["set"]) if isinstance(c.get("set"), dict) else [],
    help="Sets fields and adds or removes tags on the contact.",
    config=UpdateConfig, run=_update, summary=_update_summary,
))


class ScoreConfig(Config):
    add: int = described("Points", "Added to the lead score; negative to subtract.")
    reason: str | None = described("Reason", "Shown in the contact's timeline.", default=None)


def _score(ctx, cfg: ScoreConfig) -> Go:
    ctx.add_score(cfg.add, cfg.reason)
    return Go("next")


SCORE = register(NodeKind(
    name="action.score", title="Change lead score", category="Actions",
    starter={"add": 10},
    help="Adds points to (or takes them from) the contact's lead score.",
    config=ScoreConfig, run=_score, summary=lambda c: f"Score {c.add:+d}" + (f" ({c.reason})" if c.reason else ""),
))


class OwnerRule(BaseModel):
    model_config = {"extra": "forbid"}
    when: Condition = Field(min_length=1, title="Condition")
    owner: str = described("Owner", "An owner's address.", picks="owner", min_length=1)


class AssignConfig(Config):
    rules: list[OwnerRule] | None = described("Rules", "The first true rule names the owner.", default=None)
    pool: list[str] | None = described("Round robin", "Otherwise, the next owner in turn.", default=None)
    capacity: int | None = described("Capacity", "At most this many contacts per owner in the pool.",
                                     default=None, gt=0)

    @model_validator(mode="after")
    def _some_owner(self):
        if not (self.rules or self.pool):
            raise ValueError("give rules, a pool, or both")
        return self


def _assign(ctx, cfg: AssignConfig):
    for rule in cfg.rules or []:
        if ctx.condition(rule.when):
            ctx.update({"owner": rule.owner}, [], [])
            return Go("next", note=f"owner {rule.owner} by rule")
    if cfg.pool:
        owner = ctx.next_in_pool(cfg.pool, cfg.capacity)
        if owner is None:
            return Park("every owner in the pool is at capacity")
        ctx.update({"owner": owner}, [], [])
        return Go("next", note=f"owner {owner} in turn")
    return Go("next", note="no rule matched; owner unchanged")


ASSIGN_OWNER = register(NodeKind(
    name="action.assign_owner", title="Assign owner", category="Actions",
    starter={"pool": ["owner@example.com"]},
    help="Gives the contact an owner by rules, else in turn from a pool.",
    config=AssignConfig, run=_assign,
    summary=lambda c: "Assign owner" + (f" by {len(c.rules)} rules" if c.rules else "")
                      + (f", round robin of {len(c.pool)}" if c.pool else ""),
))


class NotifyConfig(Config):
    to: str = described("To", "`owner` for the contact's owner, or an address.", picks="recipient", min_length=1)
    connector: str = described("Send with", picks="connector:notify", min_length=1)
    subject: Template = described("Subject", min_length=1)
    body: Template = described("Body", shows="lines")


def _notify(ctx, cfg: NotifyConfig):
    to = ctx.field("owner") if cfg.to == "owner" else cfg.to
    if not to:
        return Go("next", note="not sent: the contact has no owner", did=Did.SKIPPED)
    return _sent(ctx, "notify", cfg.connector,
                 {"to": to, "subject": ctx.render(cfg.subject), "body": ctx.render(cfg.body)})


NOTIFY = register(NodeKind(
    name="action.notify", title="Notify sales", category="Actions", keywords="alert internal owner team email",
    starter={"to": "owner", "connector": "smtp", "subject": "{{ contact.email }} needs you", "body": ""},
    help="Tells a person (the contact's owner, or an address) about this contact.",
    config=NotifyConfig, run=_notify, channel="notify",
    summary=lambda c: f"Notify {c.to}: {_short(c.subject)}",
))


class EnrollConfig(Config):
    journey: str = described("Journey", "The key of the journey to enroll the contact in.", picks="journey",
                             min_length=1)


def _enroll(ctx, cfg: EnrollConfig) -> Go:
    return Go("next", note=ctx.enroll(cfg.journey))


ENROLL = register(NodeKind(
    name="action.enroll", title="Enroll in journey", category="Actions",
    starter={"journey": "onboarding"},
    enrolls_in=lambda c: [c["journey"]] if isinstance(c.get("journey"), str) else [],
    help="Starts another journey for this contact (its re-entry rule applies).",
    config=EnrollConfig, run=_enroll, summary=lambda c: f"Enroll in {c.journey}",
))


class ExitJourneysConfig(Config):
    journeys: list[str] | Literal["all"] = described("Journeys", "Keys, or \"all\" for every other journey.",
                                                     shows="all:All other journeys")


def _exit_journeys(ctx, cfg: ExitJourneysConfig) -> Go:
    count = ctx.exit_journeys(None if cfg.journeys == "all" else cfg.journeys)
    return Go("next", note=f"left {count} journey(s)")


EXIT_JOURNEYS = register(NodeKind(
    name="action.exit_journeys", title="Leave journeys", category="Actions", keywords="stop remove unenroll exit",
    starter={"journeys": "all"},
    takes_out_of=lambda c: c["journeys"] if c.get("journeys") == "all" or isinstance(c.get("journeys"), list) else [],
    help="Takes the contact out of other journeys.",
    config=ExitJourneysConfig, run=_exit_journeys,
    summary=lambda c: "Leave " + ("all other journeys" if c.journeys == "all" else ", ".join(c.journeys)),
))
