from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiKey")


@_attrs_define
class ApiKey:
    """An API key, as listed: never its secret."""

    id: str
    """ The key's identifier (`key_...`), to revoke it; not a secret. """
    name: str
    """ What the key is for, as its creator named it, character for character.
    The contract does not restrict its characters: it may hold control
    characters or bidirectional overrides (`\\u001b[31m`, `\\u202e`), so a
    client shows it escaped, never raw in a terminal or a page.
     """
    scopes: list[str]
    """ What the key may do. """
    hint: str
    """ The key's prefix and its last 4 characters (`sbk_...x9Qa`), to recognise it. """
    created_at: datetime.datetime
    """ When it was created, in UTC. """
    expires_at: datetime.datetime | None
    """ When it stops working; null if it never expires. """
    last_used_at: datetime.datetime | None
    """ When it last authenticated a request (to the minute); null if never. """
    revoked_at: datetime.datetime | None
    """ When it was revoked; null while it is not. """
    max_spend: float | None
    """ The most the key may commit of the account's money over its life; null for no cap. """
    spent: float
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    max_spend_decimal: None | str | Unset = UNSET
    """ `maxSpend` as a decimal string (see Money); null for no cap. """
    spent_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        scopes = self.scopes

        hint = self.hint

        created_at = self.created_at.isoformat()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        max_spend: float | None
        max_spend = self.max_spend

        spent = self.spent

        max_spend_decimal: None | str | Unset
        if isinstance(self.max_spend_decimal, Unset):
            max_spend_decimal = UNSET
        else:
            max_spend_decimal = self.max_spend_decimal

        spent_decimal = self.spent_decimal

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "scopes": scopes,
                "hint": hint,
                "createdAt": created_at,
                "expiresAt": expires_at,
                "lastUsedAt": last_used_at,
                "revokedAt": revoked_at,
                "maxSpend": max_spend,
                "spent": spent,
            }
        )
        if max_spend_decimal is not UNSET:
            field_dict["maxSpendDecimal"] = max_spend_decimal
        if spent_decimal is not UNSET:
            field_dict["spentDecimal"] = spent_decimal

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        scopes = cast(list[str], d.pop("scopes"))

        hint = d.pop("hint")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expiresAt"))

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("lastUsedAt"))

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revokedAt"))

        def _parse_max_spend(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        max_spend = _parse_max_spend(d.pop("maxSpend"))

        spent = d.pop("spent")

        def _parse_max_spend_decimal(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        max_spend_decimal = _parse_max_spend_decimal(d.pop("maxSpendDecimal", UNSET))

        spent_decimal = d.pop("spentDecimal", UNSET)

        api_key = cls(
            id=id,
            name=name,
            scopes=scopes,
            hint=hint,
            created_at=created_at,
            expires_at=expires_at,
            last_used_at=last_used_at,
            revoked_at=revoked_at,
            max_spend=max_spend,
            spent=spent,
            max_spend_decimal=max_spend_decimal,
            spent_decimal=spent_decimal,
        )

        api_key.additional_properties = d
        return api_key

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
