from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CreateTokenRequest")


@_attrs_define
class CreateTokenRequest:
    """Who the token lets charge the caller."""

    recipient_email: str
    """ An email address; it identifies an account. """

    def to_dict(self) -> dict[str, Any]:
        recipient_email = self.recipient_email

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "recipientEmail": recipient_email,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        recipient_email = d.pop("recipientEmail")

        create_token_request = cls(
            recipient_email=recipient_email,
        )

        return create_token_request
