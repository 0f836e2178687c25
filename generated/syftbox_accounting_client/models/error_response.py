from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_detail import ErrorDetail


T = TypeVar("T", bound="ErrorResponse")


@_attrs_define
class ErrorResponse:
    """The body of every error response."""

    message: str
    """ A sentence for people, saying what went wrong and what to do. """
    code: str
    """ What went wrong, for programs to act on; a code this version does not know may
    come (act on the HTTP status then, and show the message):
    - `bad_request`: the body is not a JSON object.
    - `method_not_allowed`: the path exists, but not with this HTTP method (status
      405, with an `Allow` header); no operation of this contract answers it.
    - `validation_error`: a field is missing, unknown, or out of its bounds.
    - `invalid_credentials`: wrong or missing email, password or admin key.
    - `forbidden`: authenticated, but not allowed to do this.
    - `not_found`: no such account or transaction (or not one of the caller's).
    - `account_exists`: an account with this email exists.
    - `insufficient_funds`: the sender's balance does not cover the amount.
    - `token_invalid`: the token is forged, malformed, or names other parties.
    - `token_expired`: the token is past its `exp`.
    - `token_used`: the token was spent by an earlier transaction.
    - `already_resolved`: the transaction was confirmed or cancelled before.
    - `too_many_pending`: the sender has too many pending transactions open, in
      all or towards this recipient; confirm or cancel some first.
    - `cursor_invalid`: the `cursor` is malformed, forged, or another account's.
    - `token_limit_exceeded`: the amount is above the token's `maxAmount`.
    - `hold_expired`: the transaction's hold lapsed at its `expiresAt`; nothing
      moved. Charge again with a new token.
    - `capture_exceeds_hold`: the amount to capture is above what the transaction
      holds.
    - `not_refundable`: only a completed payment can be refunded (not a pending,
      cancelled or refund transaction).
    - `refund_exceeds_payment`: the refund is above what is left to refund of the
      transaction.
    - `idempotency_key_reused`: this `Idempotency-Key` was used for another
      request (another body or path); use a new key for a new request.
    - `request_in_progress`: a request with this `Idempotency-Key` is still being
      processed; retry shortly.
    - `rate_limited`: too many requests (or, with an `Idempotency-Key`, too many
      idempotency records held for this caller); retry after `Retry-After` seconds.
    - `unsupported_media_type`: the request body was not sent with
      `Content-Type: application/json` (status 415).
    - `internal_error`: the service failed; nothing was changed.
    - `unavailable`: the service is down or busy for a while (too many logins
      waiting for password checks, or as many idempotency records as it keeps);
      retry after `Retry-After` seconds.
    - `insufficient_scope`: the API key's scopes do not cover this operation; the
      message names the missing scope.
    - `spend_cap_exceeded`: the API key's `maxSpend` does not cover this payment.
     """
    details: list[ErrorDetail] | Unset = UNSET
    """ For `validation_error`, each field at fault. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        code = self.code

        details: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.details, Unset):
            details = []
            for details_item_data in self.details:
                details_item = details_item_data.to_dict()
                details.append(details_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
                "code": code,
            }
        )
        if details is not UNSET:
            field_dict["details"] = details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415

        d = dict(src_dict)
        message = d.pop("message")

        code = d.pop("code")

        _details = d.pop("details", UNSET)
        details: list[ErrorDetail] | Unset = UNSET
        if _details is not UNSET:
            details = []
            for details_item_data in _details:
                details_item = ErrorDetail.from_dict(details_item_data)

                details.append(details_item)

        error_response = cls(
            message=message,
            code=code,
            details=details,
        )

        error_response.additional_properties = d
        return error_response

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
