"""Branches: choose one output port."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from switchback.nodes.fields import Condition, described
from switchback.nodes.outcomes import Go
from switchback.nodes.registry import Config, NodeKind, register


class IfConfig(Config):
    when: Condition = described("Condition", "Yes when this is true; a missing field makes it false.", min_length=1)


IF = register(NodeKind(
    name="branch.if", title="If / else", category="Branches", chooses=True, starter={"when": "contact.score >= 50"}, keywords="condition yes no filter check clicked opened",
    help="Sends the contact down yes or no.",
    config=IfConfig,
    run=lambda ctx, cfg: Go("yes" if ctx.condition(cfg.when) else "no"),
    ports=lambda cfg: ["yes", "no"],
    summary=lambda c: f"If {c.when}",
))


class Case(BaseModel):
    model_config = {"extra": "forbid"}
    port: str = Field(min_length=1, title="Port", description="The name of this case's output.")
    when: Condition = Field(min_length=1, title="Condition")


class SwitchConfig(Config):
    cases: list[Case] = described("Cases", "Checked in order; the first true one wins, else `else`.", min_length=1)


def _unique_ports(names: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    problems, seen = [], set()
    for n in names:
        if n in seen:
            problems.append(f"port {n!r} is used twice")
        if n in reserved:
            problems.append(f"port {n!r} is reserved")
        seen.add(n)
    return problems


def _switch(ctx, cfg: SwitchConfig) -> Go:
    for case in cfg.cases:
        if ctx.condition(case.when):
            return Go(case.port)
    return Go("else")


SWITCH = register(NodeKind(
    name="branch.switch", title="Switch", category="Branches", chooses=True,
    starter={"cases": [{"port": "case-1", "when": "contact.country == 'US'"}]}, keywords="condition cases route several",
    help="Sends the contact down the first case whose condition is true, else down `else`.",
    config=SwitchConfig, run=_switch,
    ports=lambda cfg: [c.port for c in cfg.cases] + ["else"],
    checks=lambda cfg: _unique_ports([c.port for c in cfg.cases], reserved=("else",)),
    summary=lambda c: "Switch: " + ", ".join(x.port for x in c.cases) + ", else",
))


class Variant(BaseModel):
    model_config = {"extra": "forbid"}
    port: str = Field(min_length=1, title="Port")
    weight: float = Field(gt=0, title="Weight", description="Relative share of contacts.")


class Optimize(BaseModel):
    model_config = {"extra": "forbid"}
    metric: Literal["goal", "email_opened", "email_clicked"] = Field(
        "goal", title="Metric", description="What makes a variant better: the journey's goal, or its emails opened or clicked.")
    min: int = Field(100, ge=1, title="Contacts first", description="Each variant gets this many contacts by weight "
                                                                      "before the better ones get more.")


class SplitConfig(Config):
    variants: list[Variant] = described("Variants", "Each contact always gets the same variant.", min_length=2)
    optimize: Optimize | None = described(
        "Optimize", "Once every variant has its contacts, give each new contact a variant by how well each is "
                    "doing (Thompson sampling); a contact keeps the variant it was given.", default=None)


def _split(ctx, cfg: SplitConfig) -> Go:
    optimize = cfg.optimize.model_dump() if cfg.optimize is not None else None
    return Go(ctx.choose_variant([(v.port, v.weight) for v in cfg.variants], optimize))


def _split_checks(cfg: SplitConfig) -> list[str]:
    problems = _unique_ports([v.port for v in cfg.variants])
    if cfg.optimize is not None and len(cfg.variants) < 2:
        problems.append("optimize needs at least two variants to compare")
    return problems


SPLIT = register(NodeKind(
    name="branch.split", title="A/B split", category="Branches", chooses=True,
    starter={"variants": [{"port": "a", "weight": 50}, {"port": "b", "weight": 50}]},
    keywords="ab test a/b experiment variant random percent holdout",
    help="Splits contacts by weight; a contact always lands in the same variant.",
    config=SplitConfig, run=_split, splits=True,
    ports=lambda cfg: [v.port for v in cfg.variants],
    checks=_split_checks,
    summary=lambda c: "Split " + " / ".join(f"{v.port} {v.weight:g}" for v in c.variants),
))
