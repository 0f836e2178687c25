"""Option values the CLI reads itself (durations, limits, seconds, dates): anything but
ASCII digits, or a number too long, is a usage error (exit 2) that names the option and
says what to write, never an internal name, before any request."""

from __future__ import annotations

import pytest

from tests.cli.conftest import NO_SERVICE, Runner

LONG = "9" * 5000
CASES = (
    [
        (["keys", "create", "ci", f"--expires={value}"], "--expires", "is not a duration")
        for value in ("²", "10²m", "٣h", LONG, "-5m", "")
    ]
    + [
        (["history", f"--limit={value}"], "--limit", "must be a whole number")
        # Above 10000 (the help's bound) the library would quietly show 10000 at most.
        for value in ("²", "٣", LONG, "-1", "1.5", "10001", "99999999999")
    ]
    + [
        (["history", f"--until={value}"], "--until", "not a date or date-time")
        for value in ("²", LONG)
    ]
    + [
        (["status", f"--timeout={value}"], "--timeout", "is not a number of seconds")
        for value in ("²", "٣", LONG, "nan", "inf", "0")
    ]
    + [
        # A number, but past the bound: the message says what the bound is.
        (["status", f"--timeout={value}"], "--timeout", "from more than 0 to less than 86400")
        for value in ("86400", "100000", "-1")
    ]
)


@pytest.mark.parametrize(("args", "option", "says"), CASES)
def test_a_bad_option_value_is_a_usage_error_that_says_what_to_write(
    cli: Runner, args: list[str], option: str, says: str
) -> None:
    result = cli.main(*args)
    assert result.code == 2
    assert f"argument {option}: " in result.err
    assert says in result.err
    assert "invalid _" not in result.err  # an internal function's name
    assert len(result.err) < 2000  # a 5,000-digit value is not echoed whole


def test_a_bad_duration_names_every_unit_it_takes(cli: Runner) -> None:
    # Tried as a new user would: --expires 1w, after the help's "--expires 30d".
    result = cli.main("keys", "create", "ci", "--scope", "read", "--expires=1w")
    assert result.code == 2
    assert "days (30d)" in result.err


@pytest.mark.parametrize(
    ("value", "seconds"), [("90", 90), ("10m", 600), (" 2h ", 7200), ("30d", 30 * 86400)]
)
def test_a_good_duration_is_read(value: str, seconds: int) -> None:
    from syftbox_accounting.cli._options import _duration

    assert _duration(value) == seconds


@pytest.mark.parametrize(
    "args",
    [
        ["history", "--since", "9999-12-31T23:59:59-23:00"],  # year 10000 in UTC
        ["history", "--until", "0001-01-01T00:00:00+05:00"],  # before year 1 in UTC
        ["usage", "--since", "9999-06-01"],
    ],
)
def test_a_date_outside_the_contracts_years_is_refused_before_any_request(
    cli: Runner, args: list[str]
) -> None:
    # No service at that URL: the date is checked before any request.
    env = NO_SERVICE
    error, _ = cli.main(*args, env=env).assert_error(2)
    assert "between the years 1 and 9998" in error


@pytest.mark.parametrize("command", ["history", "usage"])
@pytest.mark.parametrize("until", ["2026-11-01", "2026-10-01"])
def test_an_empty_window_names_the_options(cli: Runner, command: str, until: str) -> None:
    # Tried as a new user would: the error named the library's created_before and
    # created_after, which no option of the command line is called.
    env = NO_SERVICE
    error, _ = cli.main(command, "--since", "2026-11-01", "--until", until, env=env).assert_error(2)
    assert "--until" in error
    assert "--since" in error
    assert "created_" not in error


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["refund", "0b7c3c7e-1111-4111-8111-111111111111", "0.5"], "refund"),
        (["balance", "--nope"], "balance"),
        (["keys", "revoke", "key_a", "key_b"], "keys revoke"),
    ],
)
def test_an_unexpected_argument_points_at_its_commands_help(
    cli: Runner, args: list[str], command: str
) -> None:
    # Tried as a new user would: `refund TX_ID 0.5` (the amount is --amount) pointed at
    # the program's help, which does not list refund's options.
    _, hint = cli.main(*args, env=NO_SERVICE).assert_error(2)
    assert f"'syftbox-accounting {command} --help'" in hint
