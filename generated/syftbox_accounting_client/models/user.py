from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="User")


@_attrs_define
class User:
    """An account."""

    id: str
    """ The account's stable identifier. """
    email: str
    """ An email address; it identifies an account. """
    balance: float
    """ The balance in US dollars, never below zero. """
    organization: None | str
    """ The organization the account belongs to, or null for none. """
    balance_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    available_balance: float | Unset = UNSET
    """ What the account can spend now: `balance` minus `heldBalance`. Absent at a
    service without holds, where it equals `balance`.
     """
    available_balance_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    held_balance: float | Unset = UNSET
    """ What the account's pending transactions hold, as their sender (see "Holds,
    capture, expiry and refunds"). Absent at a service without holds.
     """
    held_balance_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        email = self.email

        balance = self.balance

        organization: None | str
        organization = self.organization

        balance_decimal = self.balance_decimal

        available_balance = self.available_balance

        available_balance_decimal = self.available_balance_decimal

        held_balance = self.held_balance

        held_balance_decimal = self.held_balance_decimal

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "email": email,
                "balance": balance,
                "organization": organization,
            }
        )
        if balance_decimal is not UNSET:
            field_dict["balanceDecimal"] = balance_decimal
        if available_balance is not UNSET:
            field_dict["availableBalance"] = available_balance
        if available_balance_decimal is not UNSET:
            field_dict["availableBalanceDecimal"] = available_balance_decimal
        if held_balance is not UNSET:
            field_dict["heldBalance"] = held_balance
        if held_balance_decimal is not UNSET:
            field_dict["heldBalanceDecimal"] = held_balance_decimal

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        email = d.pop("email")

        balance = d.pop("balance")

        def _parse_organization(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        organization = _parse_organization(d.pop("organization"))

        balance_decimal = d.pop("balanceDecimal", UNSET)

        available_balance = d.pop("availableBalance", UNSET)

        available_balance_decimal = d.pop("availableBalanceDecimal", UNSET)

        held_balance = d.pop("heldBalance", UNSET)

        held_balance_decimal = d.pop("heldBalanceDecimal", UNSET)

        user = cls(
            id=id,
            email=email,
            balance=balance,
            organization=organization,
            balance_decimal=balance_decimal,
            available_balance=available_balance,
            available_balance_decimal=available_balance_decimal,
            held_balance=held_balance,
            held_balance_decimal=held_balance_decimal,
        )

        user.additional_properties = d
        return user

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
