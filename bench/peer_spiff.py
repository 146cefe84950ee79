"""The ten-node journey as a BPMN process in SpiffWorkflow, the peer engine, for bench/engine.py.

    run_spiff(n) -> (seconds, steps)

builds the process once from the BPMN below (parsing is not timed), then, timed, runs one workflow
instance per contact (bench/workload.py's contacts(n)) to completion. Written against SpiffWorkflow 3.x
(BpmnParser.add_bpmn_str / get_spec, BpmnWorkflow.do_engine_steps, send_event, catch).

How the process maps onto bench/ten_node.journey.json (BPMN ids; case-study is case_study):

  all         trigger.manual       start event
  welcome     action.email         script task: formats the subject and body with the first name and
                                   appends a message dict to the outbox (via `send`)
  day         wait.delay 1d        timer intermediate catch event, timeDuration P1D
  big         branch.if            exclusive gateway, `employees >= 500`, default flow to warm
  hot         action.score +20     script task: score += 20
  warm        action.update tag    script task: adds the tag "nurture"
  click       wait.event 3d        event-based gateway: message catch `email_clicked`, or a P3D timer
  ab          branch.split 1:1     exclusive gateway on a sha256 fraction of the email (as our
                                   engine's stable_fraction), default flow to text
  case_study  action.email         script task, like welcome (subject with the company)
  text        action.sms           script task, like welcome (body with the first name)

SpiffWorkflow's timers run on the wall clock (datetime.now) and have no virtual clock, so this driver
plays the clock the way SpiffWorkflow's own tests do: when an instance is waiting on a timer it
catches that timer's event definition (the time has passed). The contacts that click
(bench/workload.py's clicks(n), every third) get the `email_clicked` message while they wait on the
click; the others get the 3-day timeout. What the peer does not do and our engine does: consent
checks, quiet hours and the frequency cap before each message, per-contact time zones, goals and
exit conditions, persistence; the peer's workflow instances are independent and in memory.

steps counts the tasks completed at the ten journey nodes (eight per contact, as our engine counts
nodes entered); run_spiff(n, count_all=True) counts every completed SpiffWorkflow task instead,
its hidden Start, EndJoin and End tasks, the end events and the caught click/timeout events included
(13 per contact).
"""
from __future__ import annotations

import hashlib
import logging
import time

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

PROCESS_ID = "ten_node"
JOURNEY_NODES = frozenset({"all", "welcome", "day", "big", "hot", "warm", "click", "ab", "case_study", "text"})

BPMN = """\
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://bench.test/switchback">
  <bpmn:message id="msg_clicked" name="email_clicked" />
  <bpmn:process id="ten_node" isExecutable="true">
    <bpmn:startEvent id="all" name="Manual trigger" />
    <bpmn:scriptTask id="welcome" name="Welcome email">
      <bpmn:script>send("email", email, f"Welcome, {first_name}", f"Hello {first_name}")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:intermediateCatchEvent id="day" name="Wait 1 day">
      <bpmn:timerEventDefinition>
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:exclusiveGateway id="big" name="Large company?" default="f_big_no" />
    <bpmn:scriptTask id="hot" name="Score +20">
      <bpmn:script>score = score + 20</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="warm" name="Tag nurture">
      <bpmn:script>tags = tags if "nurture" in tags else tags + ["nurture"]</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:eventBasedGateway id="click" name="Wait for a click, 3 days at most" />
    <bpmn:intermediateCatchEvent id="clicked" name="Clicked">
      <bpmn:messageEventDefinition messageRef="msg_clicked" />
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="click_timeout" name="3 days passed">
      <bpmn:timerEventDefinition>
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P3D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:exclusiveGateway id="ab" name="A/B split" default="f_ab_b" />
    <bpmn:scriptTask id="case_study" name="Case-study email">
      <bpmn:script>send("email", email, f"How {company} peers use us", "...")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="text" name="SMS">
      <bpmn:script>send("sms", phone, None, f"Hi {first_name}, a quick question?")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end_a" />
    <bpmn:endEvent id="end_b" />

    <bpmn:sequenceFlow id="f1" sourceRef="all" targetRef="welcome" />
    <bpmn:sequenceFlow id="f2" sourceRef="welcome" targetRef="day" />
    <bpmn:sequenceFlow id="f3" sourceRef="day" targetRef="big" />
    <bpmn:sequenceFlow id="f_big_yes" sourceRef="big" targetRef="hot">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">employees &gt;= 500</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_big_no" sourceRef="big" targetRef="warm" />
    <bpmn:sequenceFlow id="f4" sourceRef="hot" targetRef="click" />
    <bpmn:sequenceFlow id="f5" sourceRef="warm" targetRef="click" />
    <bpmn:sequenceFlow id="f6" sourceRef="click" targetRef="clicked" />
    <bpmn:sequenceFlow id="f7" sourceRef="click" targetRef="click_timeout" />
    <bpmn:sequenceFlow id="f8" sourceRef="clicked" targetRef="ab" />
    <bpmn:sequenceFlow id="f9" sourceRef="click_timeout" targetRef="ab" />
    <bpmn:sequenceFlow id="f_ab_a" sourceRef="ab" targetRef="case_study">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">stable_fraction("ab", email) &lt; 0.5</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_ab_b" sourceRef="ab" targetRef="text" />
    <bpmn:sequenceFlow id="f10" sourceRef="case_study" targetRef="end_a" />
    <bpmn:sequenceFlow id="f11" sourceRef="text" targetRef="end_b" />
  </bpmn:process>
</bpmn:definitions>
"""


def stable_fraction(salt: str, email: str) -> float:
    """In [0, 1), the same for a contact every time (as runtime.engine's stable_fraction)."""
    digest = hashlib.sha256(f"0:ten-node:{salt}:{email}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def parse_spec():
    parser = BpmnParser()
    parser.add_bpmn_str(BPMN.encode())
    return parser.get_spec(PROCESS_ID)


def run_spiff(n: int, count_all: bool = False) -> tuple[float, int]:
    from bench.workload import clicks, contacts          # the workload bench/engine.py runs too
    spiff_log = logging.getLogger("spiff")
    level = spiff_log.level
    spiff_log.setLevel(logging.WARNING)                    # no per-task debug/info logging while timed
    spec = parse_spec()
    delay = spec.task_specs["day"].event_definition
    # the event-based gateway holds its catch events' definitions (its successors keep none of their own)
    timeout = next(d for d in spec.task_specs["click"].event_definition.event_definitions if isinstance(d, TimerEventDefinition))
    click = MessageEventDefinition("email_clicked")
    people = contacts(n)
    clicked = {ev.contact for ev in clicks(n)}
    outbox: list[dict] = []

    def send(channel, to, subject, body):
        outbox.append({"channel": channel, "to": to, "subject": subject, "body": body})

    engine = PythonScriptEngine(environment=TaskDataEnvironment({"send": send, "stable_fraction": stable_fraction}))

    try:
        steps = 0
        t = time.perf_counter()
        for contact in people:
            wf = BpmnWorkflow(spec, script_engine=engine)
            wf.task_tree.data = dict(contact, score=0, tags=[])
            wf.do_engine_steps()                                   # start, welcome; waits on the 1-day timer
            wf.catch(BpmnEvent(delay))                             # a day has passed
            wf.do_engine_steps()                                   # big, hot|warm; waits at the click gateway
            if contact["email"] in clicked:
                wf.send_event(BpmnEvent(click, {}))
            else:
                wf.catch(BpmnEvent(timeout))                       # three days passed without a click
            wf.do_engine_steps()                                   # ab, case_study|text, end
            if not wf.is_completed():
                raise RuntimeError(f"SpiffWorkflow instance for {contact['email']} did not complete")
            for task in wf.get_tasks(state=TaskState.COMPLETED):
                if count_all or task.task_spec.name in JOURNEY_NODES:
                    steps += 1
        took = time.perf_counter() - t
    finally:
        spiff_log.setLevel(level)
    if len(outbox) != 2 * n:
        raise RuntimeError(f"expected {2 * n} messages, the process sent {len(outbox)}")
    return took, steps
