"""A workbook's shared strings (`xl/sharedStrings.xml`), read when first asked for.

`SharedStrings.string(index)` gives one string: the part is split into its items the plain
way, and an item is decoded only when a cell refers to it (rich-text and phonetic runs joined,
entities and `_xHHHH_` escapes decoded); a part or an item not written the plain way is read by
the XML parser instead, with the same result. A workbook without the part has no strings.

It refuses a part that cannot be inflated or is not XML (`DamagedWorkbook`). It knows no cell:
what index a cell holds is the reader's.
"""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

from .plain_xml import MAIN_XMLNS, NotPlain, each, joined_texts, no_markup_sections, plain_root, texts
from .zip_package import DamagedWorkbook


class SharedStrings:
    """The shared strings of one open package (`zip_package.open_package`)."""

    def __init__(self, package):
        self.package = package
        self._items = None
        self._strings = None

    def strings(self) -> list:
        """Every shared string, in order."""
        if self._strings is None:
            parts = self._parts()
            self._strings = [self.string(index) for index in range(len(parts))]
        return self._strings

    def _parts(self):
        """The items of the part: each an item's bytes (read the plain way when first asked for) or its text."""
        if self._items is None:
            try:
                data = self.package.read("xl/sharedStrings.xml")
            except KeyError:
                self._items = []
                return self._items
            except (zipfile.BadZipFile, EOFError):
                raise DamagedWorkbook("共享字符串部件已损坏。") from None
            try:
                data = no_markup_sections(plain_root(data, b"sst", MAIN_XMLNS))
                if b"<si/>" in data or b"<si " in data:
                    raise NotPlain
                self._items = data.split(b"<si>")[1:]  # each: the item, "</si>" and what follows
            except NotPlain:
                try:
                    root = ElementTree.fromstring(data)
                except ElementTree.ParseError:
                    raise DamagedWorkbook("共享字符串部件已损坏。") from None
                self._items = [texts(si) for si in each(root, "si")]
        return self._items

    def string(self, index: int):
        """The shared string at `index`; None past the end.

        Raises:
            DamagedWorkbook: the part cannot be inflated or is not XML (TooLarge: it is too large).
        """
        parts = self._items
        if parts is None:
            parts = self._parts()
        if index >= len(parts):
            return None
        part = parts[index]
        if isinstance(part, bytes):
            try:
                end = part.find(b"</si>")
                if end < 0:
                    raise NotPlain
                part = joined_texts(part[:end])
            except NotPlain:
                self._items = None
                self._strings = None
                return self._from_tree(index)
            parts[index] = part
        return part

    def _from_tree(self, index: int):
        """`string(index)` once every item is read by the XML parser (an item was not plain)."""
        data = self.package.read("xl/sharedStrings.xml")
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError:
            raise DamagedWorkbook("共享字符串部件已损坏。") from None
        self._items = [texts(si) for si in each(root, "si")]
        return self._items[index] if index < len(self._items) else None
