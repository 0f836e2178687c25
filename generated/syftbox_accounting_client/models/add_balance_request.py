from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AddBalanceRequest")


@_attrs_define
class AddBalanceRequest:
    """A credit to an account."""

    recipient_email: str
    """ An email address; it identifies an account. """
    amount: float
    """ US dollars, more than 0, with at most 6 decimal places (one micro-dollar).
    Sent as given: `10` as an integer, `10.5` as a number.
     """

    def to_dict(self) -> dict[str, Any]:
        recipient_email = self.recipient_email

        amount = self.amount

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "recipientEmail": recipient_email,
                "amount": amount,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        recipient_email = d.pop("recipientEmail")

        amount = d.pop("amount")

        add_balance_request = cls(
            recipient_email=recipient_email,
            amount=amount,
        )

        return add_balance_request
