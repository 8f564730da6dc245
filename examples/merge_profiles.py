"""Three systems, one customer: link siloed profiles, merge safely, undo a merge.

A helpdesk knows Ada three times: a CRM contact, a shop account and a
Twitter follower. This script:

1. links an export of all three with ``resolve_many`` (bulk, no store);
2. does the same live over a store with ``IdentityResolver``, where a
   verified email merges two profiles and a one-side-verified phone only
   raises a suggestion;
3. undoes the merge, which restores both profiles and every moved record;
4. prints the silo report.

Run it: ``python examples/merge_profiles.py``.
"""

from __future__ import annotations

from omnicontext.identity import (
    IdentityResolver,
    SourceRecord,
    normalize,
    resolve_many,
    silo_report,
)
from omnicontext.model import parse_interaction
from omnicontext.storage import MemoryStore


def bulk() -> None:
    print("1. Linking an export from three systems")
    records = [
        SourceRecord(
            "crm",
            "C-17",
            [normalize("email", "Ada.Okafor@Example.com", verified=True)],
            display_name="Ada Okafor",
        ),
        SourceRecord(
            "shop",
            "S-9",
            [
                normalize("email", "ada.okafor@example.com", verified=True),
                normalize("phone", "07911 123456", region="GB", verified=True),
            ],
        ),
        SourceRecord("twitter", "T-1", [normalize("social", "twitter:@Ada_Okafor")]),
    ]
    result = resolve_many(records)
    for customer in result.customers:
        held = ", ".join(f"{s}:{r}" for s, r in customer.records)
        print(f"   {customer.id}  {customer.display_name or '(no name)'}  records {held}")
    print(f"   {len(result.suggestions)} suggestion(s), {len(result.problems)} problem(s)")
    print("   (the Twitter follower shares no identifier with the others: it stays apart)")


def live() -> None:
    print("2. Resolving live, over a store")
    store = MemoryStore()
    resolver = IdentityResolver(store, region="GB")
    crm = resolver.resolve(
        normalize("email", "ada.okafor@example.com", verified=True), display_name="Ada Okafor"
    )
    chat = resolver.resolve(normalize("social", "twitter:@ada_okafor"))
    store.interactions.append(
        parse_interaction(
            {
                "id": "tw-1",
                "type": "message",
                "occurred_at": "2026-06-12T09:12:00+01:00",
                "channel": "social_public",
                "customer_id": chat.id,
                "actor": "customer",
                "direction": "inbound",
                "body": "My card is blocked and I'm abroad!",
            }
        )
    )
    # In chat, Ada proves she controls the address the CRM has verified.
    linked = resolver.link(
        chat.id, normalize("email", "Ada.Okafor@Example.com"), verified=True, method="email_link"
    )
    (record,) = linked.merges
    print(f"   merged {record.absorbed_id} into {record.survivor_id} ({record.rule})")
    history = store.interactions.customer_timeline(crm.id)
    print(f"   the survivor's history now holds {[i.id for i in history]}")

    # Someone else types Ada's phone number into a web form: not verified by them.
    stranger = resolver.resolve(normalize("email", "a.okafor@work.example"), display_name="A. O.")
    resolver.link(crm.id, normalize("phone", "+44 7911 123456"), verified=True, method="otp")
    result = resolver.link(stranger.id, normalize("phone", "07911 123456", region="GB"))
    for suggestion in result.suggestions:
        print(f"   suggested, not merged: {' + '.join(suggestion.customer_ids)}")
        print(f"     score {suggestion.score:.2f}; {suggestion.note}")

    print("3. Undoing the merge")
    resolver.unmerge(record.id, actor="ag_1", reason="checking with the customer")
    back = store.interactions.get("tw-1").customer_id
    print(f"   tw-1 belongs to {back} again; {chat.id} is its own profile again")

    print("4. Silo report")
    for line in str(silo_report(store)).splitlines():
        print(f"   {line}")
    store.close()


if __name__ == "__main__":
    bulk()
    live()
