"""Open311 documents as JSON or XML (XML declaration, the spec's element names). Pure."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# a list under this key holds elements named …
ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
# the root element and the element of each item, per document
ROOTS = {
    "discovery": ("discovery", None),
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _fill(parent: ET.Element, value: Any, item_tag: str = "item") -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            element = ET.SubElement(parent, key)
            _fill(element, child, ITEM_TAGS.get(key, "item"))
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(parent, item_tag), child)
    else:
        parent.text = _text(value)


def to_xml(document: str, data: Any) -> bytes:
    root_tag, item_tag = ROOTS[document]
    root = ET.Element(root_tag)
    _fill(root, data, item_tag or "item")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_text).encode("utf-8")


def render(document: str, data: Any, fmt: str) -> bytes:
    return to_xml(document, data) if fmt == "xml" else to_json(data)
