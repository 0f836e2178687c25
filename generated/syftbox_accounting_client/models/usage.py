from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """Counts and totals over the caller's transactions (see `GET /user/usage`)."""

    transaction_count: int
    """ Transactions in any status in which the caller is the sender or the recipient. """
    total_spent: float
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    total_received: float
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    pending_count: int
    """ Pending transactions, in either direction. """
    pending_amount: float
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    first_transaction_at: datetime.datetime | None
    """ When the first counted transaction was created; null when there is none. """
    last_transaction_at: datetime.datetime | None
    """ When the last counted transaction was created; null when there is none. """
    total_spent_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    total_received_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    pending_amount_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    total_refunds_received: float | Unset = UNSET
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    total_refunds_received_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    total_refunds_given: float | Unset = UNSET
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    total_refunds_given_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transaction_count = self.transaction_count

        total_spent = self.total_spent

        total_received = self.total_received

        pending_count = self.pending_count

        pending_amount = self.pending_amount

        first_transaction_at: None | str
        if isinstance(self.first_transaction_at, datetime.datetime):
            first_transaction_at = self.first_transaction_at.isoformat()
        else:
            first_transaction_at = self.first_transaction_at

        last_transaction_at: None | str
        if isinstance(self.last_transaction_at, datetime.datetime):
            last_transaction_at = self.last_transaction_at.isoformat()
        else:
            last_transaction_at = self.last_transaction_at

        total_spent_decimal = self.total_spent_decimal

        total_received_decimal = self.total_received_decimal

        pending_amount_decimal = self.pending_amount_decimal

        total_refunds_received = self.total_refunds_received

        total_refunds_received_decimal = self.total_refunds_received_decimal

        total_refunds_given = self.total_refunds_given

        total_refunds_given_decimal = self.total_refunds_given_decimal

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transactionCount": transaction_count,
                "totalSpent": total_spent,
                "totalReceived": total_received,
                "pendingCount": pending_count,
                "pendingAmount": pending_amount,
                "firstTransactionAt": first_transaction_at,
                "lastTransactionAt": last_transaction_at,
            }
        )
        if total_spent_decimal is not UNSET:
            field_dict["totalSpentDecimal"] = total_spent_decimal
        if total_received_decimal is not UNSET:
            field_dict["totalReceivedDecimal"] = total_received_decimal
        if pending_amount_decimal is not UNSET:
            field_dict["pendingAmountDecimal"] = pending_amount_decimal
        if total_refunds_received is not UNSET:
            field_dict["totalRefundsReceived"] = total_refunds_received
        if total_refunds_received_decimal is not UNSET:
            field_dict["totalRefundsReceivedDecimal"] = total_refunds_received_decimal
        if total_refunds_given is not UNSET:
            field_dict["totalRefundsGiven"] = total_refunds_given
        if total_refunds_given_decimal is not UNSET:
            field_dict["totalRefundsGivenDecimal"] = total_refunds_given_decimal

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        transaction_count = d.pop("transactionCount")

        total_spent = d.pop("totalSpent")

        total_received = d.pop("totalReceived")

        pending_count = d.pop("pendingCount")

        pending_amount = d.pop("pendingAmount")

        def _parse_first_transaction_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_transaction_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_transaction_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        first_transaction_at = _parse_first_transaction_at(d.pop("firstTransactionAt"))

        def _parse_last_transaction_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_transaction_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_transaction_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_transaction_at = _parse_last_transaction_at(d.pop("lastTransactionAt"))

        total_spent_decimal = d.pop("totalSpentDecimal", UNSET)

        total_received_decimal = d.pop("totalReceivedDecimal", UNSET)

        pending_amount_decimal = d.pop("pendingAmountDecimal", UNSET)

        total_refunds_received = d.pop("totalRefundsReceived", UNSET)

        total_refunds_received_decimal = d.pop("totalRefundsReceivedDecimal", UNSET)

        total_refunds_given = d.pop("totalRefundsGiven", UNSET)

        total_refunds_given_decimal = d.pop("totalRefundsGivenDecimal", UNSET)

        usage = cls(
            transaction_count=transaction_count,
            total_spent=total_spent,
            total_received=total_received,
            pending_count=pending_count,
            pending_amount=pending_amount,
            first_transaction_at=first_transaction_at,
            last_transaction_at=last_transaction_at,
            total_spent_decimal=total_spent_decimal,
            total_received_decimal=total_received_decimal,
            pending_amount_decimal=pending_amount_decimal,
            total_refunds_received=total_refunds_received,
            total_refunds_received_decimal=total_refunds_received_decimal,
            total_refunds_given=total_refunds_given,
            total_refunds_given_decimal=total_refunds_given_decimal,
        )

        usage.additional_properties = d
        return usage

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
