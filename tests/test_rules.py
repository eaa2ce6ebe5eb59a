"""The rules file: the packaged defaults (from the seeds), a clerk's file that changes some keys,
and every problem reported with its file, line, path and code."""

from __future__ import annotations

import pytest

from xlkpi.month.settings import (
    PayBand,
    RulesError,
    check_rules_file,
    check_rules_text,
    default_rules,
    default_rules_path,
    load_rules,
)

from .cli import run_cli


def test_defaults_are_the_seeds():
    rules = default_rules()
    assert (rules.ranking, rules.month_rewards, rules.period_rewards) == ("dense", (500, 300, 200), (500, 300, 200))
    assert (rules.complete, rules.min_total, rules.min_group) == (True, 70, 3)
    assert (rules.months, rules.skip, rules.missing) == ("collected", (), "exclude")
    assert rules.pay == (PayBand(90, "上调基础工资10%"), PayBand(70, "维持"), PayBand(None, "降薪或培训"))
    assert rules.department_min_employees == 3
    assert rules.sources == (str(default_rules_path()),)


def test_the_packaged_file_is_clean():
    rules, problems = check_rules_file(default_rules_path())
    assert problems == []
    assert rules.pay == default_rules().pay


@pytest.mark.parametrize(("average", "advice"), [
    (100, "上调基础工资10%"), (90, "上调基础工资10%"), (89.99, "维持"), (70, "维持"), (69.99, "降薪或培训"),
    (0, "降薪或培训"), (None, None)])
def test_pay_advice_at_the_band_boundaries(average, advice):
    assert default_rules().pay_advice(average) == advice


def test_a_file_changes_only_the_keys_it_names(tmp_path):
    path = tmp_path / "规则.yaml"
    path.write_text("rewards:\n  eligible:\n    min_group: 2\n  month: [300, 200, 100]\n"
                    "period:\n  missing: zero\n  skip: [2026-02]\n"
                    "pay:\n  - {from: 85, advice: 加薪}\n  - {advice: 不变}\n", encoding="utf-8")
    rules = load_rules(path)
    assert (rules.min_group, rules.month_rewards, rules.missing, rules.skip) == (2, (300, 200, 100), "zero",
                                                                                ("2026-02",))
    assert rules.pay == (PayBand(85, "加薪"), PayBand(None, "不变"))
    # the rest keep their defaults
    assert (rules.ranking, rules.period_rewards, rules.complete, rules.min_total, rules.months) == (
        "dense", (500, 300, 200), True, 70, "collected")
    assert rules.sources == (str(default_rules_path()), str(path))
    assert rules.pay_advice(84.99) == "不变"
    assert load_rules(None) == default_rules()


def test_min_total_null_means_no_minimum():
    rules, problems = check_rules_text("rewards:\n  eligible:\n    min_total: null\n")
    assert problems == [] and rules.min_total is None


def test_an_empty_file_is_the_defaults():
    rules, problems = check_rules_text("# nothing\n", "空.yaml")
    assert problems == []
    assert rules.pay == default_rules().pay and rules.sources[1] == "空.yaml"


BAD = """\
ranking: olympic
rewards:
  month: [500, 三百]
  eligible:
    complete: yes please
    min_totl: 70
    min_group: 0
period:
  months: some
  skip: [2026-13]
  missing: 0
departments:
  min_employees: 2.5
colour: red
"""


def test_every_problem_with_its_line():
    rules, problems = check_rules_text(BAD, "规则.yaml")
    assert rules is None
    assert [str(problem) for problem in problems] == [
        '规则.yaml:1: ranking [bad-value]: 应为 dense（中国式排名 1,2,2,3）、competition（竞争排名 1,2,2,4） 之一，'
        '实际为 "olympic"。',
        '规则.yaml:3: rewards.month[1] [bad-value]: 应为不小于 0 的金额（元），实际为 "三百"。',
        '规则.yaml:5: rewards.eligible.complete [bad-type]: 应为 true 或 false，实际为 "yes please"。',
        '规则.yaml:6: rewards.eligible.min_totl [unknown-key]: 未知的键 "min_totl"，是否应为 "min_total"？',
        "规则.yaml:7: rewards.eligible.min_group [bad-value]: 应为不小于 1 的整数（人数），实际为 0。",
        '规则.yaml:9: period.months [bad-value]: 应为 collected（只计已汇总的月份）、all（计入期间的每个日历月） 之一，'
        '实际为 "some"。',
        '规则.yaml:10: period.skip[0] [bad-value]: 应为 YYYY-MM 格式的月份，例如 2026-02，实际为 "2026-13"。',
        "规则.yaml:11: period.missing [bad-value]: 应为 exclude（缺月不计入平均分）、zero（缺月按 0 分计入平均分） 之一，"
        "实际为 0。",
        "规则.yaml:13: departments.min_employees [bad-value]: 应为不小于 1 的整数（人数），实际为 2.5。",
        '规则.yaml:14: colour [unknown-key]: 未知的键 "colour"。',
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("pay:\n  - {from: 70, advice: 维持}\n  - {from: 90, advice: 加薪}\n  - {advice: 培训}\n",
     "规则.yaml:3: pay[1].from [band-order]: 各档应从高到低排列：90 不低于上一档的 70。"),
    ("pay:\n  - {from: 90, advice: 加薪}\n  - {from: 70, advice: 维持}\n",
     "规则.yaml:3: pay[1] [band-order]: 最后一档不应写 from：它是低于上一档的全部结果（例如 advice: 降薪或培训）。"),
    ("pay:\n  - {advice: 加薪}\n  - {advice: 维持}\n",
     "规则.yaml:2: pay[0].from [missing-key]: 只有最后一档可以不写 from；这一档之后还有其他档，请写出它的下限分数。"),
    ("pay:\n  - {from: 90}\n  - {advice: 维持}\n",
     '规则.yaml:2: pay[0].advice [missing-key]: 缺少必填的键 "advice"。'),
    ("pay:\n  - {from: 九十, advice: 加薪}\n  - {advice: 维持}\n",
     '规则.yaml:2: pay[0].from [bad-type]: 应为分数（如 90），实际为 "九十"。'),
    ("pay: []\n", "规则.yaml:1: pay [bad-type]: 应为调薪建议各档的列表（每档 from 和 advice），不能为空。"),
    ("rewards: [500]\n", "规则.yaml:1: rewards [bad-type]: 应为键值映射，实际为 列表。"),
    ("rewards:\n  month: 500\n", "规则.yaml:2: rewards.month [bad-type]: 应为金额的列表，例如 [500, 300, 200]，实际为 数字。"),
    ("ranking: [dense\n", "规则.yaml:2 [yaml-syntax]: YAML 语法错误：expected ',' or ']', but got '<stream end>'。"),
    ("- 1\n", "规则.yaml:1 [bad-type]: 应为键值映射，实际为 列表。"),
])
def test_one_problem(text, expected):
    rules, problems = check_rules_text(text, "规则.yaml")
    assert rules is None
    assert [str(problem) for problem in problems] == [expected]


def test_load_rules_refuses_a_bad_file(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("ranking: x\nperiod: {missing: y}\n", encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    assert str(raised.value).splitlines() == [
        f'{path}:1: ranking [bad-value]: 应为 dense（中国式排名 1,2,2,3）、competition（竞争排名 1,2,2,4） 之一，实际为 "x"。',
        f'{path}:2: period.missing [bad-value]: 应为 exclude（缺月不计入平均分）、zero（缺月按 0 分计入平均分） 之一，'
        '实际为 "y"。']
    with pytest.raises(RulesError, match="文件不存在"):
        load_rules(tmp_path / "none.yaml")


# ---------------------------------------------------------------- the commands
def test_cli_rules_prints_the_defaults(tmp_path):
    run = run_cli("rules")
    assert run.exit_code == 0
    assert run.output == default_rules_path().read_text(encoding="utf-8")
    copy = tmp_path / "规则.yaml"
    copy.write_text(run.output, encoding="utf-8")
    assert load_rules(copy).pay == default_rules().pay


def test_cli_rules_check(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("ranking: competition\n", encoding="utf-8")
    bad.write_text("ranking: x\n", encoding="utf-8")
    run = run_cli("rules", "check", good)
    assert (run.exit_code, run.output) == (0, "1 个文件通过检查。\n")
    run = run_cli("rules", "check", good, bad)
    assert run.exit_code == 1
    assert run.stderr == (f'{bad}:1: ranking [bad-value]: 应为 dense（中国式排名 1,2,2,3）、competition（竞争排名 1,2,2,4） 之一，'
                          '实际为 "x"。\n')
    assert run.stdout == "发现 1 个问题：1 个文件未通过检查，1 个文件通过检查。\n"


def test_cli_rules_show(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("rewards:\n  eligible: {min_total: null, min_group: 1}\n  month: []\n", encoding="utf-8")
    run = run_cli("rules", "show", "--rules", path)
    assert run.exit_code == 0
    assert run.output.splitlines() == [
        "排名方式                      中国式排名 1,2,2,3",
        "月度奖励（前三名，并列同奖）  不发奖励",
        "期间奖励（前三名，并列同奖）  500 元、300 元、200 元",
        "得奖条件：已完成              是（月度：考核表已完成；期间：不缺月）",
        "得奖条件：最低总分            不设",
        "得奖条件：同组最少人数        1 人（同一部门、同一表单中有总分的人）",
        "期间计入的月份                只计已汇总的月份",
        "缺月                          缺月不计入平均分",
        "调薪建议（按平均分）          ≥ 90：上调基础工资10%；≥ 70：维持；其余：降薪或培训",
        "部门评比最少人数              3 人",
        f"规则文件                      内置默认规则；{path}",
    ]
    bad = run_cli("rules", "show", "--rules", tmp_path / "none.yaml")
    assert bad.exit_code == 1
    assert bad.output == f"错误：{tmp_path / 'none.yaml'} [yaml-syntax]: 文件不存在。\n"
