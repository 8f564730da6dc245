"""A first program: one customer, one case, four channels, one timeline.

Run it: ``python examples/first_program.py``. It writes a SQLite file in a
temporary folder, so it leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from omnicontext import ConflictError, InvalidInput, open_store, parse_interaction
from omnicontext.model import Case, Customer, Identity


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'support.db'}"
        with open_store(url) as store:
            ada = store.customers.save(
                Customer(
                    id="cus_1",
                    display_name="Ada",
                    time_zone="Europe/London",
                    identities=[
                        Identity(kind="social", platform="twitter", value="@ada"),
                        Identity(kind="phone", value="+442079460958", verified=True),
                    ],
                )
            )
            store.cases.save(Case(id="case_1", customer_id=ada.id, subject="Card blocked"))

            common = {"customer_id": "cus_1", "case_id": "case_1"}
            records = [
                {
                    "id": "tw-1",
                    "type": "message",
                    "occurred_at": "2026-01-05T09:00:00Z",
                    "channel": "social_public",
                    "actor": "customer",
                    "direction": "inbound",
                    "body": "My card is blocked in Lisbon!",
                },
                {
                    "id": "dm-1",
                    "type": "message",
                    "occurred_at": "2026-01-05T09:04:00Z",
                    "channel": "social_private",
                    "actor": "agent",
                    "agent_id": "ag_7",
                    "direction": "outbound",
                    "body": "Sorry Ada, let's sort it out here.",
                },
                {
                    "id": "chat-1",
                    "type": "message",
                    "occurred_at": "2026-01-05T09:20:00Z",
                    "channel": "chat",
                    "actor": "customer",
                    "direction": "inbound",
                    "body": "The app still says blocked.",
                },
                {
                    "id": "call-1",
                    "type": "call",
                    "occurred_at": "2026-01-05T09:31:00Z",
                    "channel": "phone",
                    "actor": "customer",
                    "agent_id": "ag_7",
                    "direction": "inbound",
                    "answered_at": "2026-01-05T09:31:40Z",
                    "ended_at": "2026-01-05T09:38:00Z",
                    "wrap_up_seconds": 45,
                },
            ]
            # A second run of the same records is a no-op: ids are idempotent.
            for _ in range(2):
                store.interactions.append_many(parse_interaction({**r, **common}) for r in records)

            page = store.interactions.customer_timeline("cus_1", limit=3)
            while True:
                for item in page:
                    print(f"{item.occurred_at:%H:%M} {item.channel:<15} {item.type}")
                if page.next_cursor is None:
                    break
                page = store.interactions.customer_timeline(
                    "cus_1", limit=3, cursor=page.next_cursor
                )

            try:
                parse_interaction({**records[0], **common, "occurred_at": "2026-01-05T09:00:00"})
            except InvalidInput as exc:
                print(f"rejected: {exc.field}={exc.value!r}")
            try:
                store.customers.save(ada.model_copy(update={"display_name": "stale copy"}))
                store.customers.save(ada.model_copy(update={"display_name": "older copy"}))
            except ConflictError as exc:
                print(f"conflict: {exc.kind} {exc.id}")


if __name__ == "__main__":
    main()
