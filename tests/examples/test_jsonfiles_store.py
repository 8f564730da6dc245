"""The JSON-files adapter example: the whole kit, its promises, and its registration.

``conftest.py`` puts ``examples/jsonfiles_store/src`` on ``sys.path``, so this
runs without installing the example.
"""

from __future__ import annotations

import doctest
import importlib
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import omnicontext_jsonfiles
import pytest
from omnicontext_jsonfiles import JsonFilesStore

from omnicontext.errors import StoreError
from omnicontext.storage import ENTRY_POINT_GROUP, Store, _open, open_store, store_schemes
from omnicontext.testing import StoreContract
from omnicontext.testing import factories as f

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jsonfiles_store"


class TestJsonFilesStore(StoreContract):
    def make_store(self) -> Store:
        return JsonFilesStore(self.tmp_dir() / "support")

    def reopen_store(self, store: Store) -> Store:
        assert isinstance(store, JsonFilesStore)
        return JsonFilesStore(store.path)


def test_the_module_docstring_example_runs() -> None:
    result = doctest.testmod(omnicontext_jsonfiles, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# == what the files look like ==================================================


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_one_document_per_record_and_one_log_per_customer(tmp_path: Path) -> None:
    with JsonFilesStore(tmp_path) as store:
        store.customers.save(f.customer("cus_1"))
        store.customers.save(f.customer("cus/2"))
        store.cases.save(f.case("k1"))
        store.interactions.append_many(
            [
                f.message("m1"),
                f.message("m2", at=f.minutes(1)),
                f.message("m3", customer_id="cus/2"),
                f.note("n1", case_id="k1", customer_id=None),
            ]
        )
        files = _files(tmp_path)
    assert sum(name.startswith("customers/") for name in files) == 2
    assert sum(name.startswith("cases/") for name in files) == 1
    logs = {name: data for name, data in files.items() if name.endswith(".jsonl")}
    assert len(logs) == 3
    assert logs["interactions/_no_customer.jsonl"].count(b"\n") == 1
    assert sorted(data.count(b"\n") for data in logs.values()) == [1, 1, 2]


def test_case_insensitive_and_unsafe_ids_get_distinct_files(tmp_path: Path) -> None:
    with JsonFilesStore(tmp_path) as store:
        for cid in ("Ada", "ada", "../ada", "a" * 256, "客户-7"):
            store.customers.save(f.customer(cid))
        names = [p.name.lower() for p in (tmp_path / "customers").iterdir()]
        assert len(set(names)) == 5
        assert all(len(name) < 100 for name in names)
        assert store.customers.get("../ada").id == "../ada"


def test_a_failed_transaction_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    with JsonFilesStore(tmp_path) as store:
        saved = store.customers.save(f.customer("cus_1"))
        store.interactions.append_many([f.message("m1"), f.note("n1", case_id="k1")])
        before = _files(tmp_path)

        def change_everything_then_fail() -> None:
            with store.transaction():
                store.customers.save(saved.model_copy(update={"display_name": "Changed"}))
                store.cases.save(f.case("k2"))
                store.interactions.append(f.message("m2", customer_id="cus_9"))
                store.erase_customer("cus_1")
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError, match="abort"):
            change_everything_then_fail()
        assert _files(tmp_path) == before


def test_erasure_deletes_the_customers_files(tmp_path: Path) -> None:
    with JsonFilesStore(tmp_path) as store:
        store.customers.save(f.customer("cus_1"))
        store.cases.save(f.case("k1"))
        store.interactions.append_many([f.message("m1"), f.message("m2", customer_id="cus_2")])
        store.erase_customer("cus_1")
    remaining = list(_files(tmp_path))
    assert len(remaining) == 1
    assert remaining[0].startswith("interactions/cus_2-")


# == several processes on one directory =========================================

_WORKER = """
import sys
from omnicontext.errors import ConflictError
from omnicontext.testing import factories as f
from omnicontext_jsonfiles import JsonFilesStore

path, start = sys.argv[1], int(sys.argv[2])
with JsonFilesStore(path) as store:
    batch = [f.message(f"m{i:03d}", at=f.minutes(i)) for i in range(start, start + 50)]
    result = store.interactions.append_many(batch)
    bumps = 0
    while bumps < 20:
        current = store.customers.get("cus_1")
        tags = (*current.tags, f"p{start}x{bumps}")
        try:
            store.customers.save(current.model_copy(update={"tags": tags}))
        except ConflictError:
            continue
        bumps += 1
    print(result.added, result.duplicates)
"""


def test_processes_sharing_a_directory_take_turns(tmp_path: Path) -> None:
    with JsonFilesStore(tmp_path) as store:
        store.customers.save(f.customer("cus_1"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE / "src"), *sys.path])}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(tmp_path), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for start in (0, 25, 50, 75)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0], [err for _, err in outputs]
    counts = [tuple(map(int, out.split())) for out, _ in outputs]
    assert sum(added for added, _ in counts) == 125
    assert sum(dups for _, dups in counts) == 75
    with JsonFilesStore(tmp_path) as store:
        assert store.interactions.count() == 125
        customer = store.customers.get("cus_1")
        assert customer.version == 81  # every read-check-write landed, none was lost
        assert len(customer.tags) == 80


# == URLs and entry points ======================================================


def test_from_url_takes_an_absolute_path(tmp_path: Path) -> None:
    target = tmp_path / "my support"
    with JsonFilesStore.from_url(target.as_uri().replace("file:", "jsonfiles:", 1)) as store:
        assert store.path == target
    assert (target / "customers").is_dir()


@pytest.mark.parametrize(
    "url",
    ["jsonfiles://relative/dir", "jsonfiles:relative", "jsonfiles:///tmp/x?sync=no", "memory://"],
)
def test_from_url_rejects_other_urls(url: str) -> None:
    with pytest.raises(StoreError, match="jsonfiles:///absolute/path"):
        JsonFilesStore.from_url(url)


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """A site directory where the example looks pip-installed: a dist-info
    holding the entry points declared in the example's pyproject.toml."""
    pyproject = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    table = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP]
    site = tmp_path / "site"
    dist_info = site / "omnicontext_jsonfiles-0.1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: omnicontext-jsonfiles\nVersion: 0.1.0\n", encoding="utf-8"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{name} = {value}" for name, value in table.items())]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    _open._entry_points.cache_clear()
    try:
        yield site
    finally:
        sys.path[:] = saved_path
        # Forget anything the entry point imported (not the stdlib modules
        # importlib.metadata pulled in on the way).
        for name in set(sys.modules) - saved_modules:
            if name.partition(".")[0] == "omnicontext_jsonfiles":
                del sys.modules[name]
        importlib.invalidate_caches()
        _open._entry_points.cache_clear()


@pytest.mark.usefixtures("installed")
def test_the_entry_point_makes_the_scheme_available(tmp_path: Path) -> None:
    assert "jsonfiles" in store_schemes()
    assert {"memory", "sqlite"} <= set(store_schemes())
    with open_store(f"jsonfiles://{tmp_path / 'support'}") as store:
        assert isinstance(store, JsonFilesStore)
        assert store.path == tmp_path / "support"
        store.customers.save(f.customer("cus_1"))
    with open_store(f"JSONFILES://{tmp_path / 'support'}") as again:
        assert again.customers.count() == 1
