"""A Compound File Binary writer (MS-CFB, version 3): storages and streams in one file.

A `vbaProject.bin` is such a file. `compound_file` writes one from a mapping of
stream paths to bytes, deterministically: no timestamps, no class ids, the
sectors in a fixed order. Streams under 4,096 bytes live in the mini stream
(64-byte sectors), larger ones in 512-byte sectors; the children of each storage
form a red-black tree ordered as the format orders names (shorter first, then
by upper-case code units).

It refuses what a VBA project never needs: more than 109 FAT sectors (files
over ~7 MB, which would need DIFAT sectors), names over 31 characters or with
`/ \\ : !`, and a stream and a storage at the same path.
"""

from __future__ import annotations

import struct

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENTRY = 128
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
HEADER_DIFAT = 109
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")
_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")


class _Node:
    """A directory entry being laid out: a storage (with children) or a stream (with data)."""

    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name = name
        self.kind = kind
        self.data = data
        self.size = len(data)
        self.children: dict[str, _Node] = {}
        self.id = NOSTREAM
        self.left = self.right = self.child = NOSTREAM
        self.color = BLACK
        self.start = ENDOFCHAIN


def compound_file(streams: dict) -> bytes:
    """The bytes of a compound file holding `streams`.

    Args:
        streams: stream path (a tuple of names, e.g. `("VBA", "dir")`) → its bytes.
            Storages are made for the leading names.

    Returns:
        The file, reproducible: the same streams give the same bytes.

    Raises:
        ValueError: a name the format does not allow, a path that is both a stream and a
            storage, or a file too large for a header without DIFAT sectors.
    """
    root = _tree(streams)
    nodes = _number(root)
    small = [node for node in nodes if node.kind == STREAM and 0 < len(node.data) < MINI_CUTOFF]
    large = [node for node in nodes if node.kind == STREAM and len(node.data) >= MINI_CUTOFF]

    mini_fat, mini_stream = [], bytearray()
    for node in small:
        node.start = len(mini_fat)
        count = _ceil(len(node.data), MINI_SECTOR)
        mini_fat += [node.start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        mini_stream += node.data.ljust(count * MINI_SECTOR, b"\0")

    dir_sectors = _ceil(len(nodes) * ENTRY, SECTOR)
    mini_fat_sectors = _ceil(len(mini_fat) * 4, SECTOR)
    mini_stream_sectors = _ceil(len(mini_stream), SECTOR)
    large_sectors = [_ceil(len(node.data), SECTOR) for node in large]
    others = dir_sectors + mini_fat_sectors + mini_stream_sectors + sum(large_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + others:
        fat_sectors += 1
    if fat_sectors > HEADER_DIFAT:
        raise ValueError(f"compound file too large: {fat_sectors} FAT sectors, at most {HEADER_DIFAT}")

    fat = [FATSECT] * fat_sectors
    body = bytearray()

    def chain(data: bytes, count: int) -> int:
        """Append `data` in `count` sectors chained in the FAT; the first sector's number."""
        first = fat_sectors + len(body) // SECTOR
        fat.extend(first + i + 1 for i in range(count - 1))
        fat.append(ENDOFCHAIN)
        body.extend(data.ljust(count * SECTOR, b"\0"))
        return first

    dir_start_offset = len(body)
    first_dir = chain(b"\0" * (dir_sectors * SECTOR), dir_sectors)  # filled in below
    first_mini_fat = (chain(b"".join(struct.pack("<I", n) for n in mini_fat)
                            .ljust(mini_fat_sectors * SECTOR, b"\xff"), mini_fat_sectors)
                      if mini_fat else ENDOFCHAIN)
    root.start = chain(bytes(mini_stream), mini_stream_sectors) if mini_stream else ENDOFCHAIN
    root.size = len(mini_stream)
    for node, count in zip(large, large_sectors):
        node.start = chain(node.data, count)
    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))

    directory = b"".join(_entry(node) for node in nodes)
    empty = _ENTRY.pack(b"", 0, 0, RED, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    directory += empty * (dir_sectors * SECTOR // ENTRY - len(nodes))
    body[dir_start_offset:dir_start_offset + len(directory)] = directory

    difat = list(range(fat_sectors)) + [FREESECT] * (HEADER_DIFAT - fat_sectors)
    header = _HEADER.pack(SIGNATURE, b"\0" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors,
                          first_dir, 0, MINI_CUTOFF, first_mini_fat, mini_fat_sectors, ENDOFCHAIN, 0)
    header += struct.pack(f"<{HEADER_DIFAT}I", *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + bytes(body)


def _tree(streams: dict) -> _Node:
    root = _Node("Root Entry", ROOT)
    for path, data in sorted(streams.items()):
        if not path:
            raise ValueError("a stream needs a name")
        node = root
        for depth, name in enumerate(path):
            _check_name(name)
            last = depth == len(path) - 1
            child = node.children.get(name)
            if child is None:
                child = _Node(name, STREAM if last else STORAGE, bytes(data) if last else b"")
                node.children[name] = child
            elif last or child.kind != STORAGE:
                raise ValueError(f"{'/'.join(path)}: a stream and a storage at the same path")
            node = child
    return root


def _check_name(name: str):
    if not name or len(name) > 31 or any(char in name for char in "/\\:!"):
        raise ValueError(f"{name!r}: a compound file name has 1 to 31 characters, none of / \\ : !")


def _number(root: _Node) -> list:
    """Directory ids in breadth-first order; each storage's children as a red-black tree."""
    nodes = [root]
    root.id = 0
    index = 0
    while index < len(nodes):
        node = nodes[index]
        index += 1
        children = sorted(node.children.values(), key=lambda child: (len(child.name), child.name.upper()))
        for child in children:
            child.id = len(nodes)
            nodes.append(child)
        if children:
            node.child = _balanced(children, 0, _depth(len(children)))
    return nodes


def _depth(count: int) -> int:
    """The depth of the deepest node of a size-balanced tree of `count` nodes (root: 0)."""
    return count.bit_length() - 1


def _balanced(ordered: list, depth: int, deepest: int) -> int:
    """Link `ordered` as a size-balanced search tree; its root's id.

    Every empty subtree of such a tree hangs at depth `deepest` or one below, so
    colouring the nodes of depth `deepest` red (when it is not the root) and the others
    black gives every path the same number of black nodes, and no red node a red child.
    """
    if not ordered:
        return NOSTREAM
    middle = len(ordered) // 2
    node = ordered[middle]
    node.color = RED if depth == deepest and depth > 0 else BLACK
    node.left = _balanced(ordered[:middle], depth + 1, deepest)
    node.right = _balanced(ordered[middle + 1:], depth + 1, deepest)
    return node.id


def _entry(node: _Node) -> bytes:
    name = (node.name + "\0").encode("utf-16-le")
    start = node.start if node.kind != STORAGE else 0
    return _ENTRY.pack(name, len(name), node.kind, node.color, node.left, node.right, node.child,
                       b"\0" * 16, 0, 0, 0, start, node.size)


def _ceil(size: int, unit: int) -> int:
    return -(-size // unit)
