"""Targets and the report's verdict: each rule on values either side of its bound."""

import pytest

from gansci import Experiment
from gansci.plugin import Target
from gansci.report import MetricValue, verdict_table


@pytest.mark.parametrize(
    "target, value, baseline, passes",
    [
        (Target("at_most", 0.1), 0.1, 9.0, True),
        (Target("at_most", 0.1), 0.1001, 0.0, False),
        (Target("at_least", 0.95), 0.95, 0.0, True),
        (Target("at_least", 0.95), 0.9499, 1.0, False),
        (Target("within", 0.05), 0.91, 0.96, True),
        (Target("within", 0.05), 1.02, 0.96, False),
        (Target("within", 0), 25, 25, True),
        (Target("times", 3), 0.3, 0.1, True),
        (Target("times", 3), 0.31, 0.1, False),
    ],
)
def test_each_rule_passes_at_its_bound_and_fails_beyond(target, value, baseline, passes):
    assert target.passes(value, baseline) is passes


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="target rule 'below'; valid: at_most"):
        Target("below", 1.0)


def test_verdict_table_counts_targets_met():
    rows = [
        MetricValue("d2", "d2_gap", 0.05, 0.01, "≤ 0.1", "PASS"),
        MetricValue("attractor", "coverage", 0.9, 0.99, "≥ 0.95", "FAIL"),
        MetricValue("swd", "swd", 0.2, 0.1),
    ]
    lines = verdict_table(rows)
    assert lines[0] == "**1 of 2 targets met.**"
    assert "| attractor.coverage | 0.9 | 0.99 | ≥ 0.95 | **FAIL** |" in lines
    assert not any("swd" in line for line in lines)


def test_a_run_report_opens_with_the_verdict(tmp_path, small):
    exp = Experiment.from_recipe("grid25", out=tmp_path / "r", **small)
    exp.run()
    rows = {f"{r.metric}.{r.key}": r for r in exp.validate(write_report=False)}
    assert rows["modes.high_quality"].target == "≥ 0.95"
    assert rows["modes.high_quality"].verdict == "FAIL"  # 40 steps are not enough
    report = (tmp_path / "r" / "report.md").read_text()
    assert report.index("## Verdict") < report.index("## Metrics")
    assert "| modes | " in report.split("## Metrics")[0]
