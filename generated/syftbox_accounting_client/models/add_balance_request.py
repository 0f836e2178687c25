from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AddBalanceRequest")


@_attrs_define
class AddBalanceRequest:
    """A credit to an account. `amount` or `amountDecimal` is required (see Money)."""

    recipient_email: str
    """ An email address; it identifies an account. """
    amount: float | Unset = UNSET
    """ US dollars, more than 0, with at most 6 decimal places (one micro-dollar).
    Sent as given: `10` as an integer, `10.5` as a number.
     """
    amount_decimal: str | Unset = UNSET
    """ An `Amount` as a decimal string: more than 0, at most 1000000000, at most 6
    decimal places; digits, then optionally a point and 1 to 6 digits, with no
    sign, exponent, spaces or leading zeros. Answers write it without trailing
    zeros.
     """

    def to_dict(self) -> dict[str, Any]:
        recipient_email = self.recipient_email

        amount = self.amount

        amount_decimal = self.amount_decimal

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "recipientEmail": recipient_email,
            }
        )
        if amount is not UNSET:
            field_dict["amount"] = amount
        if amount_decimal is not UNSET:
            field_dict["amountDecimal"] = amount_decimal

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        recipient_email = d.pop("recipientEmail")

        amount = d.pop("amount", UNSET)

        amount_decimal = d.pop("amountDecimal", UNSET)

        add_balance_request = cls(
            recipient_email=recipient_email,
            amount=amount,
            amount_decimal=amount_decimal,
        )

        return add_balance_request
