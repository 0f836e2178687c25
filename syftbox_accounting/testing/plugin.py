"""The pytest plugin (entry point ``pytest11``): the `accounting_service` and
`accounting_mock` fixtures.

Importing this module costs nothing: the service is imported and started only when
a test asks for a fixture.

How a test reaches the service, loopback (a real socket, the default) or in process
(no socket, no thread), is chosen per project with the ini option
``accounting_service_mode``, per test or module with
``@pytest.mark.accounting_service(mode="in-process")``, or both ways at once with
``@pytest.mark.parametrize("accounting_service", ["loopback", "in-process"], indirect=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from syftbox_accounting.testing.harness import AccountingTestService, Mode, SessionService
    from syftbox_accounting.testing.mocks import ContractMock

_MODE_INI = "accounting_service_mode"
# Whether the test's call did not pass (failed, skipped or xfailed): its unfired faults
# and unchecked mocks then say nothing about the code under test.
_CALL_FAILED = pytest.StashKey[bool]()
_NEEDS = "pip install 'syftbox-accounting[testing]'"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        _MODE_INI,
        "How tests reach the accounting_service fixture: loopback (a real socket, the "
        "default) or in-process (an httpx transport: no socket, no thread).",
        default="loopback",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "accounting_service(mode): reach the accounting_service fixture over 'loopback' "
        "or 'in-process'.",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Old-style wrapper: it works on every pytest that has a stash (7.0 and later).
    outcome: Any = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = not report.passed or hasattr(report, "wasxfail")


@pytest.fixture(scope="session")
def accounting_service_session() -> Iterator[SessionService]:
    """The reference service of the session (of each pytest-xdist worker): used by
    `accounting_service`, which wipes it before each test."""
    try:
        from syftbox_accounting.testing.harness import SessionService

        session = SessionService()
    except ImportError as exc:  # pragma: no cover - depends on the install
        pytest.fail(
            f"The accounting_service fixture needs the server extra ({exc}): {_NEEDS}",
            pytrace=False,
        )
    try:
        yield session
    finally:
        session.close()


def _mode(request: pytest.FixtureRequest) -> Mode:
    from syftbox_accounting.testing.harness import MODES

    where = "the parametrized value"
    mode: Any = getattr(request, "param", None)
    if mode is None:
        marker = request.node.get_closest_marker("accounting_service")
        where = "the accounting_service marker"
        if marker is not None:
            given = [repr(a) for a in marker.args]
            given += [f"{name}={value!r}" for name, value in marker.kwargs.items()]
            if len(given) > 1 or set(marker.kwargs) - {"mode"}:
                pytest.fail(
                    "the accounting_service marker takes one argument, mode (loopback or "
                    "in-process): @pytest.mark.accounting_service(mode='in-process'), not "
                    f"({', '.join(given)}).",
                    pytrace=False,
                )
            mode = marker.kwargs.get("mode", marker.args[0] if marker.args else None)
    if mode is None:
        where = f"the ini option {_MODE_INI}"
        mode = request.config.getini(_MODE_INI) or "loopback"
    if mode not in MODES:
        pytest.fail(f"{where} says mode {mode!r}: use one of {', '.join(MODES)}.", pytrace=False)
    return mode  # type: ignore[no-any-return]


@pytest.fixture
def accounting_service(
    request: pytest.FixtureRequest,
    accounting_service_session: SessionService,
) -> Iterator[AccountingTestService]:
    """A reference accounting service with no accounts and no faults, for one test.

    >>> def test_pay(accounting_service):
    ...     payer = accounting_service.create_account(balance=5)
    ...     assert payer.get_account_balance() == 5.0

    Reached over loopback, or in process (no socket, no thread) with
    ``@pytest.mark.accounting_service(mode="in-process")``. Its `faults` make the next
    requests of an operation fail; a fault that never fired fails a test that passed.
    """
    from syftbox_accounting.testing.harness import AccountingTestService

    accounting_service_session.reset()
    harness = AccountingTestService(accounting_service_session, _mode(request))
    try:
        yield harness
    finally:
        unused = harness.faults.unused()
        harness.faults.clear()
        harness.close()
    if unused and not request.node.stash.get(_CALL_FAILED, False):
        listed = "; ".join(f.describe() for f in unused)
        pytest.fail(
            f"accounting_service.faults: {len(unused)} fault(s) never fired, so the test "
            f"did not exercise them: {listed}. Check the operationId and the account, or "
            "call faults.clear() where a fault may rightly not fire.",
            pytrace=False,
        )


@pytest.fixture
def accounting_mock(request: pytest.FixtureRequest) -> Iterator[ContractMock]:
    """pytest-httpx answers for the accounting service, built from and checked against
    its contract (`openapi.yaml`); every request the test sends to it is checked too.

    >>> def test_low_balance(accounting_mock):
    ...     accounting_mock.add("getMyInfo", json={"user": {...}})
    ...     client = AccountingClient(accounting_mock.url, "alice@example.com", "pw")

    Needs pytest-httpx, PyYAML and jsonschema.
    """
    try:
        httpx_mock = request.getfixturevalue("httpx_mock")
    except pytest.FixtureLookupError:
        pytest.fail(
            "accounting_mock answers through pytest-httpx: pip install pytest-httpx",
            pytrace=False,
        )
    from syftbox_accounting.testing.mocks import ContractMock

    mock = ContractMock(httpx_mock)
    yield mock
    if not request.node.stash.get(_CALL_FAILED, False):
        mock.check_requests()
