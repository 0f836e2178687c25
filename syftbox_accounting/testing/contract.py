"""The contract (`openapi.yaml`, as shipped in the package), for tests: its operations,
its examples, and checks that an answer or a request is one it allows.

>>> contract = Contract.shipped()
>>> contract.example("getMyInfo")["user"]["email"]
'alice@example.com'
>>> contract.check_answer("getMyInfo", 200, {"user": {"id": "u1", "balance": 1}})
Traceback (most recent call last):
ContractViolation: ... at user.email: 'email' is a required property (rule: required) ...

Needs PyYAML and jsonschema: ``pip install 'syftbox-accounting[testing]'``.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from syftbox_accounting.calls import FEATURES_PROBE

if TYPE_CHECKING:
    import httpx

__all__ = ["Contract", "ContractViolation", "Operation"]

INSTALL_HINT = "pip install 'syftbox-accounting[testing]'"
_METHODS = ("get", "put", "post", "delete", "patch")
_PARAMETER = re.compile(r"\{([^}]+)\}")
# "- `code`: what it means." lines of the ErrorCode description.
_CODE_LINE = re.compile(r"^- `([a-z_]+)`: (.+?)$", re.M)


class ContractViolation(AssertionError):
    """An answer or request that `openapi.yaml` does not allow. The message names the
    operation, the field (a dotted path into the body) and the rule it breaks."""


def _imports() -> tuple[Any, Any]:
    try:
        import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extra
        import yaml
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f"Checking against the contract needs PyYAML and jsonschema ({exc}): {INSTALL_HINT}"
        ) from None
    return yaml, jsonschema


@dataclass(frozen=True)
class Operation:
    """One operation of the contract.

    Attributes:
        id: its `operationId`, e.g. ``createTransaction``.
        method, path: how it is reached (``POST``, ``/transaction/create``; a template
            such as ``/user/{email}`` for a path with a parameter).
        auth: the HTTP schemes it accepts, any one of them (``basic``, ``bearer``);
            empty when it needs no credentials.
    """

    id: str
    method: str
    path: str
    auth: frozenset[str]
    spec: Mapping[str, Any]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """The path, with each parameter as a named group (an email may hold a `/`)."""
        parts = _PARAMETER.split(self.path)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+)" for i, part in enumerate(parts)
        )
        return re.compile(regex)

    @property
    def templated(self) -> bool:
        return "{" in self.path


class Contract:
    """A parsed OpenAPI document with what tests need from it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        _, jsonschema = _imports()
        self.document = document
        self._jsonschema = jsonschema
        operations = []
        for path, item in document["paths"].items():
            for method in _METHODS:
                if method in item:
                    spec = item[method]
                    operations.append(
                        Operation(
                            spec["operationId"], method.upper(), path, _auth(document, spec), spec
                        )
                    )
        # Fixed paths before templated ones: /user/my-info is not /user/{email}.
        self.operations = {op.id: op for op in sorted(operations, key=lambda o: o.templated)}
        self._validators: dict[str, Any] = {}
        self._format_checker = _format_checker(jsonschema)

    @classmethod
    @functools.cache
    def shipped(cls) -> Contract:
        """The contract shipped in the installed package (read once)."""
        yaml, _ = _imports()
        text = resources.files("syftbox_accounting").joinpath("openapi.yaml").read_text("utf-8")
        return cls(yaml.safe_load(text))

    # -- operations

    def operation(self, operation_id: str) -> Operation:
        """The operation named `operation_id`.

        Raises:
            ValueError: no such operation; the message lists them and the closest.
        """
        found = self.operations.get(operation_id)
        if found is not None:
            return found
        raise ValueError(unknown_operation(operation_id, self.operations))

    def operation_for(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a request reaches, with its path parameters, or None."""
        for op in self.operations.values():
            if op.method != method.upper():
                continue
            match = op.pattern.fullmatch(path)
            if match is not None:
                return op, match.groupdict()
        return None

    def response(self, operation_id: str, status: int) -> Mapping[str, Any] | None:
        """The documented response of an operation for `status`, or None."""
        responses = self.operation(operation_id).spec["responses"]
        found = responses.get(str(status))
        return None if found is None else self.resolve(found)

    def statuses(self, operation_id: str) -> list[int]:
        """The statuses an operation documents, in order."""
        return sorted(int(s) for s in self.operation(operation_id).spec["responses"])

    def success_status(self, operation_id: str) -> int:
        """The operation's success status (201 for createUser, else 200)."""
        return min(s for s in self.statuses(operation_id) if 200 <= s < 300)

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow local `$ref`s to the node they name."""
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    # -- examples

    def examples(self, operation_id: str, status: int | None = None) -> dict[str, Any]:
        """The named examples of an operation's answer for `status` (default: its
        success status), as deep copies."""
        status = self.success_status(operation_id) if status is None else status
        response = self.response(operation_id, status)
        if response is None:
            raise ValueError(
                f"{operation_id} documents no {status} answer: it documents "
                f"{_join(self.statuses(operation_id))}."
            )
        media = (response.get("content") or {}).get("application/json") or {}
        found = {
            name: copy.deepcopy(self.resolve(example)["value"])
            for name, example in (media.get("examples") or {}).items()
        }
        if "example" in media:
            found.setdefault("example", copy.deepcopy(media["example"]))
        return found

    def example(self, operation_id: str, status: int | None = None, name: str | None = None) -> Any:
        """An example answer of the contract (a deep copy, yours to change): the first
        one for `status` (default: the success status), or the one called `name`.

        Raises:
            ValueError: the operation, status or example is not in the contract.
        """
        found = self.examples(operation_id, status)
        if not found:
            raise ValueError(f"The contract has no example of the {operation_id} answer {status}.")
        if name is None:
            return next(iter(found.values()))
        if name not in found:
            raise ValueError(
                f"The {operation_id} answer has no example {name!r}: it has {_join(found)}."
            )
        return found[name]

    @functools.cached_property
    def features(self) -> tuple[str, ...]:
        """Every feature a service may announce in ``Accounting-Features`` (the
        example of that header: what the reference service announces)."""
        header = self.document["components"]["headers"]["AccountingFeatures"]
        return tuple(name.strip() for name in str(header["example"]).split(",") if name.strip())

    @functools.cached_property
    def error_codes(self) -> dict[str, str]:
        """Every `ErrorCode` with its meaning, from the contract's description of it."""
        schema = self.document["components"]["schemas"]["ErrorCode"]
        meanings = dict(_CODE_LINE.findall(schema.get("description", "")))
        # An open enum (openapi.yaml, Conventions): the known codes in x-extensible-enum.
        return {code: meanings.get(code, "") for code in schema["x-extensible-enum"]}

    def error_answer(
        self,
        operation_id: str,
        code: str,
        *,
        status: int | None = None,
        message: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """The status and body with which the contract says `operation_id` fails with
        `code`: the status of the contract's example of that code for that operation
        (or `status`), and its body (with `message` when given).

        Raises:
            ValueError: an unknown code; a code the operation has no example of and no
                `status` given; a status the operation does not document.
        """
        op = self.operation(operation_id)
        if code not in self.error_codes:
            close = difflib.get_close_matches(code, self.error_codes, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{code!r} is not an error code of the contract.{hint} "
                f"The codes: {_join(self.error_codes)}."
            )
        errors = [s for s in self.statuses(op.id) if s >= 400]
        if status is not None and status not in errors:
            raise ValueError(f"{op.id} documents no {status} error: it documents {_join(errors)}.")
        for candidate in [status] if status is not None else errors:
            for example in self.examples(op.id, candidate).values():
                if isinstance(example, dict) and example.get("code") == code:
                    body = dict(example) if message is None else {**example, "message": message}
                    return candidate, body
        if status is None:
            shown = {c: s for s in errors for c in self._codes_of(op.id, s)}
            listed = ", ".join(f"{c} ({s})" for c, s in sorted(shown.items()))
            raise ValueError(
                f"The contract has no example of {op.id} failing with {code!r}: pass the "
                f"status it should come with (status=..., one of {_join(errors)}), or use "
                f"a code it shows: {listed}."
            )
        meaning = self.error_codes[code]
        default = meaning[:1].upper() + meaning[1:] if meaning else f"The request failed: {code}."
        return status, {"message": message or default, "code": code}

    def _codes_of(self, operation_id: str, status: int) -> list[str]:
        return [
            e["code"]
            for e in self.examples(operation_id, status).values()
            if isinstance(e, dict) and "code" in e
        ]

    # -- checks

    def check_answer(
        self,
        operation_id: str,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Check an answer of `operation_id`: a documented status, a JSON body that fits
        the documented schema, and documented headers that fit theirs.

        Raises:
            ContractViolation: what breaks the contract, naming the field and the rule.
        """
        where = f"The {operation_id} answer {status}"
        response = self.response(operation_id, status)
        if response is None:
            raise ContractViolation(
                f"{where} is not in openapi.yaml: {operation_id} documents "
                f"{_join(self.statuses(operation_id))} (rule: responses)."
            )
        media = (response.get("content") or {}).get("application/json")
        if media is not None:
            self._check_json(f"{where} body", media["schema"], body)
        for name, header in (response.get("headers") or {}).items():
            value = _header(headers or {}, name)
            if value is not None:
                schema = self.resolve(header)["schema"]
                self._check_json(f"{where}", schema, _typed(value, schema), f"header {name}")

    def check_request(self, request: httpx.Request, base_url: str) -> Operation:
        """Check a request sent to the service at `base_url`: an operation of the
        contract, its credentials' scheme, path and query parameters, headers and
        JSON body. Returns the operation. The library's request for a service's
        features (marked with the `FEATURES_PROBE` extension) is sent without
        credentials on purpose: the contract's 401 answers it, with the features.

        Raises:
            ContractViolation: what breaks the contract, naming the field and the rule.
        """
        import httpx

        prefix = httpx.URL(base_url).path.rstrip("/")
        path = request.url.path  # percent-decoded, as the service reads it
        if prefix and path.startswith(prefix):
            path = path[len(prefix) :]
        found = self.operation_for(request.method, path)
        if found is None:
            raise ContractViolation(
                f"{request.method} {path} is no operation of openapi.yaml (rule: paths)."
            )
        op, path_values = found
        where = f"The {op.id} request"
        if not request.extensions.get(FEATURES_PROBE):
            self._check_auth(where, op, request.headers.get("authorization"))
        parameters = [self.resolve(p) for p in op.spec.get("parameters", ())]
        sources = {
            "path": dict(path_values),
            "query": dict(request.url.params.multi_items()),
            "header": request.headers,
        }
        for parameter in parameters:
            values: Any = sources.get(parameter["in"], {})
            value = (
                _header(values, parameter["name"])
                if parameter["in"] == "header"
                else values.get(parameter["name"])
            )
            if value is None:
                if parameter.get("required"):
                    raise ContractViolation(
                        f"{where} lacks its {parameter['in']} parameter {parameter['name']} "
                        "(rule: required)."
                    )
                continue
            schema = parameter["schema"]
            self._check_json(
                where, schema, _typed(value, schema), f"{parameter['in']} {parameter['name']}"
            )
        body_spec = op.spec.get("requestBody")
        if body_spec is None:
            return op
        body_spec = self.resolve(body_spec)
        if not request.content:
            if body_spec.get("required"):
                raise ContractViolation(
                    f"{where} has no body; it needs a JSON body (rule: requestBody.required)."
                )
            return op
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise ContractViolation(
                f"{where} body is sent as {content_type or 'no content type'!r}, not "
                "application/json (rule: requestBody.content)."
            )
        try:
            body = json.loads(request.content)
        except ValueError as exc:
            raise ContractViolation(
                f"{where} body is not JSON ({exc}) (rule: requestBody.content)."
            ) from None
        self._check_json(f"{where} body", body_spec["content"]["application/json"]["schema"], body)
        return op

    def _check_auth(self, where: str, op: Operation, authorization: str | None) -> None:
        scheme = (authorization or "").split(" ", 1)[0].lower()
        if op.auth and scheme not in op.auth:
            sent = f"Authorization: {scheme.title()} ..." if scheme else "no Authorization"
            wanted = " or ".join(f"HTTP {name.title()}" for name in sorted(op.auth))
            raise ContractViolation(
                f"{where} sends {sent}; {op.id} needs {wanted} credentials (rule: security)."
            )

    def _check_json(
        self, where: str, schema: Mapping[str, Any], value: Any, name: str = ""
    ) -> None:
        """Raise a ContractViolation when `value` does not fit `schema`; `name` is the
        field's name when `value` is a header or a parameter, not a body."""
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            root = {**schema, "components": self.document.get("components", {})}
            cls = self._jsonschema.Draft202012Validator
            validator = cls(root, format_checker=self._format_checker)
            self._validators[key] = validator
        errors = sorted(
            validator.iter_errors(value), key=lambda e: (list(e.absolute_path), e.validator)
        )
        if errors:
            described = [_describe(e, name) for e in errors]
            more = ""
            if len(errors) > 1:
                s = "s" if len(errors) > 2 else ""
                more = f" ({len(errors) - 1} more problem{s}: {'; '.join(described[1:3])})"
            raise ContractViolation(f"{where} breaks openapi.yaml at {described[0]}{more}.")


def unknown_operation(name: str, known: Iterable[str]) -> str:
    """A message for an operation name that is not an `operationId`."""
    known = sorted(known)
    camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)
    close = [camel] if camel in known else difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{name!r} is not an operation of the contract: name one by its operationId in "
        f"openapi.yaml.{hint} The operations: {', '.join(known)}."
    )


def _auth(document: Mapping[str, Any], spec: Mapping[str, Any]) -> frozenset[str]:
    """The HTTP schemes (``basic``, ``bearer``) of the operation's security
    requirements, any one of which will do."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    names = {name for requirement in spec.get("security", ()) for name in requirement}
    return frozenset(str(schemes[name].get("scheme", "")).lower() for name in names)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _typed(value: str, schema: Mapping[str, Any]) -> Any:
    """A query or header value (text) as the type its schema wants, where it reads as one."""
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or ())
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in kinds:
        try:
            return float(value)
        except ValueError:
            return value
    if "boolean" in kinds and value in {"true", "false"}:
        return value == "true"
    return value


def _describe(error: Any, name: str = "") -> str:
    """`field: what is wrong (rule: keyword: its value)`."""
    path = ([name] if name else []) + [str(p) for p in error.absolute_path]
    rule = error.validator
    if rule == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        path.append(missing[0] if missing else "?")
        return f"{'.'.join(path)}: {error.message} (rule: required)"
    field = ".".join(path) or "the top level"
    shown = json.dumps(error.validator_value) if rule != "$ref" else ""
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{field}: {error.message} (rule: {rule}{': ' + shown if shown else ''})"


def _join(items: Iterable[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _format_checker(jsonschema: Any) -> Any:
    checker = jsonschema.FormatChecker()

    def date_time(value: object) -> bool:
        # RFC 3339: a date, a time and an offset (the contract's times carry one).
        if not isinstance(value, str):
            return True
        if not re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value, re.I
        ):
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    checker.checks("date-time", raises=ValueError)(date_time)
    return checker
