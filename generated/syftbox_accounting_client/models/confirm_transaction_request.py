from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConfirmTransactionRequest")


@_attrs_define
class ConfirmTransactionRequest:
    """The transaction to confirm, and optionally what to capture of its hold."""

    transaction_id: str
    """ The `id` of a transaction the caller created. """
    amount: float | None | Unset = UNSET
    """ What to capture, at most the held amount; the rest is released. Absent or
    null to capture it all. Only at a service that announces `capture`.
     """

    def to_dict(self) -> dict[str, Any]:
        transaction_id = self.transaction_id

        amount: float | None | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        else:
            amount = self.amount

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "transactionId": transaction_id,
            }
        )
        if amount is not UNSET:
            field_dict["amount"] = amount

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

        confirm_transaction_request = cls(
            transaction_id=transaction_id,
            amount=amount,
        )

        return confirm_transaction_request
