/*
SyftBox Accounting Service

The accounting service lets people and services on the SyftBox network pay and get paid for AI services. This document is the contract: it describes the wire protocol of the public SyftBox accounting service, and the reference service in `syftbox_accounting.server` implements exactly this.  ## Conventions - Field names are camelCase. Every successful response wraps its object:   `{\"user\": ...}`, `{\"transaction\": ...}`, `{\"transactions\": [...]}`,   `{\"users\": [...]}`, `{\"token\": \"...\"}`. Every success status is `200`, except   `POST /user/create`, which answers `201 Created` (clients accept both). - Optional request fields may be left out or sent as an explicit JSON `null`;   both mean \"no value\". - Request bodies are closed (`additionalProperties: false`): an unknown field is   a `422 validation_error`, so a misspelt field never goes silently unnoticed.   Response objects are open: clients must ignore fields they do not know, so the   service can add fields without breaking them. - Every error is a non-2xx status with a JSON `ErrorResponse` body, including errors   raised before a request reaches the application. - Every answer carries an `X-Request-Id` header (the `RequestId` header   component) that names it in the service's logs, and   `X-Content-Type-Options: nosniff`. - A request body is JSON, sent with `Content-Type: application/json` (parameters   such as `charset` aside). A body of any other type, or of none, is   `415 unsupported_media_type`, before the credentials are checked: browsers send   other types to another origin without asking first. - Checking passwords takes time on purpose. When a login would wait long for it   (a flood of logins), the service answers `503 unavailable` at once, with   `Retry-After`; it shares that work fairly between clients and accounts, and   refuses a repeat of the same wrong credentials without checking them again.  ## Money Amounts and balances are US dollars, sent as JSON numbers. The service keeps them exactly, as integers of one micro-dollar (0.000001 USD): an amount with more than 6 decimal places, NaN or infinity is rejected with `422 validation_error`, never rounded. Balances never go below zero, and every movement of money happens at once or not at all.  ## Transactions and who may resolve them A transaction is created `PENDING`; money moves only when it is confirmed. - **Direct**: the payer (`senderEmail` = the caller) pays `recipientEmail`.   `createdBy` is `SENDER`. - **Delegated**: a service (`recipientEmail` = the caller) charges the payer   `senderEmail` with a transaction token the payer gave it. `createdBy` is   `RECIPIENT`.  Only the party that created a transaction may confirm or cancel it: the sender of a direct transaction, the recipient of a delegated one. The other party gets `403 forbidden`; anybody else gets `404 not_found`, so transaction ids reveal nothing to strangers. A transaction is resolved at most once: a second confirm or cancel gets `409 already_resolved`, also when two requests race.  ## Transaction tokens A token (`POST /token/create`) is a signed JWT whose payload is `{id, senderEmail, recipientEmail, iat, exp}`, valid for 24 hours. It lets only its named recipient charge only its named sender, and it is single-use: the first delegated transaction created with it spends it, and cancelling that transaction does not give it back. A reused token is `403 token_used`, an expired one `403 token_expired`, a forged one or one naming other parties `403 token_invalid`.  A payer may bound a token: `maxAmount` caps the amount of the one charge it pays (a charge above it is `403 token_limit_exceeded`, and nothing moves), and `expiresIn` shortens its life below 24 hours. Both are claims of the signed token (`maxAmount`, and `exp`). A token created without them is exactly the token described above.  ## Idempotency keys Every `POST` and `PUT` accepts an optional `Idempotency-Key` header (1 to 255 visible ASCII characters; a fresh UUID4 per logical request is a good key), so that a request whose answer was lost can be sent again without acting twice. - The first request with a key is processed. When it succeeds, its answer (status   and body) is recorded with the key, scoped to the caller (the authenticated   account, or the admin key; for `POST /user/create`, which has no caller, the key   and the request body), in the same database transaction as the change it   reports. A caller's records live 24 hours, those of requests without a caller 1   hour (the reference service's defaults). - An answer that changed nothing (any 4xx) is not recorded, and answers of 500 and   above are not either: the same request sent again is processed again. - A later request with the same key, caller, method, path and body gets the   recorded answer again, with `Idempotent-Replayed: true`, and changes nothing.   The caller is authenticated first, every time: a password changed or an admin   key rotated since then no longer gets the answer. The one exception is a   password change's own replay, which may come with the password that change   retired when its `newPassword` is the account's password now. - No secret is replayed to someone who does not hold it, and none is kept. A   password in a request body counts in what makes two requests the same but is   stored in no form: a replay proves it against the account's password (another   password is `422 idempotency_key_reused`) and gets back only the password it   sent. A password the service generated (`POST /user/create` without one) is   shown once, in the first answer, and never replayed: the same request again is   `409 account_exists`. - The same key with a different body or path is `422 idempotency_key_reused`. - While the first request with a key is still being processed, another with the   same key is `409 request_in_progress`: retry it shortly. - Records are bounded: past the service's limit for one caller (all requests   without a caller count as one), a keyed request that would need a new record is   `429 rate_limited`; past its limit in all, `503 unavailable`. Both carry   `Retry-After`: the seconds until the oldest record expires. The same request   without a key is still served. - Every answer to a request that carried a key echoes `Idempotency-Key`. That is   how a client learns that the service honours keys: only then may it resend a   request whose outcome it does not know. A malformed key is   `422 validation_error` (field `Idempotency-Key`) and is not echoed.  ## Holds, capture, expiry and refunds A `PENDING` transaction holds its amount: the sender's `availableBalance` is the balance minus what its pending transactions hold (`heldBalance`), and a transaction larger than the available balance is refused at creation with `409 insufficient_funds`. Confirming a held transaction therefore never fails for lack of funds. - **Capture up to the hold.** `POST /transaction/confirm` takes an optional   `amount`, at most the held amount: the transaction then records what was   captured as `amount`, keeps what was held as `authorizedAmount`, and the rest   is released in the same step. A larger amount is `409 capture_exceeds_hold`. - **Expiry.** Every pending transaction has an `expiresAt`: `holdFor` seconds after   its creation (default 3600, at most 86400), and never later than the `exp` of   the token that paid for it. At `expiresAt` the hold is released without anyone   calling: from then on it reads `CANCELLED`, `resolvedBy: SYSTEM`,   `cancelReason: expired`, and confirming or cancelling it is   `409 hold_expired`. - **Refunds.** The recipient of a `COMPLETED` transaction (or the admin) refunds   all or part of it with `POST /transaction/refund`. A refund is a new `COMPLETED`   transaction in the other direction, with `refundOf` naming the original, whose   `refundedAmount` grows; refunds of one transaction never exceed its `amount`   in total (`409 refund_exceeds_payment`).  ## Features What a service supports beyond the public protocol, it announces in the `Accounting-Features` header of every answer: a comma-separated list of `holds` (pending transactions hold their amount, expire, and take `holdFor`), `capture` (confirm with an `amount`) and `refunds` (`POST /transaction/refund`). A client reads it from any answer and never sends what the service has not announced. A service that sends no such header supports none of them (the public service, today). 

API version: 1.0.0
*/

// Code generated by OpenAPI Generator (https://openapi-generator.tech); DO NOT EDIT.

package syftboxaccounting

import (
	"encoding/json"
	"time"
	"fmt"
)

// checks if the Transaction type satisfies the MappedNullable interface at compile time
var _ MappedNullable = &Transaction{}

// Transaction A payment from `senderEmail` to `recipientEmail`.
type Transaction struct {
	// The transaction's identifier, used to confirm or cancel it.
	Id string `json:"id"`
	// An email address; it identifies an account.
	SenderEmail string `json:"senderEmail"`
	// An email address; it identifies an account.
	RecipientEmail string `json:"recipientEmail"`
	// US dollars, more than 0, with at most 6 decimal places (one micro-dollar). Sent as given: `10` as an integer, `10.5` as a number. 
	Amount float64 `json:"amount"`
	Status TransactionStatus `json:"status"`
	CreatedBy TransactionActor `json:"createdBy"`
	// Who confirmed or cancelled it; null while `PENDING`.
	ResolvedBy NullableTransactionActor `json:"resolvedBy,omitempty"`
	// When it was created, in UTC.
	CreatedAt time.Time `json:"createdAt"`
	// When it was confirmed or cancelled, in UTC; null while `PENDING`.
	ResolvedAt NullableTime `json:"resolvedAt,omitempty"`
	// The app that charged, when the recipient said so.
	AppName NullableString `json:"appName,omitempty"`
	// The app's endpoint that charged, when the recipient said so.
	AppEpPath NullableString `json:"appEpPath,omitempty"`
	// What the transaction held while it was pending. `amount` is what was captured: less than this when it was confirmed with a smaller `amount`. 
	AuthorizedAmount *float64 `json:"authorizedAmount,omitempty"`
	// When the hold of a pending transaction lapses; null once it is not a hold (refunds, credits).
	ExpiresAt NullableTime `json:"expiresAt,omitempty"`
	// Why a `CANCELLED` transaction was cancelled: `cancelled` (its creator cancelled it) or `expired` (its hold lapsed at `expiresAt`); null otherwise. Clients must accept other values. 
	CancelReason NullableString `json:"cancelReason,omitempty"`
	// For a refund, the `id` of the transaction it refunds; null otherwise.
	RefundOf NullableString `json:"refundOf,omitempty"`
	// What refunds of this transaction have given back so far, in US dollars.
	RefundedAmount *float64 `json:"refundedAmount,omitempty"`
	// For a refund, the reason its sender gave; null otherwise.
	RefundReason NullableString `json:"refundReason,omitempty"`
	AdditionalProperties map[string]interface{}
}

type _Transaction Transaction

// NewTransaction instantiates a new Transaction object
// This constructor will assign default values to properties that have it defined,
// and makes sure properties required by API are set, but the set of arguments
// will change when the set of required properties is changed
func NewTransaction(id string, senderEmail string, recipientEmail string, amount float64, status TransactionStatus, createdBy TransactionActor, createdAt time.Time) *Transaction {
	this := Transaction{}
	this.Id = id
	this.SenderEmail = senderEmail
	this.RecipientEmail = recipientEmail
	this.Amount = amount
	this.Status = status
	this.CreatedBy = createdBy
	this.CreatedAt = createdAt
	return &this
}

// NewTransactionWithDefaults instantiates a new Transaction object
// This constructor will only assign default values to properties that have it defined,
// but it doesn't guarantee that properties required by API are set
func NewTransactionWithDefaults() *Transaction {
	this := Transaction{}
	return &this
}

// GetId returns the Id field value
func (o *Transaction) GetId() string {
	if o == nil {
		var ret string
		return ret
	}

	return o.Id
}

// GetIdOk returns a tuple with the Id field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetIdOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return &o.Id, true
}

// SetId sets field value
func (o *Transaction) SetId(v string) {
	o.Id = v
}

// GetSenderEmail returns the SenderEmail field value
func (o *Transaction) GetSenderEmail() string {
	if o == nil {
		var ret string
		return ret
	}

	return o.SenderEmail
}

// GetSenderEmailOk returns a tuple with the SenderEmail field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetSenderEmailOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return &o.SenderEmail, true
}

// SetSenderEmail sets field value
func (o *Transaction) SetSenderEmail(v string) {
	o.SenderEmail = v
}

// GetRecipientEmail returns the RecipientEmail field value
func (o *Transaction) GetRecipientEmail() string {
	if o == nil {
		var ret string
		return ret
	}

	return o.RecipientEmail
}

// GetRecipientEmailOk returns a tuple with the RecipientEmail field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetRecipientEmailOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return &o.RecipientEmail, true
}

// SetRecipientEmail sets field value
func (o *Transaction) SetRecipientEmail(v string) {
	o.RecipientEmail = v
}

// GetAmount returns the Amount field value
func (o *Transaction) GetAmount() float64 {
	if o == nil {
		var ret float64
		return ret
	}

	return o.Amount
}

// GetAmountOk returns a tuple with the Amount field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetAmountOk() (*float64, bool) {
	if o == nil {
		return nil, false
	}
	return &o.Amount, true
}

// SetAmount sets field value
func (o *Transaction) SetAmount(v float64) {
	o.Amount = v
}

// GetStatus returns the Status field value
func (o *Transaction) GetStatus() TransactionStatus {
	if o == nil {
		var ret TransactionStatus
		return ret
	}

	return o.Status
}

// GetStatusOk returns a tuple with the Status field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetStatusOk() (*TransactionStatus, bool) {
	if o == nil {
		return nil, false
	}
	return &o.Status, true
}

// SetStatus sets field value
func (o *Transaction) SetStatus(v TransactionStatus) {
	o.Status = v
}

// GetCreatedBy returns the CreatedBy field value
func (o *Transaction) GetCreatedBy() TransactionActor {
	if o == nil {
		var ret TransactionActor
		return ret
	}

	return o.CreatedBy
}

// GetCreatedByOk returns a tuple with the CreatedBy field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetCreatedByOk() (*TransactionActor, bool) {
	if o == nil {
		return nil, false
	}
	return &o.CreatedBy, true
}

// SetCreatedBy sets field value
func (o *Transaction) SetCreatedBy(v TransactionActor) {
	o.CreatedBy = v
}

// GetResolvedBy returns the ResolvedBy field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetResolvedBy() TransactionActor {
	if o == nil || IsNil(o.ResolvedBy.Get()) {
		var ret TransactionActor
		return ret
	}
	return *o.ResolvedBy.Get()
}

// GetResolvedByOk returns a tuple with the ResolvedBy field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetResolvedByOk() (*TransactionActor, bool) {
	if o == nil {
		return nil, false
	}
	return o.ResolvedBy.Get(), o.ResolvedBy.IsSet()
}

// HasResolvedBy returns a boolean if a field has been set.
func (o *Transaction) HasResolvedBy() bool {
	if o != nil && o.ResolvedBy.IsSet() {
		return true
	}

	return false
}

// SetResolvedBy gets a reference to the given NullableTransactionActor and assigns it to the ResolvedBy field.
func (o *Transaction) SetResolvedBy(v TransactionActor) {
	o.ResolvedBy.Set(&v)
}
// SetResolvedByNil sets the value for ResolvedBy to be an explicit nil
func (o *Transaction) SetResolvedByNil() {
	o.ResolvedBy.Set(nil)
}

// UnsetResolvedBy ensures that no value is present for ResolvedBy, not even an explicit nil
func (o *Transaction) UnsetResolvedBy() {
	o.ResolvedBy.Unset()
}

// GetCreatedAt returns the CreatedAt field value
func (o *Transaction) GetCreatedAt() time.Time {
	if o == nil {
		var ret time.Time
		return ret
	}

	return o.CreatedAt
}

// GetCreatedAtOk returns a tuple with the CreatedAt field value
// and a boolean to check if the value has been set.
func (o *Transaction) GetCreatedAtOk() (*time.Time, bool) {
	if o == nil {
		return nil, false
	}
	return &o.CreatedAt, true
}

// SetCreatedAt sets field value
func (o *Transaction) SetCreatedAt(v time.Time) {
	o.CreatedAt = v
}

// GetResolvedAt returns the ResolvedAt field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetResolvedAt() time.Time {
	if o == nil || IsNil(o.ResolvedAt.Get()) {
		var ret time.Time
		return ret
	}
	return *o.ResolvedAt.Get()
}

// GetResolvedAtOk returns a tuple with the ResolvedAt field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetResolvedAtOk() (*time.Time, bool) {
	if o == nil {
		return nil, false
	}
	return o.ResolvedAt.Get(), o.ResolvedAt.IsSet()
}

// HasResolvedAt returns a boolean if a field has been set.
func (o *Transaction) HasResolvedAt() bool {
	if o != nil && o.ResolvedAt.IsSet() {
		return true
	}

	return false
}

// SetResolvedAt gets a reference to the given NullableTime and assigns it to the ResolvedAt field.
func (o *Transaction) SetResolvedAt(v time.Time) {
	o.ResolvedAt.Set(&v)
}
// SetResolvedAtNil sets the value for ResolvedAt to be an explicit nil
func (o *Transaction) SetResolvedAtNil() {
	o.ResolvedAt.Set(nil)
}

// UnsetResolvedAt ensures that no value is present for ResolvedAt, not even an explicit nil
func (o *Transaction) UnsetResolvedAt() {
	o.ResolvedAt.Unset()
}

// GetAppName returns the AppName field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetAppName() string {
	if o == nil || IsNil(o.AppName.Get()) {
		var ret string
		return ret
	}
	return *o.AppName.Get()
}

// GetAppNameOk returns a tuple with the AppName field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetAppNameOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return o.AppName.Get(), o.AppName.IsSet()
}

// HasAppName returns a boolean if a field has been set.
func (o *Transaction) HasAppName() bool {
	if o != nil && o.AppName.IsSet() {
		return true
	}

	return false
}

// SetAppName gets a reference to the given NullableString and assigns it to the AppName field.
func (o *Transaction) SetAppName(v string) {
	o.AppName.Set(&v)
}
// SetAppNameNil sets the value for AppName to be an explicit nil
func (o *Transaction) SetAppNameNil() {
	o.AppName.Set(nil)
}

// UnsetAppName ensures that no value is present for AppName, not even an explicit nil
func (o *Transaction) UnsetAppName() {
	o.AppName.Unset()
}

// GetAppEpPath returns the AppEpPath field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetAppEpPath() string {
	if o == nil || IsNil(o.AppEpPath.Get()) {
		var ret string
		return ret
	}
	return *o.AppEpPath.Get()
}

// GetAppEpPathOk returns a tuple with the AppEpPath field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetAppEpPathOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return o.AppEpPath.Get(), o.AppEpPath.IsSet()
}

// HasAppEpPath returns a boolean if a field has been set.
func (o *Transaction) HasAppEpPath() bool {
	if o != nil && o.AppEpPath.IsSet() {
		return true
	}

	return false
}

// SetAppEpPath gets a reference to the given NullableString and assigns it to the AppEpPath field.
func (o *Transaction) SetAppEpPath(v string) {
	o.AppEpPath.Set(&v)
}
// SetAppEpPathNil sets the value for AppEpPath to be an explicit nil
func (o *Transaction) SetAppEpPathNil() {
	o.AppEpPath.Set(nil)
}

// UnsetAppEpPath ensures that no value is present for AppEpPath, not even an explicit nil
func (o *Transaction) UnsetAppEpPath() {
	o.AppEpPath.Unset()
}

// GetAuthorizedAmount returns the AuthorizedAmount field value if set, zero value otherwise.
func (o *Transaction) GetAuthorizedAmount() float64 {
	if o == nil || IsNil(o.AuthorizedAmount) {
		var ret float64
		return ret
	}
	return *o.AuthorizedAmount
}

// GetAuthorizedAmountOk returns a tuple with the AuthorizedAmount field value if set, nil otherwise
// and a boolean to check if the value has been set.
func (o *Transaction) GetAuthorizedAmountOk() (*float64, bool) {
	if o == nil || IsNil(o.AuthorizedAmount) {
		return nil, false
	}
	return o.AuthorizedAmount, true
}

// HasAuthorizedAmount returns a boolean if a field has been set.
func (o *Transaction) HasAuthorizedAmount() bool {
	if o != nil && !IsNil(o.AuthorizedAmount) {
		return true
	}

	return false
}

// SetAuthorizedAmount gets a reference to the given float64 and assigns it to the AuthorizedAmount field.
func (o *Transaction) SetAuthorizedAmount(v float64) {
	o.AuthorizedAmount = &v
}

// GetExpiresAt returns the ExpiresAt field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetExpiresAt() time.Time {
	if o == nil || IsNil(o.ExpiresAt.Get()) {
		var ret time.Time
		return ret
	}
	return *o.ExpiresAt.Get()
}

// GetExpiresAtOk returns a tuple with the ExpiresAt field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetExpiresAtOk() (*time.Time, bool) {
	if o == nil {
		return nil, false
	}
	return o.ExpiresAt.Get(), o.ExpiresAt.IsSet()
}

// HasExpiresAt returns a boolean if a field has been set.
func (o *Transaction) HasExpiresAt() bool {
	if o != nil && o.ExpiresAt.IsSet() {
		return true
	}

	return false
}

// SetExpiresAt gets a reference to the given NullableTime and assigns it to the ExpiresAt field.
func (o *Transaction) SetExpiresAt(v time.Time) {
	o.ExpiresAt.Set(&v)
}
// SetExpiresAtNil sets the value for ExpiresAt to be an explicit nil
func (o *Transaction) SetExpiresAtNil() {
	o.ExpiresAt.Set(nil)
}

// UnsetExpiresAt ensures that no value is present for ExpiresAt, not even an explicit nil
func (o *Transaction) UnsetExpiresAt() {
	o.ExpiresAt.Unset()
}

// GetCancelReason returns the CancelReason field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetCancelReason() string {
	if o == nil || IsNil(o.CancelReason.Get()) {
		var ret string
		return ret
	}
	return *o.CancelReason.Get()
}

// GetCancelReasonOk returns a tuple with the CancelReason field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetCancelReasonOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return o.CancelReason.Get(), o.CancelReason.IsSet()
}

// HasCancelReason returns a boolean if a field has been set.
func (o *Transaction) HasCancelReason() bool {
	if o != nil && o.CancelReason.IsSet() {
		return true
	}

	return false
}

// SetCancelReason gets a reference to the given NullableString and assigns it to the CancelReason field.
func (o *Transaction) SetCancelReason(v string) {
	o.CancelReason.Set(&v)
}
// SetCancelReasonNil sets the value for CancelReason to be an explicit nil
func (o *Transaction) SetCancelReasonNil() {
	o.CancelReason.Set(nil)
}

// UnsetCancelReason ensures that no value is present for CancelReason, not even an explicit nil
func (o *Transaction) UnsetCancelReason() {
	o.CancelReason.Unset()
}

// GetRefundOf returns the RefundOf field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetRefundOf() string {
	if o == nil || IsNil(o.RefundOf.Get()) {
		var ret string
		return ret
	}
	return *o.RefundOf.Get()
}

// GetRefundOfOk returns a tuple with the RefundOf field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetRefundOfOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return o.RefundOf.Get(), o.RefundOf.IsSet()
}

// HasRefundOf returns a boolean if a field has been set.
func (o *Transaction) HasRefundOf() bool {
	if o != nil && o.RefundOf.IsSet() {
		return true
	}

	return false
}

// SetRefundOf gets a reference to the given NullableString and assigns it to the RefundOf field.
func (o *Transaction) SetRefundOf(v string) {
	o.RefundOf.Set(&v)
}
// SetRefundOfNil sets the value for RefundOf to be an explicit nil
func (o *Transaction) SetRefundOfNil() {
	o.RefundOf.Set(nil)
}

// UnsetRefundOf ensures that no value is present for RefundOf, not even an explicit nil
func (o *Transaction) UnsetRefundOf() {
	o.RefundOf.Unset()
}

// GetRefundedAmount returns the RefundedAmount field value if set, zero value otherwise.
func (o *Transaction) GetRefundedAmount() float64 {
	if o == nil || IsNil(o.RefundedAmount) {
		var ret float64
		return ret
	}
	return *o.RefundedAmount
}

// GetRefundedAmountOk returns a tuple with the RefundedAmount field value if set, nil otherwise
// and a boolean to check if the value has been set.
func (o *Transaction) GetRefundedAmountOk() (*float64, bool) {
	if o == nil || IsNil(o.RefundedAmount) {
		return nil, false
	}
	return o.RefundedAmount, true
}

// HasRefundedAmount returns a boolean if a field has been set.
func (o *Transaction) HasRefundedAmount() bool {
	if o != nil && !IsNil(o.RefundedAmount) {
		return true
	}

	return false
}

// SetRefundedAmount gets a reference to the given float64 and assigns it to the RefundedAmount field.
func (o *Transaction) SetRefundedAmount(v float64) {
	o.RefundedAmount = &v
}

// GetRefundReason returns the RefundReason field value if set, zero value otherwise (both if not set or set to explicit null).
func (o *Transaction) GetRefundReason() string {
	if o == nil || IsNil(o.RefundReason.Get()) {
		var ret string
		return ret
	}
	return *o.RefundReason.Get()
}

// GetRefundReasonOk returns a tuple with the RefundReason field value if set, nil otherwise
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Transaction) GetRefundReasonOk() (*string, bool) {
	if o == nil {
		return nil, false
	}
	return o.RefundReason.Get(), o.RefundReason.IsSet()
}

// HasRefundReason returns a boolean if a field has been set.
func (o *Transaction) HasRefundReason() bool {
	if o != nil && o.RefundReason.IsSet() {
		return true
	}

	return false
}

// SetRefundReason gets a reference to the given NullableString and assigns it to the RefundReason field.
func (o *Transaction) SetRefundReason(v string) {
	o.RefundReason.Set(&v)
}
// SetRefundReasonNil sets the value for RefundReason to be an explicit nil
func (o *Transaction) SetRefundReasonNil() {
	o.RefundReason.Set(nil)
}

// UnsetRefundReason ensures that no value is present for RefundReason, not even an explicit nil
func (o *Transaction) UnsetRefundReason() {
	o.RefundReason.Unset()
}

func (o Transaction) MarshalJSON() ([]byte, error) {
	toSerialize,err := o.ToMap()
	if err != nil {
		return []byte{}, err
	}
	return json.Marshal(toSerialize)
}

func (o Transaction) ToMap() (map[string]interface{}, error) {
	toSerialize := map[string]interface{}{}
	toSerialize["id"] = o.Id
	toSerialize["senderEmail"] = o.SenderEmail
	toSerialize["recipientEmail"] = o.RecipientEmail
	toSerialize["amount"] = o.Amount
	toSerialize["status"] = o.Status
	toSerialize["createdBy"] = o.CreatedBy
	if o.ResolvedBy.IsSet() {
		toSerialize["resolvedBy"] = o.ResolvedBy.Get()
	}
	toSerialize["createdAt"] = o.CreatedAt
	if o.ResolvedAt.IsSet() {
		toSerialize["resolvedAt"] = o.ResolvedAt.Get()
	}
	if o.AppName.IsSet() {
		toSerialize["appName"] = o.AppName.Get()
	}
	if o.AppEpPath.IsSet() {
		toSerialize["appEpPath"] = o.AppEpPath.Get()
	}
	if !IsNil(o.AuthorizedAmount) {
		toSerialize["authorizedAmount"] = o.AuthorizedAmount
	}
	if o.ExpiresAt.IsSet() {
		toSerialize["expiresAt"] = o.ExpiresAt.Get()
	}
	if o.CancelReason.IsSet() {
		toSerialize["cancelReason"] = o.CancelReason.Get()
	}
	if o.RefundOf.IsSet() {
		toSerialize["refundOf"] = o.RefundOf.Get()
	}
	if !IsNil(o.RefundedAmount) {
		toSerialize["refundedAmount"] = o.RefundedAmount
	}
	if o.RefundReason.IsSet() {
		toSerialize["refundReason"] = o.RefundReason.Get()
	}

	for key, value := range o.AdditionalProperties {
		toSerialize[key] = value
	}

	return toSerialize, nil
}

func (o *Transaction) UnmarshalJSON(data []byte) (err error) {
	// This validates that all required properties are included in the JSON object
	// by unmarshalling the object into a generic map with string keys and checking
	// that every required field exists as a key in the generic map.
	requiredProperties := []string{
		"id",
		"senderEmail",
		"recipientEmail",
		"amount",
		"status",
		"createdBy",
		"createdAt",
	}

	allProperties := make(map[string]interface{})

	err = json.Unmarshal(data, &allProperties)

	if err != nil {
		return err;
	}

	for _, requiredProperty := range(requiredProperties) {
		if _, exists := allProperties[requiredProperty]; !exists {
			return fmt.Errorf("no value given for required property %v", requiredProperty)
		}
	}

	varTransaction := _Transaction{}

	err = json.Unmarshal(data, &varTransaction)

	if err != nil {
		return err
	}

	*o = Transaction(varTransaction)

	additionalProperties := make(map[string]interface{})

	if err = json.Unmarshal(data, &additionalProperties); err == nil {
		delete(additionalProperties, "id")
		delete(additionalProperties, "senderEmail")
		delete(additionalProperties, "recipientEmail")
		delete(additionalProperties, "amount")
		delete(additionalProperties, "status")
		delete(additionalProperties, "createdBy")
		delete(additionalProperties, "resolvedBy")
		delete(additionalProperties, "createdAt")
		delete(additionalProperties, "resolvedAt")
		delete(additionalProperties, "appName")
		delete(additionalProperties, "appEpPath")
		delete(additionalProperties, "authorizedAmount")
		delete(additionalProperties, "expiresAt")
		delete(additionalProperties, "cancelReason")
		delete(additionalProperties, "refundOf")
		delete(additionalProperties, "refundedAmount")
		delete(additionalProperties, "refundReason")
		o.AdditionalProperties = additionalProperties
	}

	return err
}

type NullableTransaction struct {
	value *Transaction
	isSet bool
}

func (v NullableTransaction) Get() *Transaction {
	return v.value
}

func (v *NullableTransaction) Set(val *Transaction) {
	v.value = val
	v.isSet = true
}

func (v NullableTransaction) IsSet() bool {
	return v.isSet
}

func (v *NullableTransaction) Unset() {
	v.value = nil
	v.isSet = false
}

func NewNullableTransaction(val *Transaction) *NullableTransaction {
	return &NullableTransaction{value: val, isSet: true}
}

func (v NullableTransaction) MarshalJSON() ([]byte, error) {
	return json.Marshal(v.value)
}

func (v *NullableTransaction) UnmarshalJSON(src []byte) error {
	v.isSet = true
	return json.Unmarshal(src, &v.value)
}


