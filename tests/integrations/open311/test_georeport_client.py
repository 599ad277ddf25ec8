"""The `georeport` client library from PyPI reads our Open311 endpoint over HTTP, in JSON and XML."""

from __future__ import annotations

import pytest
from georeport import GeoReport

from tests.integrations.open311.test_views import post


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_definitions_and_requests(live_server, client, make_key, fmt) -> None:
    key = make_key("open311")
    first = post(client, key).json()[0]["service_request_id"]
    second = post(client, key, service_code="CG05", description="工地夜间施工噪声大").json()[0]["service_request_id"]
    api = GeoReport(f"{live_server}/open311/v2", jurisdiction="330482", output_format=fmt)

    services = api.get_service_list()
    assert {"SZ01", "CG05"} <= {s["service_code"] for s in services}
    lamp = next(s for s in services if s["service_code"] == "SZ01")
    assert lamp["service_name"] == "路灯故障" and lamp["group"] == "市政设施"

    definition = api.get_service_definition("SZ01")
    assert definition["service_code"] == "SZ01"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["town", "occurred_at"]

    requests = api.get_service_requests(status="open")
    assert [r["service_request_id"] for r in requests] == [second, first]
    one = api.get_service_request(first)
    assert one["service_request_id"] == first and one["status"] == "open" and one["service_code"] == "SZ01"
    assert one["description"] == "当湖街道新华路路灯连续三晚不亮"
    by_id = api.get_service_requests(service_request_id=second)
    found = by_id if fmt == "json" else [by_id]  # xmltodict gives a lone element, not a list
    assert [r["service_request_id"] for r in found] == [second]
