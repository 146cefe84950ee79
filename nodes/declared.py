"""The kinds other layers build by name (converters, the audit), as constants: code outside nodes/
names a kind only through these, so a kind's name is written once, in its declaration."""
from switchback.nodes.actions import (ASSIGN_OWNER, EMAIL, ENROLL, EXIT_JOURNEYS, NOTIFY, SCORE, SMS, UPDATE,
                                      WEBHOOK)
from switchback.nodes.branches import IF, SPLIT, SWITCH
from switchback.nodes.flow import EXIT
from switchback.nodes.triggers import DATE, EVENT, FIELD_CHANGED, INACTIVE, MANUAL, SCORE_REACHED, SEGMENT
from switchback.nodes.waits import DELAY, UNTIL, WAIT_EVENT

__all__ = ["ASSIGN_OWNER", "EMAIL", "ENROLL", "EXIT_JOURNEYS", "NOTIFY", "SCORE", "SMS", "UPDATE", "WEBHOOK",
           "IF", "SPLIT", "SWITCH", "EXIT", "DATE", "EVENT", "FIELD_CHANGED", "INACTIVE", "MANUAL",
           "SCORE_REACHED", "SEGMENT", "DELAY", "UNTIL", "WAIT_EVENT"]
