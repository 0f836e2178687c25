from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.api_key_scope import ApiKeyScope, check_api_key_scope
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateApiKeyRequest")


@_attrs_define
class CreateApiKeyRequest:
    """A new API key's name, scopes, and optional expiry and spend cap."""

    name: str
    """ What the key is for (shown when keys are listed, as given: see `ApiKey`'s
    `name`). Printable text is best; the reference service keeps any.
     """
    scopes: list[ApiKeyScope]
    """ What the key may do. """
    expires_in: int | None | Unset = UNSET
    """ Seconds until the key stops working (at most a year); absent or null for never. """
    max_spend: float | None | Unset = UNSET
    """ The most the key may commit of the account's money; absent or null for no cap. A 32-bit float (Go's default)
    may round it on the way (see Money); send `maxSpendDecimal` for the exact amount. """
    max_spend_decimal: None | str | Unset = UNSET
    """ `maxSpend` as a decimal string, instead of it or agreeing with it (see Money); only at a service that
    announces `exact-money`. """

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item: str = scopes_item_data
            scopes.append(scopes_item)

        expires_in: int | None | Unset
        if isinstance(self.expires_in, Unset):
            expires_in = UNSET
        else:
            expires_in = self.expires_in

        max_spend: float | None | Unset
        if isinstance(self.max_spend, Unset):
            max_spend = UNSET
        else:
            max_spend = self.max_spend

        max_spend_decimal: None | str | Unset
        if isinstance(self.max_spend_decimal, Unset):
            max_spend_decimal = UNSET
        else:
            max_spend_decimal = self.max_spend_decimal

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "scopes": scopes,
            }
        )
        if expires_in is not UNSET:
            field_dict["expiresIn"] = expires_in
        if max_spend is not UNSET:
            field_dict["maxSpend"] = max_spend
        if max_spend_decimal is not UNSET:
            field_dict["maxSpendDecimal"] = max_spend_decimal

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = check_api_key_scope(scopes_item_data)

            scopes.append(scopes_item)

        def _parse_expires_in(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in = _parse_expires_in(d.pop("expiresIn", UNSET))

        def _parse_max_spend(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        max_spend = _parse_max_spend(d.pop("maxSpend", UNSET))

        def _parse_max_spend_decimal(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        max_spend_decimal = _parse_max_spend_decimal(d.pop("maxSpendDecimal", UNSET))

        create_api_key_request = cls(
            name=name,
            scopes=scopes,
            expires_in=expires_in,
            max_spend=max_spend,
            max_spend_decimal=max_spend_decimal,
        )

        return create_api_key_request
