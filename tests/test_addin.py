"""`xlkpi excel addin`: the add-in package, its VBA project, its ribbon and the ribbon's wiring.

The ribbon XML is checked against the customUI schema of the Open XML SDK (the
schema data for `http://schemas.microsoft.com/office/2009/07/customui`, generated
from Microsoft's XSD, as the PyPI package openxml-audit ships it): openxml-audit's
validator checks elements, their order and counts, and attribute values (enumerations,
lengths, ids); it does not report undeclared attributes, so `undeclared_attributes`
checks those against the same schema data. Planted faults show both catch what they should.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from importlib import resources
from xml.etree import ElementTree

import pytest
from openxml_audit import OpenXmlValidator

from xlkpi.app import glue
from xlkpi.excel import ribbon
from xlkpi.excel.addin import ADDIN_CONTENT_TYPE, build_addin

from . import vba_expected
from .cli import run_cli

NS = {"ui": ribbon.NAMESPACE}
SDK_SCHEMA = "schemas_microsoft_com_office_2009_07_customui.json"


@pytest.fixture(scope="module")
def package() -> bytes:
    return build_addin()


def part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def with_custom_ui(data: bytes, xml: bytes) -> bytes:
    """The add-in package with another customUI part."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, xml if info.filename == ribbon.PART else source.read(info.filename))
    return out.getvalue()


# ----------------------------------------------------------------- the package
def test_package_is_an_addin(package):
    types = part(package, "[Content_Types].xml").decode()
    assert f'PartName="/xl/workbook.xml" ContentType="{ADDIN_CONTENT_TYPE}"' in types
    assert "macroEnabled.main" not in types.replace(ADDIN_CONTENT_TYPE, "")
    workbook = part(package, "xl/workbook.xml").decode()
    assert re.search(r'<workbookView visibility="hidden"', workbook)
    assert '<workbookPr codeName="ThisWorkbook"' in workbook
    assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["_xlkpi.conf"]  # inactive, as xlwings' template
    rels = part(package, "_rels/.rels").decode()
    assert f'Type="{ribbon.RELATIONSHIP}" Target="{ribbon.PART}"' in rels
    assert package == build_addin()  # reproducible


def test_project_holds_xlwings_addin_runtime_wrappers_and_callbacks(package):
    modules = vba_expected.olevba_modules(package, "xlkpi.xlam")
    assert list(modules) == ["ThisWorkbook", "Sheet1", "xlwings", "Dictionary", "xlwings_udfs", "xlkpi_ribbon"]
    original = vba_expected.package_text("xlwings_custom_addin.bas")
    assert modules["xlwings"] == original.replace('PROJECT_NAME As String = "myaddin"',
                                                  'PROJECT_NAME As String = "xlkpi"')
    assert modules["Dictionary"] == vba_expected.dictionary_module()
    assert modules["xlwings_udfs"] == vba_expected.imported_udfs("xlkpi.xlam")
    assert "ActiveWorkbook, Application.Caller)" in modules["xlwings_udfs"]
    assert "ThisWorkbook" not in modules["xlwings_udfs"]
    assert modules["ThisWorkbook"] == vba_expected.document_module("ThisWorkbook")
    project = vba_expected.olevba_project_stream(package)
    assert 'Name="xlkpi"' in project and "Class=Dictionary" in project


# ----------------------------------------------------------------- the ribbon against the customUI schema
def sdk_types() -> dict:
    folder = resources.files("openxml_audit").joinpath("data", "openxml", "schemas")
    schema = json.loads(folder.joinpath(SDK_SCHEMA).read_text(encoding="utf-8"))
    return {entry["Name"]: entry for entry in schema["Types"]}


def _child_types(particle) -> list:
    names = [particle["Name"]] if "Name" in particle else []
    for item in particle.get("Items", ()):
        names += _child_types(item)
    return names


def undeclared_attributes(xml: bytes) -> list:
    """Attributes the customUI schema does not declare on their element, and unknown elements."""
    types = sdk_types()
    problems = []

    def walk(element, type_name):
        declared = {attribute["QName"].lstrip(":") for attribute in types[type_name].get("Attributes", ())}
        for name in element.attrib:
            if name not in declared:
                problems.append(f"{element.tag.split('}')[1]}: attribute {name} is not declared")
        for child in element:
            local = child.tag.split("}")[1]
            candidates = [name for name in _child_types(types[type_name].get("Particle", {}))
                          if name.endswith(f"/mso14:{local}") and name in types]
            if not candidates:
                problems.append(f"{local}: not allowed in {element.tag.split('}')[1]}")
                continue
            walk(child, candidates[0])

    walk(ElementTree.fromstring(xml), "mso14:CT_CustomUI/mso14:customUI")
    return problems


def schema_problems(package: bytes, tmp_path) -> list:
    path = tmp_path / "checked.xlam"
    path.write_bytes(package)
    result = OpenXmlValidator().validate(path)
    return [str(error) for error in result.errors] + undeclared_attributes(part(package, ribbon.PART))


def test_ribbon_is_valid_customui(package, tmp_path):
    assert schema_problems(package, tmp_path) == []


GOOD = ribbon.custom_ui().decode()


@pytest.mark.parametrize("fault, xml", [
    ("unknown element", GOOD.replace("<button ", '<knopf id="k"/><button ', 1)),
    ("button outside a group", GOOD.replace('<group id="xlkpiGroup1"', '<button id="b0" label="x"/><group id="xlkpiGroup1"')),
    ("size not in the enumeration", GOOD.replace('size="large"', 'size="huge"', 1)),
    ("id not an NCName", GOOD.replace('id="xlkpi_check"', 'id="1 check"')),
    ("label over 1024 characters", GOOD.replace('label="函数说明"', f'label="{"长" * 1025}"')),
    ("undeclared attribute", GOOD.replace('size="large"', 'size="large" colour="red"', 1)),
    ("tabs without a tab", re.sub(r"<tab .*</tab>", "", GOOD, flags=re.S)),
])
def test_schema_check_finds_planted_faults(package, tmp_path, fault, xml):
    assert schema_problems(with_custom_ui(package, xml.encode()), tmp_path), fault


# ----------------------------------------------------------------- the ribbon's wiring
def test_four_buttons_on_the_tab():
    root = ElementTree.fromstring(ribbon.custom_ui())
    (tab,) = root.findall(".//ui:tab", NS)
    assert tab.get("label") == "绩效考核"
    labels = [button.get("label") for button in tab.findall(".//ui:button", NS)]
    assert labels == ["生成本月考核表", "汇总本月", "检查当前考核表", "函数说明"]
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def test_every_button_calls_the_callback_with_an_action_python_knows(package):
    buttons = ElementTree.fromstring(ribbon.custom_ui()).findall(".//ui:button", NS)
    callbacks = {button.get("onAction") for button in buttons}
    assert callbacks == {ribbon.CALLBACK}
    module, name = ribbon.CALLBACK.split(".")
    source = vba_expected.olevba_modules(package, "xlkpi.xlam")[module]
    assert re.search(rf"^Public Sub {name}\(control As Object\)\r$", source, re.M)
    tags = [button.get("tag") for button in buttons]
    assert sorted(tags) == sorted({**glue.FILE_ACTIONS, **glue.PLAIN_ACTIONS})


def test_the_command_vba_builds_runs_the_action_in_python(monkeypatch):
    called = []
    monkeypatch.setattr(glue, "run", called.append)
    for action in ribbon.ACTIONS:
        exec(ribbon.python_command(action), {})  # what RunPython executes
    assert called == list(ribbon.ACTIONS)


# ----------------------------------------------------------------- the command
def test_addin_command_writes_the_addin(tmp_path, package):
    out = tmp_path / "xlkpi.xlam"
    result = run_cli("excel", "addin", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == package
    assert "已生成加载项" in result.stdout
    again = run_cli("excel", "addin", "--out", out)
    assert again.exit_code == 2 and "已存在" in again.stderr
    assert run_cli("excel", "addin", "--out", out, "--force").exit_code == 0
    wrong = run_cli("excel", "addin", "--out", tmp_path / "xlkpi.xlsm")
    assert wrong.exit_code == 2 and ".xlam" in wrong.stderr
