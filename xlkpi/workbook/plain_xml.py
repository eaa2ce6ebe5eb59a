"""Reading Office Open XML parts the plain way, and the full parser's helpers for the rest.

Excel, WPS, LibreOffice, openpyxl and XlsxWriter write their parts the plain way: UTF-8, the
default namespace on the root tag, attributes in double quotes, no comments, CDATA or DOCTYPE.
Such a part is read with a few byte searches and regular expressions (`plain_root`,
`no_markup_sections`, `tag_attributes`, `decode_text`, `joined_texts`); anything else raises
`NotPlain`, and the caller reads the part with ElementTree instead (`each`, `child`, `texts`,
`local`), in either namespace (transitional or Strict), with the same results. Texts have
their entities and Excel's `_xHHHH_` escapes decoded (`xstring`).

It knows no workbook: which part holds what is the callers'. It never guesses at a part that
is not plain: it refuses it (`NotPlain`).
"""

from __future__ import annotations

import re

STRICT_NS = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
STRICT_REL_NS = "{http://purl.oclc.org/ooxml/officeDocument/relationships}"

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

MAIN_XMLNS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PKG_XMLNS = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
R_XMLNS = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

_ATTR = re.compile(rb'([\w:.-]+)="([^"]*)"')
_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENCODING = re.compile(rb'^<\?xml[^>]*?encoding="([^"]*)"')
_XESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class NotPlain(Exception):
    """A part is not written the plain way: read it with the full parser."""


def local(tag: str) -> str:
    """An element's or attribute's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def each(root, name: str):
    """Every element named `name` under `root`, in either namespace (transitional or Strict)."""
    return (element for element in root.iter() if local(element.tag) == name)


def child(element, name: str):
    """The first child of `element` named `name`, in either namespace; None if there is none."""
    return next((child for child in element if local(child.tag) == name), None)


def texts(element) -> str:
    """The joined text of every `<t>` under `element` (rich text and phonetic runs alike), unescaped."""
    return "".join(xstring(t.text or "") for t in each(element, "t"))


def plain_root(data: bytes, tag: bytes, xmlns: bytes) -> bytes:
    """The XML with its root tag checked: UTF-8, `tag` with `xmlns` as default namespace, no
    DOCTYPE. Raises `NotPlain` otherwise."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _ENCODING.match(data)
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        raise NotPlain
    start = data.find(b"<" + tag)
    if start < 0:
        raise NotPlain
    end = data.find(b">", start)
    if end < 0 or xmlns not in data[start:end] or b"<!" in data[:start]:
        raise NotPlain
    return data


def no_markup_sections(data: bytes) -> bytes:
    """`data`, if it holds no comments and no CDATA sections; raises `NotPlain` otherwise."""
    if b"<!--" in data or b"<![CDATA[" in data:
        raise NotPlain
    return data


def _entity(match) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _ENTITIES[name]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def decode_text(raw: bytes) -> str:
    """An XML text node's characters: decoded, entities replaced, line ends normalised."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotPlain from None
    if "&" in text:
        ampersands = text.count("&")
        text, count = _ENTITY.subn(_entity, text)
        if count != ampersands:
            raise NotPlain
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _xchar(match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # half a surrogate pair: kept as typed


def xstring(text: str) -> str:
    """A cell text with Excel's `_xHHHH_` escapes decoded (ECMA-376 ST_Xstring), left to right:
    `_x000D_` is a carriage return, `_x005F_x0041_` is the text `_x0041_`."""
    return _XESCAPE.sub(_xchar, text) if "_x" in text else text


def tag_attributes(raw: bytes) -> dict:
    """Attribute name → value of one tag (values as the XML parser gives them)."""
    result = {}
    for name, value in _ATTR.findall(raw):
        value = decode_text(value)
        if "\n" in value or "\t" in value:
            value = value.replace("\n", " ").replace("\t", " ")
        result[name.decode("ascii")] = value
    if raw.count(b"=") != len(result):
        raise NotPlain
    return result


def joined_texts(content: bytes) -> str:
    """The text of every `<t>` inside `content`, joined (rich text runs and phonetic runs alike),
    its `_xHHHH_` escapes decoded."""
    found = _TEXTS.get(content)
    if found is None:
        if content.startswith(b"<t>") and content.endswith(b"</t>") and content.count(b"<") == 2:
            found = xstring(decode_text(content[3:-4]))
        else:
            found = "".join(xstring(decode_text(raw)) for raw in _T.findall(content))
        if len(content) <= 4096:
            if len(_TEXTS) >= 4096:
                _TEXTS.clear()
            _TEXTS[content] = found
    return found


_TEXTS: dict = {}  # the texts of a month's labels repeat in every workbook of a form
