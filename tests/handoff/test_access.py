from __future__ import annotations

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.handoff.access import PACKET_FIELDS, AccessPolicy, Role, Viewer


def test_default_roles() -> None:
    policy = AccessPolicy.default()
    assert sorted(policy.roles) == ["agent", "bot", "contractor", "supervisor"]
    assert policy.role("agent").fields == frozenset(PACKET_FIELDS)
    assert policy.role("agent").personal_data
    assert policy.role("contractor").fields == frozenset(PACKET_FIELDS) - {"identities", "notes"}
    assert not policy.role("contractor").personal_data
    assert "flags" not in policy.role("bot").fields


def test_a_single_field_name_is_one_field_not_its_letters() -> None:
    assert Role("reader", "history").fields == frozenset({"history"})


def test_with_role_adds_or_replaces_without_changing_the_original() -> None:
    policy = AccessPolicy.default()
    stricter = policy.with_role(Role("agent", {"case"}, personal_data=False))
    assert stricter.role("agent").fields == frozenset({"case"})
    assert policy.role("agent").fields == frozenset(PACKET_FIELDS)


def test_from_dict_reads_every_part_and_star() -> None:
    policy = AccessPolicy.from_dict(
        {
            "auditor": {"fields": "*"},
            "billing": {"fields": ["case", "clocks"], "personal_data": True},
        }
    )
    assert policy.role("auditor").fields == frozenset(PACKET_FIELDS)
    assert not policy.role("auditor").personal_data
    assert policy.role("billing").personal_data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "roles"),
        ({"x": "all"}, "roles.x"),
        ({"x": {"fields": [], "colour": "red"}}, "roles.x"),
        ({"x": {"fields": [1, 2]}}, "roles.x.fields"),
        ({"x": {"fields": ["secrets"]}}, "roles.x.fields"),
        ({"x": {"fields": [], "personal_data": "yes"}}, "roles.x.personal_data"),
        ({"Bad Name": {"fields": []}}, "roles.Bad Name.name"),
    ],
)
def test_from_dict_errors_name_the_path(data: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        AccessPolicy.from_dict(data)  # type: ignore[arg-type]
    assert field in {e.field for e in caught.value.errors}


def test_a_role_filed_under_another_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"roles\.agent"):
        AccessPolicy({"agent": Role("bot", {"case"})})


@pytest.mark.parametrize(
    ("viewer_id", "role", "field"),
    [("", "agent", "viewer.id"), ("  ", "agent", "viewer.id"), ("a", "", "viewer.role")],
)
def test_bad_viewers_name_the_field(viewer_id: str, role: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Viewer(viewer_id, role)
    assert [e.field for e in caught.value.errors] == [field]


def test_unknown_role_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="known: agent, bot, contractor, supervisor"):
        AccessPolicy.default().role("intern")
