"""Rosters: CSV in every encoding Chinese Excel saves, XLSX, and every problem at once."""

from __future__ import annotations

import openpyxl
import pytest

from xlkpi.base.errors import CODES, UsageError
from xlkpi.month.roster import RosterEntry, demo_roster_path, read_roster

HEADER = "工号,姓名,部门,岗位,考核人,邮箱"
ROWS = [
    "E1001,王丽娜,客服部,客服专员,陈建国,wanglina@example.com",
    "E2001,赵磊,呼叫中心,电话专员,孙志强,",
    "E3001,孙志强,客服部&售后,hujiao_jingli,林国栋,sun@example.com",
]
EXPECTED = [
    RosterEntry("E1001", "王丽娜", "客服部", "kefu_zhuanyuan", "陈建国", "wanglina@example.com", 2),
    RosterEntry("E2001", "赵磊", "呼叫中心", "dianhua_zhuanyuan", "孙志强", "", 3),
    RosterEntry("E3001", "孙志强", "客服部&售后", "hujiao_jingli", "林国栋", "sun@example.com", 4),
]


def write_csv(path, lines, encoding="utf-8", bom=b""):
    path.write_bytes(bom + "\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""),
    ("utf-8", b"\xef\xbb\xbf"),
    ("gbk", b""),
    ("gb18030", b""),
])
def test_csv_encodings(tmp_path, encoding, bom):
    path = write_csv(tmp_path / "roster.csv", [HEADER, *ROWS], encoding, bom)
    assert read_roster(path) == (EXPECTED, [])


def test_gb18030_beyond_gbk(tmp_path):
    # 䶮 (U+4DAE) is in GB18030 but not in GBK
    path = write_csv(tmp_path / "roster.csv", [HEADER, "E1001,刘䶮,客服部,客服专员,陈建国,"], "gb18030")
    entries, problems = read_roster(path)
    assert problems == []
    assert entries[0].name == "刘䶮"


def test_bad_encoding(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes((HEADER + "\r\n").encode("utf-8") + b"E1001,\xff\xfe,x,y,z,\r\n")
    entries, problems = read_roster(path)
    assert entries == []
    assert [str(problem) for problem in problems] == [
        f"{path}:2 [bad-encoding]: 这一行不是 UTF-8 编码（文件的其他行是 UTF-8，这一行可能是从 GBK 编码的文件复制来的）："
        "此行未读取。请在 Excel 中重新输入这一行，另存为“CSV UTF-8（逗号分隔）”后重试。"
    ]


def test_xlsx_with_numeric_ids(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "部门", "岗位", "考核人"])
    sheet.append([1001, "王丽娜", "客服部", "客服专员", "陈建国"])
    sheet.append([None, None, None, None, None])
    sheet.append([1002.0, " 李晓明　", "客服部", "电话专员", "陈建国"])
    sheet.append(["E1003", "张婷婷", "客服部", "dianhua_zhuanyuan", "陈建国"])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    entries, problems = read_roster(path)
    assert problems == []
    assert entries == [
        RosterEntry("1001", "王丽娜", "客服部", "kefu_zhuanyuan", "陈建国", "", 2),
        RosterEntry("1002", "李晓明", "客服部", "dianhua_zhuanyuan", "陈建国", "", 4),
        RosterEntry("E1003", "张婷婷", "客服部", "dianhua_zhuanyuan", "陈建国", "", 5),
    ]


def test_xlsx_problems_have_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "部门", "岗位", "考核人"])
    sheet.append([1001, "王丽娜", "客服部", "客服专员", "陈建国"])
    sheet.append([1001, "李晓明", "客服部", "客服专员", "陈建国"])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    entries, problems = read_roster(path)
    assert [entry.employee_id for entry in entries] == ["1001"]
    assert [str(problem) for problem in problems] == [
        f'{path}:3 [duplicate-employee]: 工号 "1001" 重复（第 2 行已出现）。'
    ]


def test_english_headers_and_spaces(tmp_path):
    header = " Employee_ID ,NAME,department,Position,appraiser,Email"
    path = write_csv(tmp_path / "roster.csv", [header, *ROWS])
    assert read_roster(path) == (EXPECTED, [])


def test_chinese_headers_with_full_width_spaces(tmp_path):
    header = "工　号,姓　名,　部门　,岗位,考核人"
    lines = [header, "　E1001　, 王丽娜 ,客服部,客服专员　,陈建国"]
    path = write_csv(tmp_path / "roster.csv", lines, "gbk")
    entries, problems = read_roster(path)
    assert problems == []
    assert entries == [RosterEntry("E1001", "王丽娜", "客服部", "kefu_zhuanyuan", "陈建国", "", 2)]


def test_blank_lines_are_skipped_but_keep_numbering(tmp_path):
    lines = [HEADER, ROWS[0], "", ",,,,,", "　,  ,,,,", ROWS[1]]
    path = write_csv(tmp_path / "roster.csv", lines)
    entries, problems = read_roster(path)
    assert problems == []
    assert [(entry.employee_id, entry.line) for entry in entries] == [("E1001", 2), ("E2001", 6)]


def test_every_problem_at_once(tmp_path):
    lines = [
        HEADER,
        "E1001,王丽娜,客服部,客服专员,陈建国,",      # 2
        "E1002,李晓明,客服部,电话专元,陈建国,",      # 3 unknown form
        "E1003,,客服部,客服专员,陈建国,",            # 4 blank name
        "E1001,张婷婷,客服部,客服专员,陈建国,",      # 5 duplicate
        ",刘洋,客服部,,周敏,",                      # 6 blank id and position
        "E1006,陈思雨,客服部,仓库管理员,周敏,",      # 7 unknown form, nothing close
        "E1007,郑雪,客服部,dianhua_zhuanyuab,周敏,",  # 8 unknown id, close to an id
        "E1008,周子涵,客服部,呼叫中心经理,林国栋,",  # 9 fine
    ]
    path = write_csv(tmp_path / "roster.csv", lines)
    entries, problems = read_roster(path)
    assert [entry.employee_id for entry in entries] == ["E1001", "E1008"]
    assert [str(problem) for problem in problems] == [
        f'{path}:3 [unknown-form]: 岗位 "电话专元" 不是已知的表单，是否应为 "电话专员"？自己的表单定义请放在一个文件夹里，用 --forms 文件夹 指定。',
        f"{path}:4 [blank]: 姓名为空：每一行都应填写工号、姓名、部门和岗位。",
        f'{path}:5 [duplicate-employee]: 工号 "E1001" 重复（第 2 行已出现）。',
        f"{path}:6 [blank]: 工号为空：每一行都应填写工号、姓名、部门和岗位。",
        f"{path}:6 [blank]: 岗位为空：每一行都应填写工号、姓名、部门和岗位。",
        f'{path}:7 [unknown-form]: 岗位 "仓库管理员" 不是已知的表单；可用的表单：电话专员、呼叫中心经理、客户服务人员、客服专员、'
        '客服专员（门市）、客服主管、客服部经理、网店客服。自己的表单定义请放在一个文件夹里，用 --forms 文件夹 指定。',
        f'{path}:8 [unknown-form]: 岗位 "dianhua_zhuanyuab" 不是已知的表单，是否应为 "dianhua_zhuanyuan"？自己的表单定义请放在一个文件夹里，用 --forms 文件夹 指定。',
    ]
    assert all(problem.code in CODES for problem in problems)


def test_a_line_with_a_problem_still_claims_its_id(tmp_path):
    lines = [HEADER, "E1001,王丽娜,客服部,客服专元,陈建国,", "E1001,李晓明,客服部,客服专员,陈建国,"]
    path = write_csv(tmp_path / "roster.csv", lines)
    entries, problems = read_roster(path)
    assert entries == []
    assert [(problem.line, problem.code) for problem in problems] == [(2, "unknown-form"), (3, "duplicate-employee")]


def test_missing_columns_stop_reading(tmp_path):
    lines = ["工号,姓名,部门,职位", "E1001,,客服部,客服专员"]
    path = write_csv(tmp_path / "roster.csv", lines)
    entries, problems = read_roster(path)
    assert entries == []
    assert [str(problem) for problem in problems] == [
        f"{path}:1 [missing-column]: 缺少列：岗位、考核人。"
        "第一行应为列名：工号、姓名、部门、岗位、考核人（可选：邮箱）；实际为：工号、姓名、部门、职位。"
    ]


def test_empty_file(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    entries, problems = read_roster(path)
    assert entries == []
    assert [(problem.line, problem.code) for problem in problems] == [(1, "missing-column")]


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="不存在"):
        read_roster(tmp_path / "nowhere.csv")


def test_demo_roster():
    path = demo_roster_path()
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    entries, problems = read_roster(path)
    assert problems == []
    assert len(entries) >= 10
    assert {entry.form_id for entry in entries} == {"kefu_zhuanyuan", "dianhua_zhuanyuan", "hujiao_jingli"}
    assert 2 <= len({entry.department for entry in entries}) <= 4
    assert all(entry.appraiser for entry in entries)


def test_employee_ids_typed_in_every_way(tmp_path):
    """An id is text: typed as a number (Excel stores a float), in full-width digits, with
    no-break or full-width spaces around it, or with leading zeros, it is the id the clerk meant."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "部门", "岗位", "考核人"])
    for employee_id in [1001, 1002.0, "１００３", "\u00a0E1004\u00a0", "\u3000Ｅ１００５\u3000", 123456789012.0,
                        "00123"]:
        sheet.append([employee_id, "王丽娜", "客服部", "客服专员", "陈建国"])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    entries, problems = read_roster(path)
    assert problems == []
    assert [entry.employee_id for entry in entries] == ["1001", "1002", "1003", "E1004", "E1005", "123456789012",
                                                        "00123"]


def test_full_width_ids_in_a_csv_are_the_same_employee(tmp_path):
    lines = [HEADER, "Ｅ１００１,王丽娜,客服部,客服专员,陈建国,", "\u00a0E1001\u3000,李晓明,客服部,客服专员,陈建国,"]
    path = write_csv(tmp_path / "roster.csv", lines)
    entries, problems = read_roster(path)
    assert [entry.employee_id for entry in entries] == ["E1001"]
    assert [str(problem) for problem in problems] == [
        f'{path}:3 [duplicate-employee]: 工号 "E1001" 重复（第 2 行已出现）。']
