"""The ``omnicontext`` command: import interchange files, measure KPIs, see the demo,
print the schema.

Every command returns an exit code instead of exiting, so :func:`main` can be
called from Python (and from tests) as well as from the shell:

>>> main(["--version"])
omnicontext ...
0

Exit codes: ``0`` everything done; ``1`` an import rejected some lines (the
others were imported); ``2`` nothing was done (a usage error, a file that cannot
be read, a store that cannot be opened or written); ``130`` interrupted; ``141``
the reader of the output went away (``omnicontext schema | head``).
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import re
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

import omnicontext
from omnicontext.errors import FieldError, InvalidInput, OmnicontextError
from omnicontext.identity import IdentityResolver, NormalizeOptions
from omnicontext.model import (
    Assignment,
    Call,
    Case,
    ChannelProfile,
    ChannelRegistry,
    Customer,
    Evidence,
    Handoff,
    Identity,
    IdentityKind,
    Interaction,
    MergeSuggestion,
    Message,
    Note,
    StatusChange,
    Survey,
    current_channels,
    interaction_json_schema,
)
from omnicontext.storage import (
    ImportReport,
    RejectedLine,
    Store,
    import_jsonl,
    open_store,
    read_jsonl,
)
from omnicontext.storage.importer import DEFAULT_BATCH_SIZE

if TYPE_CHECKING:
    from omnicontext._demo.scenario import Arrival, Step, Story
    from omnicontext.kpi import BusinessClock, KpiReport, KpiRules, Rate

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_REJECTED", "EXIT_USAGE", "main"]

EXIT_OK = 0
"""Everything was done (an import added every line or found it already stored)."""
EXIT_REJECTED = 1
"""An import rejected at least one line; the other lines were imported."""
EXIT_USAGE = 2
"""Nothing was done: a usage error, an unreadable file, or a store that failed."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C (an import keeps the whole batches it had written)."""

MAX_PRINTED_REJECTIONS = 50
"""How many rejected lines ``import`` prints before summing up the rest."""

_PROG = "omnicontext"
_EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a broken pipe
_TEXT_WIDTH = 60
_DEMO_WIDTH = 80  # the demo's own sections fit an 80-column terminal
_SCENARIO_NOTE = (
    "a bank customer's blocked card travels from a public post to a private "
    "message, a chat and a phone call"
)


class _UsageError(Exception):
    """A problem with what the user asked for; its message is shown as is."""


# -- the parser ---------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer 0 or more, got {text!r}")
    return value


def _add_channel_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--channel",
        metavar="NAME[:live|:async]",
        type=_channel_profile,
        action="append",
        default=[],
        dest="channels",
        help="register a custom channel (repeatable); asynchronous and private unless :live",
    )


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _channel_profile(text: str) -> ChannelProfile:
    name, sep, mode = text.partition(":")
    if sep and mode not in ("live", "async"):
        raise argparse.ArgumentTypeError(
            f"mode={mode!r} in {text!r}: expected NAME, NAME:live or NAME:async"
        )
    if name in current_channels():
        raise argparse.ArgumentTypeError(
            f"name={name!r} is already a registered channel; a custom channel needs a new name"
        )
    try:
        return ChannelProfile(
            name=name, mode=mode or "async", description="registered with --channel"
        )
    except InvalidInput:
        raise argparse.ArgumentTypeError(
            f"name={name!r}: a channel name is 1-64 lower-case letters, digits and "
            "underscores, starting with a letter"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Keep a customer's context whole across channels.",
        epilog=(
            "examples:\n"
            "  omnicontext demo\n"
            "  omnicontext import history.jsonl --store sqlite:///support.db\n"
            "  omnicontext kpi history.jsonl --targets targets.toml\n"
            "  omnicontext simulate day.toml --compare more_staff.toml\n"
            "  omnicontext schema > interaction.schema.json\n\n"
            "exit codes: 0 done, 1 some lines rejected, 2 nothing done (usage error,\n"
            "unreadable file, store failure), 130 interrupted"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"{_PROG} {omnicontext.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    imp = commands.add_parser(
        "import",
        help="import a JSON Lines file of interactions into a store",
        description=(
            "Import a JSON Lines file of interactions (the interchange format) into a store. "
            "Bad lines are reported with their line number, field, value and reason; the "
            "others are imported. Importing a file again adds nothing."
        ),
        epilog=(
            "example:\n"
            "  omnicontext import history.jsonl --store sqlite:///support.db "
            "--channel line --channel kiosk:live\n\n"
            "Use --store memory:// to check a file without keeping anything.\n"
            "exit codes: 0 all lines imported or already stored, 1 some lines rejected,\n"
            "2 nothing imported (usage error, unreadable file, store failure)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", metavar="FILE", help="the .jsonl file, one interaction a line")
    imp.add_argument(
        "--store",
        metavar="URL",
        required=True,
        help="where to import: sqlite:///path/to.db, memory://, or an installed adapter's URL",
    )
    imp.add_argument(
        "--batch-size",
        metavar="N",
        type=_positive_int,
        default=DEFAULT_BATCH_SIZE,
        help="lines appended per all-or-nothing batch (default: %(default)s)",
    )
    _add_channel_option(imp)
    imp.add_argument(
        "--region",
        metavar="CC",
        type=_region,
        default=None,
        help="read national phone numbers (no leading +) as this country's, e.g. GB",
    )
    imp.add_argument(
        "--no-resolve",
        action="store_false",
        dest="resolve",
        help=(
            "store lines as they are; by default a line with a raw identity and no "
            "customer_id is given the customer holding that identity (created if nobody does)"
        ),
    )
    imp.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar and no summary; rejected lines are still reported",
    )

    demo = commands.add_parser(
        "demo",
        help="show one customer's journey across four channels",
        description=(
            f"Load the bundled scenario ({_SCENARIO_NOTE}) into a SQLite store and print "
            "the customer's unified timeline, read back from the store."
        ),
        epilog="examples:\n  omnicontext demo\n  omnicontext demo --keep demo.db",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--keep",
        metavar="PATH",
        help="write the SQLite database at PATH (a new file) and keep it",
    )

    kpi = commands.add_parser(
        "kpi",
        help="compute support KPIs and the scorecard from interactions",
        description=(
            "Compute CSAT, NPS, first response and resolution times, FCR, reopens, handle "
            "time, service level, abandonment, SLA compliance, channel switches and repeat "
            "contacts from a JSON Lines file of interactions or a store, overall and by "
            "channel, judged against targets."
        ),
        epilog=(
            "examples:\n"
            "  omnicontext kpi history.jsonl\n"
            "  omnicontext kpi history.jsonl --targets targets.toml --calendar hours.toml\n"
            "  omnicontext kpi sqlite:///support.db --by agent --format json\n"
            "  omnicontext kpi history.jsonl --format html --by day --time-zone Europe/London "
            "--output scorecard.html\n\n"
            "exit codes: 0 done, 1 some lines rejected (the others were counted),\n"
            "2 nothing done (usage error, unreadable file, store failure)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kpi.add_argument(
        "source",
        metavar="SOURCE",
        help="a .jsonl file of interactions, or a store URL such as sqlite:///support.db",
    )
    kpi.add_argument(
        "--calendar",
        metavar="FILE",
        help="business hours and holidays (TOML or JSON): case durations in business time",
    )
    kpi.add_argument(
        "--targets",
        metavar="FILE",
        help="targets and SLAs (TOML or JSON); default: the built-in starting targets",
    )
    kpi.add_argument(
        "--format",
        choices=("table", "json", "html"),
        default="table",
        help="output format (default: %(default)s)",
    )
    kpi.add_argument(
        "--by",
        choices=("channel", "agent", "tag", "day", "week"),
        action="append",
        default=[],
        help="a breakdown besides channel (repeatable); day and week need a time zone",
    )
    kpi.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="IANA zone for day and week breakdowns (default: the calendar's)",
    )
    kpi.add_argument(
        "--service-level",
        metavar="SECONDS",
        type=_non_negative_float,
        default=20.0,
        help="answered within this many seconds meets the service level (default: 20)",
    )
    kpi.add_argument(
        "--cases",
        metavar="FILE",
        help="a .jsonl file of case documents, for tags and priorities (a store has its own)",
    )
    _add_channel_option(kpi)
    kpi.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    kpi.add_argument(
        "--color",
        action="store_true",
        help="colour the table's statuses (they are also shown as symbols)",
    )

    audit = commands.add_parser(
        "audit",
        help="measure the risk register: silos, messaging, providers, overload, compliance",
        description=(
            "Measure the four risks of multichannel support (data silos, inconsistent "
            "messaging, third-party dependency, agent overload) and the compliance checks "
            "from a store or a file of interactions: each indicator with its severity "
            "(low, medium, high by thresholds) and the mitigation."
        ),
        epilog=(
            "examples:\n"
            "  omnicontext audit sqlite:///support.db --catalog answers.toml\n"
            "  omnicontext audit history.jsonl --as-of 2026-06-30T18:00:00+00:00 "
            "--retention-days 730\n"
            "  omnicontext audit twcs.csv --from twcs --catalog answers.toml --format html "
            "--output risks.html\n\n"
            "exit codes: 0 done, 1 some lines rejected (the others were audited),\n"
            "2 nothing done (usage error, unreadable file, bad catalog, store failure)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument(
        "source",
        metavar="SOURCE",
        help="a store URL such as sqlite:///support.db, or a file of interactions (see --from)",
    )
    audit.add_argument(
        "--from",
        dest="source_format",
        choices=("jsonl", "twcs"),
        default="jsonl",
        help="what a SOURCE file holds: interchange JSON Lines, or the Customer Support "
        "on Twitter CSV (default: %(default)s)",
    )
    audit.add_argument(
        "--catalog",
        metavar="FILE",
        help="approved answers (TOML or JSON) to audit replies against",
    )
    audit.add_argument(
        "--thresholds", metavar="FILE", help="severity thresholds (TOML or JSON) over the defaults"
    )
    audit.add_argument(
        "--as-of",
        metavar="TIME",
        type=_aware_time,
        help="judge deadlines and retention at this ISO-8601 time with its offset "
        "(default: now, in UTC)",
    )
    audit.add_argument(
        "--retention-days",
        metavar="DAYS",
        type=_positive_int,
        help="check that no interaction is older than this many days",
    )
    audit.add_argument(
        "--erasure-requests",
        metavar="FILE",
        help='JSON Lines of erasure requests: {"customer_id": ..., "requested_at": ...}',
    )
    audit.add_argument(
        "--format",
        choices=("table", "json", "html"),
        default="table",
        help="output format (default: %(default)s)",
    )
    audit.add_argument(
        "--findings",
        metavar="N",
        type=_non_negative_int,
        default=10,
        help="consistency findings to list (default: %(default)s; all are counted)",
    )
    _add_channel_option(audit)
    audit.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")

    sim = commands.add_parser(
        "simulate",
        help="run a day of traffic through the real dispatcher before it goes live",
        description=(
            "Simulate a scenario (traffic per channel, a roster with shifts and breaks, the "
            "routing policy) through the real dispatcher, and print service level, waits, "
            "abandonment, occupancy and overload. --compare runs other variants on the same "
            "customers."
        ),
        epilog=(
            "examples:\n"
            "  omnicontext simulate examples/scenarios/small_team.toml\n"
            "  omnicontext simulate today.toml --compare more_staff.toml --format json\n\n"
            "exit codes: 0 done, 2 nothing done (a usage error or a bad scenario file)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("scenario", metavar="SCENARIO", help="the scenario file (.toml or .json)")
    sim.add_argument(
        "--compare",
        metavar="OTHER",
        action="append",
        default=[],
        help="another variant to run on the same customers (repeatable)",
    )
    sim.add_argument(
        "--format",
        choices=("table", "json", "html"),
        default="table",
        help="output format (default: %(default)s); html shows one run as a dashboard",
    )
    sim.add_argument(
        "--replay",
        metavar="FILE",
        help=(
            "replay the inbound phone calls of a .jsonl file of interactions (their times, "
            "talk times and patience) instead of drawing the scenario's traffic"
        ),
    )
    sim.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    sim.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of one interaction",
        description="Print the JSON Schema (draft 2020-12) of one line of the interchange format.",
        epilog="example:\n  omnicontext schema --indent 4 > interaction.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument(
        "--indent",
        metavar="N",
        type=_non_negative_int,
        default=2,
        help="spaces per indentation level (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``omnicontext`` command with ``argv`` (``sys.argv[1:]`` by default).

    Returns the exit code rather than exiting; messages go to ``sys.stdout`` and
    ``sys.stderr``.

    >>> main(["schema", "--indent", "-1"])
    2
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: str = args.command
    try:
        if command == "import":
            return _import(args)
        if command == "demo":
            return _demo(args)
        if command == "kpi":
            return _kpi(args)
        if command == "audit":
            return _audit(args)
        if command == "simulate":
            return _simulate(args)
        return _schema(args)
    except _UsageError as exc:
        print(f"{_PROG} {command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"\n{_PROG} {command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (``omnicontext schema | head``)
        _silence_stdout()
        return _EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    """Point stdout at the null device, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # not a real file (io.UnsupportedOperation is both)
        pass


# -- schema -------------------------------------------------------------------


def _schema(args: argparse.Namespace) -> int:
    indent: int = args.indent
    print(json.dumps(interaction_json_schema(), indent=indent))
    return EXIT_OK


# -- import -------------------------------------------------------------------


def _stderr_is_tty() -> bool:
    isatty: Callable[[], bool] | None = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class _ProgressBar:
    """``import_jsonl``'s progress callback, drawn on one rewritten line."""

    def __init__(
        self,
        stream: TextIO,
        label: str,
        total_bytes: int,
        clock: Callable[[], float] = time.monotonic,
        unit: str = "lines",
    ) -> None:
        self._unit = unit
        self._stream = stream
        self._label = label
        self._total = total_bytes
        self._clock = clock
        self._start = clock()
        self._drawn_at: float | None = None
        self._last: tuple[int, int] | None = None
        self._width = 0

    def __call__(self, lines: int, done_bytes: int) -> None:
        self._last = (lines, done_bytes)
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= 0.1:
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line (nothing if nothing was drawn)."""
        if self._last is not None:
            self._draw(self._clock())
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self, now: float) -> None:
        assert self._last is not None
        lines, done = self._last
        self._drawn_at = now
        parts = [self._label]
        if self._total > 0:
            share = min(done / self._total, 1.0)
            filled = int(share * 20)
            parts.append(f"[{'#' * filled}{'.' * (20 - filled)}] {share:4.0%}")
        parts.append(f"{lines:,} {self._unit}")
        elapsed = now - self._start
        if elapsed > 0:
            parts.append(f"{lines / elapsed:,.0f} {self._unit}/s")
        text = "  ".join(parts)
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)


def _registry(profiles: list[ChannelProfile]) -> ChannelRegistry | None:
    if not profiles:
        return None
    modes: dict[str, str] = {}
    for profile in profiles:
        if modes.setdefault(profile.name, profile.mode.value) != profile.mode.value:
            raise _UsageError(
                f"--channel: name={profile.name!r} is given as both "
                f"{modes[profile.name]} and {profile.mode.value}"
            )
    return current_channels().with_channels(*profiles)


def _open_input(path: str, what: str = "FILE") -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise _UsageError(f"cannot read {what}={path!r}: {exc.strerror or exc}") from None


def _region(text: str) -> str:
    """An ISO 3166 region code for reading national phone numbers."""
    try:
        options = NormalizeOptions(default_region=text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(f"{exc.errors[0].reason}, got {text!r}") from None
    assert options.default_region is not None
    return options.default_region


def _import(args: argparse.Namespace) -> int:
    path: str = args.file
    batch_size: int = args.batch_size
    quiet: bool = args.quiet
    channels = _registry(args.channels)
    with _open_input(path) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            store = open_store(args.store)
        except OSError as exc:
            raise _UsageError(f"cannot read FILE={path!r}: {exc.strerror or exc}") from None
        except OmnicontextError as exc:
            raise _UsageError(f"cannot open --store: {exc}") from None
        bar = None
        if not quiet and _stderr_is_tty():
            bar = _ProgressBar(sys.stderr, f"importing {Path(path).name}", size)
        with store:
            prepare = None
            if args.resolve:
                prepare = IdentityResolver(store, region=args.region).resolve_interaction
            try:
                report = import_jsonl(
                    store.interactions,
                    handle,
                    batch_size=batch_size,
                    channels=channels,
                    progress=bar,
                    prepare=prepare,
                )
            except OSError as exc:
                raise _UsageError(f"cannot read FILE={path!r}: {exc.strerror or exc}") from None
            except OmnicontextError as exc:
                raise _UsageError(
                    f"the store failed ({exc}); whole batches written before it are kept, "
                    "and running the import again completes it"
                ) from None
            finally:
                if bar is not None:
                    bar.close()
    _print_rejections(path, report)
    if not quiet:
        print(
            f"{path}: {_count(report.lines, 'line')}, {report.added} added, "
            f"{_count(report.duplicates, 'duplicate')}, {report.rejected_count} rejected"
        )
    return EXIT_OK if report.ok else EXIT_REJECTED


def _describe(errors: Sequence[FieldError]) -> str:
    return "; ".join(str(e) for e in errors)


def _print_rejections(path: str, report: ImportReport) -> None:
    shown: list[RejectedLine] = report.rejected[:MAX_PRINTED_REJECTIONS]
    for rejected in shown:
        print(f"{path}:{rejected.line}: {_describe(rejected.errors)}", file=sys.stderr)
    more = report.rejected_count - len(shown)
    if more:
        print(f"... and {more} more rejected lines", file=sys.stderr)
    if any("needs a region" in e.reason for r in shown for e in r.errors):
        print("hint: read national phone numbers with --region CC (e.g. GB)", file=sys.stderr)
    if any(e.reason == "unknown channel" for r in shown for e in r.errors):
        print(
            "hint: register your own channels with --channel NAME (or NAME:live)",
            file=sys.stderr,
        )


# -- simulate -----------------------------------------------------------------


def _simulate(args: argparse.Namespace) -> int:
    from omnicontext.simulation import simulate
    from omnicontext.simulation.scenario_file import (
        compare,
        compare_table,
        load_scenario,
        result_dashboard,
        result_table,
    )

    paths: list[str] = [args.scenario, *args.compare]
    try:
        scenarios = {path: load_scenario(path) for path in paths}
    except InvalidInput as exc:
        raise _UsageError(str(exc)) from None
    if len(scenarios) < len(paths):
        raise _UsageError("a scenario is named twice")
    arrivals = _replayed_arrivals(args.replay, scenarios[args.scenario]) if args.replay else None
    if arrivals is not None and args.compare:
        raise _UsageError("--replay runs one scenario; compare variants on drawn traffic")
    if len(scenarios) == 1:
        bar = None
        if not args.quiet and _stderr_is_tty():
            bar = _ProgressBar(
                sys.stderr, f"simulating {Path(args.scenario).name}", 0, unit="contacts"
            )
        try:
            result = simulate(
                scenarios[args.scenario],
                arrivals=arrivals,
                progress=None if bar is None else (lambda done, total: bar(done, done)),
            )
        except InvalidInput as exc:
            raise _UsageError(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()
        if args.format == "json":
            text = json.dumps(result.to_dict(), indent=2)
        elif args.format == "html":
            from omnicontext.kpi.html import render_html

            title = f"Simulated: {Path(args.scenario).stem}"
            try:
                text = render_html(result_dashboard(result, title=title))
            except OmnicontextError as exc:
                raise _UsageError(str(exc)) from None
        else:
            text = result_table(result)
    else:
        if args.format == "html":
            raise _UsageError("--format html shows one run; compare variants as table or json")
        try:
            results = compare(scenarios)
        except InvalidInput as exc:
            raise _UsageError(str(exc)) from None
        if args.format == "json":
            text = json.dumps({name: r.to_dict() for name, r in results.items()}, indent=2)
        else:
            text = compare_table(results)
    _write_output(text, args.output)
    return EXIT_OK


def _replayed_arrivals(path: str, scenario: Any) -> list[Any]:
    from omnicontext.simulation.replay import arrivals_from_calls

    calls = []
    with _open_input(path, "--replay") as handle:
        for number, item in read_jsonl(handle):
            if isinstance(item, InvalidInput):
                raise _UsageError(f"--replay {path}:{number}: {_describe(item.errors)}")
            if isinstance(item, Call) and item.channel == "phone" and item.direction == "inbound":
                calls.append(item)
    if not calls:
        raise _UsageError(f"--replay {path}: no inbound phone calls to replay")
    try:
        return arrivals_from_calls(calls, seed=scenario.seed)
    except InvalidInput as exc:
        raise _UsageError(f"--replay {path}: {exc}") from None


# -- kpi ----------------------------------------------------------------------


def _kpi(args: argparse.Namespace) -> int:
    from omnicontext.kpi import (
        KpiRules,
        Targets,
        compute,
        format_duration,
        scan_jsonl,
        scorecard,
    )
    from omnicontext.kpi.calendar import BusinessCalendar

    source: str = args.source
    by = ["channel", *(d for d in args.by if d != "channel")]
    try:
        calendar = BusinessCalendar.from_file(args.calendar) if args.calendar else None
        targets = Targets.from_file(args.targets) if args.targets else Targets.default()
    except InvalidInput as exc:
        which = "--calendar" if args.calendar and "calendar" in exc.subject else "--targets"
        raise _UsageError(f"{which}: {exc}") from None
    channels = _registry(args.channels)
    rules = KpiRules(service_level_seconds=args.service_level, sla=targets.sla)
    cases = _read_cases(args.cases, channels) if args.cases else None
    rejected: list[tuple[int, InvalidInput]] = []
    try:
        if "://" in source:
            if cases is not None:
                raise _UsageError("--cases applies to a file SOURCE; a store has its own cases")
            report = _kpi_from_store(source, rules, calendar, by, args.time_zone, channels)
        else:
            with _open_input(source, "SOURCE") as handle:
                report = compute(
                    _valid_lines(scan_jsonl(handle, channels=channels), rejected),
                    rules=rules,
                    calendar=calendar,
                    by=by,
                    time_zone=args.time_zone,
                    cases=cases,
                    channels=channels,
                )
    except InvalidInput as exc:
        raise _UsageError(str(exc)) from None
    except OSError as exc:
        raise _UsageError(f"cannot read SOURCE={source!r}: {exc.strerror or exc}") from None
    for line, error in rejected[:MAX_PRINTED_REJECTIONS]:
        print(f"{source}:{line}: {_describe(error.errors)}", file=sys.stderr)
    if len(rejected) > MAX_PRINTED_REJECTIONS:
        print(
            f"... and {len(rejected) - MAX_PRINTED_REJECTIONS} more rejected lines",
            file=sys.stderr,
        )
    card = scorecard(report, targets)
    occupancy = _occupancy(source, report, channels) if "agent" in by else None
    if args.format == "json":
        data = report.to_dict()
        if occupancy is not None:
            data["occupancy"] = {agent: rate.to_dict() for agent, rate in occupancy.items()}
        data["scorecard"] = card.to_dict()
        text = json.dumps(data, indent=2, ensure_ascii=False)
    elif args.format == "html":
        try:
            text = card.to_html()
        except OmnicontextError as exc:
            raise _UsageError(str(exc)) from None
    else:
        text = card.to_table(color=args.color, breakdowns=by)
        if occupancy:
            text += "\n\nOccupancy (share of the period spent handling work)\n"
            text += "\n".join(
                f"  {agent:<{max(map(len, occupancy))}}  {rate.value or 0:5.1f}%  "
                f"busy {format_duration(rate.count)}"
                for agent, rate in occupancy.items()
            )
    _write_output(text, args.output)
    return EXIT_REJECTED if rejected else EXIT_OK


def _occupancy(
    source: str, report: KpiReport, channels: ChannelRegistry | None
) -> Mapping[str, Rate] | None:
    """Each agent's occupancy over the report's period (a second pass, with the models)."""
    from omnicontext.kpi import agent_occupancy

    if report.start is None or report.end is None or report.start == report.end:
        return None
    if "://" in source:
        _refuse_missing_sqlite_file(source)
        with open_store(source) as store:
            items: list[Interaction] = list(
                itertools.chain.from_iterable(store.interactions.scan())
            )
    else:
        with _open_input(source, "SOURCE") as handle:
            items = [
                i
                for _, i in read_jsonl(handle, channels=channels)
                if not isinstance(i, InvalidInput)
            ]
    return agent_occupancy(items, start=report.start, end=report.end)


def _valid_lines(
    lines: Iterable[tuple[int, Any]],
    rejected: list[tuple[int, InvalidInput]],
) -> Iterator[Any]:
    for number, item in lines:
        if isinstance(item, InvalidInput):
            rejected.append((number, item))
        else:
            yield item


def _read_cases(path: str, channels: ChannelRegistry | None) -> dict[str, Case]:
    found: dict[str, Case] = {}
    with _open_input(path, "--cases") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                case = Case.parse_json(raw)
            except InvalidInput as exc:
                raise _UsageError(f"--cases {path}:{number}: {_describe(exc.errors)}") from None
            found[case.id] = case
    return found


def _refuse_missing_sqlite_file(url: str) -> None:
    """Measuring reads a store: a SQLite URL naming no file is a typo, not a new store."""
    if not url.lower().startswith("sqlite:///"):
        return
    path = url[len("sqlite:///") :]
    if path and path != ":memory:" and not Path(path).exists():
        raise _UsageError(f"no SQLite store at SOURCE={url!r} (no such file)")


def _kpi_from_store(
    url: str,
    rules: KpiRules,
    calendar: BusinessClock | None,
    by: Sequence[str],
    time_zone: str | None,
    channels: ChannelRegistry | None,
) -> KpiReport:
    from omnicontext.errors import NotFound
    from omnicontext.kpi import compute

    _refuse_missing_sqlite_file(url)
    try:
        store = open_store(url)
    except OmnicontextError as exc:
        raise _UsageError(f"cannot open SOURCE={url!r}: {exc}") from None
    with store:

        def case(case_id: str) -> Case | None:
            try:
                return store.cases.get(case_id)
            except NotFound:
                return None

        try:
            return compute(
                itertools.chain.from_iterable(store.interactions.scan()),
                rules=rules,
                calendar=calendar,
                by=by,
                time_zone=time_zone,
                cases=case,
                channels=channels,
            )
        except InvalidInput:
            raise
        except OmnicontextError as exc:
            raise _UsageError(f"the store failed: {exc}") from None


def _write_output(text: str, output: str | None) -> None:
    if output is None:
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        print(text.encode(encoding, "replace").decode(encoding))
        return
    try:
        Path(output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise _UsageError(f"cannot write --output {output!r}: {exc.strerror or exc}") from None


# -- audit --------------------------------------------------------------------


def _aware_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO-8601 time, got {text!r}") from None
    if value.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one (+00:00), it is never guessed"
        )
    return value


def _erasure_requests(path: str) -> list[Any]:
    from omnicontext.risk import ErasureRequest

    requests: list[Any] = []
    with _open_input(path, "--erasure-requests") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"--erasure-requests {path}:{number}"
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise _UsageError(f"{where}: not JSON: {exc}") from None
            if not isinstance(data, dict):
                raise _UsageError(
                    f"{where}: expected an object with customer_id and requested_at, "
                    f"got {raw.strip()!r}"
                )
            for key in ("customer_id", "requested_at"):
                if not isinstance(data.get(key), str):
                    raise _UsageError(f"{where}: {key}={data.get(key)!r}: a string is required")
            try:
                at = datetime.fromisoformat(data["requested_at"])
            except ValueError:
                raise _UsageError(
                    f"{where}: requested_at={data['requested_at']!r}: expected an ISO-8601 time"
                ) from None
            try:
                requests.append(
                    ErasureRequest(
                        customer_id=data["customer_id"], requested_at=at, id=data.get("id")
                    )
                )
            except InvalidInput as exc:
                raise _UsageError(f"{where}: {_describe(exc.errors)}") from None
    return requests


def _load_lines(
    store: Store, lines: Iterable[tuple[int, Any]], rejected: list[tuple[int, InvalidInput]]
) -> None:
    """Append each valid line; a line repeating an earlier id with other
    content is rejected like an invalid one, with its line number."""
    from omnicontext.errors import ConflictError

    for number, item in lines:
        if isinstance(item, InvalidInput):
            rejected.append((number, item))
            continue
        try:
            store.interactions.append(item)
        except ConflictError:
            reason = "repeats the id of an earlier line with other content"
            rejected.append(
                (number, InvalidInput("interaction", [FieldError("id", item.id, reason)]))
            )


def _audit(args: argparse.Namespace) -> int:
    from datetime import UTC

    from omnicontext.quality import Catalog
    from omnicontext.risk import RetentionPolicy, RiskThresholds, risk_report
    from omnicontext.storage import MemoryStore

    channels = _registry(args.channels)
    try:
        catalog = Catalog.from_file(args.catalog, channels=channels) if args.catalog else None
    except InvalidInput as exc:
        raise _UsageError(f"--catalog {args.catalog}: {exc}") from None
    try:
        thresholds = RiskThresholds.from_file(args.thresholds) if args.thresholds else None
    except InvalidInput as exc:
        raise _UsageError(f"--thresholds {args.thresholds}: {exc}") from None
    requests = _erasure_requests(args.erasure_requests) if args.erasure_requests else []
    retention = (
        RetentionPolicy(default=timedelta(days=args.retention_days))
        if args.retention_days
        else None
    )
    as_of: datetime = args.as_of or datetime.now(UTC)
    source: str = args.source
    rejected: list[tuple[int, InvalidInput]] = []

    def run(store: Store) -> Any:
        return risk_report(
            store,
            as_of=as_of,
            catalog=catalog,
            thresholds=thresholds,
            retention=retention,
            erasure_requests=requests,
        )

    try:
        if "://" in source:
            _refuse_missing_sqlite_file(source)
            try:
                opened = open_store(source)
            except OmnicontextError as exc:
                raise _UsageError(f"cannot open SOURCE={source!r}: {exc}") from None
            with opened:
                report = run(opened)
        else:
            store = MemoryStore()
            if args.source_format == "twcs":
                from omnicontext.datasets import read_twcs

                store.interactions.append_many(read_twcs(source))
            else:
                with _open_input(source, "SOURCE") as handle:
                    _load_lines(store, read_jsonl(handle, channels=channels), rejected)
            report = run(store)
    except InvalidInput as exc:
        raise _UsageError(str(exc)) from None
    except OSError as exc:
        raise _UsageError(f"cannot read SOURCE={source!r}: {exc.strerror or exc}") from None
    for line, error in rejected[:MAX_PRINTED_REJECTIONS]:
        print(f"{source}:{line}: {_describe(error.errors)}", file=sys.stderr)
    if len(rejected) > MAX_PRINTED_REJECTIONS:
        print(
            f"... and {len(rejected) - MAX_PRINTED_REJECTIONS} more rejected lines",
            file=sys.stderr,
        )
    if args.format == "json":
        text = json.dumps(report.to_dict(findings=args.findings), indent=2, ensure_ascii=False)
    elif args.format == "html":
        text = report.to_html(findings=args.findings)
    else:
        text = report.to_text(findings=args.findings)
    _write_output(text.rstrip("\n"), args.output)
    return EXIT_REJECTED if rejected else EXIT_OK


# -- demo ---------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    keep: str | None = args.keep
    if keep is not None:
        path = Path(keep)
        if path.exists():
            raise _UsageError(f"--keep PATH={keep!r} exists already; name a new file")
        return _run_demo(path.resolve(), f"SQLite file {keep} (kept)")
    with tempfile.TemporaryDirectory(prefix="omnicontext-demo-") as folder:
        return _run_demo(
            Path(folder) / "demo.db",
            "a temporary SQLite file, removed on exit (keep it with --keep demo.db)",
        )


def _run_demo(db: Path, where: str) -> int:
    from omnicontext._demo import scenario
    from omnicontext.identity import normalize_identity

    try:
        store = open_store(f"sqlite:///{db}")
    except OmnicontextError as exc:
        raise _UsageError(f"cannot create the demo store: {exc}") from None
    with store:
        try:
            story = scenario.load(store)
            # Find her as an agent would: by the handle her first public post came from.
            entry = normalize_identity(scenario.ENTRY_IDENTITY, region=scenario.REGION)
            found = store.customers.find_by_identity(entry.key)
            customer = found[0] if found else store.customers.get(scenario.CUSTOMER_ID)
            lines = _Demo(store, _arrow(sys.stdout)).render(customer, where, story)
        except OmnicontextError as exc:
            raise _UsageError(f"the demo store failed: {exc}") from None
    out = "\n".join(lines)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    print(out.encode(encoding, "replace").decode(encoding))
    return EXIT_OK


def _arrow(stream: TextIO) -> str:
    try:
        "\u2192".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "\u2192"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _clip(text: str, width: int = _TEXT_WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3].rstrip(" .,;:") + "..."


def _journey(timeline: Sequence[Interaction]) -> list[str]:
    """The channels in the order the customer used them, repeats folded."""
    channels: list[str] = []
    for item in timeline:
        if not channels or channels[-1] != item.channel:
            channels.append(item.channel)
    return channels


def _wrap(text: str, *, first: str = "", rest: str = "") -> list[str]:
    """``text`` in lines of at most :data:`_DEMO_WIDTH` columns."""
    return textwrap.wrap(
        text,
        width=_DEMO_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    )


def _identity_words(identity: Identity) -> str:
    scope = identity.platform or identity.system
    label = f"{identity.kind.value} ({scope})" if scope else identity.kind.value
    if identity.verified:
        when = f" {identity.verified_at:%Y}" if identity.verified_at else ""
        return f"{label} {identity.value}, verified{when}"
    return f"{label} {identity.value}, unverified"


def _evidence_words(evidence: Evidence, *, weight: bool = False) -> str:
    where = f"{evidence.identity_key}: " if evidence.identity_key else ""
    detail = evidence.detail or evidence.kind.value
    return f"{where}{detail}" + (f" (weight {evidence.weight:.2f})" if weight else "")


def _why_not_merged(suggestion: MergeSuggestion) -> str:
    """Why the rules left a suggestion to a person: its note, as a sentence."""
    note = suggestion.note.removeprefix("not merged automatically: ")
    return f"{note}." if note else "the rules found the evidence too weak."


def _arrival_groups(arrivals: Sequence[Arrival]) -> list[list[Arrival]]:
    """Arrivals in a row with the same channel, raw value and profile, together."""
    groups: list[list[Arrival]] = []
    for arrival in arrivals:
        last = groups[-1][0] if groups else None
        if (
            last is not None
            and last.channel == arrival.channel
            and last.raw == arrival.raw
            and last.customer_id == arrival.customer_id
        ):
            groups[-1].append(arrival)
        else:
            groups.append([arrival])
    return groups


class _WhoRows:
    """The rows of the demo's "Who is this?" section: a time, a channel and
    what happened, then its outcomes indented below."""

    def __init__(self, zone: tzinfo, arrow: str, channel_width: int) -> None:
        self._zone = zone
        self._arrow = arrow
        self._width = channel_width

    def _head(self, at: datetime, channel: str, text: str) -> list[str]:
        return _wrap(
            f"{at.astimezone(self._zone):%H:%M}  {channel:<{self._width}}  {text}",
            first="  ",
            rest=" " * (self._width + 11),
        )

    def _then(self, text: str, *, arrow: bool = True, extra: int = 0) -> list[str]:
        lead = f"{self._arrow} " if arrow else ""
        return _wrap(lead + text, first=" " * (9 + extra), rest=" " * (11 + extra))

    def arrival(self, group: Sequence[Arrival]) -> list[str]:
        first = group[0]
        out = self._head(
            first.at, first.channel, f'"{first.raw.value}" ({_count(len(group), "interaction")})'
        )
        if first.customer_id is None:
            outcome = "held by several profiles, so left unresolved"
        elif first.created:
            outcome = f"new profile {first.customer_id} (nobody held it)"
        else:
            outcome = f"found {first.customer_id}"
        return out + self._then(f"{first.key}: {outcome}")

    def step(self, step: Step) -> list[str]:
        event = step.event
        out = self._head(event.at, event.channel, event.what)
        if event.verified:
            how = f"verified by {event.method}" if event.method else "verified"
        else:
            how = "added unverified"
        if event.customer_id is None:  # linked to whoever the case belongs to
            out += self._then(f"{step.key} {how}")
            out += self._then(f"on {step.customer_id}, the case's customer", arrow=False, extra=2)
        else:
            out += self._then(f"{step.key} {how} on {step.customer_id}")
        for merge in step.result.merges:
            rule = merge.rule or f"by {merge.actor}"
            out += self._then(f"{merge.absorbed_id} merged into {merge.survivor_id} ({rule}):")
            for evidence in merge.evidence:
                out += self._then(_evidence_words(evidence), arrow=False, extra=2)
        for suggestion in step.result.suggestions:
            first, second = suggestion.customer_ids
            out += self._then(
                f"suggestion {suggestion.id}, {suggestion.status.value}, "
                f"score {suggestion.score:.2f}"
            )
            out += self._then(
                f"pairs {first} and {second} on this evidence:", arrow=False, extra=2
            )
            for evidence in suggestion.evidence:
                out += self._then(_evidence_words(evidence, weight=True), arrow=False, extra=2)
            out += self._then(f"Not merged: {_why_not_merged(suggestion)}", arrow=False)
        return out


class _Demo:
    """Renders a customer's unified timeline, read back from a store."""

    def __init__(self, store: Store, arrow: str) -> None:
        self._store = store
        self._arrow = arrow

    def render(self, customer: Customer, where: str, story: Story) -> list[str]:
        zone: tzinfo = ZoneInfo(customer.time_zone or "UTC")
        timeline = self._timeline(customer.id)
        cases = self._store.cases.for_customer(customer.id)
        intro = (
            f"Loaded the bank's {_count(len(story.profiles), 'profile')}, then "
            f"{_count(story.report.added, 'interaction')} that arrived with no customer "
            "id, each resolved from the identifier it came with (or its case); the "
            "timeline is read back from the store."
        )
        return [
            "omnicontext demo: one customer's issue, from a public post to a phone call.",
            f"Store: {where}.",
            *_wrap(intro),
            "",
            *self._who(story, zone),
            "",
            *self._header(customer, cases),
            "",
            *self._rows(timeline, zone),
            "",
            *self._summary(customer, cases, timeline, zone),
            "",
            *self._handoffs(customer, cases, zone),
            "",
            *self._routing(zone),
            "",
            *self._scorecard(),
            "",
            *self._risks(zone),
        ]

    def _handoffs(self, customer: Customer, cases: Sequence[Case], zone: tzinfo) -> list[str]:
        """At each switch: the packet the next agent saw, and what the customer was told."""
        from omnicontext._demo.handoff import legs

        if not cases:
            return []
        first_name = (customer.display_name or customer.id).split()[0]
        found, update, outbox = legs(self._store, cases[0].id)
        label = getattr(zone, "key", "UTC")
        delivered = {e.key: e for e in outbox}
        out = _wrap(
            f"Handoffs ({label} time): at each switch, the packet the next agent saw "
            f"(built as of that moment, and written to the access log) and what "
            f"{first_name} was told."
        )
        for number, leg in enumerate(found, 1):
            when = leg.at.astimezone(zone)
            out.append("")
            if leg.switch is None:
                title = (
                    f"[{number}] {when:%H:%M} {leg.packet.to_channel}: the first reply, "
                    "on a public channel, so personal data is masked"
                )
            else:
                s = leg.switch
                title = (
                    f"[{number}] {when:%H:%M} {s.from_channel} {self._arrow} {s.to_channel}: "
                    f"{s.reason.value} ({s.evidence})"
                )
            out.extend(_wrap(title, rest="    "))
            text = leg.packet.to_text(width=_DEMO_WIDTH - 4, time_zone=label)
            out.extend("    " + line if line else "" for line in text.rstrip().splitlines())
            for queued in leg.notices:
                out.extend(self._notice(queued, delivered, zone, first_name))
        out.append("")
        why = "; ".join(update.plan.reasons)
        out.extend(_wrap(f"That evening, away from every conversation ({why}):"))
        out.extend(self._notice(update, delivered, zone, first_name))
        return out

    def _notice(
        self, queued: Any, delivered: dict[str, Any], zone: tzinfo, name: str
    ) -> list[str]:
        if queued.entry is None:
            why = "; ".join(queued.plan.reasons)
            return _wrap(f"{name} was not told: {why}", first="    ", rest="    ")
        entry = delivered.get(queued.entry.key, queued.entry)
        how = entry.status.value
        if entry.sent_at is not None:
            how = f"sent {entry.sent_at.astimezone(zone):%d %b %H:%M} via {entry.provider}"
            failed = [a.provider for a in entry.attempts if a.outcome.value == "failed"]
            if failed:
                how += f" after {', '.join(dict.fromkeys(failed))} failed"
        notice = queued.notice
        extra = ""
        if notice is not None and notice.sms is not None:
            extra = f", {_count(notice.sms.segments, 'segment')} {notice.sms.encoding}"
        out = _wrap(
            f"{name} was told on {entry.channel} ({how}{extra}):", first="    ", rest="    "
        )
        if entry.subject:
            out.extend(_wrap(f"Subject: {entry.subject}", first="      ", rest="      "))
        for paragraph in entry.body.splitlines():
            out.extend(_wrap(paragraph, first="      ", rest="      ") or [""])
        return out

    def _scorecard(self) -> list[str]:
        """The scenario measured: its KPIs judged against the default targets."""
        from omnicontext.kpi import compute, scorecard

        report = compute(itertools.chain.from_iterable(self._store.interactions.scan()))
        # Handle time has no default target; leaving it out keeps the table in 80 columns.
        shown = [t.metric for t in scorecard(report).overall if t.metric != "aht"]
        card = scorecard(report, title="The scenario's scorecard (default targets)", metrics=shown)
        return card.to_table().splitlines()

    def _risks(self, zone: tzinfo) -> list[str]:
        """The scenario's risk register: each risk's severity and measured
        indicators, and what to do about the ones that are not low."""
        import tomllib
        from importlib.resources import files

        from omnicontext.quality import Catalog
        from omnicontext.risk import Severity, risk_report

        catalog = Catalog.from_dict(
            tomllib.loads(files("omnicontext._demo").joinpath("catalog.toml").read_text("utf-8"))
        )
        last = max(
            (i.occurred_at for chunk in self._store.interactions.scan() for i in chunk),
            default=datetime(2026, 6, 12, tzinfo=zone),
        )
        as_of = (last + timedelta(days=1)).astimezone(zone)
        report = risk_report(self._store, as_of=as_of, catalog=catalog)
        out = _wrap(
            f"The risk register of this scenario, as of {as_of:%Y-%m-%d %H:%M} "
            f"({getattr(zone, 'key', zone)}), with the bank's catalog of "
            f"{len(catalog)} approved answers (omnicontext audit):"
        )
        for risk in report.risks:
            out.append("")
            out.append(f"{risk.title}: {risk.severity.value.upper()}")
            for ind in risk.indicators:
                if ind.severity is Severity.UNMEASURED:
                    continue
                out.append(f"  {ind.label.strip():<48}{ind.formatted():>16}  {ind.severity.value}")
            unmeasured = [
                i.label.strip() for i in risk.indicators if i.severity is Severity.UNMEASURED
            ]
            if unmeasured:
                out.extend(
                    _wrap("not measured: " + ", ".join(unmeasured), first="  ", rest="    ")
                )
            if risk.severity in (Severity.MEDIUM, Severity.HIGH):
                for ind in risk.indicators:
                    if ind.action and not ind.label.startswith(" "):
                        out.extend(_wrap(f"{ind.detail}.", first="  - ", rest="    "))
                        out.extend(_wrap(f"act: {ind.action}.", first="    ", rest="    "))
        for finding in report.consistency.findings[:3]:
            out.append("")
            out.extend(_wrap(finding.describe(), first="Finding: ", rest="  "))
        return out

    def _routing(self, zone: tzinfo) -> list[str]:
        """How the call was routed: to the agent who handled the chat, and why."""
        from omnicontext._demo.routing import route_call

        routed = route_call(self._store)
        decision = routed.decision
        when = decision.at.astimezone(zone)
        out = [f"Routing the call ({zone} time): sticky, then longest idle."]
        out.extend(_wrap(f"Policy: {routed.policy.describe()}.", rest="  "))
        out.extend(
            _wrap(
                f"{when:%H:%M:%S} {routed.item.channel} call, needs cards >= 5 "
                f"{self._arrow} offered to {decision.agent_id}"
                f" (longest idle alone would pick {routed.without_sticky}).",
                rest="  ",
            )
        )
        out.append("Why:")
        for line in decision.reasons.describe().splitlines():
            shown = re.sub(
                r"\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)[+-]\d\d:\d\d",
                lambda m: datetime.fromisoformat(m.group(0)).astimezone(zone).strftime("%H:%M:%S"),
                line,
            )
            out.extend(_wrap(shown, first="  ", rest="      "))
        return out

    def _who(self, story: Story, zone: tzinfo) -> list[str]:
        """How the raw identifiers became one customer: the profiles the store
        held, each identifier as it arrived, the merges, and the suggestions."""
        from omnicontext._demo.scenario import REGION
        from omnicontext.identity import silo_report

        out = [f"Who is this? Raw identifiers becoming one customer ({zone} time).", ""]
        out.append("The bank's profiles before the day:")
        id_width = max((len(c.id) for c in story.profiles), default=0)
        name_width = max((len(c.display_name or "") for c in story.profiles), default=0)
        for profile in story.profiles:
            held = "; ".join(_identity_words(i) for i in profile.identities) or "no identifiers"
            name = profile.display_name or ""
            out.extend(
                _wrap(
                    f"{profile.id:<{id_width}}  {name:<{name_width}}  {held}",
                    first="  ",
                    rest=" " * (id_width + name_width + 6),
                )
            )
        channels = [
            *(a.channel for a in story.arrivals),
            *(s.event.channel for s in story.steps),
        ]
        rows = _WhoRows(zone, self._arrow, max((len(c) for c in channels), default=0))
        out.append("")
        out.append(f"As they arrived, normalised (phone numbers read in region {REGION}):")
        for group in _arrival_groups(story.arrivals):
            out.extend(rows.arrival(group))
        sections = (
            (
                "Merged automatically (a strong identifier verified on both profiles):",
                [s for s in story.steps if s.result.merges],
            ),
            (
                "Suggested to a person, not merged:",
                [s for s in story.steps if s.result.suggestions and not s.result.merges],
            ),
            (
                "Linked, nothing to merge:",
                [s for s in story.steps if not s.result.suggestions and not s.result.merges],
            ),
        )
        for title, steps in sections:
            if steps:
                out.append("")
                out.extend(_wrap(title))
                for step in steps:
                    out.extend(rows.step(step))
        report = silo_report(self._store)
        out.append("")
        out.extend(
            _wrap(
                f"Now: {_count(report.customers, 'customer')} "
                f"(and {_count(report.merged_profiles, 'profile')} merged into them), "
                f"{_count(report.pending_suggestions, 'pending suggestion')}, "
                f"{report.unlinked_interactions} of {_count(report.interactions, 'interaction')} "
                "without a customer."
            )
        )
        return out

    def _timeline(self, customer_id: str) -> list[Interaction]:
        items: list[Interaction] = []
        cursor: str | None = None
        while True:
            page = self._store.interactions.customer_timeline(
                customer_id, limit=100, cursor=cursor
            )
            items.extend(page)
            cursor = page.next_cursor
            if cursor is None:
                return items

    def _header(self, customer: Customer, cases: Sequence[Case]) -> list[str]:
        name = customer.display_name or customer.id
        details = ", ".join(filter(None, [customer.id, customer.time_zone, customer.language]))
        out = [f"{name} ({details})"]
        for ident in customer.identities:
            if ident.kind is IdentityKind.SOCIAL:
                label = ident.platform or "social"
            elif ident.kind is IdentityKind.EXTERNAL:
                label = ident.system or "external"
            else:
                label = ident.kind.value
            verified = " (verified)" if ident.verified else ""
            out.append(f"  {label:<8} {ident.value}{verified}")
        for case in cases:
            out.append(
                f"Case {case.id}: {case.subject or '(no subject)'} "
                f"(priority {case.priority.value}, now {case.status.value})"
            )
        return out

    def _rows(self, timeline: Sequence[Interaction], zone: tzinfo) -> list[str]:
        rows: list[tuple[datetime, str, str, str, str]] = []
        status: dict[str, str] = {}
        for item in timeline:
            actor = item.agent_id if item.actor == "agent" and item.agent_id else item.actor
            rows.append(
                (
                    item.occurred_at.astimezone(zone),
                    item.channel,
                    item.type,
                    str(actor),
                    self._text(item, status),
                )
            )
        widths = [
            max((len(r[1]) for r in rows), default=0),
            max((len(r[2]) for r in rows), default=0),
            max((len(r[3]) for r in rows), default=0),
        ]
        out: list[str] = []
        day = None
        for local, channel, kind, actor, text in rows:
            if local.date() != day:
                day = local.date()
                if out:
                    out.append("")
                out.append(f"{local:%A %d %B %Y}, {zone} time ({local:%Z})")
            out.append(
                f"  {local:%H:%M}  {channel:<{widths[0]}}  {kind:<{widths[1]}}  "
                f"{actor:<{widths[2]}}  {text}"
            )
        return out

    def _text(self, item: Interaction, status: dict[str, str]) -> str:
        arrow = self._arrow
        if isinstance(item, Message):
            return f'"{_clip(item.body)}"'
        if isinstance(item, Note):
            return f"(internal) {_clip(item.body, _TEXT_WIDTH - 11)}"
        if isinstance(item, Call):
            if item.answered_at is None:
                waited = item.wait_seconds
                return f"{item.direction.value} call, abandoned" + (
                    "" if waited is None else f" after {_duration(waited)}"
                )
            parts = [f"{item.direction.value} call", f"waited {_duration(item.wait_seconds or 0)}"]
            if item.talk_seconds is not None:
                parts.append(f"talked {_duration(item.talk_seconds)}")
            parts.append(f"answered by {item.agent_id or 'an agent'}")
            return ", ".join(parts)
        if isinstance(item, Handoff):
            # The channel column already names where it came from, as a rule.
            head = f"{arrow} {item.to_channel}: "
            if item.from_channel != item.channel:
                head = f"{item.from_channel} {head}"
            return head + _clip(item.reason, max(_TEXT_WIDTH - len(head), 40))
        if isinstance(item, StatusChange):
            key = item.case_id or ""
            before = status.get(key, "new")
            status[key] = item.status.value
            return f"{before} {arrow} {item.status.value}"
        if isinstance(item, Assignment):
            queue = f" (queue {item.queue})" if item.queue else ""
            return f"assigned to {item.agent_id}{queue}"
        if isinstance(item, Survey):
            return f"CSAT {item.csat}/5" if item.csat is not None else f"NPS {item.nps}/10"
        return ""  # pragma: no cover - every interaction type is handled above

    def _summary(
        self,
        customer: Customer,
        cases: Sequence[Case],
        timeline: Sequence[Interaction],
        zone: tzinfo,
    ) -> list[str]:
        journey = _journey(timeline)
        out = [f"Journey: {f' {self._arrow} '.join(journey)}"]
        solved = next(
            (i for i in timeline if isinstance(i, StatusChange) and i.status.value == "solved"),
            None,
        )
        scores = [i for i in timeline if isinstance(i, Survey)]
        facts: list[str] = []
        if timeline and solved is not None:
            taken = _duration((solved.occurred_at - timeline[0].occurred_at).total_seconds())
            facts.append(f"solved {taken} after the first contact, on {len(journey)} channels")
        if scores:
            facts.append(self._text(scores[-1], {}))
        if facts:
            sentence = "; ".join(facts)
            out.append(sentence[0].upper() + sentence[1:] + ".")
        name = (customer.display_name or customer.id).split()[0]
        for case in cases:
            if not case.checkpoints:
                out.append(f"Case {case.id} has no checkpoints yet.")
                continue
            done = [
                f"{c.name} ({c.channel or 'no channel'}, {c.done_at.astimezone(zone):%H:%M})"
                for c in case.checkpoints
            ]
            first = min(case.checkpoints, key=lambda c: c.done_at)
            later = [
                channel
                for channel in _journey([i for i in timeline if i.occurred_at > first.done_at])
                if channel != first.channel
            ]
            where = " or ".join(dict.fromkeys(later)) if later else "the next channel"
            out.append(f"Checkpoints on {case.id}: {', '.join(done)}.")
            out.append(
                f"Recorded once and carried with the case, so {name} never had to repeat "
                f"them on {where}."
            )
        return out
