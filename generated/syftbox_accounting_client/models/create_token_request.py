from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateTokenRequest")


@_attrs_define
class CreateTokenRequest:
    """Who the token lets charge the caller, and optionally how much and for how long."""

    recipient_email: str
    """ An email address; it identifies an account. """
    max_amount: float | None | Unset = UNSET
    """ The most the charge paid with this token may be, in US dollars; absent
    or null (with `maxAmountDecimal`) for no limit but the payer's balance. A
    32-bit float (Go's default) may round it on the way (see Money); send
    `maxAmountDecimal` for the exact amount.
     """
    max_amount_decimal: None | str | Unset = UNSET
    """ `maxAmount` as a decimal string, instead of it or agreeing with it (see Money); only at a service that
    announces `exact-money`. """
    expires_in: int | None | Unset = UNSET
    """ Seconds the token stays valid, at most the default 24 hours; absent or null for 24 hours. """

    def to_dict(self) -> dict[str, Any]:
        recipient_email = self.recipient_email

        max_amount: float | None | Unset
        if isinstance(self.max_amount, Unset):
            max_amount = UNSET
        else:
            max_amount = self.max_amount

        max_amount_decimal: None | str | Unset
        if isinstance(self.max_amount_decimal, Unset):
            max_amount_decimal = UNSET
        else:
            max_amount_decimal = self.max_amount_decimal

        expires_in: int | None | Unset
        if isinstance(self.expires_in, Unset):
            expires_in = UNSET
        else:
            expires_in = self.expires_in

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "recipientEmail": recipient_email,
            }
        )
        if max_amount is not UNSET:
            field_dict["maxAmount"] = max_amount
        if max_amount_decimal is not UNSET:
            field_dict["maxAmountDecimal"] = max_amount_decimal
        if expires_in is not UNSET:
            field_dict["expiresIn"] = expires_in

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        recipient_email = d.pop("recipientEmail")

        def _parse_max_amount(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        max_amount = _parse_max_amount(d.pop("maxAmount", UNSET))

        def _parse_max_amount_decimal(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        max_amount_decimal = _parse_max_amount_decimal(d.pop("maxAmountDecimal", UNSET))

        def _parse_expires_in(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in = _parse_expires_in(d.pop("expiresIn", UNSET))

        create_token_request = cls(
            recipient_email=recipient_email,
            max_amount=max_amount,
            max_amount_decimal=max_amount_decimal,
            expires_in=expires_in,
        )

        return create_token_request
