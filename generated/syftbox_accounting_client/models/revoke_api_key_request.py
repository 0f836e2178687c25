from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RevokeApiKeyRequest")


@_attrs_define
class RevokeApiKeyRequest:
    """The API key to revoke."""

    key_id: str
    """ The `id` of one of the caller's keys. """

    def to_dict(self) -> dict[str, Any]:
        key_id = self.key_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "keyId": key_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key_id = d.pop("keyId")

        revoke_api_key_request = cls(
            key_id=key_id,
        )

        return revoke_api_key_request
