/*
SyftBox Accounting Service

The accounting service lets people and services on the SyftBox network pay and get paid for AI services. This document is the contract: it describes the wire protocol of the public SyftBox accounting service, and the reference service in `syftbox_accounting.server` implements exactly this.  ## Conventions - Field names are camelCase. Every successful response wraps its object:   `{\"user\": ...}`, `{\"transaction\": ...}`, `{\"transactions\": [...]}`,   `{\"users\": [...]}`, `{\"token\": \"...\"}`. Every success status is `200`, except   `POST /user/create`, which answers `201 Created` (clients accept both). - Optional request fields may be left out or sent as an explicit JSON `null`;   both mean \"no value\". - Request bodies are closed (`additionalProperties: false`): an unknown field is   a `422 validation_error`, so a misspelt field never goes silently unnoticed.   Response objects are open: clients must ignore fields they do not know, so the   service can add fields without breaking them. - Every error is a non-2xx status with a JSON `ErrorResponse` body, including errors   raised before a request reaches the application. - Every answer carries an `X-Request-Id` header (the `RequestId` header   component) that names it in the service's logs, and   `X-Content-Type-Options: nosniff`. - A request body is JSON, sent with `Content-Type: application/json` (parameters   such as `charset` aside). A body of any other type, or of none, is   `415 unsupported_media_type`, before the credentials are checked: browsers send   other types to another origin without asking first. - Checking passwords takes time on purpose. When a login would wait long for it   (a flood of logins), the service answers `503 unavailable` at once, with   `Retry-After`; it shares that work fairly between clients and accounts, and   refuses a repeat of the same wrong credentials without checking them again.  ## Money Amounts and balances are US dollars, sent as JSON numbers. The service keeps them exactly, as integers of one micro-dollar (0.000001 USD): an amount with more than 6 decimal places, NaN or infinity is rejected with `422 validation_error`, never rounded. Balances never go below zero, and every movement of money happens at once or not at all.  ## Transactions and who may resolve them A transaction is created `PENDING`; money moves only when it is confirmed. - **Direct**: the payer (`senderEmail` = the caller) pays `recipientEmail`.   `createdBy` is `SENDER`. - **Delegated**: a service (`recipientEmail` = the caller) charges the payer   `senderEmail` with a transaction token the payer gave it. `createdBy` is   `RECIPIENT`.  Only the party that created a transaction may confirm or cancel it: the sender of a direct transaction, the recipient of a delegated one. The other party gets `403 forbidden`; anybody else gets `404 not_found`, so transaction ids reveal nothing to strangers. A transaction is resolved at most once: a second confirm or cancel gets `409 already_resolved`, also when two requests race.  ## Transaction tokens A token (`POST /token/create`) is a signed JWT whose payload is `{id, senderEmail, recipientEmail, iat, exp}`, valid for 24 hours. It lets only its named recipient charge only its named sender, and it is single-use: the first delegated transaction created with it spends it, and cancelling that transaction does not give it back. A reused token is `403 token_used`, an expired one `403 token_expired`, a forged one or one naming other parties `403 token_invalid`.  A payer may bound a token: `maxAmount` caps the amount of the one charge it pays (a charge above it is `403 token_limit_exceeded`, and nothing moves), and `expiresIn` shortens its life below 24 hours. Both are claims of the signed token (`maxAmount`, and `exp`). A token created without them is exactly the token described above.  ## Idempotency keys Every `POST` and `PUT` accepts an optional `Idempotency-Key` header (1 to 255 visible ASCII characters; a fresh UUID4 per logical request is a good key), so that a request whose answer was lost can be sent again without acting twice. - The first request with a key is processed. When it succeeds, its answer (status   and body) is recorded with the key, scoped to the caller (the authenticated   account, or the admin key; for `POST /user/create`, which has no caller, the key   and the request body), in the same database transaction as the change it   reports. A caller's records live 24 hours, those of requests without a caller 1   hour (the reference service's defaults). - An answer that changed nothing (any 4xx) is not recorded, and answers of 500 and   above are not either: the same request sent again is processed again. - A later request with the same key, caller, method, path and body gets the   recorded answer again, with `Idempotent-Replayed: true`, and changes nothing.   The caller is authenticated first, every time: a password changed or an admin   key rotated since then no longer gets the answer. The one exception is a   password change's own replay, which may come with the password that change   retired when its `newPassword` is the account's password now. - No secret is replayed to someone who does not hold it, and none is kept. A   password in a request body counts in what makes two requests the same but is   stored in no form: a replay proves it against the account's password (another   password is `422 idempotency_key_reused`) and gets back only the password it   sent. A password the service generated (`POST /user/create` without one) is   shown once, in the first answer, and never replayed: the same request again is   `409 account_exists`. - The same key with a different body or path is `422 idempotency_key_reused`. - While the first request with a key is still being processed, another with the   same key is `409 request_in_progress`: retry it shortly. - Records are bounded: past the service's limit for one caller (all requests   without a caller count as one), a keyed request that would need a new record is   `429 rate_limited`; past its limit in all, `503 unavailable`. Both carry   `Retry-After`: the seconds until the oldest record expires. The same request   without a key is still served. - Every answer to a request that carried a key echoes `Idempotency-Key`. That is   how a client learns that the service honours keys: only then may it resend a   request whose outcome it does not know. A malformed key is   `422 validation_error` (field `Idempotency-Key`) and is not echoed.  ## Holds, capture, expiry and refunds A `PENDING` transaction holds its amount: the sender's `availableBalance` is the balance minus what its pending transactions hold (`heldBalance`), and a transaction larger than the available balance is refused at creation with `409 insufficient_funds`. Confirming a held transaction therefore never fails for lack of funds. - **Capture up to the hold.** `POST /transaction/confirm` takes an optional   `amount`, at most the held amount: the transaction then records what was   captured as `amount`, keeps what was held as `authorizedAmount`, and the rest   is released in the same step. A larger amount is `409 capture_exceeds_hold`. - **Expiry.** Every pending transaction has an `expiresAt`: `holdFor` seconds after   its creation (default 3600, at most 86400), and never later than the `exp` of   the token that paid for it. At `expiresAt` the hold is released without anyone   calling: from then on it reads `CANCELLED`, `resolvedBy: SYSTEM`,   `cancelReason: expired`, and confirming or cancelling it is   `409 hold_expired`. - **Refunds.** The recipient of a `COMPLETED` transaction (or the admin) refunds   all or part of it with `POST /transaction/refund`. A refund is a new `COMPLETED`   transaction in the other direction, with `refundOf` naming the original, whose   `refundedAmount` grows; refunds of one transaction never exceed its `amount`   in total (`409 refund_exceeds_payment`).  ## Features What a service supports beyond the public protocol, it announces in the `Accounting-Features` header of every answer: a comma-separated list of `holds` (pending transactions hold their amount, expire, and take `holdFor`), `capture` (confirm with an `amount`) and `refunds` (`POST /transaction/refund`). A client reads it from any answer and never sends what the service has not announced. A service that sends no such header supports none of them (the public service, today). 

API version: 1.0.0
*/

// Code generated by OpenAPI Generator (https://openapi-generator.tech); DO NOT EDIT.

package syftboxaccounting

import (
	"encoding/json"
	"fmt"
)

// ErrorCode What went wrong, for programs to act on: - `bad_request`: the body is not a JSON object. - `method_not_allowed`: the path exists, but not with this HTTP method (status   405, with an `Allow` header); no operation of this contract answers it. - `validation_error`: a field is missing, unknown, or out of its bounds. - `invalid_credentials`: wrong or missing email, password or admin key. - `forbidden`: authenticated, but not allowed to do this. - `not_found`: no such account or transaction (or not one of the caller's). - `account_exists`: an account with this email exists. - `insufficient_funds`: the sender's balance does not cover the amount. - `token_invalid`: the token is forged, malformed, or names other parties. - `token_expired`: the token is past its `exp`. - `token_used`: the token was spent by an earlier transaction. - `already_resolved`: the transaction was confirmed or cancelled before. - `too_many_pending`: the sender has too many pending transactions open, in   all or towards this recipient; confirm or cancel some first. - `cursor_invalid`: the `cursor` is malformed, forged, or another account's. - `token_limit_exceeded`: the amount is above the token's `maxAmount`. - `hold_expired`: the transaction's hold lapsed at its `expiresAt`; nothing   moved. Charge again with a new token. - `capture_exceeds_hold`: the amount to capture is above what the transaction   holds. - `not_refundable`: only a completed payment can be refunded (not a pending,   cancelled or refund transaction). - `refund_exceeds_payment`: the refund is above what is left to refund of the   transaction. - `idempotency_key_reused`: this `Idempotency-Key` was used for another   request (another body or path); use a new key for a new request. - `request_in_progress`: a request with this `Idempotency-Key` is still being   processed; retry shortly. - `rate_limited`: too many requests (or, with an `Idempotency-Key`, too many   idempotency records held for this caller); retry after `Retry-After` seconds. - `unsupported_media_type`: the request body was not sent with   `Content-Type: application/json` (status 415). - `internal_error`: the service failed; nothing was changed. - `unavailable`: the service is down or busy for a while (too many logins   waiting for password checks, or as many idempotency records as it keeps);   retry after `Retry-After` seconds. 
type ErrorCode string

// List of ErrorCode
const (
	BAD_REQUEST ErrorCode = "bad_request"
	METHOD_NOT_ALLOWED ErrorCode = "method_not_allowed"
	VALIDATION_ERROR ErrorCode = "validation_error"
	INVALID_CREDENTIALS ErrorCode = "invalid_credentials"
	FORBIDDEN ErrorCode = "forbidden"
	NOT_FOUND ErrorCode = "not_found"
	ACCOUNT_EXISTS ErrorCode = "account_exists"
	INSUFFICIENT_FUNDS ErrorCode = "insufficient_funds"
	TOKEN_INVALID ErrorCode = "token_invalid"
	TOKEN_EXPIRED ErrorCode = "token_expired"
	TOKEN_USED ErrorCode = "token_used"
	ALREADY_RESOLVED ErrorCode = "already_resolved"
	TOO_MANY_PENDING ErrorCode = "too_many_pending"
	CURSOR_INVALID ErrorCode = "cursor_invalid"
	TOKEN_LIMIT_EXCEEDED ErrorCode = "token_limit_exceeded"
	HOLD_EXPIRED ErrorCode = "hold_expired"
	CAPTURE_EXCEEDS_HOLD ErrorCode = "capture_exceeds_hold"
	NOT_REFUNDABLE ErrorCode = "not_refundable"
	REFUND_EXCEEDS_PAYMENT ErrorCode = "refund_exceeds_payment"
	IDEMPOTENCY_KEY_REUSED ErrorCode = "idempotency_key_reused"
	REQUEST_IN_PROGRESS ErrorCode = "request_in_progress"
	RATE_LIMITED ErrorCode = "rate_limited"
	UNSUPPORTED_MEDIA_TYPE ErrorCode = "unsupported_media_type"
	INTERNAL_ERROR ErrorCode = "internal_error"
	UNAVAILABLE ErrorCode = "unavailable"
)

// All allowed values of ErrorCode enum
var AllowedErrorCodeEnumValues = []ErrorCode{
	"bad_request",
	"method_not_allowed",
	"validation_error",
	"invalid_credentials",
	"forbidden",
	"not_found",
	"account_exists",
	"insufficient_funds",
	"token_invalid",
	"token_expired",
	"token_used",
	"already_resolved",
	"too_many_pending",
	"cursor_invalid",
	"token_limit_exceeded",
	"hold_expired",
	"capture_exceeds_hold",
	"not_refundable",
	"refund_exceeds_payment",
	"idempotency_key_reused",
	"request_in_progress",
	"rate_limited",
	"unsupported_media_type",
	"internal_error",
	"unavailable",
}

func (v *ErrorCode) UnmarshalJSON(src []byte) error {
	var value string
	err := json.Unmarshal(src, &value)
	if err != nil {
		return err
	}
	enumTypeValue := ErrorCode(value)
	for _, existing := range AllowedErrorCodeEnumValues {
		if existing == enumTypeValue {
			*v = enumTypeValue
			return nil
		}
	}

	return fmt.Errorf("%+v is not a valid ErrorCode", value)
}

// NewErrorCodeFromValue returns a pointer to a valid ErrorCode
// for the value passed as argument, or an error if the value passed is not allowed by the enum
func NewErrorCodeFromValue(v string) (*ErrorCode, error) {
	ev := ErrorCode(v)
	if ev.IsValid() {
		return &ev, nil
	} else {
		return nil, fmt.Errorf("invalid value '%v' for ErrorCode: valid values are %v", v, AllowedErrorCodeEnumValues)
	}
}

// IsValid return true if the value is valid for the enum, false otherwise
func (v ErrorCode) IsValid() bool {
	for _, existing := range AllowedErrorCodeEnumValues {
		if existing == v {
			return true
		}
	}
	return false
}

// Ptr returns reference to ErrorCode value
func (v ErrorCode) Ptr() *ErrorCode {
	return &v
}

type NullableErrorCode struct {
	value *ErrorCode
	isSet bool
}

func (v NullableErrorCode) Get() *ErrorCode {
	return v.value
}

func (v *NullableErrorCode) Set(val *ErrorCode) {
	v.value = val
	v.isSet = true
}

func (v NullableErrorCode) IsSet() bool {
	return v.isSet
}

func (v *NullableErrorCode) Unset() {
	v.value = nil
	v.isSet = false
}

func NewNullableErrorCode(val *ErrorCode) *NullableErrorCode {
	return &NullableErrorCode{value: val, isSet: true}
}

func (v NullableErrorCode) MarshalJSON() ([]byte, error) {
	return json.Marshal(v.value)
}

func (v *NullableErrorCode) UnmarshalJSON(src []byte) error {
	v.isSet = true
	return json.Unmarshal(src, &v.value)
}

