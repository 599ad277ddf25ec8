"""Open311 GeoReport v2 conformance: the spec's methods, field lists, formats and error shape."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.integrations.test_handback import act

BASE = "/open311/v2"
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values"}


def xml(resp: Any) -> ET.Element:
    assert resp.headers["content-type"].startswith("text/xml")
    assert resp.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(resp.content)


def post(client: Any, key: Any, fmt: str = "json", **fields: Any) -> Any:
    data = {"api_key": key.plain, "service_code": "SZ01", "lat": "30.705", "long": "121.015",
            "description": "当湖街道新华路路灯连续三晚不亮", "first_name": "明", "last_name": "王",
            "phone": "13912340000", "email": "wang@example.org", **fields}
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def test_discovery_lists_the_endpoint_in_both_formats(client) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("./endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("./endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_the_categories_with_group_and_keywords(client) -> None:
    services = client.get(f"{BASE}/services.json").json()
    assert len(services) > 20
    by_code = {s["service_code"]: s for s in services}
    assert all(set(s) == SERVICE_FIELDS for s in services)
    lamp = by_code["SZ01"]
    assert lamp["service_name"] == "路灯故障" and lamp["group"] == "市政设施" and lamp["type"] == "realtime"
    assert lamp["metadata"] is True and "白天常亮" in lamp["keywords"].split(",")
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    first = root.find("service")
    assert first is not None and {child.tag for child in first} == SERVICE_FIELDS
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]


def test_service_definition_has_the_spec_attribute_fields(client) -> None:
    body = client.get(f"{BASE}/services/SZ01.json").json()
    assert body["service_code"] == "SZ01"
    town = body["attributes"][0]
    assert set(town) == ATTRIBUTE_FIELDS and town["datatype"] == "singlevaluelist" and town["required"] is False
    assert {"key": "330482001", "name": "当湖街道"} in town["values"]
    root = xml(client.get(f"{BASE}/services/SZ01.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "SZ01"
    assert root.find("attributes/attribute/values/value/key") is not None
    missing = client.get(f"{BASE}/services/NOPE.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "service_code NOPE not found"}]


def test_post_request_creates_a_case_and_answers_with_its_id(client, make_key, login) -> None:
    key = make_key("open311")
    resp = post(client, key, account_id="acc-9", **{"attribute[town]": "330482001"})
    assert resp.status_code == 201, resp.text
    [created] = resp.json()
    assert set(created) >= {"service_request_id", "service_notice", "account_id"} and created["account_id"] == "acc-9"
    number = created["service_request_id"]
    [case] = client.get("/api/v1/cases", params={"text": number}, headers=login("citydisp")).json()["items"]
    assert case["channel"] == "open311" and case["category"] == "SZ01" and case["town"] == "330482001"
    assert case["citizen_name"] == "王*"
    # by address only, in XML
    resp = post(client, key, "xml", lat=None, long=None, address_string="平湖市当湖街道新华中路 88 号")
    root = xml(resp)
    assert resp.status_code == 201 and root.tag == "service_requests"
    assert root.findtext("request/service_request_id") and root.find("request/service_notice") is not None
    # the token of a realtime request resolves to its id
    token = created["token"]
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"service_request_id": number, "token": token}]
    assert xml(client.get(f"{BASE}/tokens/{token}.xml")).findtext("request/service_request_id") == number
    assert client.get(f"{BASE}/tokens/unknown.json").status_code == 404


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"api_key": None}, 403, "api_key"),
    ({"api_key": "msk_forged"}, 403, "api_key"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "NOPE"}, 404, "service_code"),
    ({"lat": None, "long": None}, 400, "location"),
    ({"long": None}, 400, "lat and long"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "10", "long": "10"}, 400, "long"),
    ({"description": "长" * 4001}, 400, "description"),
    ({"phone": "call me"}, 400, "phone"),
    ({"attribute[town]": "999"}, 400, "attribute[town]"),
    ({"attribute[occurred_at]": "yesterday"}, 400, "attribute[occurred_at]"),
])
def test_post_request_errors_have_the_spec_shape(client, make_key, fields, status, words) -> None:
    resp = post(client, make_key("open311"), **fields)
    assert resp.status_code == status, resp.text
    [error] = resp.json()
    assert set(error) == {"code", "description"} and error["code"] == status and words in error["description"]
    root = xml(post(client, make_key("open311"), "xml", **fields))
    assert root.tag == "errors" and root.findtext("error/code") == str(status)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_json_body_is_told_to_be_form_encoded_not_refused_for_its_key(client, make_key, fmt) -> None:
    fields = {"api_key": make_key("open311").plain, "service_code": "SZ01", "lat": "30.705", "long": "121.015",
              "description": "当湖街道新华路路灯连续三晚不亮"}
    resp = client.post(f"{BASE}/requests.{fmt}", json=fields)
    assert resp.status_code == 400, resp.text
    if fmt == "json":
        assert resp.json() == [{"code": 400,
                                "description": "the request body must be application/x-www-form-urlencoded"}]
    else:
        assert xml(resp).findtext("error/code") == "400"
    assert client.get(f"{BASE}/requests.json").json() == []  # nothing was filed
    assert post(client, make_key("open311"), fmt).status_code == 201  # form-encoded is still the way
    multipart = client.post(f"{BASE}/requests.json", data=fields, files={"media": ("a.txt", b"x", "text/plain")})
    assert multipart.status_code == 201, multipart.text


def test_a_key_of_another_system_may_not_post(client, make_key) -> None:
    assert post(client, make_key("12345")).status_code == 403


def test_get_requests_fields_filters_and_status_notes(client, make_key, login, fake_clock) -> None:
    key = make_key("open311")
    lamp = post(client, key).json()[0]["service_request_id"]
    fake_clock.advance(hours=1)
    noise = post(client, key, service_code="CG05", description="夜间工地施工噪声扰民").json()[0]["service_request_id"]
    # a 12345 case is not published
    client.post("/api/v1/cases", json={"channel": "12345", "content": "来电：路灯不亮"}, headers=login("calltaker"))
    listed = client.get(f"{BASE}/requests.json").json()
    assert [r["service_request_id"] for r in listed] == [noise, lamp]
    assert all(set(r) == REQUEST_FIELDS for r in listed)
    first = listed[1]
    assert first["status"] == "open" and first["status_notes"] == "待派单" and first["service_name"] == "路灯故障"
    assert first["lat"] == 30.705 and first["long"] == 121.015 and first["requested_datetime"].endswith("+08:00")
    # answer it: closed, with the approved feedback as status_notes
    [case] = client.get("/api/v1/cases", params={"text": lamp}, headers=login("citydisp")).json()["items"]
    act(client, login("citydisp"), case["id"], "assign", unit="ZJJ")
    act(client, login("zjj"), case["id"], "sign")
    act(client, login("zjj"), case["id"], "feedback", text="内部：已派维修班组")
    act(client, login("supervisor"), case["id"], "approve", public_answer="路灯已修复，感谢反映")
    one = client.get(f"{BASE}/requests/{lamp}.json").json()
    assert one[0]["status"] == "closed" and one[0]["status_notes"] == "路灯已修复，感谢反映"
    assert one[0]["agency_responsible"] == "市住房和城乡建设局"
    q = lambda **p: [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params=p).json()]  # noqa: E731
    assert q(status="closed") == [lamp] and q(status="open") == [noise] and q(status="open,closed") == [noise, lamp]
    assert q(service_code="CG05") == [noise] and q(service_code="SZ01,CG05") == [noise, lamp]
    assert q(service_request_id=f"{lamp},{noise}", status="open") == [noise, lamp]  # ids override the rest
    assert q(start_date="2026-11-25T09:30:00+08:00") == [noise]
    assert q(end_date="2026-11-25T09:30:00+08:00") == [lamp]
    assert q(start_date="2026-11-25T01:30:00Z", end_date="2026-11-25T03:00:00Z") == [noise]
    assert q(start_date="2026-08-01T00:00:00Z") == []
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and [r.findtext("service_request_id") for r in root] == [noise, lamp]
    assert {child.tag for child in root[0]} == REQUEST_FIELDS


@pytest.mark.parametrize(("params", "words"), [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "90 days"),
    ({"start_date": "2026-11-02T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "before"),
    ({"start_date": "last tuesday"}, "start_date"),
    ({"start_date": "0001-01-01T00:00:00+08:00"}, "start_date must lie between"),  # before UTC's year 1
    ({"end_date": "0001-01-02T00:00:00Z"}, "end_date must lie between"),  # its 90 days before do not exist
    ({"start_date": "9999-12-31T23:00:00-08:00"}, "start_date must lie between"),  # after UTC's year 9999
    ({"start_date": "9999-12-01T00:00:00Z"}, "start_date must lie between"),  # its 90 days after do not exist
    ({"end_date": "0001-01-01T00:00:00"}, "end_date must lie between"),  # no offset: Asia/Shanghai
    ({"status": "pending"}, "status"),
])
def test_get_requests_refuses_bad_filters(client, params, words) -> None:
    resp = client.get(f"{BASE}/requests.json", params=params)
    assert resp.status_code == 400 and words in resp.json()[0]["description"], resp.text


def test_dates_near_the_ends_of_the_calendar_are_still_read(client) -> None:
    for params in ({"start_date": "0001-04-02T00:00:00Z"}, {"end_date": "9999-09-30T00:00:00Z"},
                   {"start_date": "9999-07-01T00:00:00Z", "end_date": "9999-09-29T00:00:00Z"}):
        resp = client.get(f"{BASE}/requests.json", params=params)
        assert resp.status_code == 200 and resp.json() == [], (params, resp.text)


def test_unknown_ids_formats_and_jurisdictions(client) -> None:
    assert client.get(f"{BASE}/requests/0000.json").json() == [
        {"code": 404, "description": "service_request_id 0000 not found"}]
    root = xml(client.get(f"{BASE}/requests/0000.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert client.get(f"{BASE}/services.csv").status_code == 404
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": "330482"}).status_code == 200
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": "127.0.0.1"}).status_code == 200
    wrong = client.get(f"{BASE}/services.json", params={"jurisdiction_id": "boston.gov"})
    assert wrong.status_code == 404 and "jurisdiction_id" in wrong.json()[0]["description"]
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": ""}).status_code == 200  # empty = absent
