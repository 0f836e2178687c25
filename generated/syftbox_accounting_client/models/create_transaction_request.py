from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateTransactionRequest")


@_attrs_define
class CreateTransactionRequest:
    """A direct payment (no token) or a delegated charge (with the payer's token).
    `amount` or `amountDecimal` is required (see Money).

    """

    sender_email: str
    """ An email address; it identifies an account. """
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
    token: None | str | Unset = UNSET
    """ The payer's transaction token, for a delegated charge; absent or null for a direct payment. """
    app_name: None | str | Unset = UNSET
    """ The app that charges, recorded on the transaction. """
    app_ep_path: None | str | Unset = UNSET
    """ The app's endpoint that charges, recorded on the transaction. """
    hold_for: int | None | Unset = UNSET
    """ Seconds the pending transaction holds its amount before it lapses; absent
    or null for 3600. Never later than the paying token's `exp`. Only at a
    service that announces `holds`.
     """

    def to_dict(self) -> dict[str, Any]:
        sender_email = self.sender_email

        recipient_email = self.recipient_email

        amount = self.amount

        amount_decimal = self.amount_decimal

        token: None | str | Unset
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        app_name: None | str | Unset
        if isinstance(self.app_name, Unset):
            app_name = UNSET
        else:
            app_name = self.app_name

        app_ep_path: None | str | Unset
        if isinstance(self.app_ep_path, Unset):
            app_ep_path = UNSET
        else:
            app_ep_path = self.app_ep_path

        hold_for: int | None | Unset
        if isinstance(self.hold_for, Unset):
            hold_for = UNSET
        else:
            hold_for = self.hold_for

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "senderEmail": sender_email,
                "recipientEmail": recipient_email,
            }
        )
        if amount is not UNSET:
            field_dict["amount"] = amount
        if amount_decimal is not UNSET:
            field_dict["amountDecimal"] = amount_decimal
        if token is not UNSET:
            field_dict["token"] = token
        if app_name is not UNSET:
            field_dict["appName"] = app_name
        if app_ep_path is not UNSET:
            field_dict["appEpPath"] = app_ep_path
        if hold_for is not UNSET:
            field_dict["holdFor"] = hold_for

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sender_email = d.pop("senderEmail")

        recipient_email = d.pop("recipientEmail")

        amount = d.pop("amount", UNSET)

        amount_decimal = d.pop("amountDecimal", UNSET)

        def _parse_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        def _parse_app_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        app_name = _parse_app_name(d.pop("appName", UNSET))

        def _parse_app_ep_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        app_ep_path = _parse_app_ep_path(d.pop("appEpPath", UNSET))

        def _parse_hold_for(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        hold_for = _parse_hold_for(d.pop("holdFor", UNSET))

        create_transaction_request = cls(
            sender_email=sender_email,
            recipient_email=recipient_email,
            amount=amount,
            amount_decimal=amount_decimal,
            token=token,
            app_name=app_name,
            app_ep_path=app_ep_path,
            hold_for=hold_for,
        )

        return create_transaction_request
