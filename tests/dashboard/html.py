"""A tiny HTML reader for the view tests (the standard library's parser; no extra dependency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else f" {child.text} ")
        return " ".join("".join(parts).split())

    @property
    def raw_text(self) -> str:
        """The text as written (newlines kept), e.g. a textarea's value."""
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        """Descendants by tag and attributes (`class_="x"` matches one of the classes)."""
        found = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            ok = True
            for name, wanted in attrs.items():
                if name == "class_":
                    ok = wanted in node.classes
                else:
                    ok = node.attrs.get(name.replace("_", "-")) == wanted
                if not ok:
                    break
            if ok:
                found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs) -> Node | None:
        nodes = self.find_all(tag, **attrs)
        return nodes[0] if nodes else None


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(response_or_html) -> Node:
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def table_rows(page: Node, table_id: str) -> list[list[str]]:
    """The body rows of a table, as the text of their cells."""
    table = page.find("table", id=table_id)
    assert table is not None, f"no table #{table_id}"
    body = table.find("tbody") or table
    return [[cell.text for cell in row.find_all("td")] for row in body.find_all("tr")]


def field_errors(page: Node, name: str) -> list[str]:
    """The error messages shown inside the block of field `name` (data-field="name")."""
    block = page.find(data_field=name)
    assert block is not None, f"no field block for {name}"
    return [
        item.text
        for errors in block.find_all("ul", class_="errorlist")
        for item in errors.find_all("li")
    ]
