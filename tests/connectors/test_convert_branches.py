"""Branching steps whose paths meet again or all end survive `convert` with every port, and the audit
says they change nothing (issue 20). The three sources are in the platforms' documented shapes (each
file's _source says where): Dittofeed's three segment splits with the last one's children both on the
exit, Dittofeed's nested wait-fors, and a HubSpot LIST_BRANCH whose branches both go on to action 2.

The source's branching steps are counted here from the file, without the converter."""
from __future__ import annotations

import json

import pytest

from switchback.connectors.convert import convert
from switchback.connectors.convert.builder import slug
from switchback.runtime.audit import build_audit
from tests.conftest import DATA, ROOT

CONVERT = DATA / "convert"
EXIT = "ExitNode"


def dittofeed_branching(data) -> dict[str, list[str | None]]:
    """Each branching step -> the step each of its outputs leads to, in the converted node's port order."""
    out = {}
    for n in data["definition"]["nodes"]:
        if n["type"] == "SegmentSplitNode":
            out[n["id"]] = [n["variant"]["trueChild"], n["variant"]["falseChild"]]
        elif n["type"] == "WaitForNode":
            out[n["id"]] = [c["id"] for c in n["segmentChildren"]] + [n["timeoutChild"]]
    return out


def hubspot_branching(data) -> dict[str, list[str | None]]:
    out = {}
    for a in data["actions"]:
        if a["type"] == "LIST_BRANCH":
            out[a["actionId"]] = [b["connection"]["nextActionId"] for b in a["listBranches"]] \
                + [a["defaultBranch"]["nextActionId"]]
    return out


CASES = {
    "dittofeed/three-splits-last-both-exit.json": ("dittofeed", dittofeed_branching, "df-",
                                                   {"split-node-3": "every path ends"}),
    "dittofeed/nested-wait-for.json": ("dittofeed", dittofeed_branching, "df-",
                                       {"wait-for-onboarding-2": "every path ends"}),
    "hubspot/guide-list-branch-both-to-action-2.json": ("hubspot", hubspot_branching, "hs-",
                                                        {"1": "every path meets at “Set hs_lead_status”"}),
}


def converted_id(prefix: str, step: str) -> str:
    return "df-exit" if step == EXIT else prefix + slug(step)


@pytest.mark.parametrize("name", CASES)
def test_every_branching_step_is_kept_with_all_its_ports(name):
    platform, branching, prefix, _ = CASES[name]
    source = branching(json.loads((CONVERT / name).read_text()))
    journey, _ = convert(CONVERT / name, platform)
    branching_nodes = [n for n in journey.nodes if len(n.ports()) > 1]
    assert len(branching_nodes) == len(source), [n.id for n in branching_nodes]
    for step, targets in source.items():
        node = journey.node(converted_id(prefix, step))
        assert node is not None and len(node.ports()) == len(targets), step
        wired = [journey.next_node(node.id, port) for port in node.ports()]
        assert wired == [converted_id(prefix, t) for t in targets], step


@pytest.mark.parametrize("name", CASES)
def test_the_audit_says_which_branches_change_nothing(name):
    platform, _, prefix, idle = CASES[name]
    journey, _ = convert(CONVERT / name, platform)
    found = {f.places[0].node: f.detail for f in build_audit([journey]).findings if f.kind == "idle-branch"}
    assert set(found) == {converted_id(prefix, step) for step in idle}
    for step, words in idle.items():
        assert found[converted_id(prefix, step)].endswith(f"has no effect: {words}.")


def test_branches_that_choose_are_not_called_idle():
    from switchback.runtime import document
    journeys = [document.load(p) for p in sorted((ROOT / "resources" / "templates").glob("*.journey.json"))]
    assert not [f.title for f in build_audit(journeys).findings if f.kind == "idle-branch"]
