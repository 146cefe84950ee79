"""What no single journey can see: conditions that overlap, triggers shared, fields no contact has,
connectors and journeys named that do not exist."""
from __future__ import annotations

from collections import defaultdict

from jinja2 import nodes as jnodes
from jinja2.exceptions import TemplateError
from jinja2.parser import Parser

from switchback.runtime import sandbox, validation
from switchback.runtime.audit.data import Finding, NodeRef, SEVERITIES
from switchback.runtime.audit.inventory import _config, _node_label, _q, _settings, trigger_words
from switchback.runtime.contacts import Event, STANDARD
from switchback.runtime.document import Journey, Node


# --- conditions: what they constrain, which fields they use ------------------------------------------

def _expression(code: str) -> jnodes.Node | None:
    try:
        parser = Parser(sandbox.ENV, code, state="variable")
        return parser.parse_expression()
    except TemplateError:
        return None


def _template(code: str) -> jnodes.Node | None:
    try:
        return sandbox.parse_template(code)
    except sandbox.CodeError:
        return None


def contact_fields(tree: jnodes.Node | None) -> set[str]:
    """The `contact.X` (and `contact['X']`) a condition or template reads."""
    if tree is None:
        return set()
    out = set()
    for n in tree.find_all((jnodes.Getattr, jnodes.Getitem)):
        if isinstance(n.node, jnodes.Name) and n.node.name == "contact":
            if isinstance(n, jnodes.Getattr):
                out.add(n.attr)
            elif isinstance(n.arg, jnodes.Const) and isinstance(n.arg.value, str):
                out.add(n.arg.value)
    return out


def _constraints(code: str | None) -> dict[str, frozenset] | None:
    """What a condition pins down: for each `X == const` or `X in [consts]` among its top-level
    `and`s, the values X may take. None when there is no condition (it lets everything through)."""
    if not code:
        return None
    tree = _expression(code)
    if tree is None:
        return {}
    conjuncts, stack = [], [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, jnodes.And):
            stack += [n.left, n.right]
        else:
            conjuncts.append(n)
    out: dict[str, frozenset] = {}
    for n in conjuncts:
        if not isinstance(n, jnodes.Compare) or len(n.ops) != 1:
            continue
        op, left, right = n.ops[0].op, n.expr, n.ops[0].expr
        if op == "eq" and isinstance(left, jnodes.Const):
            left, right = right, left
        values: frozenset | None = None
        if op == "eq" and isinstance(right, jnodes.Const):
            values = frozenset([right.value])
        elif op == "in" and isinstance(right, (jnodes.List, jnodes.Tuple)) and all(isinstance(i, jnodes.Const) for i in right.items):
            values = frozenset(i.value for i in right.items)
        if values is None or isinstance(left, jnodes.Const):
            continue
        key = repr(left)
        out[key] = out[key] & values if key in out else values
    return out


def overlap(a: str | None, b: str | None) -> str:
    """How two trigger conditions relate: `same` (identical, or both absent), `overlap` (one lets
    everything through, or they may both hold), or `disjoint` (provably never both true)."""
    if (a or "").split() == (b or "").split():
        return "same"
    ca, cb = _constraints(a), _constraints(b)
    if ca is None or cb is None:
        return "overlap"
    for key in ca.keys() & cb.keys():
        if not ca[key] & cb[key]:
            return "disjoint"
    return "overlap"


# --- triggers compared -----------------------------------------------------------------------------

def _signature(node: Node) -> tuple | None:
    """What two triggers must share to be "the same trigger", and the condition narrowing it."""
    kind = node.declaration
    if kind is None or kind.same_as is None:
        return None                                        # manual: a person chooses each time
    key, narrowing = kind.same_as(node.config)
    return (node.kind, *key), narrowing


def _field_changed_overlap(a: str | None, b: str | None) -> str:
    return "same" if a == b else ("overlap" if a is None or b is None else "disjoint")


def _between(a: Journey, b: Journey) -> list[str]:
    """What decides between two journeys a contact could be in at once, in plain words."""
    sa, sb = _settings(a), _settings(b)
    out = []
    for x, y, sx in ((a, b, sa), (b, a, sb)):
        if sx is None:
            continue
        if y.key in sx.suppresses:
            out.append(f"{x.name} takes contacts out of {y.name} when they enter it (suppresses)")
        if sx.exit_when and _names_journey(sx.exit_when, y.key):
            out.append(f"{x.name} lets contacts go when they are in {y.name} (exit when)")
        for n in x.nodes:
            if n.declaration is not None:
                keys = n.declaration.takes_out_of(n.config)
                if keys == "all" or (isinstance(keys, list) and y.key in keys):
                    out.append(f"{x.name} takes contacts out of {y.name} at {_q(_node_label(n))}")
    if sa and sb and sa.priority != sb.priority:
        hi = a if sa.priority > sb.priority else b
        out.append(f"{hi.name} has the higher priority ({max(sa.priority, sb.priority)} against "
                   f"{min(sa.priority, sb.priority)}), so contacts enter it first; both still run "
                   f"unless one suppresses the other")
    return out


def _names_journey(condition: str, key: str) -> bool:
    tree = _expression(condition)
    if tree is None:
        return False
    for call in tree.find_all(jnodes.Call):
        if (isinstance(call.node, jnodes.Name) and call.node.name == "in_journey" and call.args
                and isinstance(call.args[0], jnodes.Const) and call.args[0].value == key):
            return True
    return False


def _trigger_findings(journeys: list[Journey]) -> tuple[list[Finding], set[frozenset]]:
    findings, pairs = [], set()
    sigs = [(j, t, *sig) for j in journeys for t in j.triggers() if (sig := _signature(t)) is not None]
    for i, (ja, ta, sa, ca) in enumerate(sigs):
        for jb, tb, sb, cb in sigs[i + 1:]:
            if ja.key == jb.key or sa != sb:
                continue
            relation = (_field_changed_overlap(ca, cb) if ta.declaration.narrowed_by_value else overlap(ca, cb))
            if relation == "disjoint":
                continue
            pair = frozenset((ja.key, jb.key))
            if pair in pairs:
                continue
            pairs.add(pair)
            start, _ = trigger_words(ta)
            places = [NodeRef(ja.key, ja.name, ta.id, _node_label(ta)), NodeRef(jb.key, jb.name, tb.id, _node_label(tb))]
            between = _between(ja, jb)
            same_words = f"{ja.name} and {jb.name} both start {start[0].lower()}{start[1:]}"
            if relation == "overlap" and (ca or cb):
                same_words += (" and their conditions can both be true "
                               f"({ca or 'no condition'} / {cb or 'no condition'})")
            if between:
                findings.append(Finding(
                    kind="same-trigger", severity="low",
                    title=f"{ja.name} and {jb.name} start on the same trigger",
                    detail=f"{same_words}. Something decides between them: {'; '.join(between)}.",
                    advice="Nothing to fix if this is intended; check that the journey that wins is the one you want.",
                    journeys=[ja.key, jb.key], places=places))
            else:
                findings.append(Finding(
                    kind="overlap", severity="high" if relation == "same" or not (ca and cb) else "medium",
                    title=f"{ja.name} and {jb.name} start on the same trigger, and nothing decides between them",
                    detail=f"{same_words}. They have the same priority, neither suppresses the other and neither "
                           f"exits when the contact is in the other, so a contact gets both journeys' messages at once.",
                    advice="Give one of them a higher priority and let it suppress the other (settings › suppresses), "
                           "or narrow one trigger's condition so they do not both fire.",
                    journeys=[ja.key, jb.key], places=places))
    return findings, pairs


# --- fields no contact has ---------------------------------------------------------------------------

def _field_uses(journey: Journey) -> list[tuple[str, str, str]]:
    """(node id, role, field) for every contact field the journey reads. role: trigger, wait,
    template, condition."""
    out = []
    s = _settings(journey)
    if s:
        for path, role, code in validation.code_fields(s):
            out += [("settings." + path, "condition", f) for f in contact_fields(_expression(code))]
    for n in journey.nodes:
        cfg = _config(n)
        if cfg is None:
            continue
        for path, role, code in validation.code_fields(cfg):
            tree = _expression(code) if role == "condition" else _template(code)
            out += [(n.id, "condition" if role == "condition" else "template", f) for f in contact_fields(tree)]
        for f in n.declaration.field_refs(cfg):
            out.append((n.id, "trigger" if n.declaration.is_trigger else "wait", f))
    return out


_ROLE_EFFECT = {
    "trigger": ("high", "the journey never starts for anyone"),
    "wait": ("high", "contacts stop at that wait with an error"),
    "template": ("medium", "messages go out with a blank where the value should be"),
    "condition": ("low", "the condition sees nothing there, so every contact takes the same path"),
}


def _missing_fields(journeys: list[Journey], contacts: list[dict], events: list[Event]) -> list[Finding]:
    known = set(STANDARD) | {"score", "tags"}
    for c in contacts:
        known |= {k for k, v in c.items() if v is not None}
    for e in events:
        if e.type == "contact_updated":
            known |= set(e.properties)
    for j in journeys:                    # fields a journey sets itself are had by the time it matters
        for n in j.nodes:
            if n.declaration is not None:
                known |= set(n.declaration.sets_fields(n.config))
    uses: dict[str, list[tuple[Journey, str, str]]] = defaultdict(list)
    for j in journeys:
        for where, role, f in _field_uses(j):
            if f not in known:
                uses[f].append((j, where, role))
    findings = []
    for f, places in sorted(uses.items()):
        severity = min((_ROLE_EFFECT[r][0] for _, _, r in places), key=SEVERITIES.index)
        effects = []
        for _, _, r in places:
            if _ROLE_EFFECT[r][1] not in effects:
                effects.append(_ROLE_EFFECT[r][1])
        refs, seen = [], set()
        for j, where, _ in places:
            if (j.key, where) in seen:
                continue
            seen.add((j.key, where))
            node = j.node(where)
            refs.append(NodeRef(j.key, j.name, where, _node_label(node) if node else where.replace("settings.", "setting ")))
        keys = list(dict.fromkeys(j.key for j, _, _ in places))
        findings.append(Finding(
            kind="missing-field", severity=severity,
            title=f"No contact has the field {_q(f)}, but {len(refs)} place{'s' if len(refs) != 1 else ''} use{'' if len(refs) != 1 else 's'} it",
            detail=f"None of the contacts audited has a value in {_q(f)}, and no journey or event sets it, "
                   f"so {'; and '.join(effects)}.",
            advice=f"Add {_q(f)} to the contacts (a CSV column or a CRM property), or change the "
                   f"template to use a field they have.",
            journeys=keys, places=refs))
    return findings


# --- connectors and journeys referred to -------------------------------------------------------------

def _missing_connectors(journeys: list[Journey], connectors: list[dict]) -> list[Finding]:
    have = {c.get("name") for c in connectors}
    uses: dict[str, list[NodeRef]] = defaultdict(list)
    for j in journeys:
        for n in j.nodes:
            name = n.config.get("connector")
            if isinstance(name, str) and name and name not in have:
                uses[name].append(NodeRef(j.key, j.name, n.id, _node_label(n)))
    findings = []
    for name, refs in sorted(uses.items()):
        none_at_all = not connectors
        findings.append(Finding(
            kind="missing-connector", severity="high",
            title=f"The connector {_q(name)} is used but not set up",
            detail=(f"{len(refs)} step{'s' if len(refs) != 1 else ''} send{'' if len(refs) != 1 else 's'} with "
                    f"{_q(name)}, which this workspace does not have. "
                    + ("The workspace has no connectors at all, so messages are only recorded, never sent."
                       if none_at_all else "Those messages will wait and never go out.")),
            advice=f"Add it under Workspace › Connectors… (or `switchback connector add {name} --kind ...`), or point those steps at an existing connector.",
            journeys=list(dict.fromkeys(r.journey for r in refs)), places=refs))
    return findings


def _unknown_journeys(journeys: list[Journey]) -> list[Finding]:
    keys = {j.key for j in journeys}
    findings = []
    for j in journeys:
        s = _settings(j)
        refs: list[tuple[str, str | None, str]] = []
        for k in (s.suppresses if s else []):
            refs.append((k, None, "suppresses"))
        for n in j.nodes:
            if n.declaration is None:
                continue
            refs += [(k, n.id, "enrolls contacts in") for k in n.declaration.enrolls_in(n.config)]
            if isinstance(out_of := n.declaration.takes_out_of(n.config), list):
                refs += [(k, n.id, "takes contacts out of") for k in out_of]
        for key, node_id, verb in refs:
            if key in keys or key == j.key:
                continue
            node = j.node(node_id) if node_id else None
            findings.append(Finding(
                kind="unknown-journey", severity="low",
                title=f"{j.name} refers to {_q(key)}, which is not in this audit",
                detail=f"{j.name} {verb} {_q(key)}, but no audited journey has that key"
                       + (", so that step does nothing." if verb == "enrolls contacts in" else "."),
                advice="Include that journey in the audit, or correct the key.",
                journeys=[j.key], places=[NodeRef(j.key, j.name, node_id, _node_label(node) if node else None)]))
    return findings
