"""The inspector shows the split's optimize group and the journey's holdout, and says what is wrong
with a bad value."""
from switchback.canvas.config_form import ConfigForm
from switchback.nodes import registry as nodes
from switchback.runtime.settings import Settings


def test_the_split_inspector_turns_optimize_on_with_its_metric_and_minimum(qtbot):
    split = {"variants": [{"port": "a", "weight": 50}, {"port": "b", "weight": 50}]}
    form = ConfigForm(nodes.get("branch.split").config, split)
    qtbot.addWidget(form)
    group = form.editors["optimize"]
    assert not group.group.isChecked() and "optimize" not in form.config()
    group.set_value({"metric": "email_clicked", "min": 200})
    assert form.config()["optimize"] == {"metric": "email_clicked", "min": 200}
    assert form.problem() is None


def test_the_settings_form_has_the_holdout_and_keeps_it_within_0_to_50(qtbot):
    form = ConfigForm(Settings, {"holdout": 10, "goal_window": "14d"})
    qtbot.addWidget(form)
    assert form.config()["holdout"] == 10 and form.config()["goal_window"] == "14d"
    form.set_config({"holdout": 60})
    assert form.config()["holdout"] == 50 or "50" in (form.problem() or "")      # held to its range, or said
