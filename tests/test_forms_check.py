"""`xlkpi forms check` and the other form commands, through click's runner.

Each file in tests/forms/invalid/ is a small form with exactly one defect, named after
the code it must raise; the report line is asserted exactly, as a clerk's IT colleague
sees it.
"""

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlkpi.app.cli import display_width, main
from xlkpi.base.errors import CODES

from .cli import run_cli
from .conftest import require_module

ROOT = Path(__file__).resolve().parents[1]
FORMS = Path("tests/forms")
INVALID = FORMS / "invalid"
DOC = ROOT / "docs" / "definition-format.md"

# the definition codes: every one has its file
DEFINITION_CODES = [
    "yaml-syntax", "unknown-key", "missing-key", "bad-type", "bad-id", "duplicate-id", "weight-sum",
    "points-sum", "band-order", "band-length", "empty-levels", "unknown-ref", "rule-count", "bad-value",
]

EXPECTED = {
    "yaml-syntax": "21 [yaml-syntax]: YAML 语法错误：mapping values are not allowed here。",
    "unknown-key": "17: sections.work.items.attendance.pionts [unknown-key]: 未知的键 \"pionts\"，是否应为 \"points\"？",
    "missing-key": "20: sections.work.items.quality.name [missing-key]: 缺少必填的键 \"name\"。",
    "bad-type": "22: sections.work.items.quality.points [bad-type]: 应为数字或百分数（如 75%），实际为 '六十'。",
    "bad-id": "15: sections.work.items[0].id [bad-id]: id \"考勤\" 无效：只能用小写英文字母、数字和下划线，并以字母开头。",
    "duplicate-id": "20: sections.work.items[1].id [duplicate-id]: id \"attendance\" 重复（第 15 行已使用）。",
    "weight-sum": "14: sections.work.items [weight-sum]: 工作表现的权重合计为 90%，应为 100%（40% + 50%）。",
    "points-sum": "13: sections.work.points [points-sum]: 工作表现的项目分值合计为 90 分，应为 100 分（40 + 50）。",
    "band-order": "19: sections.work.items.attendance.band.thresholds[2] [band-order]: "
                  "阈值应从低到高（越低越好）严格排列：2 之后不能是 1。",
    "band-length": "19: sections.work.items.attendance.band.scores [band-length]: 阈值有 3 个，分数有 2 个，个数应相同。",
    "empty-levels": "23: sections.work.items.quality.levels [empty-levels]: 等级列表不能为空。",
    "unknown-ref": "28: total.sum [unknown-ref]: 分组 \"bonus\" 不存在（已定义：work）。",
    "rule-count": "20: sections.work.items.quality [rule-count]: "
                  "每个项目应有且只有一种评分规则（band、choice、levels、range、rating、deduct、bonus、achieve、steps），"
                  "实际为：levels、range。",
    "bad-value": "19: sections.work.items.attendance.band.direction [bad-value]: "
                 "方向应为 higher（越高越好）或 lower（越低越好），实际为 \"down\"。",
}

# 呼叫中心经理 filled at its default targets, but for 呼叫业务量 (8970 of 10000)
HUJIAO_AT_TARGET = [
    "in_plan_completion_actual=100%", "in_cost_control_actual=100%", "in_survey_completion_actual=100%",
    "in_process_improvement_actual=100%", "in_satisfaction_actual=90%", "in_call_volume_actual=8970",
    "in_feedback_timeliness_actual=95%", "in_collaboration_actual=85", "in_fcr_actual=75%",
    "in_staff_mgmt_actual=80",
]


@pytest.fixture
def run(monkeypatch):
    """Run `xlkpi ARGS...` from the repository root; stdout and stderr apart."""
    monkeypatch.chdir(ROOT)

    return run_cli


def lines(text):
    return text.splitlines()


# ------------------------------------------------------------------- forms check
def test_every_definition_code_has_an_invalid_file():
    assert set(DEFINITION_CODES) <= set(CODES)
    assert sorted(path.stem for path in (ROOT / INVALID).glob("*.yaml")) == sorted(DEFINITION_CODES)
    assert sorted(EXPECTED) == sorted(DEFINITION_CODES)


@pytest.mark.parametrize("code", DEFINITION_CODES)
def test_invalid_file_reports_its_one_problem(run, code):
    path = INVALID / f"{code}.yaml"
    result = run("forms", "check", path)
    assert result.exit_code == 1
    assert lines(result.stderr) == [f"{path}:{EXPECTED[code]}"]
    assert result.stdout == "发现 1 个问题：1 个文件未通过检查，0 个文件通过检查。\n"


@pytest.mark.parametrize("name", ["minimal.yaml", "example.yaml", "concepts.yaml"])
def test_valid_file_passes(run, name):
    result = run("forms", "check", FORMS / "valid" / name)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == "1 个文件通过检查。\n"


def test_several_problems_in_one_file_are_all_reported(run, tmp_path):
    text = (ROOT / FORMS / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    for old, new in [("id: quality", "id: Quality"),
                     ("thresholds: [0, 1, 2]", "thresholds: [0, 2, 1]"),
                     ("sum: [work]", "sum: [work, bonus]")]:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "three.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("forms", "check", path)
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"{path}:19: sections.work.items.attendance.band.thresholds[2] [band-order]: "
        "阈值应从低到高（越低越好）严格排列：2 之后不能是 1。",
        f"{path}:20: sections.work.items[1].id [bad-id]: "
        "id \"Quality\" 无效：只能用小写英文字母、数字和下划线，并以字母开头。",
        f"{path}:28: total.sum [unknown-ref]: 分组 \"bonus\" 不存在（已定义：work）。",
    ]
    assert result.stdout == "发现 3 个问题：1 个文件未通过检查，0 个文件通过检查。\n"


def test_every_file_is_checked_and_a_missing_file_is_a_problem(run):
    result = run("forms", "check", INVALID / "band-length.yaml", FORMS / "valid" / "minimal.yaml",
                 "nowhere.yaml", INVALID / "bad-id.yaml")
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"{INVALID / 'band-length.yaml'}:{EXPECTED['band-length']}",
        "nowhere.yaml [yaml-syntax]: 文件不存在。",
        f"{INVALID / 'bad-id.yaml'}:{EXPECTED['bad-id']}",
    ]
    assert result.stdout == "发现 3 个问题：3 个文件未通过检查，1 个文件通过检查。\n"


def test_builtin_forms_check_clean(run):
    files = sorted(Path("workbook_templates").glob("*.yaml"))
    assert len(files) == 8
    result = run("forms", "check", *files)
    assert result.stderr == ""
    assert result.stdout == "8 个文件通过检查。\n"
    assert result.exit_code == 0


def test_check_needs_a_file(run):
    result = run("forms", "check")
    assert result.exit_code == 2
    assert "缺少参数 '文件...'" in result.stderr


# ------------------------------------------------------------------- forms, show
def test_forms_lists_the_builtin_forms_from_any_directory(run, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["forms"])
    assert result.exit_code == 0
    rows = lines(result.stdout)
    assert [row.split()[:2] for row in rows] == [
        ["dianhua_zhuanyuan", "电话专员"], ["hujiao_jingli", "呼叫中心经理"], ["kefu_renyuan", "客户服务人员"],
        ["kefu_zhuanyuan", "客服专员"], ["kefu_zhuanyuan_menshi", "客服专员（门市）"], ["kefu_zhuguan", "客服主管"],
        ["kefubu_jingli", "客服部经理"], ["wangdian_kefu", "网店客服"]]
    assert [row.split()[2:4] for row in rows] == [["v1", "7"], ["v1", "10"], ["v1", "11"], ["v1", "11"],
                                                  ["v1", "10"], ["v1", "14"], ["v1", "10"], ["v1", "8"]]
    assert rows[1] == "hujiao_jingli          呼叫中心经理      v1  10 项  呼叫中心经理绩效考核指标量表"
    assert rows[0].endswith("  客服部电话专员工作考核表（月度）")
    # the columns line up in a terminal, where a Chinese character is two columns wide
    for marker in (" v1", " 项"):
        starts = {display_width(row[:row.index(marker)]) for row in rows}
        assert len(starts) == 1, (marker, rows)


def test_forms_show_lists_inputs_and_outputs(run):
    result = run("forms", "show", "电话专员")
    assert result.exit_code == 0
    out = lines(result.stdout)
    assert out[0] == "电话专员（dianhua_zhuanyuan）v1  客服部电话专员工作考核表（月度）"
    assert out[out.index("输入：") + 1].split() == ["in_info_mgmt_self", "客户信息管理（自评）", "等级分数：20、10、0"]
    assert "  in_customer_focus_sup      以客户为中心（上级）        等级：1–5（整数）" in out
    results = out[out.index("结果：") + 1:]
    assert [line.split()[0] for line in results][-4:] == ["out_behaviour", "out_total", "out_grade", "out_status"]


def test_forms_show_by_id_and_by_file(run):
    shown = run("forms", "show", "kefu_zhuanyuan").stdout
    assert "  in_duty           值日                                          选项：按要求完成 / 值日不达标 / 忘记值日" \
        in lines(shown)
    example = run("forms", "show", FORMS / "valid" / "example.yaml").stdout
    assert ["in_reply_rate", "回复率", "百分数，0%–100%"] in [line.split() for line in lines(example)]
    assert ["in_discipline", "违纪", "—", "违纪次数", "整数，0–1000，单位：次"] in [line.split() for line in lines(example)]
    hujiao = run("forms", "show", "hujiao_jingli").stdout
    assert any(line.split() == ["in_call_volume_target", "呼叫业务量（目标值）", "数字，0–1000000，单位：次，默认", "10000"]
               for line in lines(hujiao))


# ------------------------------------------------------------------- score
def test_score_hujiao_jingli_at_targets(run):
    result = run("score", "呼叫中心经理", *HUJIAO_AT_TARGET)
    assert result.exit_code == 0, result.output
    values = dict(line.split() for line in lines(result.stdout))
    assert values["out_call_volume"] == "89.7"
    assert values["out_call_volume_weighted"] == "4.485"
    assert values["out_total"] == "99.49"  # 99.485 rounded half away from zero, as Excel does
    assert values["out_grade"] == "优"
    assert values["out_status"] == "已完成"
    assert "out_total                         99.49" in lines(result.stdout)


def test_score_json(run):
    result = run("score", "hujiao_jingli", *HUJIAO_AT_TARGET, "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["out_total"] == 99.49
    assert out["out_coefficient"] == 1.3


def test_score_blanks_stay_blank(run):
    result = run("score", "hujiao_jingli", "--json")
    out = json.loads(result.stdout)
    assert out["out_total"] is None
    assert out["out_status"] == "未完成：10 项未填"


def test_unknown_form_is_an_error_not_a_traceback(run):
    result = run("score", "经理", "in_x=1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("错误：未知的表单 \"经理\"。是否应为 \"客服部经理\"？可用的表单："
                             "电话专员（dianhua_zhuanyuan）、呼叫中心经理（hujiao_jingli）、客户服务人员（kefu_renyuan）、"
                             "客服专员（kefu_zhuanyuan）、客服专员（门市）（kefu_zhuanyuan_menshi）、客服主管（kefu_zhuguan）、"
                             "客服部经理（kefubu_jingli）、网店客服（wangdian_kefu）。\n")
    shown = run("forms", "show", "销售")
    assert shown.exit_code == 1
    assert shown.stderr.startswith("错误：未知的表单 \"销售\"。可用的表单：电话专员（dianhua_zhuanyuan）")


def test_unknown_input_name_is_a_usage_error(run):
    result = run("score", "电话专员", "in_info_mgt_sup=20")
    assert result.exit_code == 2
    assert result.stderr == "错误：表单 电话专员 没有输入 \"in_info_mgt_sup\"。是否应为 \"in_info_mgmt_sup\"？\n"
    malformed = run("score", "电话专员", "in_info_mgmt_sup")
    assert malformed.exit_code == 2
    assert malformed.stderr == "错误：输入应写成 名称=值（如 in_leave=1），实际为 \"in_info_mgmt_sup\"。\n"


def test_bad_input_value_names_the_input(run):
    result = run("score", "客服专员", "in_leave=abc")
    assert result.exit_code == 1
    assert result.stderr == '错误：in_leave：应为数字，实际为 "abc"。\n'


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"xlkpi \d+\.\d+\.\d+\S*\n", result.stdout)


def test_udfs_vba_prints_the_module(run):
    require_module("xlwings")
    result = run("udfs", "vba")
    assert result.exit_code == 0
    assert result.stdout.startswith('Attribute VB_Name = "')
    assert "Function KPI_" in result.stdout


# ------------------------------------------------------------------- the documentation
def _fenced(text, lang):
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.M | re.S)


def test_doc_example_is_the_example_file():
    blocks = [block for block in _fenced(DOC.read_text(encoding="utf-8"), "yaml") if "\nid: shili_zhuanyuan\n" in block]
    assert len(blocks) == 1
    assert blocks[0] == (ROOT / FORMS / "valid" / "example.yaml").read_text(encoding="utf-8")


def test_doc_report_lines_are_what_check_prints(run):
    (block,) = [block for block in _fenced(DOC.read_text(encoding="utf-8"), "text")
                if block.startswith(str(INVALID.as_posix()))]
    doc_lines = lines(block)
    assert sorted(line.split(":")[0] for line in doc_lines) == sorted(
        f"{INVALID.as_posix()}/{code}.yaml" for code in DEFINITION_CODES)
    for line in doc_lines:
        path = line.split(":")[0]
        assert lines(run("forms", "check", path).stderr) == [line]


def test_doc_score_example_is_what_score_prints(run):
    (block,) = [block for block in _fenced(DOC.read_text(encoding="utf-8"), "text")
                if block.startswith("$ xlkpi score ")]
    command, *expected = lines(block)
    result = run(*shlex.split(command)[2:])
    assert result.exit_code == 0
    assert lines(result.stdout) == expected

