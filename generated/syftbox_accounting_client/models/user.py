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
    organization: None | str | Unset = UNSET
    """ The organization the account belongs to, or null for none. """
    available_balance: float | Unset = UNSET
    """ What the account can spend now: `balance` minus `heldBalance`. Absent at a
    service without holds, where it equals `balance`.
     """
    held_balance: float | Unset = UNSET
    """ What the account's pending transactions hold, as their sender (see "Holds,
    capture, expiry and refunds"). Absent at a service without holds.
     """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        email = self.email

        balance = self.balance

        organization: None | str | Unset
        if isinstance(self.organization, Unset):
            organization = UNSET
        else:
            organization = self.organization

        available_balance = self.available_balance

        held_balance = self.held_balance

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "email": email,
                "balance": balance,
            }
        )
        if organization is not UNSET:
            field_dict["organization"] = organization
        if available_balance is not UNSET:
            field_dict["availableBalance"] = available_balance
        if held_balance is not UNSET:
            field_dict["heldBalance"] = held_balance

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        email = d.pop("email")

        balance = d.pop("balance")

        def _parse_organization(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        organization = _parse_organization(d.pop("organization", UNSET))

        available_balance = d.pop("availableBalance", UNSET)

        held_balance = d.pop("heldBalance", UNSET)

        user = cls(
            id=id,
            email=email,
            balance=balance,
            organization=organization,
            available_balance=available_balance,
            held_balance=held_balance,
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
