"""What the add-in's RunPython calls: `run('<action>')` for the button whose tag is that action.

`run` asks xlwings for the workbook the click came from (`xw.Book.caller()`, the
active workbook), hands its saved file to `actions` through `respond`, and shows the
answer in an Excel message box. `respond` is the whole decision and needs no Excel:
it refuses a workbook that was never saved (it has no file to read) and says so when
the shown workbook has unsaved changes (the actions read the saved file).
"""

from __future__ import annotations

from . import actions

TITLE = "绩效考核"
FILE_ACTIONS = {
    "generate": actions.generate_this_month,
    "collect": actions.collect_this_month,
    "check": actions.check_workbook,
}
PLAIN_ACTIONS = {"help": actions.function_help}


def respond(action: str, path: str | None, *, saved: bool = True) -> str:
    """The text for `action` run on the workbook saved at `path` (None: never saved)."""
    if action in PLAIN_ACTIONS:
        return PLAIN_ACTIONS[action]()
    if action not in FILE_ACTIONS:
        return f"未知的操作 {action!r}：请重新安装 xlkpi 加载项（xlkpi excel install）。"
    if not path:
        return "当前工作簿还没有保存过：请先保存（名单或考核表），再点这个按钮。"
    answer = FILE_ACTIONS[action](path)
    if not saved:
        answer = "注意：当前工作簿有未保存的修改，以下结果按已保存的文件计算。\n" + answer
    return answer


def run(action: str) -> None:
    """Run `action` for the workbook that called (through xlwings' RunPython) and show the answer."""
    import xlwings as xw

    book = xw.Book.caller()
    path = book.fullname if _has_file(book) else None
    answer = respond(action, path, saved=bool(book.api.Saved))
    book.app.alert(answer, title=TITLE)


def _has_file(book) -> bool:
    """A workbook never saved has only a name (`Book1`), no folder."""
    return bool(book.api.Path)
