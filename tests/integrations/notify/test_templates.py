"""Chinese message templates (pure)."""

from __future__ import annotations

from minsheng.integrations.notify.templates import TEMPLATES, local_time, render, shorten


def test_every_event_has_a_chinese_template_that_renders_with_typical_fields() -> None:
    params = {"number": "2026112500001", "link": "https://ms.example/c?n=2026112500001", "answer": "已修复",
              "content": "路灯不亮", "address": "当湖街道", "unit_name": "市住建局", "stage": "sign",
              "deadline": "2026-11-25T01:01:00+00:00", "rating": "unsatisfied", "comment": "没人来",
              "requested_until": "2026-11-27 17:30", "reason": "需协调供电公司"}
    for event in TEMPLATES:
        text = render(event, params)
        assert text.startswith("【民声一键办】") and "2026112500001" in text, event
        assert "{" not in text and "None" not in text, (event, text)


def test_citizen_messages_carry_the_link_to_the_page() -> None:
    link = "https://ms.example/c?n=2026112500001"
    assert link in render("case_accepted", {"number": "2026112500001", "link": link})
    answered = render("case_answered", {"number": "2026112500001", "link": link, "answer": "井盖已补装"})
    assert "井盖已补装" in answered and link in answered and "评价" in answered


def test_sla_messages_show_the_stage_and_the_deadline_in_shanghai_time() -> None:
    text = render("sla_warning", {"number": "N1", "stage": "sign", "deadline": "2026-11-25T01:01:00Z"})
    assert "「签收」" in text and "11月25日 09:01" in text
    text = render("sla_breach", {"number": "N1", "stage_label": "反馈", "due_at": "2026-11-26T01:00:00+00:00"})
    assert "「反馈」" in text and "11月26日 09:00" in text and "超" in text


def test_the_sla_workers_own_params_render() -> None:
    # the shape written by sla/effects.py: stage, stage_label, a local ISO deadline, unit, levels
    params = {"case_id": 1, "number": "2026112500007", "stage": "sign", "stage_label": "签收",
              "deadline": "2026-11-25T09:01:00+08:00", "unit": "ZX-DH", "from_level": "town", "to_level": "city"}
    assert render("sla_breach", params) == \
        "【民声一键办】超时：工单2026112500007「签收」已超过时限（11月25日 09:01），已提级督办。"
    assert "11月25日 09:01" in render("sla_warning", {**params, "remaining_seconds": 12.0})


def test_missing_fields_render_empty_and_unknown_events_get_a_generic_line() -> None:
    assert render("case_assigned", {"number": "N2"}).startswith("【民声一键办】新工单N2")
    assert render("something_new", {"number": "N3"}) == "【民声一键办】工单N3有新动态（something_new）。"
    assert render("case_accepted", {"number": "N4"}, sign="平湖民声").startswith("【平湖民声】")


def test_long_text_is_shortened_and_times_are_local() -> None:
    assert shorten("一" * 100) == "一" * 39 + "…"
    assert shorten("  a \n b ") == "a b"
    assert local_time("2026-01-01T00:00:00Z") == "1月01日 08:00"
    assert local_time("not a time") == "not a time"
