from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UpdatePasswordRequest")


@_attrs_define
class UpdatePasswordRequest:
    """A password change."""

    old_password: str
    """ The current password, whatever characters it has (it may predate the rule of Passwords). """
    new_password: str
    """ A new password: 8 to 256 printable Latin-1 characters, U+0020 to U+007E or
    U+00A0 to U+00FF (see Passwords).
     """

    def to_dict(self) -> dict[str, Any]:
        old_password = self.old_password

        new_password = self.new_password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "oldPassword": old_password,
                "newPassword": new_password,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        old_password = d.pop("oldPassword")

        new_password = d.pop("newPassword")

        update_password_request = cls(
            old_password=old_password,
            new_password=new_password,
        )

        return update_password_request
