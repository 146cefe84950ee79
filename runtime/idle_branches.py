"""Branching steps whose choice changes nothing: every port leads to the same step, or every path
ends there. Converted journeys keep such steps as the source had them (the logic a client built is
not simplified away); the audit names them so a reader knows which choices do not matter."""
from __future__ import annotations

from dataclasses import dataclass

from switchback.runtime.document import Journey, Node


@dataclass
class IdleBranch:
    node: Node
    meets: Node | None           # the step every path goes on to; None when every path ends here

    @property
    def words(self) -> str:
        return "every path ends" if self.meets is None else f"every path meets at {label(self.meets)}"


def label(node: Node) -> str:
    return f"“{node.label}”" if node.label else f"“{node.declaration.title if node.declaration else node.kind}” ({node.id})"


def idle_branches(journey: Journey) -> list[IdleBranch]:
    out = []
    for node in journey.nodes:
        ports = node.ports()
        if len(ports) < 2:
            continue
        targets = [journey.node(t) if (t := journey.next_node(node.id, p)) else None for p in ports]
        if all(t is None or (t.declaration is not None and t.declaration.ends) for t in targets):
            out.append(IdleBranch(node, None))
        elif all(t is not None and t.id == targets[0].id for t in targets):
            out.append(IdleBranch(node, targets[0]))
    return out


__all__ = ["IdleBranch", "idle_branches"]
