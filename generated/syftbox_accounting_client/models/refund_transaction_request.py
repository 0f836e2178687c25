from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RefundTransactionRequest")


@_attrs_define
class RefundTransactionRequest:
    """The completed transaction to refund, and how much."""

    transaction_id: str
    """ The `id` of a completed transaction the caller received. """
    amount: float | None | Unset = UNSET
    """ What to give back; absent or null (with `amountDecimal`) for all that is not refunded yet. A 32-bit float
    (Go's default) may round it on the way (see Money); send `amountDecimal` for the exact amount. """
    amount_decimal: None | str | Unset = UNSET
    """ `amount` as a decimal string, instead of it or agreeing with it (see Money); only at a service that
    announces `exact-money`. """
    reason: None | str | Unset = UNSET
    """ Why, recorded on the refund (`refundReason`). """

    def to_dict(self) -> dict[str, Any]:
        transaction_id = self.transaction_id

        amount: float | None | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        else:
            amount = self.amount

        amount_decimal: None | str | Unset
        if isinstance(self.amount_decimal, Unset):
            amount_decimal = UNSET
        else:
            amount_decimal = self.amount_decimal

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "transactionId": transaction_id,
            }
        )
        if amount is not UNSET:
            field_dict["amount"] = amount
        if amount_decimal is not UNSET:
            field_dict["amountDecimal"] = amount_decimal
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        transaction_id = d.pop("transactionId")

        def _parse_amount(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        amount = _parse_amount(d.pop("amount", UNSET))

        def _parse_amount_decimal(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        amount_decimal = _parse_amount_decimal(d.pop("amountDecimal", UNSET))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        refund_transaction_request = cls(
            transaction_id=transaction_id,
            amount=amount,
            amount_decimal=amount_decimal,
            reason=reason,
        )

        return refund_transaction_request
