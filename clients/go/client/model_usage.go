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

// checks if the Usage type satisfies the MappedNullable interface at compile time
var _ MappedNullable = &Usage{}

// Usage Counts and totals over the caller's transactions (see `GET /user/usage`).
type Usage struct {
	// Transactions in any status in which the caller is the sender or the recipient.
	TransactionCount int32 `json:"transactionCount"`
	// A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum.
	TotalSpent float64 `json:"totalSpent"`
	// A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum.
	TotalReceived float64 `json:"totalReceived"`
	// Pending transactions, in either direction.
	PendingCount int32 `json:"pendingCount"`
	// A sum of amounts in US dollars, exact to the micro-dollar; it may exceed one amount's maximum.
	PendingAmount float64 `json:"pendingAmount"`
	// Completed refunds given back to the caller (not in `totalReceived`).
	TotalRefundsReceived *float64 `json:"totalRefundsReceived,omitempty"`
	// Completed refunds the caller gave (not in `totalSpent`).
	TotalRefundsGiven *float64 `json:"totalRefundsGiven,omitempty"`
	// When the first counted transaction was created; null when there is none.
	FirstTransactionAt NullableTime `json:"firstTransactionAt"`
	// When the last counted transaction was created; null when there is none.
	LastTransactionAt NullableTime `json:"lastTransactionAt"`
	AdditionalProperties map[string]interface{}
}

type _Usage Usage

// NewUsage instantiates a new Usage object
// This constructor will assign default values to properties that have it defined,
// and makes sure properties required by API are set, but the set of arguments
// will change when the set of required properties is changed
func NewUsage(transactionCount int32, totalSpent float64, totalReceived float64, pendingCount int32, pendingAmount float64, firstTransactionAt NullableTime, lastTransactionAt NullableTime) *Usage {
	this := Usage{}
	this.TransactionCount = transactionCount
	this.TotalSpent = totalSpent
	this.TotalReceived = totalReceived
	this.PendingCount = pendingCount
	this.PendingAmount = pendingAmount
	this.FirstTransactionAt = firstTransactionAt
	this.LastTransactionAt = lastTransactionAt
	return &this
}

// NewUsageWithDefaults instantiates a new Usage object
// This constructor will only assign default values to properties that have it defined,
// but it doesn't guarantee that properties required by API are set
func NewUsageWithDefaults() *Usage {
	this := Usage{}
	return &this
}

// GetTransactionCount returns the TransactionCount field value
func (o *Usage) GetTransactionCount() int32 {
	if o == nil {
		var ret int32
		return ret
	}

	return o.TransactionCount
}

// GetTransactionCountOk returns a tuple with the TransactionCount field value
// and a boolean to check if the value has been set.
func (o *Usage) GetTransactionCountOk() (*int32, bool) {
	if o == nil {
		return nil, false
	}
	return &o.TransactionCount, true
}

// SetTransactionCount sets field value
func (o *Usage) SetTransactionCount(v int32) {
	o.TransactionCount = v
}

// GetTotalSpent returns the TotalSpent field value
func (o *Usage) GetTotalSpent() float64 {
	if o == nil {
		var ret float64
		return ret
	}

	return o.TotalSpent
}

// GetTotalSpentOk returns a tuple with the TotalSpent field value
// and a boolean to check if the value has been set.
func (o *Usage) GetTotalSpentOk() (*float64, bool) {
	if o == nil {
		return nil, false
	}
	return &o.TotalSpent, true
}

// SetTotalSpent sets field value
func (o *Usage) SetTotalSpent(v float64) {
	o.TotalSpent = v
}

// GetTotalReceived returns the TotalReceived field value
func (o *Usage) GetTotalReceived() float64 {
	if o == nil {
		var ret float64
		return ret
	}

	return o.TotalReceived
}

// GetTotalReceivedOk returns a tuple with the TotalReceived field value
// and a boolean to check if the value has been set.
func (o *Usage) GetTotalReceivedOk() (*float64, bool) {
	if o == nil {
		return nil, false
	}
	return &o.TotalReceived, true
}

// SetTotalReceived sets field value
func (o *Usage) SetTotalReceived(v float64) {
	o.TotalReceived = v
}

// GetPendingCount returns the PendingCount field value
func (o *Usage) GetPendingCount() int32 {
	if o == nil {
		var ret int32
		return ret
	}

	return o.PendingCount
}

// GetPendingCountOk returns a tuple with the PendingCount field value
// and a boolean to check if the value has been set.
func (o *Usage) GetPendingCountOk() (*int32, bool) {
	if o == nil {
		return nil, false
	}
	return &o.PendingCount, true
}

// SetPendingCount sets field value
func (o *Usage) SetPendingCount(v int32) {
	o.PendingCount = v
}

// GetPendingAmount returns the PendingAmount field value
func (o *Usage) GetPendingAmount() float64 {
	if o == nil {
		var ret float64
		return ret
	}

	return o.PendingAmount
}

// GetPendingAmountOk returns a tuple with the PendingAmount field value
// and a boolean to check if the value has been set.
func (o *Usage) GetPendingAmountOk() (*float64, bool) {
	if o == nil {
		return nil, false
	}
	return &o.PendingAmount, true
}

// SetPendingAmount sets field value
func (o *Usage) SetPendingAmount(v float64) {
	o.PendingAmount = v
}

// GetTotalRefundsReceived returns the TotalRefundsReceived field value if set, zero value otherwise.
func (o *Usage) GetTotalRefundsReceived() float64 {
	if o == nil || IsNil(o.TotalRefundsReceived) {
		var ret float64
		return ret
	}
	return *o.TotalRefundsReceived
}

// GetTotalRefundsReceivedOk returns a tuple with the TotalRefundsReceived field value if set, nil otherwise
// and a boolean to check if the value has been set.
func (o *Usage) GetTotalRefundsReceivedOk() (*float64, bool) {
	if o == nil || IsNil(o.TotalRefundsReceived) {
		return nil, false
	}
	return o.TotalRefundsReceived, true
}

// HasTotalRefundsReceived returns a boolean if a field has been set.
func (o *Usage) HasTotalRefundsReceived() bool {
	if o != nil && !IsNil(o.TotalRefundsReceived) {
		return true
	}

	return false
}

// SetTotalRefundsReceived gets a reference to the given float64 and assigns it to the TotalRefundsReceived field.
func (o *Usage) SetTotalRefundsReceived(v float64) {
	o.TotalRefundsReceived = &v
}

// GetTotalRefundsGiven returns the TotalRefundsGiven field value if set, zero value otherwise.
func (o *Usage) GetTotalRefundsGiven() float64 {
	if o == nil || IsNil(o.TotalRefundsGiven) {
		var ret float64
		return ret
	}
	return *o.TotalRefundsGiven
}

// GetTotalRefundsGivenOk returns a tuple with the TotalRefundsGiven field value if set, nil otherwise
// and a boolean to check if the value has been set.
func (o *Usage) GetTotalRefundsGivenOk() (*float64, bool) {
	if o == nil || IsNil(o.TotalRefundsGiven) {
		return nil, false
	}
	return o.TotalRefundsGiven, true
}

// HasTotalRefundsGiven returns a boolean if a field has been set.
func (o *Usage) HasTotalRefundsGiven() bool {
	if o != nil && !IsNil(o.TotalRefundsGiven) {
		return true
	}

	return false
}

// SetTotalRefundsGiven gets a reference to the given float64 and assigns it to the TotalRefundsGiven field.
func (o *Usage) SetTotalRefundsGiven(v float64) {
	o.TotalRefundsGiven = &v
}

// GetFirstTransactionAt returns the FirstTransactionAt field value
// If the value is explicit nil, the zero value for time.Time will be returned
func (o *Usage) GetFirstTransactionAt() time.Time {
	if o == nil || o.FirstTransactionAt.Get() == nil {
		var ret time.Time
		return ret
	}

	return *o.FirstTransactionAt.Get()
}

// GetFirstTransactionAtOk returns a tuple with the FirstTransactionAt field value
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Usage) GetFirstTransactionAtOk() (*time.Time, bool) {
	if o == nil {
		return nil, false
	}
	return o.FirstTransactionAt.Get(), o.FirstTransactionAt.IsSet()
}

// SetFirstTransactionAt sets field value
func (o *Usage) SetFirstTransactionAt(v time.Time) {
	o.FirstTransactionAt.Set(&v)
}

// GetLastTransactionAt returns the LastTransactionAt field value
// If the value is explicit nil, the zero value for time.Time will be returned
func (o *Usage) GetLastTransactionAt() time.Time {
	if o == nil || o.LastTransactionAt.Get() == nil {
		var ret time.Time
		return ret
	}

	return *o.LastTransactionAt.Get()
}

// GetLastTransactionAtOk returns a tuple with the LastTransactionAt field value
// and a boolean to check if the value has been set.
// NOTE: If the value is an explicit nil, `nil, true` will be returned
func (o *Usage) GetLastTransactionAtOk() (*time.Time, bool) {
	if o == nil {
		return nil, false
	}
	return o.LastTransactionAt.Get(), o.LastTransactionAt.IsSet()
}

// SetLastTransactionAt sets field value
func (o *Usage) SetLastTransactionAt(v time.Time) {
	o.LastTransactionAt.Set(&v)
}

func (o Usage) MarshalJSON() ([]byte, error) {
	toSerialize,err := o.ToMap()
	if err != nil {
		return []byte{}, err
	}
	return json.Marshal(toSerialize)
}

func (o Usage) ToMap() (map[string]interface{}, error) {
	toSerialize := map[string]interface{}{}
	toSerialize["transactionCount"] = o.TransactionCount
	toSerialize["totalSpent"] = o.TotalSpent
	toSerialize["totalReceived"] = o.TotalReceived
	toSerialize["pendingCount"] = o.PendingCount
	toSerialize["pendingAmount"] = o.PendingAmount
	if !IsNil(o.TotalRefundsReceived) {
		toSerialize["totalRefundsReceived"] = o.TotalRefundsReceived
	}
	if !IsNil(o.TotalRefundsGiven) {
		toSerialize["totalRefundsGiven"] = o.TotalRefundsGiven
	}
	toSerialize["firstTransactionAt"] = o.FirstTransactionAt.Get()
	toSerialize["lastTransactionAt"] = o.LastTransactionAt.Get()

	for key, value := range o.AdditionalProperties {
		toSerialize[key] = value
	}

	return toSerialize, nil
}

func (o *Usage) UnmarshalJSON(data []byte) (err error) {
	// This validates that all required properties are included in the JSON object
	// by unmarshalling the object into a generic map with string keys and checking
	// that every required field exists as a key in the generic map.
	requiredProperties := []string{
		"transactionCount",
		"totalSpent",
		"totalReceived",
		"pendingCount",
		"pendingAmount",
		"firstTransactionAt",
		"lastTransactionAt",
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

	varUsage := _Usage{}

	err = json.Unmarshal(data, &varUsage)

	if err != nil {
		return err
	}

	*o = Usage(varUsage)

	additionalProperties := make(map[string]interface{})

	if err = json.Unmarshal(data, &additionalProperties); err == nil {
		delete(additionalProperties, "transactionCount")
		delete(additionalProperties, "totalSpent")
		delete(additionalProperties, "totalReceived")
		delete(additionalProperties, "pendingCount")
		delete(additionalProperties, "pendingAmount")
		delete(additionalProperties, "totalRefundsReceived")
		delete(additionalProperties, "totalRefundsGiven")
		delete(additionalProperties, "firstTransactionAt")
		delete(additionalProperties, "lastTransactionAt")
		o.AdditionalProperties = additionalProperties
	}

	return err
}

type NullableUsage struct {
	value *Usage
	isSet bool
}

func (v NullableUsage) Get() *Usage {
	return v.value
}

func (v *NullableUsage) Set(val *Usage) {
	v.value = val
	v.isSet = true
}

func (v NullableUsage) IsSet() bool {
	return v.isSet
}

func (v *NullableUsage) Unset() {
	v.value = nil
	v.isSet = false
}

func NewNullableUsage(val *Usage) *NullableUsage {
	return &NullableUsage{value: val, isSet: true}
}

func (v NullableUsage) MarshalJSON() ([]byte, error) {
	return json.Marshal(v.value)
}

func (v *NullableUsage) UnmarshalJSON(src []byte) error {
	v.isSet = true
	return json.Unmarshal(src, &v.value)
}


