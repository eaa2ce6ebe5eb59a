"""The add-in's ribbon tab 绩效考核: its customUI XML and the VBA that hands a click to Python.

Every button calls one VBA callback, `xlkpi_ribbon.XlkpiButton`; the button's `tag`
names the action, and the callback runs, through xlwings' `RunPython`, the Python
command `XlkpiCommand(tag)` spells: `glue.run('<action>')` in `xlkpi.app.glue`. So
the VBA stays two short procedures and all the work is Python (`actions`).

The XML is customUI 2009/07 (`customUI14.xml`, read by Excel 2010 and later). The
callback is named with its module, as xlwings advises against clashes between add-ins.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from .ovba import Module
from .runtime import macro_text

NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
PART = "customUI/customUI14.xml"
RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
MODULE = "xlkpi_ribbon"
CALLBACK = f"{MODULE}.XlkpiButton"
TAB = "绩效考核"


@dataclass(frozen=True)
class Button:
    """One button: the action it runs (its tag), its label, a built-in image, its tip."""

    action: str
    label: str
    image: str
    tip: str


GROUPS = (
    ("每月", (
        Button("generate", "生成本月考核表", "FileNew",
               "当前工作簿是名单（工号、姓名、部门、岗位、考核人）：在名单旁为每个人生成本月的考核表。"),
        Button("collect", "汇总本月", "AutoSum",
               "汇总名单旁（或当前考核表所在）月份文件夹里已填写的考核表：检查、计分、排名，写出汇总表。"),
    )),
    ("考核表", (
        Button("check", "检查当前考核表", "ReviewAcceptChange",
               "检查当前考核表（已保存的版本）：每个未填或填错的格子、总分和等级。"),
        Button("help", "函数说明", "FunctionWizard",
               "KPI_* 函数的用法：在自己的表格里计算分档、扣分、等级、达成率和加权总分。"),
    )),
)
ACTIONS = tuple(button.action for _, buttons in GROUPS for button in buttons)


def custom_ui() -> bytes:
    """The customUI part: one tab, its groups and buttons, UTF-8."""
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
             f"<customUI xmlns={quoteattr(NAMESPACE)}>", "  <ribbon>", "    <tabs>",
             f'      <tab id="xlkpiTab" label={quoteattr(TAB)}>']
    for number, (label, buttons) in enumerate(GROUPS, start=1):
        lines.append(f'        <group id="xlkpiGroup{number}" label={quoteattr(label)}>')
        for button in buttons:
            lines.append(f'          <button id="xlkpi_{button.action}" tag="{button.action}" '
                         f'label={quoteattr(button.label)} size="large" imageMso="{button.image}" '
                         f'supertip={quoteattr(button.tip)} onAction="{CALLBACK}"/>')
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines).encode("utf-8")


def python_command(action: str) -> str:
    """The Python `XlkpiCommand(action)` gives RunPython (the VBA builds the same text)."""
    return f"import xlkpi.app.glue as glue; glue.run('{action}')"


def ribbon_module() -> Module:
    """The VBA module of the callbacks (`macros/xlkpi_ribbon.bas`)."""
    return Module(MODULE, macro_text(f"{MODULE}.bas"))
