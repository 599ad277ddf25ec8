"""Labelled requests for training and evaluation, and the taxonomy's own words as training signal.

Two file shapes are read:
- JSONL in the shape of the shipped examples: one object per line with `text` and `category`
  (and optionally `id`, `channel`, `address`, `town`, `department`);
- CSV with a header naming `text` and `label` columns (other columns are ignored; an `address`
  column is used when present), in any city's own taxonomy.

Both are read as UTF-8 (a CSV may start with a BOM); a file that is not, or a line that cannot be
used, is a DatasetError naming the file, the line and the problem.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minsheng.directory.config import CityConfig
from minsheng.routing.text import phrases


class DatasetError(ValueError):
    pass


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    address: str = ""
    channel: str = ""
    town: str | None = None
    department: str | None = None
    id: str = ""

    @property
    def has_routing(self) -> bool:
        """Carries the shipped examples' town and department labels (not just a category)."""
        return self.department is not None


def _text(path: str | Path, encoding: str) -> str:
    """The whole file as text; DatasetError naming the line where it stops being UTF-8."""
    data = Path(path).read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{line}: 不是 UTF-8 编码（GBK 等请先另存为 UTF-8）") from exc


def _is_text(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and bool(str(value).strip())


def read_jsonl(path: str | Path) -> list[Example]:
    out = []
    for number, line in enumerate(io.StringIO(_text(path, "utf-8"), newline=None), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, label = row["text"], row["category"]
        except (ValueError, KeyError, TypeError) as exc:
            problem = f"需要 JSON 对象且包含 text 和 category（{exc}）"
            raise DatasetError(f"{path}:{number}: {problem}") from exc
        for key, value in (("text", text), ("category", label)):
            if not _is_text(value):  # null would otherwise be learnt as the word "None"
                shown = json.dumps(value, ensure_ascii=False)[:40]
                raise DatasetError(f"{path}:{number}: {key} 必须是非空文本（现为 {shown}）")
        out.append(Example(
            text=str(text), label=str(label), address=row.get("address") or "",
            channel=row.get("channel") or "", town=row.get("town"), department=row.get("department"),
            id=str(row.get("id") or f"{Path(path).name}:{number}"),
        ))
    return out


def read_csv(path: str | Path) -> list[Example]:
    reader = csv.DictReader(io.StringIO(_text(path, "utf-8-sig"), newline=""))
    number = 0  # the last record read whole (the header is 1)
    try:
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        number = 1
        if "text" not in fields or "label" not in fields:
            raise DatasetError(f"{path}: CSV 需要表头 text,label（现有: {reader.fieldnames}）")
        out = []
        for number, row in enumerate(reader, 2):
            text, label = (row.get(fields["text"]) or "").strip(), (row.get(fields["label"]) or "").strip()
            if not text or not label:
                raise DatasetError(f"{path}:{number}: text 或 label 为空")
            address = (row.get(fields["address"]) or "") if "address" in fields else ""
            out.append(Example(text=text, label=label, address=address, id=f"{Path(path).name}:{number}"))
    except csv.Error as exc:  # in practice a field over csv's 128 KiB limit, most often an unclosed quote
        raise DatasetError(f"{path}:{number + 1}: CSV 格式错误，请检查引号是否成对（{exc}）") from exc
    return out


def read_examples(paths: Sequence[str | Path]) -> tuple[list[Example], str]:
    """Read every file (each .csv or .jsonl); returns the examples and 'jsonl' or 'csv'."""
    kinds = {("csv" if str(p).lower().endswith(".csv") else "jsonl") for p in paths}
    if len(kinds) != 1:
        raise DatasetError("不能混用 CSV 和 JSONL 文件")
    kind = kinds.pop()
    examples = [e for p in paths for e in (read_csv(p) if kind == "csv" else read_jsonl(p))]
    if not examples:
        raise DatasetError("没有样本")
    return examples, kind


def taxonomy_priors(cfg: CityConfig) -> list[tuple[str, str]]:
    """(phrase, category) pairs from the configuration: each leaf's name, its description's phrases
    and its keywords. A description phrase that another leaf's name or description also holds is
    left out: it says where or what, not which category (占道经营's 人行道 is in 市政道路's
    人行道板松动 too; taught as 占道经营's, it pulled every pavement report there)."""
    leaves = list(cfg.leaves())
    texts = {leaf.code: f"{leaf.name} {leaf.description}" for _, leaf in leaves}
    out: list[tuple[str, str]] = []
    for group, leaf in leaves:
        out.append((leaf.name, leaf.code))
        out.append((f"{group.name}：{leaf.name}", leaf.code))
        out.extend((p, leaf.code) for p in phrases(leaf.description)
                   if not any(p in text for code, text in texts.items() if code != leaf.code))
        out.extend((k, leaf.code) for k in leaf.keywords)
    return out


def lexicon(cfg: CityConfig, places: list[str]) -> list[str]:
    """Words for the segmenter: places, category names and description phrases, duty phrases."""
    words = set(places)
    for group, leaf in cfg.leaves():
        words.update([group.name, leaf.name, *leaf.keywords, *phrases(leaf.description)])
    for dept in cfg.departments.departments:
        words.update(phrases(dept.duties))
    return sorted(w for w in words if 2 <= len(w) <= 8)
