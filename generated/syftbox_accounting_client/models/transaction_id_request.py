from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TransactionIdRequest")


@_attrs_define
class TransactionIdRequest:
    """The transaction to act on."""

    transaction_id: str
    """ The `id` of a transaction the caller created. """

    def to_dict(self) -> dict[str, Any]:
        transaction_id = self.transaction_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "transactionId": transaction_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        transaction_id = d.pop("transactionId")

        transaction_id_request = cls(
            transaction_id=transaction_id,
        )

        return transaction_id_request
