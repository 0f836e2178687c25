from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Transaction")


@_attrs_define
class Transaction:
    """A payment from `senderEmail` to `recipientEmail`."""

    id: str
    """ The transaction's identifier, used to confirm or cancel it. """
    sender_email: str
    """ An email address; it identifies an account. """
    recipient_email: str
    """ An email address; it identifies an account. """
    amount: float
    """ US dollars, more than 0, with at most 6 decimal places (one micro-dollar).
    Sent as given: `10` as an integer, `10.5` as a number.
     """
    status: str
    """ A `TransactionStatus` (`PENDING`, `COMPLETED`, `CANCELLED`), or a status this
    version does not know: keep it as it is.
     """
    created_by: str
    """ Who did something to a transaction: the service itself (`SYSTEM`), its sender
    (`SENDER`) or its recipient (`RECIPIENT`); or an actor this version does not
    know: keep it as it is.
     """
    resolved_by: None | str
    """ Who confirmed or cancelled it; null while `PENDING`. """
    created_at: datetime.datetime
    """ When it was created, in UTC. """
    resolved_at: datetime.datetime | None
    """ When it was confirmed or cancelled, in UTC; null while `PENDING`. """
    app_name: None | str
    """ The app that charged, when the recipient said so; null otherwise. """
    app_ep_path: None | str
    """ The app's endpoint that charged, when the recipient said so; null otherwise. """
    amount_decimal: str | Unset = UNSET
    """ An `Amount` as a decimal string: more than 0, at most 1000000000, at most 6
    decimal places; digits, then optionally a point and 1 to 6 digits, with no
    sign, exponent, spaces or leading zeros. Answers write it without trailing
    zeros.
     """
    authorized_amount: float | Unset = UNSET
    """ US dollars, more than 0, with at most 6 decimal places (one micro-dollar).
    Sent as given: `10` as an integer, `10.5` as a number.
     """
    authorized_amount_decimal: str | Unset = UNSET
    """ An `Amount` as a decimal string: more than 0, at most 1000000000, at most 6
    decimal places; digits, then optionally a point and 1 to 6 digits, with no
    sign, exponent, spaces or leading zeros. Answers write it without trailing
    zeros.
     """
    expires_at: datetime.datetime | None | Unset = UNSET
    """ When the hold of a pending transaction lapses; null once it is not a hold (refunds, credits). """
    cancel_reason: None | str | Unset = UNSET
    """ Why a `CANCELLED` transaction was cancelled: `cancelled` (its creator
    cancelled it) or `expired` (its hold lapsed at `expiresAt`); null otherwise.
    Other reasons may come: keep them.
     """
    refund_of: None | str | Unset = UNSET
    """ For a refund, the `id` of the transaction it refunds; null otherwise. """
    refunded_amount: float | Unset = UNSET
    """ A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum. """
    refunded_amount_decimal: str | Unset = UNSET
    """ A `Total` as a decimal string, written like `DecimalAmount` (0 allowed). """
    refund_reason: None | str | Unset = UNSET
    """ For a refund, the reason its sender gave; null otherwise. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        sender_email = self.sender_email

        recipient_email = self.recipient_email

        amount = self.amount

        status = self.status

        created_by = self.created_by

        resolved_by: None | str
        resolved_by = self.resolved_by

        created_at = self.created_at.isoformat()

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        app_name: None | str
        app_name = self.app_name

        app_ep_path: None | str
        app_ep_path = self.app_ep_path

        amount_decimal = self.amount_decimal

        authorized_amount = self.authorized_amount

        authorized_amount_decimal = self.authorized_amount_decimal

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        cancel_reason: None | str | Unset
        if isinstance(self.cancel_reason, Unset):
            cancel_reason = UNSET
        else:
            cancel_reason = self.cancel_reason

        refund_of: None | str | Unset
        if isinstance(self.refund_of, Unset):
            refund_of = UNSET
        else:
            refund_of = self.refund_of

        refunded_amount = self.refunded_amount

        refunded_amount_decimal = self.refunded_amount_decimal

        refund_reason: None | str | Unset
        if isinstance(self.refund_reason, Unset):
            refund_reason = UNSET
        else:
            refund_reason = self.refund_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "senderEmail": sender_email,
                "recipientEmail": recipient_email,
                "amount": amount,
                "status": status,
                "createdBy": created_by,
                "resolvedBy": resolved_by,
                "createdAt": created_at,
                "resolvedAt": resolved_at,
                "appName": app_name,
                "appEpPath": app_ep_path,
            }
        )
        if amount_decimal is not UNSET:
            field_dict["amountDecimal"] = amount_decimal
        if authorized_amount is not UNSET:
            field_dict["authorizedAmount"] = authorized_amount
        if authorized_amount_decimal is not UNSET:
            field_dict["authorizedAmountDecimal"] = authorized_amount_decimal
        if expires_at is not UNSET:
            field_dict["expiresAt"] = expires_at
        if cancel_reason is not UNSET:
            field_dict["cancelReason"] = cancel_reason
        if refund_of is not UNSET:
            field_dict["refundOf"] = refund_of
        if refunded_amount is not UNSET:
            field_dict["refundedAmount"] = refunded_amount
        if refunded_amount_decimal is not UNSET:
            field_dict["refundedAmountDecimal"] = refunded_amount_decimal
        if refund_reason is not UNSET:
            field_dict["refundReason"] = refund_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        sender_email = d.pop("senderEmail")

        recipient_email = d.pop("recipientEmail")

        amount = d.pop("amount")

        status = d.pop("status")

        created_by = d.pop("createdBy")

        def _parse_resolved_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resolved_by = _parse_resolved_by(d.pop("resolvedBy"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolvedAt"))

        def _parse_app_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        app_name = _parse_app_name(d.pop("appName"))

        def _parse_app_ep_path(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        app_ep_path = _parse_app_ep_path(d.pop("appEpPath"))

        amount_decimal = d.pop("amountDecimal", UNSET)

        authorized_amount = d.pop("authorizedAmount", UNSET)

        authorized_amount_decimal = d.pop("authorizedAmountDecimal", UNSET)

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expiresAt", UNSET))

        def _parse_cancel_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cancel_reason = _parse_cancel_reason(d.pop("cancelReason", UNSET))

        def _parse_refund_of(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refund_of = _parse_refund_of(d.pop("refundOf", UNSET))

        refunded_amount = d.pop("refundedAmount", UNSET)

        refunded_amount_decimal = d.pop("refundedAmountDecimal", UNSET)

        def _parse_refund_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refund_reason = _parse_refund_reason(d.pop("refundReason", UNSET))

        transaction = cls(
            id=id,
            sender_email=sender_email,
            recipient_email=recipient_email,
            amount=amount,
            status=status,
            created_by=created_by,
            resolved_by=resolved_by,
            created_at=created_at,
            resolved_at=resolved_at,
            app_name=app_name,
            app_ep_path=app_ep_path,
            amount_decimal=amount_decimal,
            authorized_amount=authorized_amount,
            authorized_amount_decimal=authorized_amount_decimal,
            expires_at=expires_at,
            cancel_reason=cancel_reason,
            refund_of=refund_of,
            refunded_amount=refunded_amount,
            refunded_amount_decimal=refunded_amount_decimal,
            refund_reason=refund_reason,
        )

        transaction.additional_properties = d
        return transaction

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
